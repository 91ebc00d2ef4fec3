#!/usr/bin/python3
"""Hostile inputs and hostile neighbours (issue 12), each with its limit.

HOSTILE lists the page shapes a hostile author can repeat: each is parsed
at 10k, 20k and 40k items and the CPU time the child used (getrusage of
children, user + system; never wall time, never absolute seconds) must grow
about linearly: t(40k) / t(10k) under 8, where quadratic work gives 16.
Each shape also checks what the record holds, so a shape that stopped
exercising its code path fails instead of passing quickly.

MEMORY lists page shapes that cost memory (dates, a huge attribute, text,
elements, links, images): each is parsed at 2 and 8 MB in a fresh child
and its peak RSS (RUSAGE_CHILDREN's ru_maxrss) must stay under
MEMORY_K x input + MEMORY_C; the record must show the documented limits
(1,000 dates, 10,000 images and links, 50,000 elements) with their warnings.

The file cases check exact outcomes: temp files and the lock never follow
a symlink planted at their name, a path that is not UTF-8 keeps its record
(and its --incremental state), a symlink graph is walked once per real
directory, the database keeps the same row whatever the input order, and
--append leaves only complete lines.

Usage: hostile_test.py PATH/TO/wxingest (or a build directory).  Ends with
"hostile: N passed, N failed".
"""
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_arg = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
BIN = os.path.join(_arg, "wxingest") if os.path.isdir(_arg) else _arg
SAMPLE = os.path.join(ROOT, "samples")
ENV = dict(os.environ, LC_ALL="C.UTF-8")


def is_asan_build():
    """Sanitizer builds are checked for memory errors only: their timings
    are dominated by instrumentation and the shared machine's noise."""
    with open(BIN, "rb") as fh:
        return b"__asan_init" in fh.read()


ASAN = is_asan_build()
# The sanitizer pass (tests/run.sh sets WX_SANITIZER_PASS=1 for build-asan)
# parses each MEMORY shape at the smaller size only: the larger one is there
# for the RSS ratio, which only the normal build checks, and both sizes are
# past every cap, so they take the same paths.
SANITIZER_PASS = os.environ.get("WX_SANITIZER_PASS") == "1"


def cpu_run(args, cwd=None, stdin=None):
    """Run the binary; (completed process, CPU seconds it used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([BIN] + args, cwd=cwd, env=ENV, input=stdin, capture_output=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    check(b"Sanitizer" not in p.stderr and b"runtime error:" not in p.stderr and p.returncode >= 0,
          f"{' '.join(args)[-120:]}: exit {p.returncode}, sanitizer report: {p.stderr[-600:]!r}")
    return p, cpu


def html(body):
    return b"<html><head><title>t</title></head><body><div id=js_content>" + body + b"</div></body></html>"


KEPT = 10000   # a record keeps this many images and links (WX_MAX_IMAGES, WX_MAX_LINKS), then warns


def links_count(rec, n):
    return len(rec["links"]) == min(n, KEPT) and (n <= KEPT) != warned(rec, "more links not kept")


def images_count(rec, n):
    return len(rec["images"]) == min(n, KEPT) and (n <= KEPT) != warned(rec, "more images not kept")


def warned(rec, words):
    return any(words in w for w in rec["warnings"])


# name: (page for n items, file suffix, what the record must show)
HOSTILE = {
    "same image n times": (lambda n: html(b'<img src="http://x.cn/y.png">' * n), ".html",
                           images_count),
    "distinct images": (lambda n: html(b"".join(b'<img src="http://x.cn/%d.png">' % i for i in range(n))), ".html",
                        images_count),
    "distinct <a href> links": (lambda n: html(b"".join(b'<a href="http://x.cn/%d">l</a>' % i for i in range(n))),
                                ".html", links_count),
    "URLs written in text": (lambda n: html(b"<p>" + b"".join(b"http://x.cn/%d " % i for i in range(n)) + b"</p>"),
                             ".html", links_count),
    "markdown links": (lambda n: b"# Title\n\n" + b"".join(b"[l](http://x.cn/%d)\n" % i for i in range(n)), ".md",
                       links_count),
    "'&' escaped n times over (&amp;amp;...)": (
        lambda n: html(b'<a href="http://x.cn/?a=1&' + b"amp;" * n + b'b=2">l</a>'), ".html",
        lambda rec, n: [l["url"] for l in rec["links"]] == ["http://x.cn/?a=1&b=2"]),
    "a Wayback prefix n times on a link": (
        lambda n: html(b'<a href="' + b"/web/20200101000000/" * n + b'http://x.cn/a">l</a>'), ".html",
        lambda rec, n: [l["url"] for l in rec["links"]] == ["http://x.cn/a"]),
    "n attributes on one element": (
        lambda n: html(b'<img src="http://x.cn/y.png" ' + b"".join(b'a%d="v" ' % i for i in range(n)) + b">x"),
        ".html", lambda rec, n: rec["text"] == "x" and [i["url"] for i in rec["images"]] == ["http://x.cn/y.png"]
        and warned(rec, "%d attributes not kept" % (n + 1 - 256))),
    "n attributes on one element after a <?pi?>": (
        lambda n: html(b'<?x?><img src="http://x.cn/y.png" ' + b"".join(b"a%d " % i for i in range(n)) + b">x"),
        ".html", lambda rec, n: rec["text"] == "x" and [i["url"] for i in rec["images"]] == ["http://x.cn/y.png"]
        and warned(rec, "%d attributes not kept" % (n + 1 - 256))),
    "markdown: an intra-word run of 4n '_'": (
        lambda n: b"# Title\n\na" + b"_" * (4 * n) + b"b\n", ".md",
        lambda rec, n: "a" + "_" * (4 * n) + "b" in rec["text"]),
    "markdown: 8n linked images in one paragraph": (
        lambda n: b"# Title\n\n" + b"[![a](http://x.cn/a.png)](http://x.cn/b) " * (8 * n) + b"\n", ".md",
        lambda rec, n: len(rec["images"]) > 5000),
    "a notice with n URLs in its text": (
        lambda n: html(("<p>关于开展年度检查工作的通知</p><p>各有关单位：</p><p>现将有关事项通知如下。</p><p>" +
                        "".join("http://x.cn/%d " % i for i in range(n)) +
                        "</p><p>全国某某委员会秘书处</p><p>2024年5月8日</p>").encode()), ".html",
        lambda rec, n: rec["notice"] is not None and len(rec["notice"]["links"]) == n),
    "n elements and n getElementById(..).innerHTML = '..' for an id not there": (
        lambda n: html(b"<p>x</p>" * n + b"<script>" +
                       b'document.getElementById("nope").innerHTML = "y";\n' * n + b"</script>"), ".html",
        lambda rec, n: rec["text"].split() == ["x"] * n),
    "n innerHTML = ' ' to one empty element, then text": (
        lambda n: html(b"<p id=e></p><p>x</p><script>" + b'document.getElementById("e").innerHTML = " ";\n' * n +
                       b'document.getElementById("e").innerHTML = "y";</script>'), ".html",
        lambda rec, n: rec["text"].split() == ["y", "x"]),
    "Wayback toolbar markers without END": (
        lambda n: b"<html><body>" + b"<!-- BEGIN WAYBACK TOOLBAR INSERT -->" * n, ".html",
        lambda rec, n: rec["status"] != "error"),
}
SIZES = (10000, 20000, 40000)
LINEAR_LIMIT = 8.0     # t(40k) / t(10k); linear is 4, quadratic 16


def test_linear_shapes(d):
    """Every HOSTILE shape at 10k, 20k, 40k items: the record is right at
    each size and the CPU time ratio 40k/10k stays under LINEAR_LIMIT.
    Each size is run twice and the faster run counts (noise on a shared
    machine only ever adds time)."""
    for name, (make, suffix, ok) in HOSTILE.items():
        cpu = {}
        for n in (SIZES[-1],) if ASAN else SIZES:
            path = os.path.join(d, f"shape-{n}{suffix}")
            with open(path, "wb") as fh:
                fh.write(make(n))
            best = None
            for _ in range(1 if ASAN else 2):
                p, secs = cpu_run(["parse", path])
                best = secs if best is None else min(best, secs)
            recs = checks.jsonl_records(p.stdout, f"{name} ({n})")
            if check(len(recs) == 1, f"{name} ({n}): {len(recs)} records, exit {p.returncode}"):
                check(ok(recs[0][1], n), f"{name} ({n}): the record does not show the {n} items")
            cpu[n] = best
            os.unlink(path)
        if ASAN:
            continue
        ratio = cpu[SIZES[-1]] / max(cpu[SIZES[0]], 0.02)
        print(f"  {name}: CPU " + ", ".join(f"{n // 1000}k {cpu[n]:.3f} s" for n in SIZES) + f" (x{ratio:.1f})")
        check(ratio < LINEAR_LIMIT,
              f"{name}: CPU " + ", ".join(f"{n // 1000}k {cpu[n]:.3f} s" for n in SIZES) +
              f" (x{ratio:.1f} for 4x the items: not linear)")


def fill(unit, size):
    """unit repeated to about size bytes, in a page."""
    return html(unit * max(1, size // len(unit)))


# name: (page of about n bytes, what the record must show).  Each is parsed
# at MEMORY_SIZES in a fresh child and its peak RSS must stay under
# MEMORY_K * input + MEMORY_C; the limits it meets are in the README.
MEMORY = {
    "page of dates": (lambda n: fill("<p>2024年1月2日 2023-05-06 三月五日</p>".encode(), n),
                      lambda rec: len(rec["dates"]) == 1000 and warned(rec, "more dates not kept")),
    "one huge attribute": (lambda n: html(b'<p title="' + b"a" * n + b'">x</p>'),
                           lambda rec: rec["status"] == "ok" and rec["text"] == "x"),
    "paragraphs of text": (lambda n: fill("<p>文字的段落，不长。Some words here.</p>".encode(), n),
                           lambda rec: rec["status"] == "ok" and len(rec["text"]) > 100000),
    "empty elements": (lambda n: fill(b"<p></p>", n),
                       lambda rec: warned(rec, "over 50000 elements")),
    "distinct links": (lambda n: html(b"".join(b'<a href="http://x.cn/%d">l</a>' % i for i in range(n // 30))),
                       lambda rec: len(rec["links"]) == KEPT and warned(rec, "more links not kept")),
    "distinct images": (lambda n: html(b"".join(b'<img src="http://x.cn/%d.png">' % i for i in range(n // 30))),
                        lambda rec: len(rec["images"]) == KEPT and warned(rec, "more images not kept")),
    "same image": (lambda n: fill(b'<img src="http://x.cn/y.png">', n),
                   lambda rec: len(rec["images"]) == KEPT and warned(rec, "more images not kept")),
    "URLs written in text": (lambda n: html(b"<p>" + b"".join(b"http://x.cn/%d " % i for i in range(n // 18)) + b"</p>"),
                             lambda rec: len(rec["links"]) == KEPT and warned(rec, "more links not kept")),
}
MEMORY_SIZES = (2 << 20, 8 << 20)
MEMORY_K = 10.0             # bytes of peak RSS per byte of input ...
MEMORY_C = 48 << 20         # ... plus this (the process itself is ~17 MB)

PEAK_RSS = """import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    p = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss(args, out):
    """Run the binary in a fresh child Python, so RUSAGE_CHILDREN's maximum
    is this run's alone.  Returns (exit code, peak RSS in bytes)."""
    p = subprocess.run([sys.executable, "-c", PEAK_RSS, out, BIN] + args, env=ENV, capture_output=True,
                       text=True, timeout=300)
    code, kb = p.stdout.split()
    return int(code), int(kb) * 1024


def test_memory_shapes(d):
    """Every MEMORY shape at two sizes: the record is right and peak RSS is
    at most MEMORY_K x the input + MEMORY_C (the ASan build, whose shadow
    memory and quarantine dwarf the program's, checks the records only, and
    on the sanitizer pass at the smaller size only)."""
    for name, (make, ok) in MEMORY.items():
        seen = []
        for size in MEMORY_SIZES[:1] if SANITIZER_PASS else MEMORY_SIZES:
            path, out = os.path.join(d, "shape.html"), os.path.join(d, "out.jsonl")
            with open(path, "wb") as fh:
                fh.write(make(size))
            n = os.path.getsize(path)
            code, rss = peak_rss(["parse", path], out)
            with open(out, "rb") as fh:
                recs = checks.jsonl_records(fh.read(), f"{name} ({n} bytes)")
            if check(code == 0 and len(recs) == 1, f"{name} ({n} bytes): exit {code}, {len(recs)} records"):
                check(ok(recs[0][1]), f"{name} ({n} bytes): the record is not as expected: "
                      f"{recs[0][1]['status']}, warnings {recs[0][1]['warnings'][-3:]}")
            seen.append(f"{n / 2**20:.0f} MB -> {rss / 2**20:.0f} MB (x{rss / n:.1f})")
            if not ASAN:
                limit = MEMORY_K * n + MEMORY_C
                check(rss <= limit, f"{name}: peak RSS {rss / 2**20:.0f} MB for {n / 2**20:.1f} MB of input, "
                      f"over {MEMORY_K:g} x input + {MEMORY_C >> 20} MB = {limit / 2**20:.0f} MB")
            os.unlink(path)
            os.unlink(out)
        print(f"  {name}: peak RSS " + ", ".join(seen))


def article(d, name="page.html"):
    """A small real article copied into d (the tests change nothing in samples/)."""
    import gzip
    path = os.path.join(d, name)
    with gzip.open(os.path.join(SAMPLE, "article-01.html.gz"), "rb") as src, open(path, "wb") as fh:
        fh.write(src.read())
    return path


def test_temp_names_do_not_follow_symlinks(d):
    """A symlink planted at every name a run used to create by a fixed name
    (OUT.tmp, OUT.state.tmp, the --lock file): the files it points at, one
    existing and one not yet, stay as they were, OUT and OUT.state come out
    regular files, and a lock that is a symlink is refused (exit 74)."""
    page = article(d)
    victim = os.path.join(d, "victim")
    with open(victim, "w") as fh:
        fh.write("precious\n")
    out = os.path.join(d, "out.jsonl")
    os.symlink(victim, out + ".tmp")
    os.symlink(os.path.join(d, "created-through-link"), out + ".state.tmp")
    p, _ = cpu_run(["parse", "--quiet", "--incremental", "-o", out, page])
    check(p.returncode == 0, f"symlinked temp names: exit {p.returncode}: {p.stderr[-300:]!r}")
    with open(victim) as fh:
        check(fh.read() == "precious\n", "symlinked OUT.tmp: the file it points at was written")
    check(not os.path.lexists(os.path.join(d, "created-through-link")),
          "symlinked OUT.state.tmp: a file was created where it points")
    for f in (out, out + ".state"):
        check(os.path.isfile(f) and not os.path.islink(f), f"{os.path.basename(f)} is not a regular file")
    recs = checks.jsonl_records(open(out, "rb").read(), "out.jsonl")
    check(len(recs) == 1 and recs[0][1]["source"]["path"] == page, f"out.jsonl: {len(recs)} records")
    check(sorted(os.listdir(d)) == sorted(["page.html", "victim", "out.jsonl", "out.jsonl.state",
                                           "out.jsonl.tmp", "out.jsonl.state.tmp"]),
          f"temp files left behind: {sorted(os.listdir(d))}")

    lock = os.path.join(d, "run.lock")
    os.symlink(victim, lock)
    p, _ = cpu_run(["parse", "--quiet", "--lock", lock, "-o", os.path.join(d, "locked.jsonl"), page])
    check(p.returncode == 74 and b"symbolic link" in p.stderr,
          f"symlinked --lock: exit {p.returncode} (expected 74), stderr {p.stderr[-300:]!r}")
    with open(victim) as fh:
        check(fh.read() == "precious\n", "symlinked --lock: the file it points at was truncated")
    plain = os.path.join(d, "plain.lock")
    p, _ = cpu_run(["parse", "--quiet", "--lock", plain, "-o", os.path.join(d, "locked.jsonl"), page])
    check(p.returncode == 0 and os.path.isfile(plain), f"a plain --lock file: exit {p.returncode}")


def test_path_not_utf8(d):
    """A file whose name is not UTF-8 keeps its record's source (the path
    repaired to U+FFFD, like page strings) and its --incremental state (the
    raw bytes as the key): three --incremental --append runs give one line."""
    pages = os.path.join(d, "pages")
    os.mkdir(pages)
    raw = os.path.join(os.fsencode(pages), b"a\xff.html")
    shutil.copy(article(d), raw)
    out = os.path.join(d, "f.jsonl")
    for i in range(3):
        p, _ = cpu_run(["parse", "--quiet", "--incremental", "--append", "-o", out, pages])
        check(p.returncode == 0, f"non-UTF-8 path, run {i + 1}: exit {p.returncode}: {p.stderr[-300:]!r}")
    recs = [r for _, r in checks.jsonl_records(open(out, "rb").read(), "non-UTF-8 path")]
    check(len(recs) == 1, f"non-UTF-8 path: 3 --incremental --append runs gave {len(recs)} lines")
    if recs:
        src = recs[0].get("source") or {}
        check(src.get("path") == pages + "/a\ufffd.html" and src.get("sha256"),
              f"non-UTF-8 path: source is {src!r}")
    state = [json.loads(l) for l in open(out + ".state", "rb").read().splitlines()]
    check({"key_hex": raw.hex(), "sha256": recs[0]["source"]["sha256"] if recs else None} in state,
          f"non-UTF-8 path: the state does not keep the raw path as its key: {state!r}")


def test_symlink_graph(d):
    """d0 .. d18, each holding a page and two symlinks to the next: 2^18
    routes to d18 without a loop.  The walk visits each real directory once,
    so each page gives one record (by its first route in byte order)."""
    depth = 18
    top = os.path.join(d, "graph")
    for k in range(depth + 1):
        os.makedirs(os.path.join(top, f"d{k}"))
        with open(os.path.join(top, f"d{k}", f"p{k}.html"), "wb") as fh:
            fh.write(html(b"<p>page %d</p>" % k))
        if k < depth:
            for name in ("a", "b"):
                os.symlink(f"../d{k + 1}", os.path.join(top, f"d{k}", name))
    try:
        p, secs = cpu_run(["parse", "--quiet", top])
    except subprocess.TimeoutExpired:
        check(False, "symlink graph: the walk did not finish in 300 s")
        return
    recs = [r for _, r in checks.jsonl_records(p.stdout, "symlink graph")]
    files = sorted(os.path.basename(r["source"]["path"]) for r in recs)
    check(files == sorted(f"p{k}.html" for k in range(depth + 1)),
          f"symlink graph: {len(recs)} records for {depth + 1} pages ({secs:.1f} s CPU)")
    check(p.returncode == 0 and not p.stderr, f"symlink graph: exit {p.returncode}, stderr {p.stderr[-300:]!r}")


def test_same_bytes_db_order(d):
    """Two inputs of the same bytes (x/p.html.gz and y/p.html) give one
    article; --db keeps the same row whichever order they come in (the tie
    on fetch time and sha256 is broken on the path)."""
    import gzip
    page = article(d)
    for sub, name in (("x", "p.html.gz"), ("y", "p.html")):
        os.makedirs(os.path.join(d, sub))
    with open(page, "rb") as src:
        data = src.read()
    with gzip.open(os.path.join(d, "x", "p.html.gz"), "wb") as fh:
        fh.write(data)
    with open(os.path.join(d, "y", "p.html"), "wb") as fh:
        fh.write(data)
    rows = []
    for name, order in (("a.db", ["x", "y"]), ("b.db", ["y", "x"])):
        db = os.path.join(d, name)
        p, _ = cpu_run(["parse", "--quiet", "--db", "sqlite:" + db] + order, cwd=d)
        check(p.returncode == 0, f"same bytes, order {order}: exit {p.returncode}: {p.stderr[-300:]!r}")
        con = sqlite3.connect(db)
        rows.append(con.execute("SELECT id, input_path, input_sha256, record FROM articles ORDER BY id").fetchall())
        con.close()
    check(len(rows[0]) == 1 and rows[0] == rows[1],
          f"same bytes: the rows depend on the input order: {[[r[:3] for r in x] for x in rows]}")


def test_append_keeps_whole_lines(d):
    """--append: a last record without its newline is kept (the newline is
    added), and a write that fails (RLIMIT_FSIZE standing in for a full
    disk, SIGXFSZ ignored so write() fails with EFBIG) is cut back to the
    last complete line at once: exit 74, every line a whole record."""
    import resource as res
    import signal
    pages = os.path.join(d, "pages")
    os.mkdir(pages)
    for k in range(3):
        with open(os.path.join(pages, f"p{k}.html"), "wb") as fh:
            fh.write(html(b"<p>page %d %s</p>" % (k, b"x" * 20000)))
    out = os.path.join(d, "a.jsonl")
    p, _ = cpu_run(["parse", "--quiet", "-o", out, os.path.join(pages, "p0.html")])
    whole = open(out, "rb").read()
    check(p.returncode == 0 and whole.endswith(b"\n") and whole.count(b"\n") == 1, "append: the first record")
    with open(out, "wb") as fh:
        fh.write(whole[:-1])                       # a whole record, no newline
    p, _ = cpu_run(["parse", "--quiet", "--append", "-o", out, os.path.join(pages, "p1.html")])
    lines = open(out, "rb").read().splitlines(keepends=True)
    check(p.returncode == 0 and len(lines) == 2 and lines[0] == whole,
          f"append: a last record without its newline was not kept ({len(lines)} lines, exit {p.returncode})")

    with open(out, "ab") as fh:
        fh.write(whole[: len(whole) // 2])         # a torn record: cut off
    before = b"".join(lines)
    limit = len(before) + len(whole) // 2 + len(whole)   # room for one more record and a half

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        res.setrlimit(res.RLIMIT_FSIZE, (limit, limit))

    p = subprocess.run([BIN, "parse", "--quiet", "--append", "-o", out, pages], env=ENV, capture_output=True,
                       preexec_fn=small_disk, timeout=120)
    data = open(out, "rb").read()
    recs = [r for _, r in checks.jsonl_records(data, "append on a full disk")]
    check(p.returncode == 74 and data.endswith(b"\n") and data.startswith(before) and len(recs) == 3,
          f"append on a full disk: exit {p.returncode} (expected 74), {len(recs)} whole records "
          f"(expected 3), last byte {data[-1:]!r}, stderr {p.stderr[-200:]!r}")


def test_utf16_with_bom(d):
    """A page saved as UTF-16 (LE or BE, with its byte order mark) gives the
    same record as the page in UTF-8, apart from source (its own bytes and
    sha256); a lone surrogate costs that unit only."""
    text = open(article(d), "rb").read().decode("utf-8")
    want = None
    for name, data in (("u8.html", text.encode()), ("le.html", b"\xff\xfe" + text.encode("utf-16-le")),
                       ("be.html", b"\xfe\xff" + text.encode("utf-16-be"))):
        path = os.path.join(d, name)
        with open(path, "wb") as fh:
            fh.write(data)
        p, _ = cpu_run(["parse", "--quiet", path])
        recs = [r for _, r in checks.jsonl_records(p.stdout, name)]
        if not check(len(recs) == 1, f"UTF-16 {name}: {len(recs)} records"):
            continue
        rec = recs[0]
        check(rec["source"]["bytes"] == len(data), f"UTF-16 {name}: source.bytes {rec['source']['bytes']}")
        rec.pop("source")
        if want is None:
            want = rec
            check(rec["status"] == "ok" and rec["title"], f"UTF-8 page: status {rec['status']}")
        else:
            check(rec == want, f"UTF-16 {name}: status {rec['status']}, the record differs from the UTF-8 page's")
    at = text.index("<body")
    lone = b"\xff\xfe" + text[:at].encode("utf-16-le") + b"\x00\xd8" + text[at:].encode("utf-16-le")
    path = os.path.join(d, "lone.html")
    with open(path, "wb") as fh:
        fh.write(lone)
    p, _ = cpu_run(["parse", "--quiet", path])
    recs = [r for _, r in checks.jsonl_records(p.stdout, "UTF-16 with a lone surrogate")]
    if check(len(recs) == 1, "UTF-16 with a lone surrogate: no record"):
        recs[0].pop("source")
        check(recs[0] == want, f"UTF-16 with a lone surrogate: status {recs[0]['status']}, "
                               "the record differs from the UTF-8 page's")


def main():
    if not os.access(BIN, os.X_OK):
        print(f"hostile: no binary at {BIN}")
        print("hostile: 0 passed, 1 failed")
        return 1
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wxhostile-") as keep:
        for test in (test_linear_shapes, test_memory_shapes, test_temp_names_do_not_follow_symlinks, test_path_not_utf8,
                     test_symlink_graph, test_same_bytes_db_order, test_append_keeps_whole_lines,
                     test_utf16_with_bom):
            d = tempfile.mkdtemp(prefix=test.__name__ + "-", dir=keep)
            t = time.monotonic()
            try:
                test(d)
            except Exception as e:  # a broken test counts as a failure, the others still run
                import traceback
                traceback.print_exc()
                check(False, f"{test.__name__}: raised {type(e).__name__}: {e}")
            print(f"  {test.__name__}: {time.monotonic() - t:.1f} s")
    print(f"hostile: {time.monotonic() - t0:.0f} s")
    return checks.summary("hostile")


if __name__ == "__main__":
    sys.exit(main())
