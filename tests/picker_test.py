#!/usr/bin/python3
"""Markdown archives at scale: ../shared/archive-sample/picker-5000.tar.gz.

5,000 real archives in the seed's format (chainreactors/picker), about a
third of them WeChat articles.  wxingest runs once over the extracted
directory; then:
  - every file gives exactly one record, each valid against the schema;
  - no record has status "error";
  - a WeChat archive (its front-matter url is an mp.weixin.qq.com article,
    read here with a regex, independently of the parser) gives url and id
    biz:mid:idx from that URL, and either status ok with kind article, or
    the status of the WeChat message it holds (an archive of the
    verification or "deleted" page) with a "page says:" warning;
  - every other archive gives status ok, kind null and a warning that the
    page is not a WeChat article.

Usage: picker_test.py PATH/TO/wxingest.  Ends with "picker: N passed, N failed",
or "picker: not run: …" when the archive sample is absent (a user's clone).
"""
import collections
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from urllib.parse import unquote

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))
SHARED = os.environ.get("WX_SHARED", os.path.join(ROOT, "..", "shared"))
TARBALL = os.path.join(SHARED, "archive-sample", "picker-5000.tar.gz")





def front_matter_url(path):
    """The url: line of the file's front matter, or None."""
    with open(path, "rb") as f:
        head = f.read(65536).decode("utf-8", errors="replace")
    if not head.startswith("---\n"):
        return None
    end = head.find("\n---", 4)
    m = re.search(r"^url:[ \t]*(\S.*?)[ \t]*$", head[4:end if end > 0 else None], re.M)
    return m.group(1) if m else None


def wechat_id(url):
    """biz:mid:idx of an mp.weixin.qq.com/s? article URL, or None when url is not one."""
    if not url or not re.match(r"^https?://mp\.weixin\.qq\.com/s\?", url):
        return None
    parts = []
    for key in ("__biz", "mid", "idx"):
        m = re.search(r"[?&]" + key + r"=([^&#]*)", url)
        parts.append(unquote(m.group(1)) if m else "")
    return ":".join(parts) if all(parts) else ""


def extract(tarball, dest):
    with tarfile.open(tarball) as tar:
        try:
            tar.extractall(dest, filter="data")
        except TypeError:                      # Python < 3.12: no filters; check by hand
            for m in tar.getmembers():
                name = os.path.normpath(m.name)
                if name.startswith("..") or os.path.isabs(name) or not (m.isfile() or m.isdir()):
                    raise ValueError(f"unsafe member {m.name!r} in {tarball}")
            tar.extractall(dest)


def main():
    if not os.path.exists(TARBALL):
        print(f"picker: not run: {TARBALL} is absent (it lives in ../shared, next to the repository)")
        return 0
    with open(os.path.join(ROOT, "output", "record.schema.json"), encoding="utf-8") as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    with tempfile.TemporaryDirectory() as d:
        extract(TARBALL, d)
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs if f.endswith(".md"))
        expected_id = {os.path.relpath(p, d): wechat_id(front_matter_url(p)) for p in files}
        t0 = time.monotonic()
        p = subprocess.run([BIN, "parse", d], capture_output=True, timeout=600)
        elapsed = time.monotonic() - t0
    check(p.returncode == 0, f"wxingest parse exited {p.returncode}: {p.stderr[-300:]!r}")
    recs = [json.loads(line) for line in p.stdout.decode("utf-8").split("\n") if line]
    by_path = collections.defaultdict(list)
    for r in recs:
        by_path[os.path.relpath(r["source"]["path"], d)].append(r)
    missing = [f for f in expected_id if len(by_path.get(f, [])) != 1]
    check(len(files) == 5000, f"{len(files)} archives in the sample, expected 5000")
    check(len(recs) == len(files) and not missing,
          f"{len(recs)} records for {len(files)} archives; without exactly one record:", missing)
    # The schema check of 5,000 records is most of this script's own time;
    # the sanitizer pass (tests/run.sh sets WX_SANITIZER_PASS=1) leaves it to
    # the normal pass: the schema is not what ASan checks, and every other
    # check below still reads the ASan build's records.
    if os.environ.get("WX_SANITIZER_PASS") == "1":
        print("picker: sanitizer pass (WX_SANITIZER_PASS=1): the schema check is left to the normal pass")
    else:
        invalid = [f"{r['source']['path']}: {e.message[:120]}" for r in recs for e in validator.iter_errors(r)]
        check(not invalid, f"{len(invalid)} schema violations", invalid)
    errors = [f"{r['source']['path']}: {r['error']}" for r in recs if r["status"] == "error"]
    check(not errors, f"{len(errors)} records with status error", errors)

    statuses = collections.Counter()
    bad_wechat, bad_other = [], []
    n_wechat = n_other = 0
    for rel, want in expected_id.items():
        if len(by_path.get(rel, [])) != 1:
            continue
        r = by_path[rel][0]
        if want is not None:
            n_wechat += 1
            statuses["wechat " + r["status"] + ("/" + r["kind"] if r["kind"] else "")] += 1
            ok_article = r["status"] == "ok" and r["kind"] == "article"
            error_page = r["status"] in ("verify", "deleted", "blocked", "unavailable") and \
                any(w.startswith("page says:") for w in r["warnings"])
            if not (r["id"] == want and r["url"] and (ok_article or error_page)):
                bad_wechat.append(f"{rel}: id {r['id']} (want {want}), status {r['status']}, kind {r['kind']}")
        else:
            n_other += 1
            statuses["other " + r["status"] + "/" + str(r["kind"])] += 1
            if not (r["status"] == "ok" and r["kind"] is None and
                    any("not a WeChat article" in w for w in r["warnings"])):
                bad_other.append(f"{rel}: status {r['status']}, kind {r['kind']}, warnings {r['warnings'][:2]}")
    check(not bad_wechat, f"{len(bad_wechat)} of {n_wechat} WeChat archives without their id and status", bad_wechat)
    check(not bad_other, f"{len(bad_other)} of {n_other} other archives not marked as such", bad_other)
    empty = sum(1 for r in recs if r["status"] == "ok" and r["kind"] == "article" and not r["text"])
    print(f"picker: {len(files)} archives, {n_wechat} WeChat, {n_other} not WeChat; "
          f"{len(recs)} records in {elapsed:.1f} s")
    print("picker: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) +
          f"; WeChat articles with an empty body (archives of pages whose text did not load): {empty}")
    return checks.summary("picker")


if __name__ == "__main__":
    sys.exit(main())
