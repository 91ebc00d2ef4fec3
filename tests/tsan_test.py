#!/usr/bin/python3
"""The threaded paths under ThreadSanitizer (make tsan; part of make check).

`parse -j 4` and `run -j 4` (over a store filled from tests/httpd.py)
run the ordered thread pool: workers parse while the main
thread writes records in input order.  This runs the ThreadSanitizer build
over the samples, the test cases, the web archives of tests/warc/ (one
input, many documents) and, when ../shared is beside the clone,
the corpus, the notices, the dates set and the 5,000 markdown archives.
Any race report fails; so does output that differs from `-j 1` of the same
binary (the pool must not change a byte).

Usage: tsan_test.py build-tsan/wxingest     ends "tsan: N passed, N failed"
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
REPORT_EXIT = 99        # TSan's own default (66) is one of wxingest's exit codes


def run(binary, jobs, paths, extra=()):
    env = dict(os.environ, TSAN_OPTIONS=f"exitcode={REPORT_EXIT} halt_on_error=0 second_deadlock_stack=1")
    p = subprocess.run([binary, "parse", "-j", str(jobs), *extra] + paths, capture_output=True, env=env, timeout=900)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def check_set(binary, name, paths, compare, extra=()):
    code, out, err = run(binary, 4, paths, extra)
    races = err.count("WARNING: ThreadSanitizer")
    check(races == 0 and code != REPORT_EXIT, f"{name}: parse -j 4 under TSan: {races} reports (exit {code})",
          [line for line in err.splitlines() if "ThreadSanitizer" in line or line.startswith("    #")][:20])
    check(code in (0, 65), f"{name}: parse -j 4 exits 0 or 65 (got {code})")
    check(out.count(b"\n") > 0, f"{name}: parse -j 4 wrote records")
    if compare:
        code1, out1, _ = run(binary, 1, paths, extra)
        check(out == out1 and code == code1, f"{name}: -j 4 output differs from -j 1")


def check_db(binary):
    """A database sink stores on the calling thread while workers parse,
    at -j 1 too (one worker), beside SQLite's checkpoint thread: no race,
    and the same rows at -j 1 and -j 4."""
    paths = [os.path.join(ROOT, "samples"), os.path.join(ROOT, "tests", "cases")]
    with tempfile.TemporaryDirectory() as tmp:
        dumps = []
        for jobs in (1, 4):
            db = os.path.join(tmp, f"j{jobs}.db")
            code, _, err = run(binary, jobs, paths, ("--db", "sqlite:" + db))
            races = err.count("WARNING: ThreadSanitizer")
            check(races == 0 and code in (0, 65), f"parse -j {jobs} --db sqlite: under TSan: {races} reports (exit {code})",
                  [line for line in err.splitlines() if "ThreadSanitizer" in line or line.startswith("    #")][:20])
            con = sqlite3.connect(db)
            dumps.append([con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                          for t in ("articles", "images", "links", "dates", "notices")])
            con.close()
        check(dumps[0] == dumps[1] and dumps[0][0], "parse --db sqlite: the same rows at -j 1 and -j 4")


def check_run(binary):
    """`run -j 4` parses the store's pages in the same pool: fetch every
    sample from tests/httpd.py into a fresh store, then run -j 4 and -j 1
    over it (everything stored: no request is made) and compare."""
    import httpd
    names = sorted(n[:-len(".html.gz")] for n in os.listdir(httpd.SAMPLES)
                   if n.endswith(".html.gz") and not n.startswith("verify"))   # verify: not stored
    urls = ["https://mp.weixin.qq.com/s/" + n for n in names]
    env = dict(os.environ, TSAN_OPTIONS=f"exitcode={REPORT_EXIT} halt_on_error=0 second_deadlock_stack=1")
    srv = httpd.Server().start(lifetime=600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = os.path.join(tmp, "store")
            common = ["--store", store, "--rate", "1000", "--base-url", srv.base]
            p = subprocess.run([binary, "fetch"] + common + urls, capture_output=True, env=env, timeout=600)
            check(p.returncode == 0, f"run: fetch of {len(urls)} samples exits 0 (got {p.returncode})",
                  p.stderr.decode("utf-8", "replace")[-2000:])
            outs = []
            for jobs in (4, 1):
                p = subprocess.run([binary, "run", "-j", str(jobs)] + common + urls, capture_output=True, env=env,
                                   timeout=600)
                err = p.stderr.decode("utf-8", "replace")
                races = err.count("WARNING: ThreadSanitizer")
                check(races == 0 and p.returncode == 0, f"run -j {jobs} under TSan: {races} reports (exit {p.returncode})",
                      [line for line in err.splitlines() if "ThreadSanitizer" in line][:20])
                outs.append(p.stdout)
            n = outs[0].count(b"\n")
            check(n == len(urls), f"run -j 4 wrote {n} of {len(urls)} records")
            check(outs[0] == outs[1], "run: -j 4 output differs from -j 1")
    finally:
        srv.stop()


OCR_PAGE = """<html><head><meta charset="utf-8"><title>通知 {n}</title></head>
<body><div id="js_content"><p>清单见下图。</p>
<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_jpg/t{n}/640?wx_fmt=jpeg" src="p{n}_files/640.jpeg"></p>
</div></body></html>
"""


def check_ocr(binary):
    """parse -j 4 --ocr: four threads load their tesseract engines at once
    (tesseract's parameters are process-wide globals) and read a table each."""
    fixture = os.path.join(ROOT, "tests", "ocr", "fixtures", "table-plain.jpg")
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        for n in range(4):
            os.makedirs(os.path.join(tmp, f"p{n}_files"))
            shutil.copy(fixture, os.path.join(tmp, f"p{n}_files", "640.jpeg"))
            with open(os.path.join(tmp, f"p{n}.html"), "w", encoding="utf-8") as f:
                f.write(OCR_PAGE.format(n=n))
        check_set(binary, "parse --ocr", [tmp], True, ("--ocr", "--ocr-cache", cache))


def main():
    binary = os.path.abspath(sys.argv[1])
    check_run(binary)
    check_ocr(binary)
    check_db(binary)
    check_set(binary, "samples+cases", [os.path.join(ROOT, "samples"), os.path.join(ROOT, "tests", "cases")], True)
    check_set(binary, "tests/warc", [os.path.join(ROOT, "tests", "warc")], True)
    shared = [os.path.join(SHARED, d) for d in ("corpus", "notices", "dates", "seeds")]
    shared = [d for d in shared if os.path.isdir(d)]
    tarball = os.path.join(SHARED, "archive-sample", "picker-5000.tar.gz")
    with tempfile.TemporaryDirectory() as tmp:
        if os.path.exists(tarball):
            with tarfile.open(tarball) as tf:
                # the "data" filter (refuses links and paths out of tmp) where
                # this Python has it; Debian 12's 3.11.2 predates it
                kw = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tf.extractall(tmp, **kw)
            shared.append(tmp)
        if shared:
            check_set(binary, "../shared", shared, False)
        else:
            print("tsan: ../shared is absent; its sets were not run")
    return checks.summary("tsan")


if __name__ == "__main__":
    sys.exit(main())
