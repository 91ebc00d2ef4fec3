#!/usr/bin/python3
"""Dates of 30 real articles against hand labels (tests/dates/).

wxingest parses tests/dates/d01.md … d30.md once; each record's dates[] is
checked against tests/dates/expected.json with the rule of
../shared/dates/score.py (see tests/dates/README.md):
  - each label, in order, is matched to an unused extracted date with the
    same (date, end), or (alt_date, alt_end) where the label gives them;
    a deadline or signed label also needs that role: one check per label;
  - every extracted date (role 'published' aside, as in score.py) must have
    matched a label: one check per file;
  - no trap's text may contain the text of an extracted date: one check per
    trap.
Labels listed in tests/dates/disagreements.json are set apart before
matching (or matched with the value given as 'got') and reported on their
own line, as neither passes nor failures.

Usage: dates_test.py PATH/TO/wxingest.  Ends with "dates: N passed, N failed".
"""
import json
import os
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dates')


def records(wx, files):
    """The records of files by base name (one wxingest run)."""
    out = subprocess.run([wx, 'parse'] + files, capture_output=True, timeout=300)
    recs = {}
    for line in out.stdout.decode('utf-8').splitlines():
        r = json.loads(line)
        recs[os.path.basename(r['source']['path'])] = r
    return recs


def set_apart(labels, file, disagreements):
    """Labels of file less those listed as disagreements (the first
    unclaimed label with the listed text each), and the disagreement notes;
    a listed 'got' value replaces the label's date instead."""
    labels = [dict(l) for l in labels]
    notes = []
    for d in disagreements:
        for item in d['labels']:
            if item['file'] != file:
                continue
            for k, lab in enumerate(labels):
                if lab['text'] == item['text'] and not lab.get('_apart'):
                    if 'got' in item:
                        lab['date'] = item['got']
                        lab.pop('alt_date', None)
                        lab['_apart'] = True
                    else:
                        labels.pop(k)
                    notes.append(f"{file} {item['text']!r} ({d['kind']})")
                    break
            else:
                notes.append(f"{file} {item['text']!r} listed but not labelled")
    return labels, notes


def check_file(truth, rec, disagreements, fails):
    """Check one file; returns (passes, failures, notes)."""
    got = [g for g in (rec or {}).get('dates') or [] if g.get('role') != 'published']
    used = [False] * len(got)
    labels, notes = set_apart(truth['dates'], truth['file'], disagreements)
    passed = failed = 0
    for lab in labels:
        if lab.get('role') == 'published':
            continue
        vals = {(lab['date'], lab.get('end'))}
        if lab.get('alt_date') or lab.get('alt_end'):
            vals.add((lab.get('alt_date') or lab['date'], lab.get('alt_end') or lab.get('end')))
        hit = next((i for i, g in enumerate(got)
                    if not used[i] and (g.get('date'), g.get('end')) in vals), None)
        role_ok = hit is not None and (lab['role'] not in ('deadline', 'signed')
                                       or got[hit].get('role') == lab['role'])
        if hit is not None:
            used[hit] = True
        if lab.get('_apart'):
            if hit is None:
                fails.append(f"{truth['file']}: disagreement {lab['text']!r} not given as {lab['date']}")
                failed += 1
            continue
        if role_ok:
            passed += 1
        else:
            failed += 1
            why = 'missed' if hit is None else f"role {got[hit].get('role')}"
            fails.append(f"{truth['file']}: {lab['text']!r} {lab['date']} {lab.get('end')} {lab['role']}: {why}")
    extra = [g for i, g in enumerate(got) if not used[i]]
    if extra:
        failed += 1
        fails.append(f"{truth['file']}: not labelled: " +
                     ', '.join(f"{g['text']!r} {g['date']}" for g in extra))
    else:
        passed += 1
    texts = [g.get('text') or '' for g in got]
    for trap in truth.get('traps') or []:
        hit = [s for s in texts if s and s in trap['text']]
        if hit:
            failed += 1
            fails.append(f"{truth['file']}: trap {trap['text']!r} ({trap['kind']}) reported as {hit[0]!r}")
        else:
            passed += 1
    return passed, failed, notes


def main():
    wx = sys.argv[1]
    truth = json.load(open(os.path.join(HERE, 'expected.json'), encoding='utf-8'))
    disagreements = json.load(open(os.path.join(HERE, 'disagreements.json'), encoding='utf-8'))
    if len(disagreements) > 3 or not all(d.get('reason') for d in disagreements):
        print('dates: disagreements.json must list at most 3, each with a reason')
        print('dates: 0 passed, 1 failed')
        return 1
    recs = records(wx, [os.path.join(HERE, t['file']) for t in truth])
    passed = failed = 0
    fails, notes = [], []
    for t in truth:
        p, f, n = check_file(t, recs.get(t['file']), disagreements, fails)
        passed += p
        failed += f
        notes += n
    for line in fails:
        print('FAIL', line)
    print(f"dates: {len(notes)} labels set apart as known disagreements: " + '; '.join(notes))
    print(f'dates: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
