#!/usr/bin/env python3
"""OCR: character accuracy on the rendered fixtures (tests/ocr/fixtures, made
by tests/ocr/make_fixtures.py) and `parse --ocr` end to end.

  python3 tests/ocr_test.py BUILD/wxingest

Accuracy = 1 - edit distance / length of the expected text, whitespace
removed, reading order row by row.  Every clean fixture must reach 0.95;
the degraded ones (JPEG q=50, 1.5x smaller) are reported.  On an ASan build
(tesseract is slow under it) one clean fixture and the end-to-end checks
run.  Ends with "ocr: N passed, N failed".
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "ocr", "fixtures")
MIN_ACCURACY = 0.95

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def accuracy(expected, got):
    e = "".join(expected.split())
    g = "".join((got or "").split())
    return 1 - edit_distance(e, g) / len(e)


def expected_of(jpg):
    with open(jpg[:-4] + ".txt", encoding="utf-8") as f:
        return f.read()


def ocr_files(cli, files):
    """OCR files in two ocr_cli processes (two cores); {path: result}."""
    halves = [files[0::2], files[1::2]]
    procs = [subprocess.Popen([cli] + h, stdout=subprocess.PIPE, text=True) for h in halves if h]
    out = {}
    for p in procs:
        stdout, _ = p.communicate(timeout=600)
        check(p.returncode == 0, "ocr_cli exited %d" % p.returncode)
        for line in stdout.splitlines():
            r = json.loads(line)
            out[r["path"]] = r
    return out


def fixture_accuracy(cli, asan):
    clean = sorted(f for f in glob.glob(os.path.join(FIXTURES, "*.jpg"))
                   if not os.path.basename(f).startswith("degraded-"))
    degraded = sorted(glob.glob(os.path.join(FIXTURES, "degraded-*.jpg")))
    check(len(clean) >= 5 and len(degraded) >= 10, "fixtures present (%d clean, %d degraded)" % (len(clean), len(degraded)))
    if asan:
        clean = [f for f in clean if "table-plain" in f]
        degraded = []
    results = ocr_files(cli, clean + degraded)
    cpu = sum(r["cpu_seconds"] for r in results.values())
    for f in clean + degraded:
        r = results.get(f)
        name = os.path.basename(f)
        if not r:
            check(False, name + ": no result")
            continue
        acc = accuracy(expected_of(f), r["text"])
        table = "\t" in expected_of(f)
        print("ocr: %-40s accuracy %.3f  confidence %3.0f  %s  %.2f s CPU" %
              (name, acc, r["confidence"], "table" if r["table"] else "text ", r["cpu_seconds"]))
        if name.startswith("degraded-"):
            continue
        check(r["status"] == "read", name + ": status " + r["status"])
        check(acc >= MIN_ACCURACY, "%s: accuracy %.3f < %.2f" % (name, acc, MIN_ACCURACY))
        check(bool(r["table"]) == table, name + ": table detection")
        check(0 < r["confidence"] <= 100, name + ": confidence %r" % r["confidence"])
    if results:
        print("ocr: %d images, %.1f s CPU: %.2f images/s per core" % (len(results), cpu, len(results) / cpu))


PAGE = """<html><head><meta charset="utf-8"><title>关于发布2024年度第一批网络安全国家标准需求的通知</title></head>
<body><div id="js_content" class="rich_media_content">
<p>现将清单印发给你们，请围绕需求做好申报工作。</p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_jpg/fixture/640?wx_fmt=jpeg" data-w="640" src="{folder}/640.jpeg"></p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_png/small/640?wx_fmt=png" src="{folder}/small.png"></p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_gif/anim/640?wx_fmt=gif" data-w="200" src="{folder}/anim.gif"></p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_jpg/outside/640?wx_fmt=jpeg" src="../outside_files/640.jpeg"></p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_jpg/link/640?wx_fmt=jpeg" src="{folder}/link.jpeg"></p>
</div></body></html>
"""


def parse(wx, args, env=None):
    p = subprocess.run([wx, "parse"] + args, capture_output=True, text=True, timeout=600, env=env)
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    counts = {}
    for line in p.stderr.splitlines():
        if "ocr images:" in line:
            counts = dict(kv.split("=") for kv in line.split("ocr images:")[1].split())
    return p, recs, {k: int(v) for k, v in counts.items()}


def images_by_name(rec):
    return {im["url"].split("/")[-2]: im for im in rec["images"]}


def end_to_end(wx):
    tmp = tempfile.mkdtemp(prefix="wx-ocr-")
    try:
        root = os.path.join(tmp, "pages")
        folder = "通知_files"
        os.makedirs(os.path.join(root, folder))
        os.makedirs(os.path.join(tmp, "outside_files"))
        table = os.path.join(FIXTURES, "table-wrapped.jpg")
        shutil.copy(table, os.path.join(root, folder, "640.jpeg"))
        shutil.copy(table, os.path.join(tmp, "outside_files", "640.jpeg"))
        # a link leading out of the folder is not followed
        os.symlink(os.path.join(tmp, "outside_files", "640.jpeg"), os.path.join(root, folder, "link.jpeg"))
        subprocess.run(["convert", "-size", "30x30", "xc:white", os.path.join(root, folder, "small.png")], check=True)
        subprocess.run(["convert", "-size", "200x100", "xc:white", "-size", "200x100", "xc:black",
                        "-loop", "0", os.path.join(root, folder, "anim.gif")], check=True)
        page = os.path.join(root, "page.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write(PAGE.format(folder="%E9%80%9A%E7%9F%A5_files"))
        cache = os.path.join(tmp, "cache")

        # without --ocr: the fields are null and libtesseract is never mapped
        env = dict(os.environ, LD_DEBUG="files")
        p, recs, _ = parse(wx, [page], env)
        check(len(recs) == 1 and all(im["text"] is None and im["text_confidence"] is None
                                     for im in recs[0]["images"]), "without --ocr every image has text null")
        check("libtesseract" not in p.stderr, "without --ocr libtesseract is not loaded")

        p, recs, n = parse(wx, ["--ocr", "--ocr-cache", cache, page])
        check(p.returncode == 0, "parse --ocr exit %d: %s" % (p.returncode, p.stderr[-500:]))
        ims = images_by_name(recs[0]) if recs else {}
        im = ims.get("fixture", {})
        acc = accuracy(expected_of(table), im.get("text"))
        print("ocr: end to end: accuracy %.3f, confidence %s, counts %s" % (acc, im.get("text_confidence"), n))
        check(acc >= MIN_ACCURACY, "parse --ocr text accuracy %.3f" % acc)
        check(isinstance(im.get("text_confidence"), int) and 0 < im["text_confidence"] <= 100, "text_confidence")
        check(im.get("text", "").count("\n") == expected_of(table).strip().count("\n"), "one line per table row")
        check(all("\t" in line for line in im.get("text", "").split("\n")), "cells separated by tabs")
        for name in ("small", "anim", "outside", "link"):
            check(ims.get(name, {}).get("text", 1) is None, name + ": not OCRed")
        check(n.get("read") == 1 and n.get("cached") == 0 and n.get("skipped") == 2, "first run counts %s" % n)
        entries = glob.glob(os.path.join(cache, "*", "*.json"))
        check(len(entries) == 3, "cache entries: %d" % len(entries))

        # second run: everything from the cache, nothing OCRed, same record
        p2, recs2, n2 = parse(wx, ["--ocr", "--ocr-cache", cache, page])
        check(n2.get("read") == 0 and n2.get("cached") == 3, "second run counts %s" % n2)
        check(recs2 == recs, "second run gives the same record")

        # a corrupt entry is ignored (and rewritten)
        for e in entries:
            with open(e, "w") as f:
                f.write('{"version": 1, "sha256": "')
        p3, recs3, n3 = parse(wx, ["--ocr", "--ocr-cache", cache, page])
        check(n3.get("read") == 1 and n3.get("cached") == 0, "corrupt cache: counts %s" % n3)
        check(recs3 == recs, "corrupt cache: same record")

        # threads: -j 2 over two copies of the page gives -j 1's records.
        # The -j 1 reference reads the cache (a cached record equals an
        # OCRed one, checked above), so the image is OCRed only by -j 2.
        shutil.copytree(root, os.path.join(tmp, "pages2"), symlinks=True)
        both = [page, os.path.join(tmp, "pages2", "page.html")]
        _, r1, n1 = parse(wx, ["--ocr", "--ocr-cache", cache, "-j", "1"] + both)
        check(n1.get("read") == 0 and n1.get("cached") == 6, "-j 1 reference from the cache: counts %s" % n1)
        _, r2, n4 = parse(wx, ["--ocr", "-j", "2"] + both)
        check(len(r1) == 2 and r1 == r2, "-j 2 == -j 1 with --ocr")
        check(n4.get("read") == 2, "-j 2 without cache reads both: %s" % n4)

        # a JPEG cut short and bytes that are no image: a record, no crash
        with open(table, "rb") as f:
            data = f.read()
        bad = os.path.join(tmp, "bad")
        os.makedirs(os.path.join(bad, "b_files"))
        with open(os.path.join(bad, "b_files", "cut.jpeg"), "wb") as f:
            f.write(data[: len(data) // 3])
        with open(os.path.join(bad, "b_files", "junk.jpeg"), "wb") as f:
            f.write(bytes((i * 7919) % 251 for i in range(5000)))
        with open(os.path.join(bad, "b.html"), "w", encoding="utf-8") as f:
            f.write(PAGE.replace("{folder}/640.jpeg", "b_files/cut.jpeg").replace("{folder}/small.png", "b_files/junk.jpeg")
                    .format(folder="b_files"))
        p6, recs6, n6 = parse(wx, ["--ocr", os.path.join(bad, "b.html")])
        check(p6.returncode == 0 and len(recs6) == 1, "cut and junk images: exit %d" % p6.returncode)
        check(n6.get("read", 0) + n6.get("failed", 0) == 2, "cut and junk images: counts %s" % n6)
        check(all(isinstance(im["text"], (str, type(None))) for im in recs6[0]["images"]) if recs6 else False,
              "cut and junk images: text is a string or null")

        p5 = subprocess.run([wx, "parse", "--ocr-cache", cache, page], capture_output=True, text=True)
        check(p5.returncode == 64, "--ocr-cache without --ocr is a usage error")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    wx = sys.argv[1]
    build = os.path.dirname(wx)
    cli = os.path.join(build, "tests", "ocr_cli")
    asan = "asan" in os.path.basename(os.path.abspath(build))
    if not os.path.exists(cli):
        check(False, cli + " missing (make tests-bin)")
    else:
        fixture_accuracy(cli, asan)
    end_to_end(wx)
    print("ocr: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
