#!/usr/bin/python3
"""Robustness tests: bad, hostile and huge inputs through the wxingest binary.

The bad-input matrix: every case is checked for the exit code, a message on
stderr naming the input (when it is refused or gets status "error"), one
record with the expected status, output that is strict UTF-8 and valid
JSON, and no sanitizer report.  Leaks: on an ASan build (build-asan) LSan
is on for every run (detect_leaks=1), so every case is also a leak check;
on a normal build the small cases are run once more under valgrind when it
is installed.  Besides the matrix: worst-case inputs for every PCRE2
pattern and the script scanner must take about linear time; a page naming
external DTDs, entities and file:// resources must make the parser open
nothing it names, touch no network and write nothing but its output; the
inputs the fuzzers crashed on (tests/fuzz/regressions/) are replayed; every
pcre2 match call in the sources must pass the limits' match context.

Usage: test_robust.py BUILD_DIR (or PATH/TO/wxingest).  Prints one line per
failure and a final "robust: N passed, N failed" line; exits 1 on failure.
"""
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
FUZZ = os.path.join(ROOT, "tests", "fuzz")
REGRESSIONS = os.path.join(FUZZ, "regressions")
_arg = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
BIN = os.path.join(_arg, "wxingest") if os.path.isdir(_arg) else _arg
BUILD = os.path.dirname(BIN)
STATUSES = {"ok", "deleted", "blocked", "unavailable", "verify", "not_article", "error"}
MB = 1024 * 1024

ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:" + ENV.get("ASAN_OPTIONS", "")
ENV["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
ENV["LC_ALL"] = "C.UTF-8"


def is_asan_build():
    """Whether BIN carries the ASan runtime (then LSan checks every run)."""
    try:
        with open(BIN, "rb") as fh:
            return b"__asan_init" in fh.read()
    except OSError:
        return False


ASAN = is_asan_build()




class Result:
    """One finished run: exit code (None when killed for overstaying),
    stdout, stderr, seconds and peak RSS in MB."""

    def __init__(self, code, out, err, secs, rss_mb):
        self.code, self.out, self.err, self.secs, self.rss_mb = code, out, err, secs, rss_mb


def problems(err):
    """stderr without the end-of-run summary line every run prints
    ("wxingest: summary: documents=… ok=… failed=… seconds=…")."""
    return b"".join(l for l in err.splitlines(keepends=True) if not l.startswith(b"wxingest: summary: "))


def run(args, timeout=60, stdin=None, cwd=None, prefix=(), binary=None, env=None):
    """Run the binary (or prefix + binary) and collect a Result.  stdin may
    be bytes or a generator of byte chunks (fed from a thread, so a child
    that stops reading early is fine).  env: variables to override.  Peak
    RSS comes from wait4."""
    t0 = time.monotonic()
    p = subprocess.Popen(list(prefix) + [binary or BIN] + args, cwd=cwd, env=dict(ENV, **(env or {})),
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks = {"out": [], "err": []}

    def drain(stream, key):
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    def feed():
        try:
            for block in ([stdin] if isinstance(stdin, bytes) else stdin):
                p.stdin.write(block)
        except (BrokenPipeError, OSError):
            pass
        finally:
            try:
                p.stdin.close()
            except OSError:
                pass

    threads = [threading.Thread(target=drain, args=(p.stdout, "out")),
               threading.Thread(target=drain, args=(p.stderr, "err"))]
    if stdin is not None:
        threads.append(threading.Thread(target=feed))
    for t in threads:
        t.daemon = True
        t.start()
    status = rusage = None
    killed = False
    while True:
        pid, st, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            status, rusage = st, ru
            break
        if time.monotonic() - t0 > timeout:
            p.kill()
            killed = True
            _, status, rusage = os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    secs = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join(10)
    code = None if killed else p.returncode
    return Result(code, b"".join(chunks["out"]), b"".join(chunks["err"]), secs, rusage.ru_maxrss / 1024)


def records(out, what):
    """Decode JSON Lines strictly (UTF-8 first, then json.loads per line)."""
    return [rec for _, rec in checks.jsonl_records(out, what)]


def clean_run(r, what, limit):
    """The checks every run gets: finished in time, not killed by a signal,
    no sanitizer or leak report, output all valid UTF-8 JSON."""
    if not check(r.code is not None, f"{what}: did not finish in {limit:.0f} s"):
        return None
    check(0 <= r.code < 128, f"{what}: killed by a signal ({r.code})")
    check(b"Sanitizer" not in r.err and b"runtime error:" not in r.err,
          f"{what}: sanitizer or leak report: {r.err[-600:]!r}")
    return records(r.out, what)


def names_input(err, path):
    """Whether stderr has a 'wxingest: PATH: reason' line for path."""
    return any(line.startswith(b"wxingest: " + path.encode() + b": ") and len(line) > len(path) + 14
               for line in err.splitlines())


def parse_one(path, what, statuses=STATUSES, error_code=None, limit=60, prefix=(), env=None):
    """Parse one input and check the whole contract; returns (record, Result)."""
    r = run(["parse", path], timeout=limit, prefix=prefix, env=env)
    recs = clean_run(r, what, limit)
    if recs is None:
        return None, r
    if not check(len(recs) == 1, f"{what}: {len(recs)} records for one input"):
        return None, r
    rec = recs[0]
    check(rec.get("status") in statuses, f"{what}: status {rec.get('status')!r}, expected one of {sorted(statuses)}")
    check(rec.get("source", {}).get("path") == path, f"{what}: source.path is {rec.get('source', {}).get('path')!r}")
    if rec.get("status") == "error":
        check(r.code == 65, f"{what}: exit {r.code} for an error record (expected 65)")
        check(names_input(r.err, path), f"{what}: no 'wxingest: {path}: reason' on stderr: {r.err[:300]!r}")
        msg = (rec.get("error") or {}).get("message")
        check(bool(msg), f"{what}: error without a message")
        if error_code:
            check(rec["error"].get("code") == error_code,
                  f"{what}: error code {rec['error'].get('code')!r}, expected {error_code!r}")
    else:
        check(r.code == 0, f"{what}: exit {r.code} for status {rec.get('status')!r} (expected 0)")
        check(problems(r.err) == b"", f"{what}: stderr not empty for a good record: {r.err[:300]!r}")
    return rec, r


def write(path, data):
    """Write bytes to path, creating its directory."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def sample(prefix):
    """The decompressed bytes of the first sample whose name starts with prefix."""
    f = sorted(f for f in os.listdir(SAMPLES) if f.startswith(prefix))[0]
    with open(os.path.join(SAMPLES, f), "rb") as fh:
        data = fh.read()
    return gzip.decompress(data) if f.endswith(".gz") else data


def page(title, body, script=b""):
    """A minimal article page (bytes) around the given title, body and script."""
    return (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title + b"</title>"
            b"<script>" + script + b"</script></head><body><div id=\"js_content\">" + body +
            b"</div></body></html>")


# ---------------------------------------------------------------- the matrix

SMALL_CASES = []   # (path, what) of small inputs, replayed under valgrind on a normal build


def test_small_bad_inputs(d):
    """Empty, one byte, NUL bytes, random binary, invalid UTF-8."""
    rng = random.Random(20260101)
    cases = [
        ("empty.html", b"", "empty file", {"error"}, "empty"),
        ("one.html", b"<", "1-byte file", {"error"}, None),
        ("nul.html", b"\0" * 4096, "NUL bytes", {"error"}, None),
        ("random.html", bytes(rng.getrandbits(8) for _ in range(65536)), "random binary", {"error"}, None),
    ]
    for name, data, what, statuses, code in cases:
        p = write(f"{d}/{name}", data)
        parse_one(p, what, statuses, code)
        SMALL_CASES.append((p, what))
    # a NUL in the first 8 KB marks the input binary (like grep and git);
    # past that, NULs are dropped and the page parses
    p = write(f"{d}/nul-early.html", page(b"t\0itle", b"<p>a\0b visible</p>"))
    parse_one(p, "NUL bytes early in a page", {"error"}, "binary")
    p = write(f"{d}/nul-late.html", page(b"title", b"<!--" + b"c" * 9000 + b"--><p>a\0b visible</p><p>x \0\0 end</p>"))
    rec, _ = parse_one(p, "NUL bytes late in a page", {"ok"})
    if rec:
        check("visible" in (rec.get("text") or "") and "end" in (rec.get("text") or ""),
              f"NUL late in a page: text is {rec.get('text')!r}")
    SMALL_CASES.append((p, "NUL late in a page"))
    # raw bytes that are not UTF-8 become U+FFFD; so do lone surrogates in
    # script escapes (\ud800), while a surrogate pair makes one character
    p = write(f"{d}/bad-utf8.html",
              page(b"\xff\xfe caf\xc3 \xed\xa0\x80 title", b"<p>\xe4\xb8 text \xf0\x9f\x98 end \xc0\xaf</p>",
                   b"var msg_title = '\\xff\\ud800 \xff'; var nickname = '\\ud83d\\ude00\\udc00';"))
    rec, _ = parse_one(p, "invalid UTF-8", STATUSES - {"error"})
    if rec:
        text = rec.get("text") or ""
        check("text" in text and "end" in text and "\ufffd" in text, f"invalid UTF-8: text is {text!r}")
        check(rec.get("title") == "\u00ff\ufffd \ufffd", f"invalid UTF-8: title is {rec.get('title')!r}")
        check(rec["account"].get("name") == "\U0001F600\ufffd", f"invalid UTF-8: account is {rec['account']!r}")
    SMALL_CASES.append((p, "invalid UTF-8"))


def test_truncated_samples(d):
    """A real page cut at 10%, 50% and 90% still gives one sane record."""
    for prefix in ("article-01", "picture-01"):
        data = sample(prefix)
        for pct in (10, 50, 90):
            cut = data[: len(data) * pct // 100]
            p = write(f"{d}/{prefix}-trunc-{pct}.html", cut)
            rec, _ = parse_one(p, f"{prefix} truncated at {pct}%")
            if pct == 50 and prefix == "article-01":
                SMALL_CASES.append((p, f"{prefix} truncated at {pct}%"))
            if rec and pct == 90:
                check(rec["status"] == "ok" and rec.get("title"),
                      f"{prefix} at 90%: status {rec['status']!r}, title {rec.get('title')!r}")


def test_encodings(d):
    """A GBK page decodes to the right characters; a BOM does not leak."""
    title = "关于举办网络安全培训的通知"
    body = "<p>请各单位于五月底前报名。联系人：张三</p>"
    gbk = ("<html><head><meta charset=\"gbk\"><title>" + title + "</title></head><body>"
           "<div id=\"js_content\">" + body + "</div></body></html>").encode("gbk")
    p = write(f"{d}/gbk.html", gbk)
    rec, _ = parse_one(p, "GBK page", STATUSES - {"error"})
    if rec:
        check(rec.get("title") == title, f"GBK page: title is {rec.get('title')!r}")
        check("请各单位于五月底前报名" in (rec.get("text") or ""), f"GBK page: text is {rec.get('text')!r}")
    SMALL_CASES.append((p, "GBK page"))
    gbk2 = gbk.replace(b"<meta charset=\"gbk\">",
                       b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GB2312\">")
    rec, _ = parse_one(write(f"{d}/gb2312.html", gbk2), "GB2312 page (http-equiv)", STATUSES - {"error"})
    if rec:
        check(rec.get("title") == title, f"GB2312 page: title is {rec.get('title')!r}")
    bom = b"\xef\xbb\xbf" + page("带BOM的页面".encode(), "<p>正文内容</p>".encode())
    p = write(f"{d}/bom.html", bom)
    rec, _ = parse_one(p, "page with a BOM", STATUSES - {"error"})
    if rec:
        check(rec.get("title") == "带BOM的页面", f"BOM page: title is {rec.get('title')!r}")
        check("正文内容" in (rec.get("text") or ""), f"BOM page: text is {rec.get('text')!r}")
        check("\ufeff" not in json.dumps(rec, ensure_ascii=False), "BOM page: U+FEFF leaked into the record")
    SMALL_CASES.append((p, "page with a BOM"))


def test_size_limits(d):
    """200 MB: refused by the size limit with a clear error, never held whole
    (peak RSS far below the input), as a file, a stream and a gzip bomb.
    Under ASan freed blocks are kept in a quarantine that would count in
    the RSS, so it is turned off for these runs."""
    no_quarantine = {"ASAN_OPTIONS": ENV["ASAN_OPTIONS"] + ":quarantine_size_mb=0"}
    p = f"{d}/huge.html"
    with open(p, "wb") as fh:
        fh.write(b"<html><body>")
        fh.truncate(200 * MB)
    rec, r = parse_one(p, "200 MB file", {"error"}, "too_large", env=no_quarantine)
    if rec:
        check("limit" in rec["error"]["message"], f"200 MB file: message {rec['error']['message']!r}")
        check(r.rss_mb < 64, f"200 MB file: peak RSS {r.rss_mb:.0f} MB (refused before reading?)")
    os.unlink(p)

    def zeros():
        block = b"<p>" + b"x" * (MB - 3)
        for _ in range(200):
            yield block

    r = run(["parse", "-"], stdin=zeros(), env=no_quarantine)
    recs = clean_run(r, "200 MB on stdin", 60)
    if recs is not None and check(len(recs) == 1, f"200 MB on stdin: {len(recs)} records"):
        check(recs[0]["status"] == "error" and recs[0]["error"]["code"] == "too_large",
              f"200 MB on stdin: {recs[0]['status']} {recs[0].get('error')}")
        check(r.code == 65 and names_input(r.err, "-"), f"200 MB on stdin: exit {r.code}, stderr {r.err[:200]!r}")
        check(r.rss_mb < 180, f"200 MB on stdin: peak RSS {r.rss_mb:.0f} MB: the stream was held whole")

    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    p = f"{d}/bomb.html.gz"
    with open(p, "wb") as fh:
        fh.write(c.compress(b"<html><body><p>"))
        block = b"a" * MB
        for _ in range(200):
            fh.write(c.compress(block))
        fh.write(c.flush())
    rec, r = parse_one(p, "gzip bomb (200 KB inflating to 200 MB)", {"error"}, "too_large", env=no_quarantine)
    if rec:
        check(r.rss_mb < 180, f"gzip bomb: peak RSS {r.rss_mb:.0f} MB: inflated whole")


def test_hostile_markup(d):
    """Deep nesting, a huge attribute, unterminated strings and tags."""
    nested = page(b"deep", b"<p>before the nesting</p>" + b"<div>" * 100000 + b"<p>deep text</p>" +
                  b"</div>" * 100000 + b"<p>after</p>")
    rec, _ = parse_one(write(f"{d}/nested.html", nested), "100,000 nested divs", {"ok"})
    if rec:
        check("before the nesting" in (rec.get("text") or ""), f"nested divs: text is {rec.get('text')!r}")
        check(any("nested" in w for w in rec.get("warnings", [])),
              f"nested divs: no warning that the page was cut: {rec.get('warnings')}")
    attr = page(b"attr", b"<p data-x=\"" + b"a" * (10 * MB) + b"\">after the attribute</p>")
    rec, _ = parse_one(write(f"{d}/attr.html", attr), "10 MB attribute", {"ok"})
    if rec:
        check("after the attribute" in (rec.get("text") or ""), f"10 MB attribute: text is {rec.get('text')[:200]!r}")
    unterminated = page(b"js", b"<p>body text</p>", b"var msg_title = \"never closed " + b"x \\\" " * 20000)
    p = write(f"{d}/unterminated.html", unterminated)
    rec, _ = parse_one(p, "unterminated script string", {"ok"})
    if rec:
        check(rec.get("text") == "body text", f"unterminated string: text is {rec.get('text')!r}")
    SMALL_CASES.append((p, "unterminated script string"))
    tag = page(b"js", b"<p>body text</p>") + b"<script>var nickname = 'open" + b"y" * 100000
    rec, _ = parse_one(write(f"{d}/unterminated-tag.html", tag), "unterminated <script>", {"ok"})
    if rec:
        check(rec.get("text") == "body text", f"unterminated <script>: text is {(rec.get('text') or '')[:200]!r}")


def test_filesystem(d):
    """Many files, symlink loops, unreadable files, awkward names.  The
    10,000-file directory runs on the normal build only: it checks the walk
    and the per-file cost, and under ASan it alone takes half a minute."""
    small = page(b"small", b"<p>x</p>")
    if ASAN:
        print("  note: the 10,000-file directory runs on the normal build only (300 files here, for LSan)")
        many_files(d, small, 300)
    else:
        many_files(d, small, 10000)
    symlinks_and_names(d, small)


def many_files(d, small, count):
    """A directory of count pages: every one read once, in sorted order."""
    many = f"{d}/many"
    os.makedirs(many)
    for i in range(count):
        with open(f"{many}/{i:05d}.html", "wb") as fh:
            fh.write(small)
    what = f"{count:,} files"
    r = run(["parse", many], timeout=300)
    recs = clean_run(r, what, 300)
    if recs is not None:
        check(len(recs) == count, f"{what}: {len(recs)} records")
        check([x["source"]["path"] for x in recs] == [f"{many}/{i:05d}.html" for i in range(count)],
              f"{what}: not every file once, in sorted order")
        check(r.code == 0, f"{what}: exit {r.code}")
    shutil.rmtree(many)


def symlinks_and_names(d, small):
    """Symlink loops in a walk and named directly, an unreadable file, a
    path with spaces and non-ASCII, a file name that is not UTF-8."""
    loop = f"{d}/loop"
    good = write(f"{loop}/a.html", small)
    os.symlink(".", f"{loop}/self")
    os.symlink("self-file.html", f"{loop}/self-file.html")
    r = run(["parse", loop])
    recs = clean_run(r, "directory with symlink loops", 60)
    if recs is not None:
        check([x["source"]["path"] for x in recs] == [good], f"symlink loops: records for {[x['source']['path'] for x in recs]}")
        check(r.code == 0, f"symlink loops: exit {r.code}")
        check(names_input(r.err, f"{loop}/self") and names_input(r.err, f"{loop}/self-file.html"),
              f"symlink loops: the loops are not both reported: {r.err!r}")
    r = run(["parse", f"{loop}/self-file.html", good])
    recs = clean_run(r, "symlink loop named directly", 60)
    if recs is not None:
        check(r.code == 66, f"symlink loop named directly: exit {r.code} (expected 66, like a missing path)")
        check(names_input(r.err, f"{loop}/self-file.html") and b"symbolic links" in r.err,
              f"symlink loop named directly: stderr {r.err!r}")
        check([x["source"]["path"] for x in recs] == [good],
              "symlink loop named directly: the next input was not processed")

    p = write(f"{d}/unreadable.html", small)
    os.chmod(p, 0)
    prefix = ()
    if os.geteuid() == 0:   # root reads anything: drop to nobody for this run
        os.chmod(d, 0o755)
        prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--")
    rec, _ = parse_one(p, "unreadable file", {"error"}, "unreadable", prefix=prefix)
    if rec:
        check("ermission" in rec["error"]["message"], f"unreadable file: message {rec['error']['message']!r}")
    SMALL_CASES.append((p, "unreadable file"))

    odd = write(f"{d}/dir with space/页面 文章 (1)\t'x'.html", page("标题 名".encode(), "<p>正文</p>".encode()))
    rec, _ = parse_one(odd, "path with spaces and non-ASCII", STATUSES - {"error"})
    if rec:
        check(rec.get("title") == "标题 名", f"odd path: title is {rec.get('title')!r}")
    SMALL_CASES.append((odd, "path with spaces and non-ASCII"))
    r = run(["parse", f"{d}/dir with space"])
    recs = clean_run(r, "odd directory", 60)
    if recs is not None:
        check(len(recs) == 1 and recs[0]["source"]["path"] == odd, "odd directory: the file is not found by the walk")
    bad_name = os.path.join(os.fsencode(d), b"latin1-\xe9t\xe9.html")
    with open(bad_name, "wb") as fh:
        fh.write(b"")
    r = run(["parse", bad_name.decode("utf-8", "surrogateescape")])
    recs = clean_run(r, "file name that is not UTF-8", 60)
    if recs is not None and check(len(recs) == 1, f"non-UTF-8 file name: {len(recs)} records"):
        check(recs[0]["status"] == "error" and r.code == 65, f"non-UTF-8 file name: {recs[0]['status']} exit {r.code}")


def test_valgrind_leaks(d):
    """On a normal build, the small matrix inputs once more under valgrind,
    all in one run (on an ASan build LSan has checked every run already)."""
    if ASAN:
        print("  leak checks: LSan on every run (ASan build)")
        return
    if not shutil.which("valgrind"):
        print("  leak checks: valgrind not installed; the ASan build's run (make check) checks leaks")
        return
    paths = [p for p, _ in SMALL_CASES if os.path.exists(p)]
    # a leak check only: memory errors are the ASan build's job, and
    # valgrind misreads PCRE2's JIT code (reads past the subject by a few
    # bytes inside an aligned 16-byte load)
    r = run(["parse"] + paths, timeout=300, prefix=("valgrind", "--leak-check=full"))
    summary = r.err.decode("utf-8", "replace")
    no_leaks = ("no leaks are possible" in summary or
                ("definitely lost: 0 bytes" in summary and "indirectly lost: 0 bytes" in summary))
    check(r.code is not None and no_leaks, f"valgrind over {len(paths)} small inputs: leaks: {summary[-800:]}")
    recs = records(r.out, "valgrind run")
    check(len(recs) == len(paths), f"valgrind run: {len(recs)} records for {len(paths)} inputs")
    print(f"  leak checks: valgrind over {len(paths)} inputs")


# ------------------------------------------------ no file or network access

CANARIES = ["dtd", "ent", "pe", "xsl", "css", "js", "xi", "img", "frame", "obj", "md", "mht", "base"]


def hostile_pages(d, canary):
    """Pages that name canary files every way a page can name a resource."""
    c = {k: f"{canary}/canary-{k}" for k in CANARIES}
    html = f"""<?xml version="1.0"?>
<?xml-stylesheet type="text/xsl" href="file://{c['xsl']}"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "file://{c['dtd']}" [
<!ENTITY ext SYSTEM "file://{c['ent']}">
<!ENTITY % pe SYSTEM "{c['pe']}"> %pe;
]>
<html xmlns:xi="http://www.w3.org/2001/XInclude"><head><meta charset="utf-8"><title>t &ext;</title>
<base href="file://{c['base']}/"><link rel="stylesheet" href="file://{c['css']}">
<script src="{c['js']}"></script><script>var msg_cdn_url = "file://{c['img']}";</script></head>
<body><div id="js_content"><p>text &ext; &passwd;</p><xi:include href="file://{c['xi']}"/>
<img src="file://{c['img']}"><img data-src="{c['img']}"><iframe src="{c['frame']}"></iframe>
<object data="canary-rel"></object><a href="http://127.0.0.1:9/x">l</a>
<svg><image href="file://{c['img']}"/></svg></div></body></html>""".encode()
    md = f"""---
title: md
layout: {c['md']}
include: file://{c['md']}
---
# md

![x](file://{c['md']}) [l]({c['md']}) <img src="{c['md']}">
""".encode()
    mht = (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"; type=\"text/html\"\r\n\r\n"
           b"--B\r\nContent-Type: text/html\r\nContent-Location: file://" + c["mht"].encode() + b"\r\n\r\n" +
           html + b"\r\n--B\r\nContent-Type: image/png\r\nContent-Location: file://" + c["img"].encode() +
           b"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n")
    return [write(f"{d}/pages/hostile.html", html), write(f"{d}/pages/hostile.md", md),
            write(f"{d}/pages/hostile.mhtml", mht)]


def test_no_external_access(d):
    """Nothing a page names is opened or fetched, and parse writes nothing
    but its output: canaries are FIFOs (opening one would hang the parser),
    and strace lists every file and network call when it can run."""
    canary = f"{d}/canary"
    os.makedirs(canary)
    for k in CANARIES:
        os.mkfifo(f"{canary}/canary-{k}")
    pages = hostile_pages(d, canary)
    os.mkfifo(f"{d}/pages/canary-rel")
    work = f"{d}/cwd"
    os.makedirs(work)
    out = f"{d}/out/records.jsonl"
    os.makedirs(os.path.dirname(out))
    env = {"HOME": work, "TMPDIR": work}
    strace_ok = shutil.which("strace") and subprocess.run(
        ["strace", "-f", "-o", os.devnull, "true"], capture_output=True).returncode == 0
    log = f"{d}/strace.log"
    prefix = ("strace", "-f", "-qq", "-e", "trace=%file,%network", "-o", log) if strace_ok else ()
    if ASAN and strace_ok:
        # LSan cannot run under ptrace: the leak check gets its own run
        r = run(["parse", "-o", out] + pages, cwd=work, env=env)
        clean_run(r, "pages naming external resources (LSan)", 60)
        env["ASAN_OPTIONS"] = ENV["ASAN_OPTIONS"] + ":detect_leaks=0"
    r = run(["parse", "-o", out] + pages, timeout=120, cwd=work, prefix=prefix, env=env)
    recs = clean_run(r, "pages naming external resources", 120)
    if recs is None:
        return
    check(r.out == b"", "external resources: records went to stdout despite -o")
    with open(out, "rb") as fh:
        recs = records(fh.read(), "external resources -o file")
    check(len(recs) == 3 and all(x["status"] in STATUSES for x in recs),
          f"external resources: {len(recs)} records")
    check(os.listdir(work) == [], f"external resources: files appeared in the working directory: {os.listdir(work)}")
    check(sorted(os.listdir(os.path.dirname(out))) == ["records.jsonl"], "external resources: extra output files")
    check(all("root:" not in json.dumps(x) for x in recs), "external resources: a file's content leaked in")
    if not strace_ok:
        print("  note: strace cannot run here; FIFO canaries and directory checks only")
        return
    with open(log, encoding="utf-8", errors="replace") as fh:
        calls = fh.read().splitlines()
    check(not [c for c in calls if "canary" in c], "external resources: a canary was touched: " +
          "; ".join(c for c in calls if "canary" in c)[:600])
    net = [c for c in calls if re.search(r"\b(socket|connect|sendto|bind)\(", c) and "AF_UNIX" not in c]
    check(not net, f"external resources: network calls: {net[:5]}")
    writes = [c for c in calls if re.search(r"\bopen(at)?\(.*O_(WRONLY|RDWR|CREAT)", c) and "= -1" not in c]
    # -o writes an unnamed O_TMPFILE in OUT's directory, linked and renamed at the end
    tmpfile = f'"{os.path.dirname(out)}", O_WRONLY|O_CLOEXEC|O_TMPFILE'
    check(any(out in c or tmpfile in c for c in writes),
          "external resources: strace did not see the output opened (trace broken?)")
    bad = [c for c in writes if out not in c and tmpfile not in c and "/dev/null" not in c and "/dev/tty" not in c]
    check(not bad, f"external resources: opened for writing: {bad[:5]}")
    changes = [c for c in calls if re.search(r"\b(unlink|unlinkat|rename|renameat2?|mkdir|mkdirat|symlink|link|linkat|"
                                             r"chmod|fchmodat|truncate)\(", c)]
    # -o is atomic: the records are written to a temp file named OUT.tmp.XXXXXXXX and renamed onto OUT
    renamed = re.compile(re.escape(f'"{out}.tmp.') + r'\w{6,8}", (AT_FDCWD, )?' + re.escape(f'"{out}"'))
    named = re.compile(r'"/proc/self/fd/\d+", AT_FDCWD, ' + re.escape(f'"{out}.tmp.') + r'\w{8}", AT_SYMLINK_FOLLOW')
    changes = [c for c in changes if not renamed.search(c) and not named.search(c)]
    check(not changes, f"external resources: filesystem changes: {changes[:5]}")
    print(f"  strace: {len(calls)} calls checked")


# ------------------------------------------------------ regex worst cases

def test_regex_worst_cases(d):
    """Inputs built to make each PCRE2 pattern (script assignments, objects,
    notices: title, document number, phone, e-mail, source, attachment,
    signatures) and
    the script scanner backtrack or rescan.  On the normal build, parse
    time beyond a tiny page's must grow about linearly: 500 KB may take at
    most 20x the time of 50 KB (quadratic would be 100x).  The ASan build
    parses each at 500 KB for memory errors only (its timings are noise)."""
    def js(unit):
        return lambda n: page(b"t", b"<p>x</p>", unit * (n // len(unit)))

    def text(unit, sep=b""):
        return lambda n: page(b"t", b"<p>" + (unit + sep) * (n // (len(unit) + len(sep))) + b"</p>")

    cases = {
        "var-var": js(b"var "),
        "window-window": js(b"window."),
        "var-assign": js(b"var msg_title="),
        "assign-chain": js(b"window.title="),
        "escaped-quotes": js(b"var title=\\\""),
        "comment-assign": js(b"/*var title="),
        "line-comment-assign": js(b"//var title="),
        "paren-assign": js(b"var title=("),
        "regex-unclosed-class": js(b"var title=/["),
        "regex-quotes": js(b"var title=/\"/g;"),
        "d-dot": js(b"d.d.d.title ="),
        "cgidata-open": js(b"cgiData = {"),
        "cgidata-keys": js(b"window.cgiDataNew = {a:"),
        "picture-list": js(b"window.picture_page_info_list = ["),
        "quotes": lambda n: page(b"t", b"<p>x</p>", b"var title = '\"'\"" + b"'\"\\" * (n // 3)),
        "doc-write": js(b"document.write("),
        "share-notice": js(b"getElementById('js_share_notice').innerHTML="),
        "innerhtml-unclosed": js(b"getElementById('x').innerHTML = \""),
        "innerhtml-id-unclosed": js(b"getElementById('"),
        "string-dump": lambda n: b"<html>" + b"<p class=\\\"a\\\">\\n" * (n // 16),
        "guanyu-title": lambda n: page("关于".encode() * (n // 6), b"<p>x</p>"),
        "guanyu-text": text("关于".encode()),
        "guanyu-de-lines": text("关于的".encode() * 60, b"<br>"),
        "docno": text("网安秘字〔2024".encode()),
        "docno-han-spaces": text("网安秘字网安秘字网安秘字".encode() + b" " * 200, b"<br>"),
        "phone-email": lambda n: page(b"t", b"<p>" + b"0" * (n // 2) + b"a@" * (n // 4) + b"</p>"),
        "email-lines": text(b"a" * 1500 + b"@" + b"b" * 500, b"<br>"),
        "email-dots": text(b"a." * 1000 + b"@", b"<br>"),
        "phone-digits": text(b"0" * 2000 + b"-", b"<br>"),
        "source-lines": text("（来源：".encode() + b"x" * 1000, b"<br>"),
        "attach-lines": text("附件".encode() + b"1 " * 700, b"<br>"),
        "dates": text("2024年5月".encode()),
        # a signature (issuer line, date line) again and again, each with a
        # long near-title and near-addressee above it: every one is tried
        "notice-signatures": text(("关于" + "关于的" * 60 + "通<br>某" + "省、" * 100 + "：<br>示例部<br>"
                                   "2024年5月8日").encode(), b"<br>"),
        "issuer-lines": text("示例部<br>".encode() * 50 + "2024年5月8日".encode(), b"<br>"),
    }
    small, large = 50 * 1024, 500 * 1024
    base = min(run(["parse", write(f"{d}/tiny.html", page(b"t", b"<p>x</p>"))]).secs for _ in range(3))
    for name, make in cases.items():
        secs = {}
        for size in ((large,) if ASAN else (small, large)):
            p = write(f"{d}/{name}-{size}.html", make(size))
            rec, r = parse_one(p, f"regex worst case {name} ({size // 1024} KB)", STATUSES - {"error"})
            secs[size] = max(r.secs - base, 0.0)
            os.unlink(p)
        if ASAN:
            continue
        ratio = secs[large] / max(secs[small], 0.05)
        check(ratio < 20, f"regex worst case {name}: {small // 1024} KB {secs[small]:.3f} s, "
                          f"{large // 1024} KB {secs[large]:.3f} s (x{ratio:.1f}: not linear)")


def test_every_match_is_bounded(d):
    """Every pcre2_match / pcre2_jit_match / pcre2_dfa_match call in the
    sources passes a match context (the one carrying the match and depth
    limits), not NULL: a pattern added later must not escape the limits."""
    calls = 0
    for sub in ("ingest", "parse", "output", "."):
        folder = os.path.join(ROOT, sub)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".c"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                src = fh.read()
            for m in re.finditer(r"\bpcre2_(?:jit_|dfa_)?match\s*\(", src):
                depth, i = 1, m.end()
                while i < len(src) and depth:
                    depth += {"(": 1, ")": -1}.get(src[i], 0)
                    i += 1
                last = src[m.end():i - 1].split(",")[-1].strip()
                calls += 1
                line = src.count("\n", 0, m.start()) + 1
                check(last not in ("NULL", "0", "(void *)0"),
                      f"{sub}/{name}:{line}: pcre2 match without a match context (no limits)")
    check(calls > 0, "no pcre2 match call found: the source scan is broken")
    print(f"  {calls} pcre2 match calls, each with a match context")


# --------------------------------------------------- fuzzer regressions

def test_fuzz_regressions(d):
    """Every input a fuzzer crashed on (tests/fuzz/regressions/TARGET-NAME)
    and every seed, through the replay build of its target (BUILD/replay/,
    made by make tests-bin); fuzz_parse inputs also through the binary."""
    targets = sorted(f[:-2] for f in os.listdir(FUZZ) if f.startswith("fuzz_") and f.endswith(".c"))
    kept = sorted(os.listdir(REGRESSIONS)) if os.path.isdir(REGRESSIONS) else []
    check(all(f.split("-")[0] in targets for f in kept),
          f"fuzz regressions: files not named after a target: {[f for f in kept if f.split('-')[0] not in targets]}")
    for t in targets:
        replay = os.path.join(BUILD, "replay", t)
        inputs = [os.path.join(REGRESSIONS, f) for f in kept if f.split("-")[0] == t]
        seeds = os.path.join(FUZZ, "seeds", t)
        if os.path.isdir(seeds):
            inputs.append(seeds)
        if not inputs:
            continue
        if not check(os.access(replay, os.X_OK), f"fuzz regressions: no replay binary {replay} (make tests-bin)"):
            continue
        r = run(inputs, timeout=300, binary=replay)
        check(r.code == 0 and b"Sanitizer" not in r.err and b"runtime error:" not in r.err,
              f"fuzz regressions: {t} failed (exit {r.code}): {r.err[-800:]!r}")
    names = ["x.html", "x.md", "x.mhtml", "x"]
    for f in kept:
        if not f.startswith("fuzz_parse-"):
            continue
        with open(os.path.join(REGRESSIONS, f), "rb") as fh:
            data = fh.read()
        name, data = names[data[0] % 4 if data else 0], data[1:]
        p = write(f"{d}/{f}/{name}", data)
        parse_one(p, f"fuzz regression {f} through the binary")


def main():
    """Run every group in its own scratch directory, then print the totals."""
    if not os.access(BIN, os.X_OK):
        print(f"robust: no binary at {BIN}")
        print("robust: 0 passed, 1 failed")
        return 1
    print(f"robust: {BIN} ({'ASan+UBSan, LSan on' if ASAN else 'normal build'})")
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wxrobust-") as keep:
        for test in (test_small_bad_inputs, test_truncated_samples, test_encodings, test_size_limits,
                     test_hostile_markup, test_filesystem, test_valgrind_leaks, test_no_external_access,
                     test_every_match_is_bounded, test_regex_worst_cases, test_fuzz_regressions):
            d = tempfile.mkdtemp(prefix=test.__name__ + "-", dir=keep)
            t = time.monotonic()
            try:
                test(d)
            except Exception as e:  # a broken test must count as a failure, not stop the others
                import traceback
                traceback.print_exc()
                check(False, f"{test.__name__}: raised {type(e).__name__}: {e}")
            print(f"  {test.__name__}: {time.monotonic() - t:.1f} s")
    print(f"robust: {time.monotonic() - t0:.0f} s")
    return checks.summary("robust")


if __name__ == "__main__":
    sys.exit(main())
