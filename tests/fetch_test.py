#!/usr/bin/python3
"""Fetch tests: run `wxingest fetch` and `wxingest run` against the test
HTTP server of tests/httpd.py (127.0.0.1 only, started and stopped here).

Each fault the server can inject has a test that checks the outcome, the
attempts the fetcher reports and the server saw, and that nothing partial
reached the store.  The fetcher runs with the usual proxy variables pointing
at the test server and no_proxy=127.0.0.1, so a request meant for any other
host would land here (and be counted) instead of leaving the machine.

Usage: fetch_test.py PATH/TO/wxingest     Prints one line per failure and a
final "fetch: N passed, N failed" line; exits 1 when anything failed.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import httpd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))
SAMPLE = httpd.DEFAULT_PAGE
SUITE_LIMIT = 60.0          # seconds; the whole suite must stay under this

SRV = None
ENV = None
TMP = None




def W(path):
    """A WeChat-looking URL; --base-url sends its request to the test server."""
    return "https://mp.weixin.qq.com" + path


_stores = 0


def new_store():
    global _stores
    _stores += 1
    return os.path.join(TMP, "store%d" % _stores)


def run(cmd, args, store, stdin=None, timeout=40, rate="1000", base=True):
    """Run wxingest CMD with the test defaults (fast rate and backoff, the
    test server as base URL).  Returns (exit code, stdout, stderr, seconds)."""
    argv = [BIN, cmd, "--store", store, "--rate", rate, "--backoff", "0.05"]
    if base:
        argv += ["--base-url", SRV.base]
    t0 = time.monotonic()
    p = subprocess.run(argv + args, input=stdin, capture_output=True, timeout=timeout, env=ENV)
    err = p.stderr.decode("utf-8", "replace")
    sanitizer_clean(err, f"{cmd} {' '.join(args)[:120]}")
    return p.returncode, p.stdout, err, time.monotonic() - t0


def sanitizer_clean(err, what):
    """Under the ASan+UBSan build every run must also be clean."""
    check("Sanitizer" not in err and "runtime error:" not in err, f"{what}: sanitizer report:\n{err[-2000:]}")


def fetch(args, store, **kw):
    """wxingest fetch; the result lines are parsed (and must all parse)."""
    code, out, err, secs = run("fetch", args, store, **kw)
    lines = []
    for n, line in enumerate(out.decode("utf-8").splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except ValueError as e:
            check(False, f"fetch line {n} is not JSON ({e}): {line[:200]}")
    for ln in lines:
        check(set(ln) == {"url", "status", "http_status", "sha256", "path", "attempts", "error"},
              f"result line has the documented keys: {sorted(ln)}")
    return code, lines, err, secs


def one(args, store, url, **kw):
    """Fetch a single URL; returns (exit code, its result line, stderr, seconds)."""
    code, lines, err, secs = fetch(args + [url], store, **kw)
    check(len(lines) == 1, f"{url}: one result line, got {len(lines)}")
    return code, (lines[0] if lines else {}), err, secs


def index(store):
    """Index entries that parse (a torn line is skipped, as the fetcher does)."""
    p = os.path.join(store, "index.jsonl")
    out = []
    if os.path.exists(p):
        with open(p, "rb") as f:
            for line in f.read().split(b"\n"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def objects(store):
    found = []
    for d, _, files in os.walk(os.path.join(store, "objects")):
        found += [os.path.join(d, f) for f in files]
    return sorted(found)


def store_consistent(store, what):
    """The crash-safety invariants: every object is named by the SHA-256 of
    its bytes, nothing lingers in tmp/, every index entry has its object."""
    ok = True
    for p in objects(store):
        with open(p, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        rel = os.path.relpath(p, os.path.join(store, "objects"))
        ok &= check(rel == f"{sha[:2]}/{sha[2:]}.html", f"{what}: object {rel} is not named by its hash")
    tmpd = os.path.join(store, "tmp")
    left = os.listdir(tmpd) if os.path.isdir(tmpd) else []
    ok &= check(not left, f"{what}: files left in tmp/: {left}")
    for e in index(store):
        sha = e.get("sha256", "")
        ok &= check(os.path.exists(os.path.join(store, "objects", sha[:2], sha[2:] + ".html")),
                    f"{what}: index entry for {e.get('url')} has no object")
    return ok


def nothing_stored(store, url, what):
    """A failed URL left no trace: no index entry, no object, no temporary."""
    check(not [e for e in index(store) if e["url"] == url], f"{what}: failed URL has an index entry")
    check(objects(store) == [], f"{what}: objects were stored: {objects(store)}")
    store_consistent(store, what)


def hits(prefix):
    return SRV.requests(prefix)


def sample_bytes(name=SAMPLE):
    with gzip.open(os.path.join(httpd.SAMPLES, name + ".html.gz")) as f:
        return f.read()


# ---------------------------------------------------------------- the store

def test_store_and_skip():
    st = new_store()
    url = W("/s/" + SAMPLE)
    code, r, err, _ = one([], st, url)
    body = sample_bytes()
    sha = hashlib.sha256(body).hexdigest()
    check(code == 0, f"store: exit {code} ({err.strip()})")
    check(r.get("status") == "stored" and r.get("attempts") == 1 and r.get("http_status") == 200,
          f"store: result {r}")
    check(r.get("sha256") == sha, "store: sha256 is the hash of the page bytes")
    want = os.path.join(st, "objects", sha[:2], sha[2:] + ".html")
    check(r.get("path") and os.path.samefile(r["path"], want), f"store: path {r.get('path')} is objects/ab/cdef….html")
    with open(want, "rb") as f:
        check(f.read() == body, "store: the object holds exactly the page bytes")
    idx = index(st)
    if check(len(idx) == 1, f"store: one index entry, got {len(idx)}"):
        e = idx[0]
        check(e["url"] == url and e["sha256"] == sha and e["http_status"] == 200, f"store: index entry {e}")
        check(e["final_url"] == SRV.base + "/s/" + SAMPLE, f"store: final_url {e['final_url']}")
        check(e["content_type"].startswith("text/html"), "store: content type recorded")
        check(e["etag"] and e["last_modified"] == httpd.LAST_MODIFIED, "store: ETag and Last-Modified recorded")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["fetched_at"] or ""), "store: fetched_at is UTC ISO 8601")
        check(e["via"] == "live" and e["bytes"] == len(body), "store: via and bytes recorded")
    reqs = hits("/s/" + SAMPLE)
    if check(len(reqs) == 1, f"store: server saw {len(reqs)} requests"):
        h = reqs[0]["headers"]
        check(h.get("user-agent", "").startswith("wxingest/"), f"store: descriptive User-Agent: {h.get('user-agent')}")
        check("gzip" in h.get("accept-encoding", ""), "store: compressed responses accepted")
        check("if-none-match" not in h, "store: no conditional request without a stored copy")
    store_consistent(st, "store")

    # again: already stored, so skipped without a request
    code, r, err, _ = one([], st, url)
    check(code == 0 and r.get("status") == "skipped" and r.get("attempts") == 0 and r.get("sha256") == sha,
          f"skip: result {r}")
    check(len(hits("/s/" + SAMPLE)) == 1, "skip: no request for a stored URL")
    check(len(index(st)) == 1, "skip: index unchanged")

    # `parse DIR/objects` still works on a store
    p = subprocess.run([BIN, "parse", os.path.join(st, "objects")], capture_output=True, timeout=60)
    sanitizer_clean(p.stderr.decode("utf-8", "replace"), "parse DIR/objects")
    recs = [json.loads(x) for x in p.stdout.decode("utf-8").splitlines() if x.strip()]
    check(p.returncode == 0 and len(recs) == 1 and recs[0]["source"]["sha256"] == sha,
          f"parse DIR/objects: exit {p.returncode}, {len(recs)} records")


def test_conditional_304():
    st = new_store()
    url = W("/s/article-2018-issue")
    one([], st, url)
    code, r, err, _ = one(["--refresh"], st, url)
    check(code == 0 and r.get("status") == "unchanged" and r.get("http_status") == 304 and r.get("attempts") == 1,
          f"304: result {r}")
    reqs = hits("/s/article-2018-issue")
    if check(len(reqs) == 2, f"304: server saw {len(reqs)} requests"):
        check(reqs[1]["headers"].get("if-none-match") == index(st)[0]["etag"], "304: If-None-Match is the stored ETag")
        check(reqs[1]["headers"].get("if-modified-since") == httpd.LAST_MODIFIED, "304: If-Modified-Since sent")
    check(len(index(st)) == 1 and len(objects(st)) == 1, "304: nothing new stored")
    check(r.get("sha256") == index(st)[0]["sha256"], "304: result names the stored copy")
    store_consistent(st, "304")

    st = new_store()
    url = W("/fault/lastmod/a")
    one([], st, url)
    code, r, err, _ = one(["--refresh"], st, url)
    check(r.get("status") == "unchanged" and r.get("http_status") == 304, f"If-Modified-Since only: {r}")
    reqs = hits("/fault/lastmod/a")
    check(len(reqs) == 2 and reqs[1]["headers"].get("if-modified-since") == httpd.LAST_MODIFIED
          and "if-none-match" not in reqs[1]["headers"], "If-Modified-Since alone when there is no ETag")


def test_unchanged_and_changed():
    st = new_store()
    url = W("/fault/nocache/a")
    one([], st, url)
    code, r, err, _ = one(["--refresh"], st, url)
    check(r.get("status") == "unchanged" and r.get("http_status") == 200, f"same bytes again: {r}")
    check(len(index(st)) == 1 and len(objects(st)) == 1, "same bytes again: stores nothing new")

    st = new_store()
    url = W("/fault/changing/a")
    _, r1, _, _ = one([], st, url)
    _, r2, _, _ = one(["--refresh"], st, url)
    check(r1.get("status") == "stored" and r2.get("status") == "stored" and r1.get("sha256") != r2.get("sha256"),
          f"changed page: {r1.get('status')} then {r2.get('status')}")
    idx = index(st)
    check(len(idx) == 2 and [e["sha256"] for e in idx] == [r1.get("sha256"), r2.get("sha256")],
          "changed page: two index entries, oldest first")
    check(len(objects(st)) == 2, "changed page: both versions kept")
    store_consistent(st, "changed page")


def test_torn_index_and_missing_object():
    st = new_store()
    u1, u2, u3 = W("/s/deleted-01"), W("/s/deleted-02"), W("/s/expired-01")
    one([], st, u1)
    with open(os.path.join(st, "index.jsonl"), "ab") as f:
        f.write(b'{"url":"' + u2.encode() + b'","fetched_at":"2026-')   # a crash mid-append
    code, lines, err, _ = fetch([u1, u2], st)
    check(code == 0 and [x["status"] for x in lines] == ["skipped", "stored"],
          f"torn index: {[x['status'] for x in lines]} ({err.strip()})")
    with open(os.path.join(st, "index.jsonl"), "rb") as f:
        raw = f.read().split(b"\n")
    check(raw[-1] == b"" and json.loads(raw[-2])["url"] == u2, "torn index: the new entry is a whole line of its own")
    check([e["url"] for e in index(st)] == [u1, u2], "torn index: the torn line is ignored")
    store_consistent(st, "torn index")

    one([], st, u3)
    sha = [e for e in index(st) if e["url"] == u3][0]["sha256"]
    os.unlink(os.path.join(st, "objects", sha[:2], sha[2:] + ".html"))
    code, r, _, _ = one([], st, u3)
    check(r.get("status") == "stored" and r.get("attempts") == 1, f"object deleted by hand: fetched again ({r})")
    store_consistent(st, "missing object")


# ---------------------------------------------------------------- faults

def test_slow_first_byte():
    st = new_store()
    url = W("/fault/slow/a?delay=4")
    code, r, err, secs = one(["--timeout", "1", "--retries", "1"], st, url)
    check(code == 65 and r.get("status") == "failed" and (r.get("error") or "").startswith("timeout:"),
          f"slow first byte: {r}")
    check(r.get("attempts") == 2 and len(hits("/fault/slow/a")) == 2, "slow first byte: retried once (2 attempts)")
    check(secs < 5, f"slow first byte: gave up in {secs:.1f} s")
    check(url in err, "slow first byte: reported on stderr")
    nothing_stored(st, url, "slow first byte")

    st = new_store()
    code, r, err, _ = one([], st, W("/fault/slow/b?delay=0.3"))
    check(r.get("status") == "stored" and r.get("attempts") == 1, f"slow but within the timeout: {r}")


def test_stalled_body():
    st = new_store()
    url = W("/fault/stall/a?for=8")
    code, r, err, secs = one(["--timeout", "5,20,1", "--retries", "0"], st, url)
    check(r.get("status") == "failed" and (r.get("error") or "").startswith("timeout:") and r.get("attempts") == 1,
          f"stalled body: {r}")
    check("slow" in (r.get("error") or "") and secs < 4,
          f"stalled body: low-speed abort after {secs:.1f} s, before the total timeout: {r.get('error')}")
    nothing_stored(st, url, "stalled body")


def test_connection_reset():
    st = new_store()
    url = W("/fault/reset/a")
    code, r, err, _ = one(["--retries", "2"], st, url)
    check(r.get("status") == "failed" and (r.get("error") or "").startswith("network:"), f"reset: {r}")
    check(r.get("attempts") == 3 and len(hits("/fault/reset/a")) == 3, f"reset: 3 attempts, server saw {len(hits('/fault/reset/a'))}")
    nothing_stored(st, url, "reset")

    st = new_store()
    code, r, err, _ = one([], st, W("/fault/reset/b?n=1"))
    check(r.get("status") == "stored" and r.get("attempts") == 2, f"reset then 200: {r}")
    store_consistent(st, "reset then 200")


def test_500():
    st = new_store()
    code, r, err, _ = one([], st, W("/fault/500/a?n=1"))
    check(code == 0 and r.get("status") == "stored" and r.get("attempts") == 2 and r.get("error") is None,
          f"500 then 200: {r}")
    check(len(hits("/fault/500/a")) == 2, "500 then 200: two requests")
    store_consistent(st, "500 then 200")

    st = new_store()
    url = W("/fault/500/b")
    code, r, err, _ = one(["--retries", "3", "--backoff", "0.1"], st, url)
    check(r.get("status") == "failed" and r.get("error") == "http: HTTP 500" and r.get("http_status") == 500,
          f"always 500: {r}")
    reqs = hits("/fault/500/b")
    check(r.get("attempts") == 4 and len(reqs) == 4, f"always 500: at most --retries 3 (4 attempts), server saw {len(reqs)}")
    gaps = [b["t"] - a["t"] for a, b in zip(reqs, reqs[1:])]
    # equal jitter: the k-th delay is between half and all of 0.1 * 2^(k-1)
    check(len(gaps) == 3 and all(g >= 0.1 * 2 ** k / 2 * 0.9 for k, g in enumerate(gaps)),
          f"always 500: exponential backoff, gaps {[round(g, 2) for g in gaps]}")
    nothing_stored(st, url, "always 500")


def test_429_retry_after():
    st = new_store()
    code, r, err, _ = one([], st, W("/fault/429/a?after=1"))
    check(r.get("status") == "stored" and r.get("attempts") == 2, f"429 Retry-After: {r}")
    reqs = hits("/fault/429/a")
    check(len(reqs) == 2 and reqs[1]["t"] - reqs[0]["t"] >= 0.95,
          f"429: waited Retry-After (1 s): {[round(b['t'] - a['t'], 2) for a, b in zip(reqs, reqs[1:])]}")
    store_consistent(st, "429")

    st = new_store()
    url = W("/fault/429/b?after=100000")
    code, r, err, secs = one([], st, url)
    check(r.get("status") == "failed" and r.get("attempts") == 1 and "Retry-After" in (r.get("error") or ""),
          f"429 with a day-long Retry-After fails at once: {r}")
    nothing_stored(st, url, "429 long")


def test_4xx():
    for code_, retried in (("404", False), ("403", False), ("410", False), ("408", True)):
        st = new_store()
        url = W(f"/fault/status/{code_}/a")
        code, r, err, _ = one(["--retries", "1"], st, url)
        want = 2 if retried else 1
        check(r.get("status") == "failed" and r.get("error") == f"http: HTTP {code_}" and r.get("attempts") == want
              and len(hits(f"/fault/status/{code_}/a")) == want, f"HTTP {code_}: {r}")
        nothing_stored(st, url, f"HTTP {code_}")


def test_redirects():
    st = new_store()
    url = W("/fault/loop/a")
    code, r, err, _ = one([], st, url)
    check(r.get("status") == "failed" and (r.get("error") or "").startswith("redirect:") and r.get("attempts") == 1,
          f"redirect loop: {r}")
    check(len(hits("/fault/loop/a")) == 6, f"redirect loop: 1 request + 5 redirects, server saw {len(hits('/fault/loop/a'))}")
    nothing_stored(st, url, "redirect loop")

    st = new_store()
    url = W("/fault/redirect/a?to=file:///etc/passwd")
    code, r, err, _ = one([], st, url)
    check(r.get("status") == "failed" and (r.get("error") or "").startswith("scheme:") and r.get("attempts") == 1,
          f"redirect to file://: {r}")
    nothing_stored(st, url, "redirect to file://")

    st = new_store()
    url = W("/fault/http09/a")
    code, r, err, _ = one([], st, url)
    check(r.get("status") == "failed" and (r.get("error") or "").startswith("http:"),
          f"an HTTP/0.9 reply is an http error, not a scheme one: {r}")
    nothing_stored(st, url, "HTTP/0.9 reply")

    st = new_store()
    code, r, err, _ = one([], st, W("/fault/redirect/b?to=/s/video-2018"))
    check(r.get("status") == "stored", f"redirect to a page: {r}")
    idx = index(st)
    check(idx and idx[0]["final_url"] == SRV.base + "/s/video-2018", "redirect: final URL recorded")

    st = new_store()
    before = len(SRV.log)
    code, lines, err, _ = fetch(["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"], st)
    check(code == 65 and len(lines) == 3 and all(x["status"] == "failed" and x["attempts"] == 0
                                                  and x["error"].startswith("url:") for x in lines),
          f"non-http URLs refused: {lines}")
    check(len(SRV.log) == before, "non-http URLs: no request made")
    check(objects(st) == [], "non-http URLs: nothing stored")


def test_oversized():
    lim = ["--max-bytes", "100K"]
    for name, path in (("with length", "/fault/big/a?bytes=300000"),
                       ("chunked", "/fault/big/b?bytes=300000&chunked=1"),
                       ("gzip bomb", "/fault/gzip/c?bytes=3000000")):
        st = new_store()
        url = W(path)
        code, r, err, _ = one(lim, st, url)
        check(r.get("status") == "failed" and (r.get("error") or "").startswith("too_large:") and r.get("attempts") == 1,
              f"oversized {name}: {r}")
        nothing_stored(st, url, f"oversized {name}")
    st = new_store()
    code, r, err, _ = one(lim, st, W("/fault/big/d?bytes=102400&chunked=1"))
    check(r.get("status") == "stored", f"exactly --max-bytes is accepted: {r}")


def test_gzip():
    st = new_store()
    code, r, err, _ = one([], st, W("/fault/gzip/a"))
    check(r.get("status") == "stored", f"gzip: {r}")
    reqs = hits("/fault/gzip/a")
    check(reqs and reqs[0].get("sent_gzip"), "gzip: the server sent a gzip-encoded body")
    body = sample_bytes()
    check(r.get("sha256") == hashlib.sha256(body).hexdigest(), "gzip: the decoded page is stored, named by its hash")
    store_consistent(st, "gzip")


def test_content_type():
    for t in ("image/png", "application/json"):
        st = new_store()
        url = W("/fault/type/a?type=" + t)
        code, r, err, _ = one([], st, url)
        check(r.get("status") == "failed" and r.get("error", "").startswith("content_type:") and t in r.get("error", "")
              and r.get("attempts") == 1, f"content type {t}: {r}")
        nothing_stored(st, url, f"content type {t}")
    st = new_store()
    code, r, err, _ = one([], st, W("/fault/type/b?type=application/xhtml%2Bxml"))
    check(r.get("status") == "stored", f"XHTML is a page: {r}")


def test_verify():
    st = new_store()
    url = W("/fault/verify/a")
    code, r, err, _ = one([], st, url)
    check(code == 65 and r.get("status") == "failed" and (r.get("error") or "").startswith("verify:")
          and r.get("attempts") == 1 and r.get("http_status") == 200, f"verify page: {r}")
    nothing_stored(st, url, "verify page")

    st = new_store()
    urls = [W("/fault/verify/s%d" % i) for i in range(5)]
    # the streak backs the host off 30x then 60x --backoff: 0.01 s keeps
    # the two waits (and the checks on them below) at 0.3 and 0.6 s
    backoff = 0.01
    code, lines, err, secs = fetch(["--jobs", "1", "--backoff", str(backoff)] + urls, st)
    errs = [(x["error"] or "").split(":")[0] for x in lines]
    check(errs == ["verify"] * 3 + ["blocked"] * 2, f"3 verify pages in a row stop the host: {errs}")
    check([x["attempts"] for x in lines] == [1, 1, 1, 0, 0], "verify streak: no request after the third")
    check(len(hits("/fault/verify/s")) == 3, f"verify streak: server saw {len(hits('/fault/verify/s'))} requests")
    check("verification pages in a row" in err, "verify streak: said so on stderr")
    reqs = hits("/fault/verify/s")
    gaps = [b["t"] - a["t"] for a, b in zip(reqs, reqs[1:])]
    check(len(gaps) == 2 and gaps[0] >= backoff * 30 * 0.9 and gaps[1] >= backoff * 60 * 0.9,
          f"verify: the host is backed off, longer each time: {[round(g, 2) for g in gaps]}")
    check(objects(st) == [] and index(st) == [], "verify streak: nothing stored")

    st = new_store()
    url = W("/fault/redirect/c?to=/mp/wappoc_appmsgcaptcha?x=1")
    code, r, err, _ = one([], st, url)
    check((r.get("error") or "").startswith("verify:"), f"redirect to the captcha URL is a verify failure: {r}")
    nothing_stored(st, url, "captcha redirect")


# ---------------------------------------------------------------- behaviour

def test_rate_limit():
    st = new_store()
    code, lines, err, secs = fetch(["--jobs", "4", W("/s/article-2018-mpvoice"), W("/s/article-2018-bgimage")],
                                   st, rate="1/s")
    a, b = hits("/s/article-2018-mpvoice"), hits("/s/article-2018-bgimage")
    check(code == 0 and len(a) == 1 and len(b) == 1, "rate: both fetched")
    if a and b:
        gap = abs(b[-1]["t"] - a[-1]["t"])
        check(gap >= 0.9, f"rate: default 1/s per host spaces requests {gap:.2f} s apart")
    st = new_store()
    fetch(["--jobs", "4"] + [W("/fault/nocache/r%d" % i) for i in range(3)], st, rate="4/s")
    reqs = hits("/fault/nocache/r")
    gaps = sorted(b["t"] - a["t"] for a, b in zip(reqs, reqs[1:]))
    check(len(reqs) == 3 and gaps[0] >= 0.2, f"rate 4/s: gaps {[round(g, 2) for g in gaps]}")


def most_at_once(reqs):
    """The most of these requests the server was handling at one time,
    from their start and end times (a handler of an earlier test, such as
    a stall still sleeping, does not count)."""
    t0 = time.monotonic()
    while any("t_end" not in r for r in reqs) and time.monotonic() - t0 < 5:
        time.sleep(0.02)
    events = sorted([(r["t"], 1) for r in reqs] + [(r.get("t_end", float("inf")), -1) for r in reqs],
                    key=lambda e: (e[0], e[1]))
    most = cur = 0
    for _, d in events:
        cur += d
        most = max(most, cur)
    return most


def test_concurrency_and_reuse():
    st = new_store()
    urls = [W("/fault/slow/c%d?delay=0.6" % i) for i in range(6)]
    code, lines, err, secs = fetch(["--jobs", "3"] + urls, st)
    check(code == 0 and all(x["status"] in ("stored", "unchanged") for x in lines), f"jobs 3: {[x['status'] for x in lines]}")
    at_once = most_at_once(hits("/fault/slow/c"))
    check(at_once == 3, f"jobs 3: {at_once} transfers at once")
    check(secs < 6 * 0.6, f"jobs 3: 6 slow pages in {secs:.1f} s")
    check([x["url"] for x in lines] == urls, "result lines come in input order")

    st = new_store()
    fetch(["--jobs", "1"] + [W("/fault/nocache/k%d" % i) for i in range(3)], st)
    ports = {r["client"] for r in hits("/fault/nocache/k")}
    check(len(ports) == 1, f"connection reuse: {len(ports)} connections for 3 requests")


def test_user_agent():
    st = new_store()
    one(["-A", "MyArchiver/2.0 (ops@example.org)"], st, W("/s/profile-01"))
    reqs = hits("/s/profile-01")
    check(reqs and reqs[0]["headers"].get("user-agent") == "MyArchiver/2.0 (ops@example.org)", "--user-agent overrides")


def test_wayback():
    st = new_store()
    url = W("/s/article-2020")
    code, r, err, _ = one(["--via", "wayback:20201220000000"], st, url)
    check(r.get("status") == "stored", f"wayback: {r}")
    want = "/web/20201220000000id_/" + url
    check(hits(want), f"wayback: requested {want}: {[x['path'] for x in SRV.log if x['path'].startswith('/web/')]}")
    idx = index(st)
    check(idx and idx[0]["url"] == url and idx[0]["via"] == "wayback", "wayback: indexed under the article URL")
    st = new_store()
    one(["--via", "wayback"], st, W("/s/text-01"))
    check(hits("/web/2id_/" + W("/s/text-01")), "wayback without a timestamp asks for the latest (2id_)")


def test_lists_and_usage():
    st = new_store()
    lst = os.path.join(TMP, "urls.txt")
    with open(lst, "w", encoding="utf-8") as f:
        f.write("\ufeff# my list\n\n  %s  \r\n# %s\n%s\n%s\n" % (W("/s/picture-01"), W("/s/nope"),
                                                                   W("/s/picture-2018"), W("/s/picture-01")))
    code, lines, err, _ = fetch(["-i", lst], st)
    check([x["url"] for x in lines] == [W("/s/picture-01"), W("/s/picture-2018")],
          f"-i LIST: comments, blanks and duplicates skipped: {[x['url'] for x in lines]}")
    code, lines, err, _ = fetch(["-i", "-"], st, stdin=(W("/s/picture-2018") + "\n" + W("/s/text-02") + "\n").encode())
    check([x["status"] for x in lines] == ["skipped", "stored"], f"-i -: URLs from stdin: {lines}")
    code, _, err, _ = fetch([], st)
    check(code == 64, f"no URL: exit {code}")
    code, _, err, _ = fetch(["-i", os.path.join(TMP, "missing.txt")], st)
    check(code == 66, f"missing list: exit {code}")
    for bad in (["--rate", "fast"], ["--via", "archive"], ["--jobs", "0"], ["--max-bytes", "-1"], ["--bogus"]):
        code, _, err, _ = fetch(bad + [W("/s/x")], st)
        check(code == 64, f"{bad}: exit {code}")
    empty = os.path.join(TMP, "empty.txt")
    open(empty, "w").close()
    code, lines, err, _ = fetch(["-i", empty], st)
    check(code == 0 and lines == [], f"empty list: exit {code}, nothing to do")
    p = subprocess.run([BIN, "fetch", "--help"], capture_output=True, timeout=10)
    check(p.returncode == 0 and b"--store" in p.stdout, "fetch --help")


def test_proxy_env():
    st = new_store()
    url = "http://mp.weixin.qq.com/s/deleted-01"
    code, r, err, _ = one([], st, url, base=False)
    prox = [x for x in SRV.log if x["proxied"]]
    check(prox and prox[-1]["raw_path"] == url, "proxy: http_proxy from the environment is used")
    check(r.get("status") == "stored", f"proxy: {r}")
    SRV.expected_proxied = len(prox)


def test_tls_verification():
    """TLS certificates are always verified: a self-signed server is refused."""
    if not shutil.which("openssl"):
        print("note: no openssl command; TLS verification test skipped")
        return
    crt, key = os.path.join(TMP, "tls.crt"), os.path.join(TMP, "tls.key")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, timeout=30)
    if not check(p.returncode == 0, f"tls: openssl made a test certificate ({p.stderr[-300:]!r})"):
        return
    tls = httpd.Server(tls_cert=crt, tls_key=key).start(lifetime=30)
    try:
        st = new_store()
        url = f"{tls.base}/s/{SAMPLE}"
        code, r, err, _ = one([], st, url, base=False)
        check(r.get("status") == "failed" and (r.get("error") or "").startswith("tls:") and r.get("attempts") == 1,
              f"tls: self-signed certificate refused: {r}")
        check(tls.log == [], "tls: no request sent over an unverified connection")
        nothing_stored(st, url, "tls")
    finally:
        tls.stop()


def test_signals():
    for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        st = new_store()
        key = "/fault/stall/sig%d" % sig
        argv = [BIN, "fetch", "--store", st, "--rate", "1000", "--base-url", SRV.base, W(key + "?for=8"), W("/s/author-01")]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        t0 = time.monotonic()
        while not hits(key) and time.monotonic() - t0 < 5:
            time.sleep(0.02)
        time.sleep(0.2)
        p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        secs = time.monotonic() - t0
        sanitizer_clean(err.decode("utf-8", "replace"), sig.name)
        lines = [json.loads(x) for x in out.decode().splitlines()]
        check(p.returncode == want, f"{sig.name}: exit {p.returncode}, expected {want}")
        check(secs < 3, f"{sig.name}: stopped in {secs:.1f} s")
        check(lines and lines[0]["status"] == "failed" and lines[0]["error"].startswith("interrupted"),
              f"{sig.name}: in-flight transfer abandoned: {lines[:1]}")
        check(len(lines) == 2, f"{sig.name}: one line per URL ({len(lines)})")
        store_consistent(st, sig.name)
        check(not [e for e in index(st) if "stall" in e["url"]], f"{sig.name}: abandoned transfer not stored")

    st = new_store()
    key = "/fault/stall/kill"
    p = subprocess.Popen([BIN, "fetch", "--store", st, "--rate", "1000", "--base-url", SRV.base,
                          W("/s/article-2019-entities"), W(key + "?for=8")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    t0 = time.monotonic()
    while not hits(key) and time.monotonic() - t0 < 5:
        time.sleep(0.02)
    time.sleep(0.2)
    p.kill()
    p.communicate()
    check(store_consistent(st, "SIGKILL mid-transfer"), "SIGKILL: store consistent")
    code, lines, err, _ = fetch([W("/s/article-2019-entities")], st)
    check(lines and lines[0]["status"] in ("skipped", "stored"), "SIGKILL: the store is usable afterwards")


def test_run():
    try:
        import jsonschema
        with open(os.path.join(ROOT, "output", "record.schema.json"), encoding="utf-8") as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
    except ImportError:
        validator = None
    st = new_store()
    urls = [W("/s/article-2018-post"), W("/fault/status/404/run"), W("/s/deleted-01")]
    code, out, err, _ = run("run", urls, st)
    recs = [json.loads(x) for x in out.decode("utf-8").splitlines()]
    check(code == 65, f"run: exit {code} when a URL failed")
    check(len(recs) == 2, f"run: one record per fetched page ({len(recs)})")
    idx = {e["url"]: e for e in index(st)}
    for rec, url in zip(recs, [urls[0], urls[2]]):
        check(rec["source"]["url"] == url, f"run: source.url {rec['source']['url']}")
        check(url in idx and rec["source"]["fetched_at"] == idx[url]["fetched_at"], "run: source.fetched_at from the index")
        check(rec["source"]["sha256"] == idx.get(url, {}).get("sha256"), "run: the record is of the stored object")
        if validator:
            errors = list(validator.iter_errors(rec))
            check(not errors, f"run: record violates the schema: {[e.message[:100] for e in errors[:2]]}")
    check(recs and recs[1]["status"] == "deleted", "run: records as parse gives them")
    check("/fault/status/404/run" in err, "run: the failed URL is reported on stderr")

    n = len(SRV.log)
    outf = os.path.join(TMP, "run-out.jsonl")
    code, out, err, _ = run("run", ["-o", outf, urls[0], urls[2]], st)
    check(code == 0 and out == b"", f"run -o: exit {code}")
    with open(outf, encoding="utf-8") as f:
        again = [json.loads(x) for x in f]
    check(len(again) == 2 and again[0]["id"] == recs[0]["id"], "run -o: same records from the store")
    check(len(SRV.log) == n, "run: stored URLs are not fetched again")

    # run into a database, incrementally (keyed by URL), and by shard
    import sqlite3
    dbf = os.path.join(TMP, "run.db")
    code, out, err, _ = run("run", ["--incremental", "--db", "sqlite:" + dbf, urls[0], urls[2]], st)
    con = sqlite3.connect(dbf)
    keys = sorted(r[0] for r in con.execute("SELECT key FROM inputs"))
    ids = sorted(r[0] for r in con.execute("SELECT id FROM articles"))
    con.close()
    check(code == 0 and out == b"" and keys == sorted([urls[0], urls[2]]) and ids == sorted(r["id"] for r in recs),
          f"run --db: one article per page, inputs keyed by URL ({code}: {err[-200:]})")
    check("new=2 changed=0 unchanged=0" in err, f"run --incremental: report ({err[-200:]})")
    code, out, err, _ = run("run", ["--incremental", "--db", "sqlite:" + dbf, urls[0], urls[2]], st)
    check(code == 0 and "new=0 changed=0 unchanged=2" in err and "documents=0" in err,
          f"run --incremental again: nothing parsed ({err[-200:]})")
    shards = []
    for k in range(2):
        code, out, err, _ = run("run", ["--shard", f"{k}/2", urls[0], urls[2]], st)
        shards += [json.loads(x)["id"] for x in out.decode().splitlines()]
    check(sorted(shards) == sorted(r["id"] for r in recs), "run --shard 0/2 + 1/2: every URL once")


# ---------------------------------------------------------------- unattended runs

def on_tty(argv, timeout=30):
    """Run argv with stderr on a pseudo-terminal, where progress lines are
    drawn.  Returns (exit code, stdout, what the terminal got)."""
    import pty
    import select
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=ENV)
    os.close(slave)
    got = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.5)[0]:
                if p.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:         # EIO: every writer of the terminal is gone
                break
            if not chunk:
                break
            got += chunk
    finally:
        os.close(master)
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    text = got.decode("utf-8", "replace")
    sanitizer_clean(text, " ".join(argv[1:3]))
    return p.returncode, out, text


def json_lines(err, what):
    """stderr under --log-format json: every line one JSON object with the
    documented keys."""
    objs = []
    for line in err.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError:
            check(False, f"{what}: stderr line is not JSON: {line[:200]!r}")
            continue
        check(isinstance(o, dict) and {"time", "level", "msg"} <= set(o), f"{what}: log object keys {o}")
        objs.append(o)
    return objs


def test_fetch_lock():
    """fetch --lock: while another process holds the lock, exit 75 at once
    and request and store nothing; under --quiet say nothing either."""
    import fcntl
    lock = os.path.join(TMP, "fetch.lock")
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("%d\n" % os.getpid())
        held.flush()
        for mode, extra in (("text", []), ("quiet", ["--quiet"]), ("json", ["--log-format", "json"])):
            st = new_store()
            key = "/fault/nocache/locked-" + mode
            code, lines, err, secs = fetch(["--lock", lock] + extra + [W(key)], st)
            check(code == 75 and lines == [], f"lock held ({mode}): exit {code}, {len(lines)} lines")
            check(hits(key) == [] and not os.path.exists(st), f"lock held ({mode}): nothing requested or stored")
            if mode == "text":
                check(f"pid {os.getpid()}" in err, f"lock held: the message names the holder's pid: {err.strip()}")
            elif mode == "quiet":
                check(err == "", f"lock held under --quiet: stderr is empty: {err.strip()}")
            else:
                objs = json_lines(err, "lock held, json")
                check(len(objs) == 1 and objs[0].get("level") == "warning" and objs[0].get("input") == lock,
                      f"lock held, json: one warning naming the lock: {objs}")
    st = new_store()
    code, r, err, _ = one(["--lock", lock], st, W("/fault/nocache/lock-free"))
    check(code == 0 and r.get("status") == "stored", f"lock free again: fetched ({code}: {r})")
    with open(lock) as f:
        check(f.read().strip().isdigit(), "the lock file held the fetching run's pid")


SHARED_PAGES = ["article-01", "article-02", "article-03", "article-2016-saveas", "article-2017-saveas",
                 "article-2018-issue", "article-2018-post", "article-2020", "author-01", "picture-01"]


def fetch_procs(n, args, store):
    """Start n `wxingest fetch` processes on one store at once; wait for all.
    Returns [(exit code, result lines, stderr)]."""
    argv = [BIN, "fetch", "--store", store, "--rate", "1000", "--backoff", "0.05",
            "--base-url", SRV.base, "--jobs", "2"] + args
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV) for _ in range(n)]
    out = []
    for p in procs:
        o, e = p.communicate(timeout=40)
        e = e.decode("utf-8", "replace")
        sanitizer_clean(e, f"fetch x{n}")
        out.append((p.returncode, [json.loads(x) for x in o.splitlines() if x.strip()], e))
    return out


def test_shared_store():
    """Two and three fetchers on one store and one URL list (each request
    delayed so the runs overlap): every URL is requested once, indexed
    once, and the store parses to each page once."""
    for n in (2, 3):
        st = new_store()
        paths = [f"/s/{name}?delay=0.3&k=shared{n}" for name in SHARED_PAGES]
        urls = [W(p) for p in paths]
        runs = fetch_procs(n, urls, st)
        for i, (code, lines, err) in enumerate(runs):
            check(code == 0, f"{n} fetchers: run {i} exit {code}: {err.strip()[-500:]}")
            check([r["url"] for r in lines] == urls and all(r["status"] in ("stored", "skipped") for r in lines),
                  f"{n} fetchers: run {i} reports every URL stored or skipped: {[r['status'] for r in lines]}")
        for p in paths:
            got = len([r for r in SRV.log if r["path"] == p])
            check(got == 1, f"{n} fetchers: {p} requested {got} times (once)")
        stored = sum(1 for _, lines, _ in runs for r in lines if r["status"] == "stored")
        check(stored == len(urls), f"{n} fetchers: {stored} stored results for {len(urls)} URLs")
        entries = index(st)
        check(sorted(e["url"] for e in entries) == sorted(urls),
              f"{n} fetchers: one index entry per URL ({len(entries)} entries for {len(urls)} URLs)")
        store_consistent(st, f"{n} fetchers")
        check(os.listdir(os.path.join(st, "claims")) == [], f"{n} fetchers: claims are released")
        p = subprocess.run([BIN, "parse", os.path.join(st, "objects")], capture_output=True, timeout=60, env=ENV)
        recs = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
        shas = sorted(e["sha256"] for e in entries)
        got = sorted(r["source"]["sha256"] for r in recs)
        check(len(recs) == len(SHARED_PAGES) and got == shas,
              f"{n} fetchers: parse gives each page once ({len(recs)} records for {len(SHARED_PAGES)} pages)")
        # a later single run skips everything and requests nothing
        code, lines, err, _ = fetch(urls, st)
        check(code == 0 and all(r["status"] == "skipped" for r in lines), f"{n} fetchers: a later run skips all")


def claim_file(store, url, holder, age=0):
    d = os.path.join(store, "claims")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, hashlib.sha256(url.encode()).hexdigest())
    with open(p, "w") as f:
        f.write(f"{holder} {int(time.time() - age)} {url}\n")
    if age:
        os.utime(p, (time.time() - age, time.time() - age))
    return p


def test_stale_claims():
    """A claim whose holder is gone (same host, pid dead; killed with -9
    mid-fetch) or an hour old (another host) does not block its URL; a live
    one makes the fetcher wait until it is released."""
    import socket
    dead = subprocess.Popen(["true"])
    dead.wait()
    cases = [("dead-pid", f"{socket.gethostname()} {dead.pid}", 0),
             ("old", "otherhost.example 4242", 2 * 3600),
             ("empty", None, 0)]
    for name, holder, age in cases:
        st = new_store()
        key = f"/s/{SAMPLE}?k=stale-{name}"
        p = claim_file(st, W(key), holder or "", age)
        if holder is None:
            open(p, "w").close()
        code, r, err, _ = one([], st, W(key))
        check(code == 0 and r.get("status") == "stored", f"stale claim ({name}): fetched ({code}: {r} {err.strip()})")
        check(len(hits(key)) == 1 and not os.path.exists(p), f"stale claim ({name}): one request, claim gone")
    # a worker killed with -9 in the middle of its fetch
    st = new_store()
    key = f"/s/{SAMPLE}?delay=8&once=1&k=stale-killed"   # the retry after the kill is served at once
    argv = [BIN, "fetch", "--store", st, "--base-url", SRV.base, W(key)]
    victim = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    for _ in range(200):
        if hits(key):
            break
        time.sleep(0.05)
    claimed = os.listdir(os.path.join(st, "claims")) if os.path.isdir(os.path.join(st, "claims")) else []
    victim.kill()
    victim.wait()
    check(len(claimed) == 1, f"killed worker: it held one claim while fetching ({claimed})")
    code, r, err, _ = one([], st, W(key))
    check(code == 0 and r.get("status") == "stored", f"killed worker's claim: taken over ({code}: {r})")
    check(len(hits(key)) == 2 and len(index(st)) == 1, f"killed worker's claim: one more request, one entry")
    # a live claim of another host: the fetcher waits, then fetches when it is released
    st = new_store()
    key = f"/s/{SAMPLE}?k=live-claim"
    p = claim_file(st, W(key), "otherhost.example 4242")
    argv = [BIN, "fetch", "--store", st, "--base-url", SRV.base, W(key)]
    waiter = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    time.sleep(1.0)
    check(waiter.poll() is None and hits(key) == [], "live claim: the fetcher waits and requests nothing")
    os.unlink(p)
    o, e = waiter.communicate(timeout=20)
    lines = [json.loads(x) for x in o.splitlines() if x.strip()]
    check(waiter.returncode == 0 and [x["status"] for x in lines] == ["stored"] and len(hits(key)) == 1,
          f"live claim released: fetched once ({waiter.returncode}, {lines})")


def test_fetch_quiet_and_json_log():
    """--quiet: errors only, no progress even on a terminal; --log-format
    json: every stderr line is a JSON object, no progress drawn between
    them.  The same for run."""
    base = ["--rate", "1000", "--backoff", "0.05", "--retries", "0", "--base-url", SRV.base]
    good, bad = W("/fault/nocache/quiet-ok"), W("/fault/status/404/quiet")
    for cmd in ("fetch", "run"):
        st = new_store()
        argv = [BIN, cmd, "--store", st] + base
        code, out, tty = on_tty(argv + [good, bad])
        check(code == 65 and "fetch 2/2" in tty and "/fault/status/404/quiet" in tty,
              f"{cmd} on a terminal: progress and the error are shown ({code}): {tty[-300:]!r}")
        st = new_store()
        code, out, tty = on_tty([BIN, cmd, "--store", st, "--quiet"] + base + [good, bad])
        shown = [x for x in tty.replace("\r\n", "\n").split("\n") if x.strip()]
        check(code == 65 and len(shown) == 1 and "/fault/status/404/quiet" in shown[0] and "\r" not in shown[0]
              and "summary" not in tty, f"{cmd} --quiet on a terminal: only the error line ({code}): {tty!r}")
        st = new_store()
        code, out, tty = on_tty([BIN, cmd, "--store", st, "--log-format", "json"] + base + [good, bad])
        objs = json_lines(tty, f"{cmd} --log-format json")
        errs = [o for o in objs if o.get("level") == "error"]
        check(code == 65 and "\r\033" not in tty and len(errs) == 1 and errs[0].get("input") == bad,
              f"{cmd} --log-format json on a terminal: JSON lines, the failure among them, no progress: {tty!r}")
        if cmd == "run":
            summ = [o for o in objs if o.get("msg") == "summary:"]
            check(len(summ) == 1 and summ[0].get("documents") == 1, f"run --log-format json: the summary object {summ}")

    # without a terminal: warnings are dropped by --quiet, kept (as JSON) otherwise
    st = new_store()
    urls = [W("/fault/verify/q%d" % i) for i in range(4)]
    code, lines, err, _ = fetch(["--jobs", "1", "--backoff", "0.001", "--log-format", "json"] + urls, st)
    objs = json_lines(err, "fetch --log-format json")
    warns = [o.get("msg", "") for o in objs if o.get("level") == "warning"]
    check(code == 65 and len(warns) == 1 and "no more fetches from this host" in warns[0] and
          [o.get("input") for o in objs if o.get("level") == "error"] == urls,
          f"fetch --log-format json: an error object per failed URL and the host warning: {objs}")
    st = new_store()
    code, lines, err, _ = fetch(["--jobs", "1", "--backoff", "0.001", "--quiet"] + [u + "x" for u in urls], st)
    check(code == 65 and len(lines) == 4 and "no more fetches from this host" not in err
          and len(err.strip().splitlines()) == 4, f"fetch --quiet: the four errors, not the warning: {err!r}")
    missing = os.path.join(TMP, "no-such-list.txt")
    for cmd in ("fetch", "run"):
        code, out, err, _ = run(cmd, ["-i", missing, "--log-format", "json"], new_store())
        objs = json_lines(err, f"{cmd} -i missing --log-format json")
        check(code == 66 and len(objs) == 1 and objs[0].get("input") == missing and objs[0].get("level") == "error",
              f"{cmd}: a missing -i list given before --log-format json is reported as JSON ({code}): {err!r}")
    st = new_store()
    code, lines, err, _ = fetch(["--log-format", "yaml", W("/s/x")], st)
    check(code == 64, f"fetch --log-format yaml: usage error ({code})")
    code, lines, err, _ = fetch(["--output", "x.jsonl", W("/s/x")], st)
    check(code == 64 and "for run" in err, f"fetch --output is still refused ({code})")


def main():
    global SRV, ENV, TMP
    t0 = time.monotonic()
    SRV = httpd.Server().start(lifetime=SUITE_LIMIT * 3)
    SRV.expected_proxied = 0
    ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        ENV[k] = SRV.base                 # anything not meant for 127.0.0.1 lands here
    ENV["no_proxy"] = ENV["NO_PROXY"] = "127.0.0.1"
    tests = [test_store_and_skip, test_conditional_304, test_unchanged_and_changed,
             test_torn_index_and_missing_object, test_slow_first_byte, test_stalled_body,
             test_connection_reset, test_500, test_429_retry_after, test_4xx, test_redirects,
             test_oversized, test_gzip, test_content_type, test_verify, test_rate_limit,
             test_concurrency_and_reuse, test_user_agent, test_wayback, test_lists_and_usage,
             test_proxy_env, test_tls_verification, test_signals, test_run, test_fetch_lock,
             test_fetch_quiet_and_json_log, test_shared_store, test_stale_claims]
    with tempfile.TemporaryDirectory(prefix="wxfetch") as d:
        TMP = d
        for t in tests:
            try:
                t()
            except Exception as e:  # a crash in one test must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    prox = [x for x in SRV.log if x["proxied"]]
    check(len(prox) == SRV.expected_proxied, f"only the proxy test went through the proxy: {[x['raw_path'] for x in prox]}")
    SRV.stop()
    secs = time.monotonic() - t0
    check(secs < SUITE_LIMIT, f"the fetch suite took {secs:.1f} s (limit {SUITE_LIMIT:.0f} s)")
    print(f"fetch: suite took {secs:.1f} s")
    return checks.summary("fetch")


if __name__ == "__main__":
    sys.exit(main())
