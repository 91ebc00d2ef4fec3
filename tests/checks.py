"""The assertion tally the Python test scripts share.

Each script counts its assertions with check() and ends with one line
"NAME: N passed, N failed" (tests/run.sh adds those up into the final
summary line of make check)."""

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
