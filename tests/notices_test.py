#!/usr/bin/python3
"""Official notices field by field: tests/notices/ (40 real archives, labels
in expected.json; see tests/notices/README.md).

wxingest runs once over the 40 archives; then, for each archive, one check
for detection and, when the label is a notice, one check per field (title,
kind, doc_number, issuer, signed_on, source, addressees, attachments, links,
deadlines, contacts), with the rule of the labels' own scorer
(chainreactors/picker notices set, score.py):
  - strings compare with all whitespace removed, null equal to "";
  - addressees, attachments and links compare as sorted lists, so order
    does not count;
  - deadlines compare by their sorted dates;
  - contacts: as many as labelled, and every labelled name, phone and email
    occurs among those found;
  - an undetected notice fails every field its label fills (a field the
    label leaves empty passes), a notice found where the label is null
    fails detection.
Fields listed in tests/notices/disagreements.json ({file, field, reason}:
labels we believe wrong) are reported apart, neither passed nor failed.

Prints the score per field and in total, then "notices: N passed, N failed".
Usage: notices_test.py PATH/TO/wxingest
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "notices")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "wxingest"))
STRING_FIELDS = ("title", "kind", "doc_number", "issuer", "signed_on", "source")
LIST_FIELDS = ("addressees", "attachments", "links")


def norm(s):
    """A string without any whitespace; None for empty (the scorer's rule)."""
    return "".join((s or "").split()) or None


def setof(v):
    return sorted(norm(x) for x in (v or []))


def field_right(field, got, want):
    """Whether the found notice's field matches the label's."""
    if field in STRING_FIELDS:
        return norm(got.get(field)) == norm(want.get(field))
    if field in LIST_FIELDS:
        return setof(got.get(field)) == setof(want.get(field))
    if field == "deadlines":
        return sorted(x["date"] for x in got.get(field) or []) == sorted(x["date"] for x in want.get(field) or [])
    wanted = want.get("contacts") or []
    found = got.get("contacts") or []
    text = json.dumps(found, ensure_ascii=False)
    return len(found) == len(wanted) and all(
        (c.get("phone") or "") in text and (c.get("email") or "") in text and (c.get("name") or "") in text
        for c in wanted)


def records(files):
    """The record of each archive, by file name."""
    out = subprocess.run([BIN, "parse"] + files, capture_output=True, timeout=300)
    recs = {}
    for line in out.stdout.decode("utf-8").splitlines():
        r = json.loads(line)
        recs[os.path.basename(r["source"]["path"])] = r
    return recs


def main():
    labels = json.load(open(os.path.join(DATA, "expected.json"), encoding="utf-8"))
    disagreements = json.load(open(os.path.join(DATA, "disagreements.json"), encoding="utf-8"))
    disputed = {(d["file"], d["field"]): d["reason"] for d in disagreements}
    if len(disputed) > 3:                  # only failures count beyond the field checks
        check(False, f"at most 3 labelled disagreements, {len(disputed)} listed")
    recs = records([os.path.join(DATA, t["file"]) for t in labels])
    if len(recs) != len(labels):
        check(False, f"{len(recs)} records for {len(labels)} archives")
    score = {}
    apart = []

    def judge(name, field, good, detail):
        if (name, field) in disputed:
            apart.append(f"{name}:{field} {'agrees' if good else 'differs'} ({disputed[(name, field)]})")
            return
        right = score.setdefault(field, [0, 0])
        right[0] += bool(good)
        right[1] += 1
        check(good, f"{name}: {field}", [detail])

    for t in labels:
        name, want = t["file"], t["notice"]
        got = (recs.get(name) or {}).get("notice")
        if want is None:
            judge(name, "is_notice", got is None, f"found {json.dumps(got, ensure_ascii=False)[:200]}")
            continue
        judge(name, "is_notice", got is not None, "no notice found")
        got = got or {}
        for field in STRING_FIELDS + LIST_FIELDS + ("deadlines", "contacts"):
            judge(name, field, field_right(field, got, want),
                  f"got {json.dumps(got.get(field), ensure_ascii=False)[:300]}, "
                  f"label {json.dumps(want.get(field), ensure_ascii=False)[:300]}")
    for field, (right, total) in sorted(score.items()):
        print(f"  {field:12s} {right}/{total}")
    right = sum(r for r, _ in score.values())
    total = sum(n for _, n in score.values())
    print(f"notice fields right: {right}/{total} on {len(labels)} archives"
          + (f", {len(apart)} disputed labels apart" if apart else ""))
    for a in apart:
        print("  disagreement:", a)
    return checks.summary("notices")


if __name__ == "__main__":
    sys.exit(main())
