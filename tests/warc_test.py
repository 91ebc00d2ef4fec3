#!/usr/bin/python3
"""Web archives as inputs (ingest/warc.c): `python3 tests/warc_test.py BUILD/wxingest`.

1. warcio's own test files (tests/warc/, see its README): for each file
   the documents it gives (count, source.url, fetched_at, status, format),
   each source.path FILE#OFFSET checked against the file with this
   script's own small reader (the record really starts there), each
   payload's SHA-256 against the page taken out of the file independently;
   the damaged ones give error records naming the offset, never a crash.
2. WARCs built here with one fault each (a broken gzip member, a wrong
   Content-Length, missing CRLFs, a cut-off end, garbage between members,
   Content-Encoding gzip/deflate/br, revisits, an over-limit record): the
   records before and after the fault still come out.
3. Debian's `wget --warc-file` against a 127.0.0.1 server serving pages of
   samples/ (plain, gzip, chunked, a redirect, a 404, an image): the
   records read back from the WARC equal those of the same pages parsed as
   files, apart from `source`.
4. fetch/run --warc against tests/httpd.py (plain, gzip, chunked, a
   redirect, a 404): this script's own reading of the WARC (every gzip
   member one record, Content-Length, both digests recomputed, request and
   response pairs, the warcinfo), npm's node-warc reading the same records,
   Webrecorder's warcio.js indexing them (CDX offsets, lengths, digests),
   and wxingest parse giving the store's records apart from `source`;
   rotation (--warc-max-size), a later run appending, a SIGKILL mid-fetch.
5. run --images --warc against a loopback site whose WeChat CDN images are
   reached through it as a proxy (originals only at /0, a redirect, three
   URLs answering one placeholder, a table image): the image exchanges are
   in the WARC (the same three readers), and parse of the WARC (alone and
   inside a WACZ) fills images[] local FILE#OFFSET, sha256, bytes, width,
   height as the store did, placeholders left empty; parse --ocr reads the
   table image from its record; wget -p --warc-file fills its page's image.
Ends with "warc: N passed, N failed".
"""
import base64
import ctypes
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import struct
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
DATA = os.path.join(ROOT, "tests", "warc")
SAMPLES = os.path.join(ROOT, "samples")
BIN = None
TMP = None


def run(*args, timeout=120):
    r = subprocess.run([BIN, "parse", *args], capture_output=True, timeout=timeout)
    check(r.returncode in (0, 65), f"parse {args}: exit {r.returncode} (a crash?): {r.stderr[-400:]!r}")
    recs = [rec for _, rec in checks.jsonl_records(r.stdout, f"parse {args}")]
    return r, recs


def offset_of(path):
    """FILE#M or FILE#M+N -> (M, N)."""
    tail = path.rsplit("#", 1)[1]
    m, _, n = tail.partition("+")
    return int(m), int(n or 0)


def record_at(file, off, delta):
    """The bytes of the record at FILE#OFF(+DELTA): a gzip member's output
    (plus what follows) or the plain file from there, as a reader seeking to
    the offset would see them."""
    data = open(file, "rb").read()
    if data[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(31)
        out = d.decompress(data[off:])
        return out[delta:]
    return data[off + delta:]


def split_http(block):
    head, _, body = block.partition(b"\r\n\r\n")
    if not _:
        head, _, body = block.partition(b"\n\n")
    return head, body


def dechunk_strict(body):
    out, i = b"", 0
    while True:
        nl = body.index(b"\r\n", i)
        size = int(body[i:nl].split(b";")[0], 16)
        if size == 0:
            return out
        out += body[nl + 2:nl + 2 + size]
        i = nl + 2 + size + 2


def sha(b):
    return hashlib.sha256(b).hexdigest()


def example_com_sha():
    """The example.com page of warcio's ARC file: the 1270 bytes after its
    HTTP header block (Content-Length: 1270), taken without wxingest."""
    data = open(os.path.join(DATA, "example.arc"), "rb").read()
    start = data.index(b"\nhttp://example.com/ ") + 1
    block = data[data.index(b"\n", start) + 1:]
    head, body = split_http(block)
    check(b"Content-Length: 1270" in head, "example.arc: the HTTP header says 1270 bytes")
    return sha(body[:1270])


# ---------------------------------------------------------------- warcio's files

def test_warcio_files():
    ex = example_com_sha()
    iana = open(os.path.join(DATA, "example-iana.org-chunked.warc"), "rb").read()
    resp = iana[iana.index(b"WARC-Type: response"):]
    block = resp[resp.index(b"\r\n\r\n") + 4:]
    _, body = split_http(block)
    iana_sha = sha(dechunk_strict(body))
    res = gzip.decompress(open(os.path.join(DATA, "example-resource.warc.gz"), "rb").read())
    r0 = res.index(b"WARC-Type: resource")
    head_end = res.index(b"\r\n\r\n", r0)
    clen = int(res[r0:head_end].split(b"Content-Length: ")[1].split(b"\r\n")[0])
    resource_sha = sha(res[head_end + 4:head_end + 4 + clen])

    ok, E = "not_article", "error"   # example.com is not a WeChat article
    want = {   # file: [(status, url, fetched_at, sha256 or None)]
        "example.warc": [(ok, "http://example.com/", "2017-03-06T04:02:06Z", ex),
                         (ok, "http://example.com/", "2017-03-06T04:03:48Z", ex)],   # the revisit
        "example.warc.gz": [(ok, "http://example.com/", "2017-03-06T04:02:06Z", ex),
                            (ok, "http://example.com/", "2017-03-06T04:03:48Z", ex)],
        "example-iana.org-chunked.warc": [(ok, "http://www.iana.org/", "2017-03-06T16:54:09Z", iana_sha)],
        "example-wrong-chunks.warc.gz": [(ok, "http://example.com/", "2018-11-02T18:55:11Z", ex)],
        "example-bad-non-chunked.warc.gz": [(ok, "http://example.com/", "2017-03-06T04:02:06Z", ex),
                                            (ok, "http://example.com/", "2017-03-06T04:03:48Z", ex)],
        "example-resource.warc.gz": [(ok, "http://example.com/", "2017-04-29T01:30:30Z", resource_sha)],
        "example-wget-bad-target-uri.warc.gz": [(ok, "http://example.com/", "2018-02-09T15:12:11Z", ex)],
        "example-digest.warc": [],                 # requests only
        "example-space-in-target-uri.warc.gz": [],  # a PNG resource
        "post-test.warc.gz": [],                   # JSON responses
        "example.arc": [(ok, "http://example.com/", "2014-02-16T05:02:21Z", ex)],
        "example.arc.gz": [(ok, "http://example.com/", "2014-02-16T05:02:21Z", ex)],
        # damaged: the response's Content-Length runs past its end
        "example-trunc.warc": [(E, "http://example.com/", "2017-03-06T04:02:06Z", None)],
        # the file ends 12 bytes into the record's 1591
        "example-space-in-url.arc": [(E, "http://example.com/index.cfm?FuseAction=Email&EmailTitle=Examples "
                                         "From The Live Web&IsPopUp=False", "2014-02-16T05:02:21Z", None)],
        # length -1 (the filedesc and the next record), then a good text/plain record, then length "abc"
        "bad.arc": [(E, None, None, None), (E, None, None, None)],
    }
    for name, docs in sorted(want.items()):
        path = os.path.join(DATA, name)
        r, recs = run(path)
        check(len(recs) == len(docs), f"{name}: {len(docs)} documents, got {len(recs)}",
              [(x["source"]["path"], x["status"]) for x in recs])
        check(r.returncode == (65 if any(d[0] == E for d in docs) else 0), f"{name}: exit {r.returncode}")
        for rec, (status, url, fetched, digest) in zip(recs, docs):
            src = rec["source"]
            what = f"{name}: {src['path']}"
            check(rec["status"] == status, f"{what}: status {rec['status']}, want {status}")
            check(src["url"] == url, f"{what}: url {src['url']!r}, want {url!r}")
            check(src["fetched_at"] == fetched, f"{what}: fetched_at {src['fetched_at']!r}, want {fetched!r}")
            check(src["format"] == "warc", f"{what}: format {src['format']}")
            check(src["path"].startswith(path + "#"), f"{what}: path is FILE#OFFSET")
            if digest:
                check(src["sha256"] == digest, f"{what}: payload sha256 {src['sha256']}, want {digest}")
            else:
                check(rec["error"] and rec["error"]["code"] == "bad_warc",
                      f"{what}: error code bad_warc: {rec['error']}")
                check(f"{src['path']}:" in r.stderr.decode(), f"{what}: stderr names FILE#OFFSET")
            off, delta = offset_of(src["path"])
            at = record_at(path, off, delta)
            first = at.split(b"\n", 1)[0]
            if name.endswith((".arc", ".arc.gz")):
                check(status == E or first.startswith(b"http://"), f"{what}: an ARC header line starts there: {first[:60]!r}")
            else:
                check(at.startswith(b"WARC/1."), f"{what}: a WARC record starts at the offset: {at[:20]!r}")
                if url:
                    check(f"WARC-Target-URI: {url}".encode() in at[:2000] or
                          f"WARC-Target-URI: <{url}>".encode() in at[:2000],
                          f"{what}: the record at the offset is {url}'s")
    # a revisit's original is read again from the file: same bytes, own date
    _, recs = run(os.path.join(DATA, "example.warc"))
    if len(recs) == 2:
        check(recs[0]["source"]["sha256"] == recs[1]["source"]["sha256"] and recs[0]["source"]["path"] != recs[1]["source"]["path"],
              "example.warc: the revisit resolves to the original's payload, at its own offset")


def test_parallel_and_walk():
    r1, recs1 = run(DATA)
    r3, recs3 = run("-j", "3", DATA)
    check(r1.stdout == r3.stdout, "tests/warc/: -j 3 gives the same bytes as -j 1")
    paths = [x["source"]["path"] for x in recs1]
    check(any(".warc.gz#" in p for p in paths) and any(".arc#" in p for p in paths) and any(".warc#" in p for p in paths),
          "the directory walk reads .warc, .warc.gz and .arc files", paths)
    check(not any(".warc.gz.bad" in p for p in paths), "the walk leaves a .bad file alone (named path reads it)")
    # named, it is read by content whatever its name
    _, recs = run(os.path.join(DATA, "example-bad.warc.gz.bad"))
    check(len(recs) == 2 and all(x["source"]["format"] == "warc" and x["status"] != "error" for x in recs),
          "example-bad.warc.gz.bad (one gzip member for the whole file) gives its 2 documents",
          [(x["source"]["path"], x["status"]) for x in recs])
    check(all("+" in x["source"]["path"] for x in recs), "records inside one member are named FILE#M+N")
    for x in recs:
        off, delta = offset_of(x["source"]["path"])
        at = record_at(os.path.join(DATA, "example-bad.warc.gz.bad"), off, delta)
        check(at.startswith(b"WARC/1."), f"{x['source']['path']}: a record starts N bytes into the member")


# ---------------------------------------------------------------- built WARCs

def sample(name):
    return gzip.decompress(open(os.path.join(SAMPLES, name + ".html.gz"), "rb").read())


PAGES = ["article-01", "text-01", "picture-01"]


def warc_record(wtype, uri, date, block, extra=b"", ctype=b"application/http; msgtype=response"):
    head = (b"WARC/1.0\r\nWARC-Type: " + wtype + b"\r\nWARC-Target-URI: " + uri.encode() +
            b"\r\nWARC-Date: " + date.encode() + b"\r\nWARC-Record-ID: <urn:uuid:" +
            hashlib.md5(uri.encode() + date.encode() + wtype).hexdigest().encode() + b">\r\n" + extra +
            b"Content-Type: " + ctype + b"\r\nContent-Length: " + str(len(block)).encode() + b"\r\n\r\n")
    return head + block + b"\r\n\r\n"


def http_response(body, headers=b"Content-Type: text/html; charset=utf-8\r\n", status=b"200 OK"):
    return b"HTTP/1.1 " + status + b"\r\n" + headers + b"\r\n" + body


def page_records():
    return [warc_record(b"response", f"https://mp.weixin.qq.com/s/{p}", f"2024-01-0{i + 1}T00:00:00Z",
                        http_response(sample(p))) for i, p in enumerate(PAGES)]


def gz(b):
    return gzip.compress(b, mtime=0)


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def file_records():
    """The records of the sample pages parsed as files, by page name."""
    _, recs = run(*[os.path.join(SAMPLES, p + ".html.gz") for p in PAGES])
    return dict(zip(PAGES, recs))


def same_but_source(a, b):
    a = dict(a)
    b = dict(b)
    a.pop("source")
    b.pop("source")
    return a == b


def test_built():
    base = file_records()
    recs_ok = page_records()
    members = [gz(r) for r in recs_ok]
    offs = [sum(len(m) for m in members[:i]) for i in range(len(members))]

    # good: per-record gzip, and plain; the records equal the files' apart from source
    for name, data in (("good.warc.gz", b"".join(members)), ("good.warc", b"".join(recs_ok))):
        r, recs = run(write(name, data))
        check(len(recs) == 3 and r.returncode == 0, f"{name}: 3 documents, exit 0 (got {len(recs)}, {r.returncode})")
        for p, rec in zip(PAGES, recs):
            check(same_but_source(rec, base[p]), f"{name}: {p}: the record equals the file's apart from source")
            check(rec["source"]["url"] == f"https://mp.weixin.qq.com/s/{p}", f"{name}: {p}: source.url")
        if name.endswith(".gz"):
            check([offset_of(x["source"]["path"]) for x in recs] == [(o, 0) for o in offs],
                  f"{name}: paths name the gzip members' offsets {offs}", [x["source"]["path"] for x in recs])

    # a broken member in the middle: an error record at its offset, the third page still read
    bad = bytearray(members[1])
    for i in range(40, 60):
        bad[i] ^= 0x55
    r, recs = run(write("broken-member.warc.gz", members[0] + bytes(bad) + members[2]))
    check([x["status"] == "error" for x in recs] == [False, True, False],
          "broken gzip member: ok, error, ok", [(x["source"]["path"], x["status"]) for x in recs])
    if len(recs) == 3:
        check(offset_of(recs[1]["source"]["path"]) == (offs[1], 0), "broken member: the error names its offset")
        check(same_but_source(recs[2], base[PAGES[2]]), "broken member: the page after it is intact")
        check(r.returncode == 65, "broken member: exit 65")

    # a cut-off .warc.gz: two pages and an error for the third
    whole = b"".join(members)
    r, recs = run(write("cut.warc.gz", whole[:offs[2] + len(members[2]) // 2]))
    check([x["status"] == "error" for x in recs] == [False, False, True], "cut .warc.gz: ok, ok, error",
          [(x["source"]["path"], x["status"]) for x in recs])

    # garbage between members
    r, recs = run(write("junk.warc.gz", members[0] + b"this is not gzip\n" * 3 + members[1] + members[2]))
    check([x["status"] == "error" for x in recs] == [False, True, False, False], "junk between members: ok, error, ok, ok",
          [(x["source"]["path"], x["status"]) for x in recs])

    # a Content-Length too long (swallowing part of the next record) and one too short
    plain = recs_ok
    for label, delta in (("long", 200), ("short", -200)):
        rec1 = plain[1].replace(b"Content-Length: %d" % (len(plain[1]) - plain[1].index(b"\r\n\r\n") - 8),
                                b"Content-Length: %d" % (len(plain[1]) - plain[1].index(b"\r\n\r\n") - 8 + delta))
        check(rec1 != plain[1], f"length {label}: the Content-Length was changed")
        r, recs = run(write(f"length-{label}.warc", plain[0] + rec1 + plain[2]))
        check([x["status"] == "error" for x in recs] == [False, True, False],
              f"Content-Length {label}: ok, error, ok", [(x["source"]["path"], x["status"]) for x in recs])
        if len(recs) == 3:
            check(offset_of(recs[1]["source"]["path"]) == (len(plain[0]), 0), f"Content-Length {label}: the error names the record's offset")
            check(same_but_source(recs[2], base[PAGES[2]]), f"Content-Length {label}: the next record is read whole")

    # missing CRLFs between records: read anyway
    r, recs = run(write("no-crlf.warc", b"".join(x[:-4] for x in plain)))
    check(len(recs) == 3 and all(x["status"] != "error" for x in recs), "records without CRLF CRLF between them: 3 pages")

    # a truncated plain WARC
    data = b"".join(plain)
    r, recs = run(write("trunc.warc", data[:len(data) - 5000]))
    check([x["status"] == "error" for x in recs] == [False, False, True], "truncated .warc: ok, ok, error")

    # Content-Encoding, Transfer-Encoding
    page = sample("text-01")
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw_deflate = raw.compress(page) + raw.flush()
    chunked = b"".join(b"%x\r\n" % len(page[i:i + 1000]) + page[i:i + 1000] + b"\r\n" for i in range(0, len(page), 1000)) + b"0\r\n\r\n"
    encodings = [("gzip", gz(page)), ("deflate", zlib.compress(page)), ("deflate-raw", raw_deflate),
                 ("gzip-chunked", None)]
    brotli = brotli_compress(page)
    if brotli:
        encodings.append(("br", brotli))
    check(brotli is not None, "libbrotlienc found for the br case")
    recs_in = []
    for label, body in encodings:
        if label == "gzip-chunked":
            g = gz(page)
            body = b"".join(b"%x\r\n" % len(g[i:i + 700]) + g[i:i + 700] + b"\r\n" for i in range(0, len(g), 700)) + b"0\r\n\r\n"
            headers = b"Content-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"
        else:
            headers = b"Content-Type: text/html\r\nContent-Encoding: " + label.split("-")[0].encode() + b"\r\n"
        recs_in.append(warc_record(b"response", f"http://x/{label}", "2024-02-01T00:00:00Z", http_response(body, headers)))
    recs_in.append(warc_record(b"response", "http://x/chunked", "2024-02-01T00:00:00Z",
                               http_response(chunked, b"Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n")))
    # not documents: a 404 page, a redirect, an image, a request, metadata
    recs_in.append(warc_record(b"response", "http://x/404", "2024-02-01T00:00:00Z", http_response(page, status=b"404 Not Found")))
    recs_in.append(warc_record(b"response", "http://x/301", "2024-02-01T00:00:00Z",
                               http_response(b"<html>moved</html>", b"Location: /a\r\nContent-Type: text/html\r\n", b"301 Moved")))
    recs_in.append(warc_record(b"response", "http://x/i.png", "2024-02-01T00:00:00Z",
                               http_response(b"\x89PNG\r\n\x1a\n" + bytes(100), b"Content-Type: image/png\r\n")))
    recs_in.append(warc_record(b"request", "http://x/a", "2024-02-01T00:00:00Z", b"GET /a HTTP/1.1\r\n\r\n",
                               ctype=b"application/http; msgtype=request"))
    recs_in.append(warc_record(b"metadata", "http://x/a", "2024-02-01T00:00:00Z", b"outlink: http://y/\r\n",
                               ctype=b"application/warc-fields"))
    r, recs = run(write("encodings.warc.gz", b"".join(gz(x) for x in recs_in)))
    want_urls = [f"http://x/{label}" for label, _ in encodings] + ["http://x/chunked"]
    check([x["source"]["url"] for x in recs] == want_urls, "encodings: one document per 2xx HTML response",
          [x["source"]["url"] for x in recs])
    for x in recs:
        check(x["source"]["sha256"] == sha(page), f"{x['source']['url']}: decoded to the page's bytes")

    # revisits: by digest only, by URI + date, and one whose original is elsewhere
    orig = warc_record(b"response", "http://x/p", "2024-03-01T00:00:00Z", http_response(page),
                       b"WARC-Payload-Digest: sha1:AAAA\r\n")
    rv_digest = warc_record(b"revisit", "http://x/p2", "2024-03-02T00:00:00Z",
                            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                            b"WARC-Payload-Digest: sha1:AAAA\r\nWARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest\r\n")
    rv_uri = warc_record(b"revisit", "http://x/p", "2024-03-03T00:00:00Z",
                         b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                         b"WARC-Refers-To-Target-URI: http://x/p\r\nWARC-Refers-To-Date: 2024-03-01T00:00:00Z\r\n")
    rv_gone = warc_record(b"revisit", "http://x/q", "2024-03-04T00:00:00Z",
                          b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", b"WARC-Payload-Digest: sha1:BBBB\r\n")
    r, recs = run(write("revisits.warc.gz", b"".join(gz(x) for x in (orig, rv_digest, rv_uri, rv_gone))))
    check([(x["source"]["url"], x["source"]["fetched_at"]) for x in recs] ==
          [("http://x/p", "2024-03-01T00:00:00Z"), ("http://x/p2", "2024-03-02T00:00:00Z"), ("http://x/p", "2024-03-03T00:00:00Z")],
          "revisits: the original, the digest revisit, the URI+date revisit; the unresolved one skipped",
          [(x["source"]["url"], x["source"]["fetched_at"]) for x in recs])
    check(all(x["source"]["sha256"] == sha(page) for x in recs), "revisits carry the original's payload")
    check(b"revisit" in r.stderr and b"revisits.warc.gz#" in r.stderr, "the unresolved revisit is noted on stderr")
    check(r.returncode == 0, "an unresolved revisit is not an error")

    # a record over the page limit: an error record, the next page still read; memory stays bounded
    big = 65 * 1024 * 1024
    path = os.path.join(TMP, "big.warc")
    with open(path, "wb") as f:
        body_head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
        f.write(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x/big\r\nWARC-Date: 2024-04-01T00:00:00Z\r\n"
                b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % (len(body_head) + big))
        f.write(body_head)
        chunk = b"<p>" + b"x" * 1021
        for _ in range(big // len(chunk)):
            f.write(chunk)
        f.write(b"y" * (big % len(chunk)) + b"\r\n\r\n")
        f.write(plain[0])
    r = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "parse", path], capture_output=True, timeout=120)
    recs = [rec for _, rec in checks.jsonl_records(r.stdout, "big.warc")]
    check([(x["status"], (x["error"] or {}).get("code")) for x in recs] == [("error", "too_large"), (recs[1]["status"] if len(recs) > 1 else None, None)],
          "a 65 MB record: too_large, then the next page", [(x["status"], x["error"]) for x in recs])
    rss_kb = int(r.stderr.decode().strip().splitlines()[-1]) if r.stderr.strip() else 0
    check(0 < rss_kb < 64 * 1024, f"the 65 MB record is passed over, not held: peak RSS {rss_kb} KB")
    os.unlink(path)


def test_wacz():
    """A WACZ (zip, archive/*.warc[.gz] stored) gives its WARCs' documents,
    named WACZ#ENTRY#OFFSET; a WARC compressed inside the zip is noted."""
    import zipfile
    members = b"".join(gz(x) for x in page_records())
    plain = b"".join(page_records()[:2])
    path = os.path.join(TMP, "crawl.wacz")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("datapackage.json", "{}", compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("archive/data-0.warc.gz", members, compress_type=zipfile.ZIP_STORED)
        z.writestr("archive/data-1.warc", plain, compress_type=zipfile.ZIP_STORED)
        z.writestr("archive/data-2.warc", plain, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("indexes/index.cdx", "", compress_type=zipfile.ZIP_DEFLATED)
    r, recs = run(path)
    _, alone = run(write("data-0.warc.gz", members), write("data-1.warc", plain))
    check(len(recs) == 5, f"WACZ: 3 + 2 documents, got {len(recs)}", [x["source"]["path"] for x in recs])
    for x, y in zip(recs, alone):
        entry = "data-0.warc.gz" if y["source"]["path"].startswith(os.path.join(TMP, "data-0")) else "data-1.warc"
        check(x["source"]["path"] == path + "#archive/" + entry + "#" + y["source"]["path"].rsplit("#", 1)[1],
              f"WACZ: {x['source']['path']} is WACZ#ENTRY#OFFSET of the same record")
        a, b = dict(x), dict(y)
        a["source"] = {k: v for k, v in x["source"].items() if k != "path"}
        b["source"] = {k: v for k, v in y["source"].items() if k != "path"}
        check(a == b, f"WACZ: {x['source']['path']}: the record equals the lone WARC's apart from the path")
    check(b"archive/data-2.warc: compressed" in r.stderr, "WACZ: a WARC compressed inside the zip is noted", [r.stderr[-300:]])
    _, walked = run(TMP)
    check(sum(1 for x in walked if ".wacz#" in x["source"]["path"]) == 5, "the directory walk reads .wacz files")


def brotli_compress(data):
    """br through the system's libbrotlienc (libbrotli-dev), or None."""
    try:
        lib = ctypes.CDLL("libbrotlienc.so.1")
    except OSError:
        return None
    out = ctypes.create_string_buffer(len(data) + 1024)
    n = ctypes.c_size_t(len(out))
    ok = lib.BrotliEncoderCompress(ctypes.c_int(9), ctypes.c_int(22), ctypes.c_int(0), ctypes.c_size_t(len(data)),
                                   ctypes.c_char_p(data), ctypes.byref(n), out)
    return out.raw[:n.value] if ok else None


# ---------------------------------------------------------------- wget --warc-file

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages = {}

    def log_message(self, *a):
        pass

    def send(self, status, body, headers):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k == "Transfer-Encoding" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        html = [("Content-Type", "text/html; charset=utf-8")]
        if p == "/plain":
            self.send(200, self.pages["plain"], html)
        elif p == "/gzip":
            self.send(200, gzip.compress(self.pages["gzip"]), html + [("Content-Encoding", "gzip")])
        elif p == "/chunked":
            body = self.pages["chunked"]
            chunks = b"".join(b"%x\r\n" % len(body[i:i + 4096]) + body[i:i + 4096] + b"\r\n" for i in range(0, len(body), 4096))
            self.send(200, chunks + b"0\r\n\r\n", html + [("Transfer-Encoding", "chunked")])
        elif p == "/redirect":
            self.send(302, b"<html><body>moved</body></html>", html + [("Location", "/moved")])
        elif p == "/moved":
            self.send(200, self.pages["moved"], html)
        elif p == "/image.png":
            self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(64), [("Content-Type", "image/png")])
        else:
            self.send(404, b"<html><body>not found</body></html>", html)


def test_wget():
    if not shutil.which("wget"):
        check(False, "wget is installed (Debian wget; make deps)")
        return
    names = {"plain": "article-01", "gzip": "text-01", "chunked": "picture-01", "moved": "article-2018-post"}
    Handler.pages = {k: sample(v) for k, v in names.items()}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    urls = [f"{base}/{p}" for p in ("plain", "gzip", "chunked", "redirect", "missing", "image.png")]
    warc = os.path.join(TMP, "wget")
    r = subprocess.run(["wget", "--no-config", "--no-proxy", "-q", "-O", os.path.join(TMP, "wget.out"),
                        "--tries=1", "--timeout=10", f"--warc-file={warc}", "--no-warc-keep-log", *urls],
                       capture_output=True, timeout=120, env={**os.environ, "no_proxy": "*"})
    srv.shutdown()
    path = warc + ".warc.gz"
    check(os.path.exists(path), f"wget wrote {path} (exit {r.returncode}: {r.stderr[-300:]!r})")
    if not os.path.exists(path):
        return
    _, recs = run(path)
    got = [x["source"]["url"] for x in recs]
    check(got == [f"{base}/plain", f"{base}/gzip", f"{base}/chunked", f"{base}/moved"],
          "wget's WARC: the 200 HTML pages in order (not the 302, the 404, the image)", got)
    _, files = run(*[os.path.join(SAMPLES, names[k] + ".html.gz") for k in ("plain", "gzip", "chunked", "moved")])
    for rec, frec, k in zip(recs, files, ("plain", "gzip", "chunked", "moved")):
        check(same_but_source(rec, frec), f"wget {k}: the record equals the page parsed as a file, apart from source",
              [f"{key}: {rec.get(key)!r:.80} != {frec.get(key)!r:.80}" for key in rec if key != "source" and rec.get(key) != frec.get(key)])
        check(rec["source"]["sha256"] == frec["source"]["sha256"], f"wget {k}: same page bytes (sha256)")
        fa = rec["source"]["fetched_at"] or ""
        check(len(fa) == 20 and fa[4] == "-" and fa[10] == "T" and fa.endswith("Z"), f"wget {k}: fetched_at is WARC-Date: {fa}")
        off, delta = offset_of(rec["source"]["path"])
        at = record_at(path, off, delta)
        check(delta == 0 and at.startswith(b"WARC/1.") and b"WARC-Type: response" in at[:600],
              f"wget {k}: {rec['source']['path']} is the response record's gzip member")


# ---------------------------------------------------------------- fetch/run --warc: wxingest's own WARCs

NODE_MODULES = os.path.join(ROOT, "build", "node", "node_modules")
# The sanitizer pass (tests/run.sh sets WX_SANITIZER_PASS=1 for build-asan)
# leaves out npm's node-warc and warcio.js: the normal pass has them read the
# WARCs the same code writes, and what ASan checks (the writer's memory use)
# is not what they check.  This script's own reader (lengths, both digests,
# pairs, warcinfo) and wxingest parse still read every WARC the ASan binary
# writes.
EXTERNAL_READERS = os.environ.get("WX_SANITIZER_PASS") != "1"
UUID = re.compile(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>\Z")
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def digest_bytes(value, what):
    """sha256:BASE32 (or hex) -> the 32 digest bytes, checked for form."""
    algo, _, v = (value or "").partition(":")
    check(algo == "sha256", f"{what}: a sha256 digest: {value!r}")
    try:
        return base64.b32decode(v) if len(v) == 56 else bytes.fromhex(v)
    except ValueError:
        check(False, f"{what}: digest is base32 or hex: {value!r}")
        return b""


def gzip_members(data, what):
    """Each gzip member of data decompressed on its own, with its offset."""
    out, off = [], 0
    while off < len(data):
        d = zlib.decompressobj(31)
        try:
            body = d.decompress(data[off:])
        except zlib.error as e:
            check(False, f"{what}: the gzip member at {off} is damaged ({e})")
            break
        if not d.eof:
            check(False, f"{what}: the gzip member at {off} is cut off")
            break
        out.append((off, body))
        off = len(data) - len(d.unused_data)
    return out


def read_own_warc(path):
    """This script's own reading of a WARC wxingest wrote, independent of
    the C code: every gzip member one record (header, Content-Length bytes
    of block, CRLF CRLF, nothing else); both digests recomputed; the file
    starts with a warcinfo naming wxingest.  Returns the records as dicts
    (fields, block, and for HTTP records head and body)."""
    name = os.path.basename(path)
    recs = []
    for off, raw in gzip_members(open(path, "rb").read(), name):
        what = f"{name}#{off}"
        head, sep, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("utf-8").split("\r\n")
        if not check(sep and lines[0] == "WARC/1.1", f"{what}: a WARC/1.1 record: {raw[:40]!r}"):
            continue
        fields = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(": ")
            check(k not in fields, f"{what}: field {k} once")
            fields[k] = v
        n = int(fields.get("Content-Length", "-1"))
        check(len(rest) == n + 4 and rest[n:] == b"\r\n\r\n",
              f"{what}: Content-Length {n} is the block, then CRLF CRLF ends the member ({len(rest)} bytes follow)")
        block = rest[:n]
        rec = {"file": name, "offset": off, "fields": fields, "block": block, "type": fields.get("WARC-Type")}
        check(UUID.match(fields.get("WARC-Record-ID", "")), f"{what}: WARC-Record-ID a urn:uuid: {fields.get('WARC-Record-ID')}")
        check(DATE.match(fields.get("WARC-Date", "")), f"{what}: WARC-Date: {fields.get('WARC-Date')}")
        check(digest_bytes(fields.get("WARC-Block-Digest"), what) == hashlib.sha256(block).digest(),
              f"{what}: WARC-Block-Digest is the block's sha256")
        if rec["type"] in ("request", "response"):
            http_head, hsep, body = block.partition(b"\r\n\r\n")
            rec["head"], rec["body"] = http_head.decode("latin-1"), body
            check(hsep, f"{what}: the HTTP head ends with CRLF CRLF")
            check(fields.get("Content-Type") == "application/http;msgtype=" + rec["type"], f"{what}: Content-Type {fields.get('Content-Type')}")
            check(fields.get("WARC-IP-Address") == "127.0.0.1", f"{what}: WARC-IP-Address {fields.get('WARC-IP-Address')}")
            check(fields.get("WARC-Target-URI", "").startswith(("http://127.0.0.1:", "http://mmbiz.qpic.cn/")), f"{what}: WARC-Target-URI")
        if rec["type"] == "response":
            check(digest_bytes(fields.get("WARC-Payload-Digest"), what) == hashlib.sha256(rec["body"]).digest(),
                  f"{what}: WARC-Payload-Digest is the HTTP body's sha256")
            hdrs = [h.split(":", 1)[0].lower() for h in rec["head"].split("\r\n")[1:]]
            check("transfer-encoding" not in hdrs and "content-encoding" not in hdrs,
                  f"{what}: no Transfer-/Content-Encoding for a body stored decoded: {hdrs}")
            cl = [h.split(":", 1)[1].strip() for h in rec["head"].split("\r\n")[1:] if h.lower().startswith("content-length:")]
            check(cl == [str(len(rec["body"]))], f"{what}: HTTP Content-Length {cl} is the body's {len(rec['body'])}")
            rec["status"] = int(rec["head"].split(" ")[1])
        recs.append(rec)
    check(recs and recs[0]["type"] == "warcinfo" and recs[0]["block"].startswith(b"software: wxingest/")
          and recs[0]["fields"].get("WARC-Filename") == name and recs[0]["fields"].get("Content-Type") == "application/warc-fields",
          f"{name}: begins with a warcinfo record naming wxingest and the file")
    ids = {r["fields"].get("WARC-Record-ID"): r for r in recs}
    check(len(ids) == len(recs), f"{name}: record ids unique")
    for r in recs:   # request and response point at each other, same URI
        if r["type"] in ("request", "response"):
            o = ids.get(r["fields"].get("WARC-Concurrent-To"))
            check(o is not None and o["type"] == ({"request", "response"} - {r["type"]}).pop() and
                  o["fields"].get("WARC-Concurrent-To") == r["fields"]["WARC-Record-ID"] and
                  o["fields"].get("WARC-Target-URI") == r["fields"].get("WARC-Target-URI"),
                  f"{name}#{r['offset']}: its {r['type']} pair points back (WARC-Concurrent-To)")
    return recs


def node_warc(paths):
    """npm's node-warc reading the files: {file: [record dicts]}, or None
    on the sanitizer pass (EXTERNAL_READERS)."""
    if not EXTERNAL_READERS:
        return None
    script = os.path.join(ROOT, "tests", "warcw", "node_warc_check.js")
    if not check(shutil.which("node") and os.path.isdir(os.path.join(NODE_MODULES, "node-warc")),
                 f"node and npm's node-warc in {NODE_MODULES} (make deps installs them)"):
        return None
    r = subprocess.run(["node", script, NODE_MODULES, *paths], capture_output=True, timeout=120)
    check(r.returncode == 0, f"node-warc ran: {r.stderr[-300:]!r}")
    out = {}
    for line in r.stdout.decode().splitlines():
        o = json.loads(line)
        check("error" not in o, f"node-warc read {o['file']}: {o.get('error')}")
        if "type" in o:
            out.setdefault(o["file"], []).append(o)
    return out


def compare_node(recs, nodes, name):
    """node-warc sees the same records: ids, types, URIs, digests as
    written, its own split of HTTP head and body hashing to the payload."""
    nodes = nodes or []
    check(len(nodes) == len(recs), f"{name}: node-warc reads {len(recs)} records, got {len(nodes)}")
    for r, n in zip(recs, nodes):
        f = r["fields"]
        what = f"{name}#{r['offset']} by node-warc"
        check(n["type"] == r["type"] and n["id"] == f["WARC-Record-ID"] and n.get("uri") == f.get("WARC-Target-URI")
              and n["block_digest"] == f["WARC-Block-Digest"] and n["length"] == f["Content-Length"]
              and n.get("concurrent") == f.get("WARC-Concurrent-To"), f"{what}: same named fields")
        if r["type"] == "response":
            # node-warc splits records at CRLFs and keeps the first CRLF of
            # a non-empty payload's record end in its content (it reads
            # wget's records the same way)
            check(n["content_sha256"] in (sha(r["body"]), sha(r["body"] + b"\r\n")) and n["payload_digest"] == f["WARC-Payload-Digest"]
                  and int(n["status"]) == r["status"], f"{what}: same status and payload")
        elif r["type"] == "request":
            check(n["request_line"] == r["head"].split("\r\n")[0], f"{what}: same request line")
        else:
            check(n["content_sha256"] in (sha(r["block"]), sha(r["block"] + b"\r\n")), f"{what}: same warcinfo block")


def warcio_cdx(path, recs, what):
    """Webrecorder's warcio.js (the indexer of pywb's and ReplayWeb.page's
    tooling) indexes the file: one CDX line per response, at the offset and
    length of its gzip member, with its status and payload digest.  Not on
    the sanitizer pass (EXTERNAL_READERS)."""
    if not EXTERNAL_READERS:
        return
    cli = os.path.join(NODE_MODULES, "warcio", "dist", "cli.js")
    if not check(shutil.which("node") and os.path.exists(cli), f"npm's warcio in {NODE_MODULES} (make deps installs it)"):
        return
    r = subprocess.run(["node", cli, "cdx-index", path], capture_output=True, timeout=120)
    lines = [json.loads(ln.split(" ", 2)[2]) for ln in r.stdout.decode().splitlines() if ln.strip()]
    data_len = os.path.getsize(path)
    resp = [x for x in recs if x["type"] == "response"]
    ends = sorted([x["offset"] for x in recs] + [data_len])
    check(r.returncode == 0 and len(lines) == len(resp), f"{what}: warcio.js cdx-index: one line per response ({len(lines)}/{len(resp)}): {r.stderr[-200:]!r}")
    by_off = {int(c["offset"]): c for c in lines}
    for x in resp:
        c = by_off.get(x["offset"], {})
        member = ends[ends.index(x["offset"]) + 1] - x["offset"]
        check(c.get("url") == x["fields"]["WARC-Target-URI"] and int(c.get("status", 0)) == x["status"]
              and "sha256:" + c.get("digest", "") == x["fields"]["WARC-Payload-Digest"] and int(c.get("length", 0)) == member
              and c.get("filename") == os.path.basename(path),
              f"{what}#{x['offset']}: warcio.js indexes it (url, status, digest, offset, length {member})", [c])


def wx(cmd, *args, timeout=120):
    """wxingest CMD; under the ASan+UBSan build every run must be clean."""
    r = subprocess.run([BIN, cmd, *args], capture_output=True, timeout=timeout)
    err = r.stderr.decode("utf-8", "replace")
    check("Sanitizer" not in err and "runtime error:" not in err, f"{cmd} {' '.join(args)[:100]}: sanitizer report:\n{err[-1500:]}")
    return r


def test_write():
    import httpd
    srv = httpd.Server().start(lifetime=240)
    b = srv.base
    try:
        urls = [f"{b}/s/article-01", f"{b}/fault/gzip/w1", f"{b}/fault/big/w2?bytes=30000&chunked=1",
                f"{b}/fault/redirect/w3?to=/s/text-01", f"{b}/fault/status/404/w4"]
        store = os.path.join(TMP, "wstore")
        out = os.path.join(TMP, "own.warc.gz")
        r = wx("run", "--store", store, "--rate", "1000", "--warc", out, *urls)
        check(r.returncode == 65, f"run --warc: exit 65 for the 404 ({r.returncode}: {r.stderr[-300:]!r})")
        stored = [rec for _, rec in checks.jsonl_records(r.stdout, "run --warc")]
        check(len(stored) == 4, f"run --warc: the store's 4 records ({len(stored)})")
        recs = read_own_warc(out)
        resp = [x for x in recs if x["type"] == "response"]
        got = [(x["fields"]["WARC-Target-URI"], x["status"]) for x in resp]
        want = [(urls[0], 200), (urls[1], 200), (urls[2], 200), (urls[3], 302), (f"{b}/s/text-01", 200), (urls[4], 404)]
        check(sorted(got) == sorted(want), "own WARC: one response per exchange, the redirect's 302 and the 404 too", got)
        check(len(recs) == 1 + 2 * len(want), f"own WARC: a warcinfo and a request per response ({len(recs)} records)")
        by = {x["fields"]["WARC-Target-URI"] + " %d" % x["status"]: x for x in resp}
        gz = by.get(urls[1] + " 200", {})
        check("X-Archive-Orig-Content-Encoding: gzip" in gz.get("head", ""), "own WARC: gzip body stored decoded, the header kept as X-Archive-Orig-")
        ch = by.get(urls[2] + " 200", {})
        check("X-Archive-Orig-Transfer-Encoding: chunked" in ch.get("head", "") and len(ch.get("body", b"")) == 30000,
              "own WARC: chunked body stored dechunked (30000 bytes)")
        rd = by.get(urls[3] + " 302", {})
        check("\r\nLocation: /s/text-01" in rd.get("head", "") and rd.get("body") == b"", "own WARC: the 302 hop with its Location, no body")
        for x in stored:   # the pages are the store's objects, byte for byte
            path = x["source"]["path"]
            body = open(path, "rb").read() if path and os.path.exists(path) else None
            check(any(y["body"] == body for y in resp if y["status"] == 200), f"own WARC: {x['source']['url']}'s stored object is a response body")

        # wxingest reads them back: the same records, apart from source
        r2 = wx("parse", out)
        back = [rec for _, rec in checks.jsonl_records(r2.stdout, "parse own.warc.gz")]
        check(r2.returncode == 0 and len(back) == 4, f"parse own WARC: 4 records (the 200 pages), exit {r2.returncode}")
        sb = {x["source"]["sha256"]: x for x in back}
        for x in stored:
            y = sb.get(x["source"]["sha256"])
            check(y is not None and same_but_source(x, y), f"parse own WARC: {x['source']['url']} equals the store's record apart from source",
                  [k for k in x if y and k != "source" and x[k] != y.get(k)])
            check(y is not None and y["source"]["format"] == "warc", "parse own WARC: format warc")

        # npm's node-warc reads the same records
        nodes = node_warc([out])
        if nodes is not None:
            compare_node(recs, nodes.get("own.warc.gz"), "own.warc.gz")

        warcio_cdx(out, recs, "own.warc.gz")

        # rotation: each transfer past the limit starts the next file
        rot = os.path.join(TMP, "rot.warc.gz")
        store2 = os.path.join(TMP, "wstore2")
        r = wx("fetch", "--store", store2, "--rate", "1000", "--jobs", "1", "--warc", rot, "--warc-max-size", "1", *urls)
        names = sorted(n for n in os.listdir(TMP) if n.startswith("rot"))
        check(names == ["rot-00001.warc.gz", "rot-00002.warc.gz", "rot-00003.warc.gz", "rot-00004.warc.gz", "rot.warc.gz"],
              f"--warc-max-size 1: one file per transfer, FILE.warc.gz then FILE-00001.warc.gz...: {names}")
        allr = []
        paths = [os.path.join(TMP, n) for n in names]
        nodes = node_warc(paths)
        for p in paths:
            rr = read_own_warc(p)
            check(sum(1 for x in rr if x["type"] == "warcinfo") == 1 and len(rr) >= 3, f"{os.path.basename(p)}: a warcinfo and one transfer's records")
            if nodes is not None:
                compare_node(rr, nodes.get(os.path.basename(p)), os.path.basename(p))
            warcio_cdx(p, rr, os.path.basename(p))
            allr += rr
        got = sorted((x["fields"]["WARC-Target-URI"], x["status"]) for x in allr if x["type"] == "response")
        check(got == sorted(want), "rotated files together hold every response", got)
        r2 = wx("parse", *paths)
        check(len([1 for _ in checks.jsonl_records(r2.stdout, "parse rot")]) == 4, "parse of the rotated files: the 4 pages")
        # a later run goes on after the last file, never overwrites one
        before = {p: open(p, "rb").read() for p in paths}
        r = wx("fetch", "--store", store2, "--rate", "1000", "--refresh", "--warc", rot, "--warc-max-size", "1", urls[0])
        check(os.path.exists(os.path.join(TMP, "rot-00005.warc.gz")) and all(open(p, "rb").read() == d for p, d in before.items()),
              "--warc again: a new file after the last, earlier files unchanged")
        r5 = read_own_warc(os.path.join(TMP, "rot-00005.warc.gz"))
        check([(x["status"], x["body"]) for x in r5 if x["type"] == "response"] == [(304, b"")],
              "--refresh --warc: the 304 Not Modified is archived too, with no body")
        # a moderate limit: no file past it unless it holds one transfer
        mid = os.path.join(TMP, "mid.warc.gz")
        r = wx("fetch", "--store", os.path.join(TMP, "wstore3"), "--rate", "1000", "--jobs", "1", "--warc", mid, "--warc-max-size", "400K", *urls)
        mids = sorted(n for n in os.listdir(TMP) if n.startswith("mid"))
        for n in mids:
            p = os.path.join(TMP, n)
            rr = read_own_warc(p)
            check(os.path.getsize(p) <= 400 * 1024 or sum(1 for x in rr if x["type"] == "request") <= 2,
                  f"--warc-max-size 400K: {n} ({os.path.getsize(p)} bytes) within the limit or one transfer")
        check(len(mids) >= 2, f"--warc-max-size 400K: several files ({mids})")

        # killed mid-fetch: every record written so far is whole and readable
        kill = os.path.join(TMP, "kill.warc.gz")
        key = "/fault/stall/wkill"
        p = subprocess.Popen([BIN, "fetch", "--store", os.path.join(TMP, "wstore4"), "--rate", "1000", "--jobs", "1",
                              "--warc", kill, f"{b}/s/article-2019-entities", f"{b}{key}?for=8"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        while not srv.requests(key) and time.monotonic() - t0 < 10:
            time.sleep(0.02)
        time.sleep(0.2)
        p.kill()
        p.communicate()
        kr = read_own_warc(kill)
        check([(x["fields"]["WARC-Target-URI"], x["status"]) for x in kr if x["type"] == "response"] == [(f"{b}/s/article-2019-entities", 200)],
              "SIGKILL mid-fetch: the finished page's records are whole, the abandoned transfer has none")
        r2 = wx("parse", kill)
        check(len([1 for _ in checks.jsonl_records(r2.stdout, "parse kill")]) == 1 and r2.returncode == 0,
              f"SIGKILL mid-fetch: the WARC reads back ({r2.returncode})")

        # a name that is not FILE.warc.gz: refused before any request
        n0 = len(srv.log)
        r = wx("fetch", "--store", store2, "--warc", os.path.join(TMP, "bad.warc"), urls[0])
        check(r.returncode == 74 and b"must end in .warc.gz" in r.stderr and len(srv.log) == n0,
              f"--warc x.warc: exit 74, nothing fetched ({r.returncode}: {r.stderr[-200:]!r})")
        r = wx("run", "--store", store2, "--images", "--warc", os.path.join(TMP, "bad.warc"), urls[0])
        check(r.returncode == 74 and b"must end in .warc.gz" in r.stderr and len(srv.log) == n0,
              f"run --images --warc x.warc: exit 74, nothing fetched ({r.returncode}: {r.stderr[-200:]!r})")
    finally:
        srv.stop()


# ---------------------------------------------------------------- images in WARCs

def png(w, h, rgb):
    """A real w x h PNG of one colour, made here (no ImageMagick needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def article(title, imgs):
    """A minimal WeChat article page whose content holds the given <img> tags."""
    body = "".join(f"<p>{t}</p>" for t in imgs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}"></head><body><div id="img-content">'
            f'<h1 id="activity-name">{title}</h1><div class="rich_media_content" id="js_content">'
            f'<p>正文第一段。</p>{body}<p>正文第二段。</p></div></div></body></html>').encode("utf-8")


class ImageSite(http.server.BaseHTTPRequestHandler):
    """Pages at /s/NAME; WeChat CDN images (reached as a proxy, as
    http://mmbiz.qpic.cn/...) only at their original /0; /img/NAME as is."""
    protocol_version = "HTTP/1.1"
    pages, images = {}, {}

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if not p.startswith("/"):   # absolute-form: used as the proxy of mmbiz.qpic.cn
            p = "/" + p.split("/", 3)[3]
        path = p.split("?")[0]
        parts = path.strip("/").split("/")
        if parts[0] == "s" and parts[-1] in self.pages:
            return self.send(200, self.pages[parts[-1]], "text/html; charset=utf-8")
        if path == "/mmbiz_png/r1/0":
            return self.send(302, b"", "text/html", [("Location", "/img/moved.png")])
        if parts[0].startswith("mmbiz_") and parts[-1] != "0":
            return self.send(404, b"<html>originals only at /0</html>", "text/html")
        key = parts[1] if parts[0].startswith("mmbiz_") else parts[-1]
        if key in self.images:
            return self.send(200, self.images[key], "image/png")
        return self.send(404, b"<html>no</html>", "text/html")


def test_images():
    """run --images --warc: the image exchanges are in the WARC, and parse
    of that WARC fills images[] as the store does; wget -p likewise."""
    ph = png(7, 5, (128, 128, 128))   # the same bytes for three URLs: a hotlink placeholder
    table = open(os.path.join(ROOT, "tests", "ocr", "fixtures", "table-plain.jpg"), "rb").read()
    ImageSite.images = {"a1": png(21, 13, (0, 128, 0)), "moved.png": png(12, 34, (128, 0, 128)),
                        "c.png": png(40, 30, (255, 0, 0)), "ph1": ph, "ph2": ph, "ph3": ph, "table.jpg": table}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ImageSite)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    cdn = "http://mmbiz.qpic.cn"
    ImageSite.pages = {
        "w1": article("图片一", [f'<img data-src="{cdn}/mmbiz_png/a1/640?wx_fmt=png">',
                               f'<img data-src="{cdn}/mmbiz_png/r1/0?wx_fmt=png">',
                               f'<img src="{base}/img/c.png">', f'<img src="{base}/img/table.jpg">']
                     + [f'<img data-src="{cdn}/mmbiz_png/ph{i}/640?wx_fmt=png">' for i in (1, 2, 3)]),
        "w2": article("图片二", [f'<img src="{base}/img/c.png">'])}
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=base, no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")
    try:
        store, out = os.path.join(TMP, "istore"), os.path.join(TMP, "img.warc.gz")
        runout = os.path.join(TMP, "img-run.jsonl")
        r = subprocess.run([BIN, "run", "--store", store, "--rate", "1000", "--images", "--warc", out, "-o", runout,
                            f"{base}/s/w1"], capture_output=True, timeout=120, env=env)
        check(r.returncode == 0, f"run --images --warc: exit {r.returncode}: {r.stderr[-400:]!r}")
        stored = [rec for _, rec in checks.jsonl_records(open(runout, "rb").read(), "run --images")] if os.path.exists(runout) else []
        allims = {im["url"]: im for x in stored for im in x.get("images", [])}
        sims = {k: v for k, v in allims.items() if "/ph" not in k}
        check(len(sims) == 4 and all(im.get("sha256") for im in sims.values()),
              f"run --images: the store fills the 4 images: {[(k, v.get('sha256')) for k, v in sims.items()]}")
        check(len(allims) == 7 and not [v for k, v in allims.items() if "/ph" in k and v.get("sha256")],
              "run --images: the 3 placeholders are not filled")
        recs = read_own_warc(out)
        resp = {(x["fields"]["WARC-Target-URI"], x["status"]): x for x in recs if x["type"] == "response"}
        want = {(f"{cdn}/mmbiz_png/a1/0?wx_fmt=png", 200): "a1", (f"{cdn}/mmbiz_png/r1/0?wx_fmt=png", 302): None,
                (f"{cdn}/img/moved.png", 200): "moved.png", (f"{base}/img/c.png", 200): "c.png",
                (f"{base}/img/table.jpg", 200): "table.jpg"}
        want.update({(f"{cdn}/mmbiz_png/ph{i}/0?wx_fmt=png", 200): f"ph{i}" for i in (1, 2, 3)})
        for k, img in want.items():
            x = resp.get(k)
            check(x is not None and (img is None or x["body"] == ImageSite.images[img]),
                  f"img.warc.gz: the image exchange {k} is archived with the image's bytes", sorted(resp))
        check((f"{base}/s/w1", 200) in resp and len(resp) == 9,
              f"img.warc.gz: the page and 8 image exchanges, placeholders too ({len(resp)})")
        nodes = node_warc([out])
        if nodes is not None:
            compare_node(recs, nodes.get("img.warc.gz"), "img.warc.gz")
        warcio_cdx(out, recs, "img.warc.gz")

        # parse of the WARC: each image's local is its response record
        r2 = wx("parse", out)
        back = [rec for _, rec in checks.jsonl_records(r2.stdout, "parse img.warc.gz")]
        check(r2.returncode == 0 and len(back) == 1, f"parse img.warc.gz: the page ({len(back)}, exit {r2.returncode})")
        wims = {im["url"]: im for x in back for im in x.get("images", [])}
        by_off = {x["offset"]: x for x in recs}
        for url, sim in sims.items():
            w = wims.get(url, {})
            check(all(w.get(k) == sim.get(k) and sim.get(k) is not None for k in ("sha256", "bytes", "width", "height")),
                  f"parse img.warc.gz: {url}: sha256/bytes/width/height as the store gave them",
                  [(k, w.get(k), sim.get(k)) for k in ("sha256", "bytes", "width", "height")])
            loc = w.get("local") or ""
            x = by_off.get(int(loc.rsplit("#", 1)[1])) if loc.startswith(out + "#") and loc.rsplit("#", 1)[1].isdigit() else None
            check(x is not None and x["type"] == "response" and sha(x["body"]) == sim.get("sha256"),
                  f"parse img.warc.gz: {url}: local {loc} is the image's response record")
        check(not [v for k, v in wims.items() if "/ph" in k and (v.get("sha256") or v.get("local"))],
              "parse img.warc.gz: the placeholders' bytes (3 URLs, one sha256) fill no image")
        r3 = wx("parse", "-j", "2", out, out)
        check([x.get("images") for _, x in checks.jsonl_records(r3.stdout, "parse -j 2")] == [back[0]["images"]] * 2,
              "parse -j 2 of the WARC twice: the same images both times")

        # the same WARC inside a WACZ: local is WACZ#ENTRY#OFFSET
        import zipfile
        wacz = os.path.join(TMP, "img.wacz")
        with zipfile.ZipFile(wacz, "w") as z:
            z.write(out, "archive/img.warc.gz", compress_type=zipfile.ZIP_STORED)
        r4 = wx("parse", wacz)
        zims = {im["url"]: im for _, x in checks.jsonl_records(r4.stdout, "parse img.wacz") for im in x.get("images", [])}
        for url, w in wims.items():
            z = zims.get(url, {})
            check(z.get("sha256") == w.get("sha256") and
                  (z.get("local") or "") == (wacz + "#archive/img.warc.gz#" + w["local"].rsplit("#", 1)[1] if w.get("local") else ""),
                  f"parse img.wacz: {url}: the same image, local WACZ#ENTRY#OFFSET ({z.get('local')})")

        # --ocr reads the table image's bytes from its record
        r5 = wx("parse", "--ocr", "--ocr-cache", os.path.join(TMP, "ocrcache"), out, timeout=300)
        tim = next((im for _, x in checks.jsonl_records(r5.stdout, "parse --ocr") for im in x.get("images", [])
                    if im["url"].endswith("/table.jpg")), {})
        with open(os.path.join(ROOT, "tests", "ocr", "fixtures", "table-plain.txt"), encoding="utf-8") as f:
            first_row = f.read().splitlines()[0].split("\t")
        check(all(cell.strip() in (tim.get("text") or "") for cell in first_row[:2]) and isinstance(tim.get("text_confidence"), int),
              f"parse --ocr of the WARC: the table image's text holds its header row {first_row[:2]}: {(tim.get('text') or '')[:120]!r}")

        # wget --page-requisites: its WARC fills the image too
        if not shutil.which("wget"):
            check(False, "wget is installed (Debian wget; make deps)")
            return
        wdir, warc = os.path.join(TMP, "wgetp"), os.path.join(TMP, "wgetp")
        r = subprocess.run(["wget", "--no-config", "--no-proxy", "-q", "-p", "-e", "robots=off", "-P", wdir,
                            "--tries=1", "--timeout=10", f"--warc-file={warc}", "--no-warc-keep-log", f"{base}/s/w2"],
                           capture_output=True, timeout=120, env={**env, "no_proxy": "*"})
        path = warc + ".warc.gz"
        if not check(os.path.exists(path), f"wget -p wrote {path} (exit {r.returncode}: {r.stderr[-300:]!r})"):
            return
        _, wrecs = run(path)
        ims = [im for x in wrecs for im in x.get("images", [])]
        c = ImageSite.images["c.png"]
        check(len(wrecs) == 1 and len(ims) == 1 and ims[0].get("sha256") == sha(c) and ims[0].get("bytes") == len(c)
              and (ims[0].get("width"), ims[0].get("height")) == (40, 30),
              f"wget -p's WARC: the page's image filled from its response record: {ims}")
        loc = ims[0].get("local", "") if ims else ""
        off = loc.rsplit("#", 1)[1] if "#" in loc else ""
        at = record_at(path, int(off), 0) if off.isdigit() else b""
        check(loc.startswith(path + "#") and b"WARC-Type: response" in at[:600] and f"{base}/img/c.png".encode() in at[:600],
              f"wget -p: local {loc} is the image's response record")
    finally:
        srv.shutdown()


def main():
    global BIN, TMP
    BIN = os.path.abspath(sys.argv[1])
    TMP = tempfile.mkdtemp(prefix="wx-warc-")
    if not EXTERNAL_READERS:
        print("warc: sanitizer pass (WX_SANITIZER_PASS=1): node-warc and warcio.js are left to the normal pass")
    try:
        for t in (test_warcio_files, test_parallel_and_walk, test_built, test_wacz, test_wget, test_write, test_images):
            try:
                t()
            except Exception as e:   # a broken test is a failure, not a stop
                import traceback
                traceback.print_exc()
                check(False, f"{t.__name__} raised {e!r}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return checks.summary("warc")


if __name__ == "__main__":
    sys.exit(main())
