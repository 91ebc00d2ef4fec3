#!/usr/bin/python3
"""End-to-end tests: run the wxingest binary as a user would.

Every record produced is validated against output/record.schema.json and
checked to be valid UTF-8 JSON.  Expected values per sample live in
tests/expected/NAME.json (written by reading the pages, see its README).

Usage: e2e.py PATH/TO/wxingest      Prints one line per failure and a final
"e2e: N passed, N failed" line; exits 1 when anything failed.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
EXPECTED = os.path.join(ROOT, "tests", "expected")
CASES = os.path.join(ROOT, "tests", "cases")
# WX_CASE=NAME (make case CASE=NAME): only the samples and cases whose file
# names start with NAME, nothing else.
ONLY = os.environ.get("WX_CASE", "")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))

with open(os.path.join(ROOT, "output", "record.schema.json"), encoding="utf-8") as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)





def run(args, stdin=None, timeout=120):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def records(stdout, what):
    """Decode JSON Lines strictly: UTF-8, one object per line, schema-valid."""
    out = []
    for n, rec in checks.jsonl_records(stdout, what):
        errors = sorted(VALIDATOR.iter_errors(rec), key=lambda e: list(e.path))
        check(not errors, f"{what}: line {n} violates the schema: "
                          + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:3]))
        out.append(rec)
    return out


def sample_files():
    return sorted(f for f in os.listdir(SAMPLES) if not f.endswith(".tsv") and not f.startswith("."))


def base_name(f):
    for ext in (".gz", ".html", ".htm", ".mhtml", ".mht", ".md", ".txt"):
        if f.endswith(ext):
            f = f[: -len(ext)]
    for ext in (".html", ".htm", ".mhtml", ".mht", ".md", ".txt"):
        if f.endswith(ext):
            f = f[: -len(ext)]
    return f


# Keys of an expectation file that are not plain record fields (the plain
# ones are listed in compare_sample); any other key is a typo and fails.
CHECK_KEYS = {"images", "image_count", "images_prefix", "image_roles", "no_url_contains", "text_contains",
              "text_not_contains", "warnings_contain", "notice", "dates", "dates_roles", "notice_fields", "notes"}


def compare_sample(name, rec, exp):
    """Compare one record with its hand-written expectation."""
    what = f"sample {name}"
    simple = {"status": rec["status"], "kind": rec["kind"], "id": rec["id"], "biz": rec["biz"],
              "mid": rec["mid"], "idx": rec["idx"], "sn": rec["sn"], "url": rec["url"],
              "title": rec["title"], "author": rec["author"], "published_at": rec["published_at"],
              "cover": rec["cover"], "copyright": rec["copyright"], "source_url": rec["source_url"],
              "account_name": rec["account"]["name"], "account_id": rec["account"]["id"],
              "text": rec["text"], "description": rec["description"],
              "source_format": rec["source"]["format"], "source_fetched_at": rec["source"]["fetched_at"],
              "source_path_url": rec["source"]["url"]}
    unknown = sorted(set(exp) - set(simple) - CHECK_KEYS)
    check(not unknown, f"{what}: the expectation names keys nothing compares: {unknown}")
    for key, want in exp.items():
        if key in simple:
            check(simple[key] == want, f"{what}: {key} is {simple[key]!r}, expected {want!r}")
    urls = [i["url"] for i in rec["images"]]
    if "images" in exp:
        ok = check(urls == exp["images"], f"{what}: images differ ({len(urls)} found, {len(exp['images'])} expected)")
        if not ok:
            for i, (a, b) in enumerate(zip(urls, exp["images"])):
                if a != b:
                    print(f"    first difference at {i}: {a!r} != {b!r}")
                    break
    if "image_count" in exp:
        check(len(urls) == exp["image_count"], f"{what}: {len(urls)} images, expected {exp['image_count']}")
    if "images_prefix" in exp:
        check(urls[: len(exp["images_prefix"])] == exp["images_prefix"], f"{what}: first images differ")
    if "image_roles" in exp:
        roles = [i["role"] for i in rec["images"]]
        check(roles == exp["image_roles"], f"{what}: image roles {roles} != {exp['image_roles']}")
    if "no_url_contains" in exp:
        bad = [u for u in urls + [l["url"] for l in rec["links"]] + [rec["cover"] or ""] if exp["no_url_contains"] in u]
        check(not bad, f"{what}: URLs still contain {exp['no_url_contains']!r}: {bad[:2]}")
    text = rec["text"] or ""
    for snip in exp.get("text_contains", []):
        check(snip in text, f"{what}: text lacks {snip!r}")
    for snip in exp.get("text_not_contains", []):
        check(snip not in text, f"{what}: text contains page chrome {snip!r}")
    for snip in exp.get("warnings_contain", []):
        check(any(snip in w for w in rec["warnings"]), f"{what}: no warning mentions {snip!r}: {rec['warnings']}")
    if rec["cover"] and rec["status"] == "ok":
        check(rec["images"] and rec["images"][0]["role"] == "cover", f"{what}: cover is not the first image")
    for key in ("notice", "dates"):
        if key in exp:
            check(rec[key] == exp[key], f"{what}: {key} is {json.dumps(rec[key], ensure_ascii=False)[:300]}, "
                                        f"expected {json.dumps(exp[key], ensure_ascii=False)[:300]}")
    if "dates_roles" in exp:
        got = [[d["text"], d["date"], d["time"], d["role"]] for d in rec["dates"]]
        for want in exp["dates_roles"]:
            check(want in got, f"{what}: date {want} not found in {got[:8]}")
    for key in ("notice_fields",):
        for k, v in exp.get(key, {}).items():
            got = (rec["notice"] or {}).get(k)
            check(got == v, f"{what}: notice.{k} is {got!r}, expected {v!r}")


def test_samples():
    """Each sample alone, against its expected record."""
    for f in sample_files():
        if not f.startswith(ONLY):
            continue
        name = base_name(f)
        code, out, err = run(["parse", os.path.join(SAMPLES, f)])
        recs = records(out, f)
        if not check(len(recs) == 1, f"{f}: {len(recs)} records for one input"):
            continue
        rec = recs[0]
        check(code == (65 if rec["status"] == "error" else 0), f"{f}: exit code {code} for status {rec['status']}")
        path = os.path.join(EXPECTED, name + ".json")
        if check(os.path.exists(path), f"{f}: no expected record tests/expected/{name}.json"):
            with open(path, encoding="utf-8") as fh:
                compare_sample(name, rec, json.load(fh))


def test_directory_run():
    """The README's main job: a whole directory, in sorted order."""
    code, out, err = run(["parse", SAMPLES + "/"])
    recs = records(out, "parse samples/")
    files = sample_files()
    check(len(recs) == len(files), f"parse samples/: {len(recs)} records for {len(files)} files")
    paths = [os.path.basename(r["source"]["path"]) for r in recs]
    check(paths == files, "parse samples/: records not in sorted input order")
    check(code == 0, f"parse samples/ (the README's first command) exits 0, got {code}")
    statuses = {r["status"] for r in recs}
    for s in ("ok", "deleted", "blocked", "unavailable", "verify", "not_article"):
        check(s in statuses, f"samples cover no page with status {s}")
    kinds = {r["kind"] for r in recs}
    for k in ("article", "picture", "text", "video"):
        check(k in kinds, f"samples cover no page of kind {k}")
    ids = [r["id"] for r in recs]
    check(len(ids) == len(set(ids)), "two samples share an id")


def test_jobs_and_files_from():
    """-j N gives the same bytes as one thread, in input order; --files-from
    reads the same inputs from a list (or stdin) as from the command line."""
    code1, out1, _ = run(["parse", SAMPLES + "/"])
    for jobs in ("2", "3", "8"):
        code, out, _ = run(["parse", "-j", jobs, SAMPLES + "/"])
        check(out == out1 and code == code1, f"parse -j {jobs}: output or exit code differs from -j 1")
    files = [os.path.join(SAMPLES, f) for f in sample_files()]
    listing = ("\n".join(files) + "\n").encode()
    code, out, _ = run(["parse", "-j", "2", "--files-from", "-"], stdin=listing)
    check(out == out1 and code == code1, "parse --files-from -: output differs from the directory run")
    code, out, err = run(["parse", "--files-from", "-", "/nonexistent/page.html"], stdin=listing[:len(files[0]) + 1])
    check(code == 66 and b"/nonexistent/page.html" in err and len(records(out, "files-from+missing")) == 1,
          f"--files-from with a missing PATH: exit {code}, one record")
    code, out, err = run(["parse", "--files-from", "/nonexistent/list.txt"])
    check(code == 66 and b"/nonexistent/list.txt" in err, f"missing --files-from list exits 66 (got {code})")
    code, out, err = run(["parse", "-j", "0", SAMPLES + "/"])
    check(code == 64, f"parse -j 0 exits 64 (got {code})")


def test_exit_codes():
    code, out, _ = run(["--help"])
    check(code == 0 and b"usage" in out, "--help exits 0 with usage")
    code, out, _ = run(["--version"])
    check(code == 0 and out.startswith(b"wxingest "), "--version exits 0")
    code, _, err = run(["parse", "--bogus", "x"])
    check(code == 64, f"unknown option exits 64 (got {code})")
    code, _, err = run(["frobnicate"])
    check(code == 64, f"unknown command exits 64 (got {code})")
    code, _, _ = run(["parse"])
    check(code == 64, f"parse without input exits 64 (got {code})")
    one = os.path.join(SAMPLES, sample_files()[0])
    code, out, err = run(["parse", "/nonexistent/page.html", one])
    check(code == 66, f"missing input exits 66 (got {code})")
    check(b"wxingest: /nonexistent/page.html: " in err, "missing input is named on stderr")
    check(len(records(out, "missing+one")) == 1, "the existing input still gives its record")
    code, _, err = run(["parse", "-o", "/nonexistent-dir/out.jsonl", one])
    check(code == 74, f"unwritable output exits 74 (got {code})")
    if os.path.exists("/dev/full"):
        code, _, err = run(["parse", "-o", "/dev/full", one])
        check(code == 74, f"write error on /dev/full exits 74 (got {code})")
    with tempfile.TemporaryDirectory() as d:
        outp = os.path.join(d, "out.jsonl")
        code, out, _ = run(["parse", "-o", outp, one])
        check(code == 0 and out == b"", f"-o FILE writes nothing to stdout (exit {code})")
        with open(outp, "rb") as fh:
            check(len(records(fh.read(), "-o FILE")) == 1, "-o FILE holds the record")


def test_bad_inputs():
    """Broken, binary and wrongly encoded inputs: a record with status error
    or a real status, a message naming the input, valid UTF-8 JSON."""
    with tempfile.TemporaryDirectory() as d:
        cases = {
            "empty.html": b"",
            "one.html": b"<",
            "nul.html": b"<html>\x00\x00\x00<body>x</body></html>",
            "binary.html": os.urandom(4096),
            "invalid-utf8.html": b"<html><head><title>\xff\xfe bad \xc3\x28 \xed\xa0\x80</title></head>"
                                 b"<body><div id='js_content'><p>\xe4\xb8 broken \xf0\x9f\x98</p></div>"
                                 b"<script>var msg_title = '\xff\x80title';</script></body></html>",
            "bom.html": b"\xef\xbb\xbf<html><body><div id=\"js_content\"><p>BOM page</p></div></body></html>",
        }
        for name, data in cases.items():
            p = os.path.join(d, name)
            with open(p, "wb") as fh:
                fh.write(data)
            code, out, err = run(["parse", p])
            recs = records(out, name)
            if not check(len(recs) == 1, f"{name}: one record expected, got {len(recs)}"):
                continue
            rec = recs[0]
            if rec["status"] == "error":
                check(code == 65, f"{name}: exit 65 for an error record (got {code})")
                check(p.encode() in err, f"{name}: stderr names the input")
                check(rec["error"] and rec["error"]["message"], f"{name}: error has a message")
                check(rec["id"].startswith("sha256:"), f"{name}: error record id is the content hash")
            else:
                check(code == 0, f"{name}: exit 0 for status {rec['status']} (got {code})")
        for name in ("empty.html", "binary.html", "nul.html"):
            code, out, _ = run(["parse", os.path.join(d, name)])
            recs = records(out, name)
            check(recs and recs[0]["status"] == "error", f"{name}: status error")
        code, out, _ = run(["parse", os.path.join(d, "invalid-utf8.html")])
        rec = (records(out, "invalid-utf8") or [{}])[0]
        check(rec.get("status") == "ok" and "broken" in (rec.get("text") or ""),
              "invalid UTF-8 page still gives its text")
        code, out, _ = run(["parse", os.path.join(d, "bom.html")])
        rec = (records(out, "bom") or [{}])[0]
        check(rec.get("text") == "BOM page", f"BOM page text is {rec.get('text')!r}")


def test_stdin_and_gzip():
    f = next(f for f in sample_files() if f.startswith("article-2018-post"))
    with open(os.path.join(SAMPLES, f), "rb") as fh:
        gz = fh.read()
    code, out, _ = run(["parse", "-"], stdin=gzip.decompress(gz))
    a = records(out, "stdin")
    code2, out2, _ = run(["parse", os.path.join(SAMPLES, f)])
    b = records(out2, "gz file")
    if check(a and b, "stdin and gz both give a record"):
        check(a[0]["source"]["path"] == "-", "stdin record path is -")
        check(a[0]["id"] == b[0]["id"] and a[0]["text"] == b[0]["text"] and
              a[0]["source"]["sha256"] == b[0]["source"]["sha256"],
              "gzip input gives the same record as the plain page")


def test_saved_page_folders():
    """A "Save as, complete" page's NAME_files/ folder is part of the page."""
    one = os.path.join(SAMPLES, sample_files()[0])
    with open(one, "rb") as fh:
        data = gzip.decompress(fh.read())
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "page_files"))
        os.makedirs(os.path.join(d, "other_files"))
        for rel in ("page.html", "page_files/saved_resource.html", "other_files/x.html"):
            with open(os.path.join(d, rel), "wb") as fh:
                fh.write(data)
        code, out, _ = run(["parse", d])
        paths = [os.path.relpath(r["source"]["path"], d) for r in records(out, "saved folders")]
        check(paths == ["other_files/x.html", "page.html"], f"walk of a saved page gives {paths}")


def test_markdown_walk():
    """A markdown archive named .txt, .md or with no extension, plain or
    gzipped, is found by a directory walk and read as markdown; other .txt
    files are not pages."""
    with open(os.path.join(SAMPLES, "markdown-seed.txt.gz"), "rb") as fh:
        seed = gzip.decompress(fh.read())
    with tempfile.TemporaryDirectory() as d:
        for name, data in (("000_9f0544a13e56480d.txt", seed), ("archive.md", seed), ("noext", seed),
                           ("zipped.txt.gz", gzip.compress(seed)), ("notes.txt", b"just some notes\n")):
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(data)
        code, out, _ = run(["parse", d])
        recs = records(out, "markdown walk")
        names = [os.path.basename(r["source"]["path"]) for r in recs]
        check(names == ["000_9f0544a13e56480d.txt", "archive.md", "noext", "zipped.txt.gz"],
              f"markdown walk read {names}")
        check(all(r["source"]["format"] == "markdown" and r["id"] == "MzA5MzE5MDAzOA==:2664212856:3"
                  for r in recs), "markdown walk: every copy of the seed gives its record")


def test_cases():
    """Hand-made pages under tests/cases/ with expectations in tests/cases/NAME.expected.json."""
    if not os.path.isdir(CASES):
        return
    for f in sorted(os.listdir(CASES)):
        if f.endswith(".expected.json") or not f.startswith(ONLY):
            continue
        exp_path = os.path.join(CASES, base_name(f) + ".expected.json")
        if not os.path.exists(exp_path):
            continue
        code, out, err = run(["parse", os.path.join(CASES, f)])
        recs = records(out, f)
        if check(len(recs) == 1, f"case {f}: one record"):
            with open(exp_path, encoding="utf-8") as fh:
                compare_sample(f, recs[0], json.load(fh))


def test_string_dump():
    """A page stored as a JSON string (scrapers that write JSON.stringify(html),
    as we-extract's links/break.html): the same record as the page itself."""
    keys = ("status", "kind", "id", "url", "title", "author", "account", "published_at", "cover",
            "copyright", "text", "images", "links")
    for name in ("article-2018-post.html.gz", "video-2018.html.gz"):
        with gzip.open(os.path.join(SAMPLES, name)) as fh:
            page = fh.read().decode("utf-8")
        _, out, _ = run(["parse", os.path.join(SAMPLES, name)])
        plain = records(out, name)
        for quoted in (True, False):
            dump = json.dumps(page, ensure_ascii=False)
            dump = dump if quoted else dump[1:-1]
            _, out, _ = run(["parse", "-"], stdin=dump.encode("utf-8"))
            got = records(out, f"{name} as a string dump")
            if check(len(plain) == 1 and len(got) == 1, f"{name} as a string dump: one record"):
                diff = [k for k in keys if plain[0][k] != got[0][k]]
                check(not diff, f"{name} as a string dump (quoted={quoted}): {diff} differ")
                check(any("escaped string" in w for w in got[0]["warnings"]),
                      f"{name} as a string dump: no warning says so")


def test_relative_publish_time():
    """A browser save keeps what WeChat's script wrote into #publish_time
    (昨天 21:10, 4天前, 12月25日); with the save time of an MHTML file
    (its Date header) that gives the publish date."""
    cases = [("4天前", "2018-12-03"), ("昨天 21:10", "2018-12-06T21:10:00+08:00"), ("前天", "2018-12-05"),
             ("刚刚", "2018-12-07"), ("5小时前", "2018-12-07"), ("12月25日", "2017-12-25"),
             ("11月30日", "2018-11-30"), ("1周前", None)]
    for shown, want in cases:
        html = ('<html><head><title>t</title></head><body><div id="js_article"><h1 id="activity-name">t</h1>'
                f'<em id="publish_time">{shown}</em><div id="js_content"><p>x</p></div></div></body></html>')
        mhtml = ("From: <Saved by WebKit>\r\nDate: Sat, 7 Dec 2018 21:40:15 +0800\r\nMIME-Version: 1.0\r\n"
                 'Content-Type: multipart/related; type="text/html"; boundary="b"\r\n\r\n--b\r\n'
                 "Content-Type: text/html\r\nContent-Location: https://mp.weixin.qq.com/s/abc\r\n\r\n"
                 + html + "\r\n--b--\r\n")
        _, out, _ = run(["parse", "-"], stdin=mhtml.encode("utf-8"))
        recs = records(out, f"MHTML showing {shown}")
        if check(len(recs) == 1, f"MHTML showing {shown}: one record"):
            check(recs[0]["source"]["fetched_at"] == "2018-12-07T13:40:15Z",
                  f"MHTML showing {shown}: fetched_at {recs[0]['source']['fetched_at']}")
            check(recs[0]["published_at"] == want, f"MHTML showing {shown}: published_at "
                                                   f"{recs[0]['published_at']!r}, expected {want!r}")


def main():
    if ONLY:
        for t in (test_samples, test_cases):
            t()
        return checks.summary("e2e")
    for t in (test_samples, test_directory_run, test_jobs_and_files_from, test_exit_codes, test_bad_inputs,
              test_stdin_and_gzip, test_saved_page_folders, test_markdown_walk, test_cases, test_string_dump,
              test_relative_publish_time):
        try:
            t()
        except Exception as e:  # a crash in one group must not hide the others
            check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    return checks.summary("e2e")


if __name__ == "__main__":
    sys.exit(main())
