"""The assertion tally the Python test scripts share.

Each script counts its assertions with check() and ends with one line
"NAME: N passed, N failed" (tests/run.sh adds those up into the final
summary line of make check)."""
import json

passed = 0
failed = 0


def check(cond, what, examples=()):
    """Count one assertion; print it (and a few examples) when it fails."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
        for e in list(examples)[:5]:
            print("    ", e)
    return cond


def summary(name):
    """Print the script's summary line; the exit status for it."""
    print(f"{name}: {passed} passed, {failed} failed")
    return 1 if failed else 0


def jsonl_records(out, what):
    """Decode wxingest's output strictly: valid UTF-8 as a whole, then one
    JSON value per line; each failure is a failed check."""
    try:
        text = out.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        check(False, f"{what}: output is not valid UTF-8 ({e})")
        return []
    recs = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            recs.append((n, json.loads(line)))
        except ValueError as e:
            check(False, f"{what}: line {n} is not JSON ({e})")
    return recs
