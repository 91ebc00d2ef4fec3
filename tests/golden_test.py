#!/usr/bin/python3
"""Golden records: the whole record of every test input, compared exactly.

tests/golden/GROUP/NAME.json holds the full record wxingest writes for one
input (pretty-printed, keys in the order wxingest writes them), with
source.path made relative to the repository so the files do not depend on
where the clone lives.  Any change to any field of any record shows up as a
failed check here and, after `make golden`, as a git diff to review.

The inputs are every file of the GROUPS below (a group whose folder does
not exist is skipped; it adds no checks).  An input without a golden file
fails, and so does a golden file whose input is gone.

Usage:
  golden_test.py PATH/TO/wxingest            compare; ends "golden: N passed, N failed"
  golden_test.py PATH/TO/wxingest --update   rewrite tests/golden/ (make golden)
WX_CASE=NAME limits both to the inputs whose name starts with NAME.
"""
import difflib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
# group name -> folder of inputs, relative to ROOT
GROUPS = {
    "samples": "samples",
    "cases": "tests/cases",
    "notices": "tests/notices",
    "dates": "tests/dates",
}
NOT_INPUTS = (".json", ".tsv", ".py")


def inputs(folder):
    """The files of a test folder that are pages or archives (not the
    expectations, manifests and READMEs beside them)."""
    path = os.path.join(ROOT, folder)
    if not os.path.isdir(path):
        return []
    return sorted(f for f in os.listdir(path)
                  if os.path.isfile(os.path.join(path, f)) and not f.startswith(".")
                  and not f.endswith(NOT_INPUTS) and f != "README.md")


def golden_text(rec):
    """The canonical form of a record on disk: what a reviewer reads."""
    return json.dumps(rec, ensure_ascii=False, indent=2) + "\n"


def records_of(binary, rels):
    """Parse the inputs as a user would (from the repository root, by
    relative paths, so source.path is that relative path), all in one run:
    {rel: its record, or None when it did not give exactly one}.  Each
    input's record is its own (the golden files were written one input per
    run and still match), and one process instead of one per input saves
    most of this script's time under ASan."""
    if not rels:
        return {}
    p = subprocess.run([binary, "parse", *rels], cwd=ROOT, capture_output=True, timeout=120 + 5 * len(rels))
    got = {}
    for _, r in checks.jsonl_records(p.stdout, f"parse of {len(rels)} inputs"):
        got.setdefault(r.get("source", {}).get("path"), []).append(r)
    out = {}
    for rel in rels:
        recs = got.pop(rel, [])
        out[rel] = recs[0] if check(len(recs) == 1, f"{rel}: {len(recs)} records for one input (exit {p.returncode})") else None
    check(not got, f"records for paths that were not given: {sorted(got)[:5]}")
    return out


def main():
    binary = os.path.abspath(sys.argv[1])
    update = "--update" in sys.argv[2:]
    only = os.environ.get("WX_CASE", "")
    written = 0
    for group, folder in GROUPS.items():
        gdir = os.path.join(GOLDEN, group)
        names = [f for f in inputs(folder) if f.startswith(only)]
        recs = records_of(binary, [f"{folder}/{f}" for f in names])
        for f in names:
            rel = f"{folder}/{f}"
            rec = recs[rel]
            if rec is None:
                continue
            want_path = os.path.join(gdir, f + ".json")
            got = golden_text(rec)
            if update:
                os.makedirs(gdir, exist_ok=True)
                old = open(want_path, encoding="utf-8").read() if os.path.exists(want_path) else None
                if old != got:
                    with open(want_path, "w", encoding="utf-8") as fh:
                        fh.write(got)
                    written += 1
                continue
            if not check(os.path.exists(want_path), f"{rel}: no golden record tests/golden/{group}/{f}.json "
                                                   "(run make golden and review the new file)"):
                continue
            with open(want_path, encoding="utf-8") as fh:
                want = fh.read()
            if not check(got == want, f"{rel}: record differs from tests/golden/{group}/{f}.json"):
                diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "golden", "now", lineterm="", n=1)
                for line in list(diff)[2:40]:
                    print("    " + line[:200])
        if update and os.path.isdir(gdir) and not only:
            for g in sorted(os.listdir(gdir)):
                if g[: -len(".json")] not in names:
                    os.unlink(os.path.join(gdir, g))
                    written += 1
        elif os.path.isdir(gdir) and not only:
            for g in sorted(os.listdir(gdir)):
                check(g[: -len(".json")] in names, f"tests/golden/{group}/{g}: its input {folder}/{g[:-5]} is gone")
    if update:
        print(f"golden: {written} files written or removed under tests/golden/")
        return 0
    return checks.summary("golden")


if __name__ == "__main__":
    sys.exit(main())
