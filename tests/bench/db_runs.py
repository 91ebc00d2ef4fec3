#!/usr/bin/python3
"""Whole runs into databases against the same run into /dev/null, side by
side in one run (issue 14: "the whole --db run within 1.3x of -o /dev/null").

    db_runs.py WXINGEST INPUTS ROUNDS URL... [--also OTHER_WXINGEST]

Each round runs, in this order, for each binary (the one measured, then
--also's, e.g. an older build): `parse -j 1 -o /dev/null INPUTS`; then for
each database URL, into an emptied database, `parse -j 1 --db URL INPUTS`
(search index kept as rows go in, the default) and the bulk load:
`parse -j 1 --no-search-index --db URL INPUTS` followed by `index URL`.
A sqlite: file is removed before each run; a postgres:// database has its
public schema dropped and created again (psql), so it must be a scratch
database.  Printed: each row's median wall and CPU seconds (wxingest's
user + sys, from wait4; a PostgreSQL server's own CPU is not counted) and
its multiple of the /dev/null run's median wall, then every round.
"""
import os
import statistics
import subprocess
import sys
import time


def run(argv):
    """Wall and CPU seconds of one run; a failure (other than exit 65, some
    input not a page) stops the benchmark."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 65):
        sys.exit(f"db_runs: {' '.join(argv)} exited {code}: {err[-500:]}")
    return wall, ru.ru_utime + ru.ru_stime


def empty(url):
    if url.startswith("sqlite:"):
        path = url[7:].removeprefix("//")
        for side in ("", "-wal", "-shm"):
            if os.path.exists(path + side):
                os.unlink(path + side)
    else:
        subprocess.run(["psql", "-q", "-X", url, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"],
                       check=True, capture_output=True)


def kind(url):
    return "SQLite" if url.startswith("sqlite:") else "PostgreSQL"


def one_round(binaries, inputs, urls, rows):
    for label, wx in binaries:
        rows.setdefault(f"{label}: -o /dev/null", []).append(run([wx, "parse", "-j", "1", "-o", "/dev/null", inputs]))
        for url in urls:
            empty(url)
            rows.setdefault(f"{label}: --db {kind(url)}", []).append(
                run([wx, "parse", "-j", "1", "--db", url, inputs]))
            if label != "this":
                continue            # an older build may lack the bulk load
            empty(url)
            bulk = run([wx, "parse", "-j", "1", "--no-search-index", "--db", url, inputs])
            index = run([wx, "index", url])
            rows.setdefault(f"{label}: --db {kind(url)} --no-search-index", []).append(bulk)
            rows.setdefault(f"{label}: then wxingest index {kind(url)}", []).append(index)
            rows.setdefault(f"{label}: {kind(url)} bulk load + index, together", []).append(
                (bulk[0] + index[0], bulk[1] + index[1]))


def main():
    args = sys.argv[1:]
    also = None
    if "--also" in args:
        i = args.index("--also")
        also = args[i + 1]
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    wx, inputs, rounds, urls = args[0], args[1], int(args[2]), args[3:]
    binaries = [("this", wx)] + ([("also", also)] if also else [])
    rows = {}
    for _ in range(rounds):
        one_round(binaries, inputs, urls, rows)
    load = os.getloadavg()[0]
    print(f"db_runs: {inputs}, {rounds} rounds interleaved, {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    print()
    print("| run | wall s (median) | CPU s (median) | wall vs /dev/null |")
    print("|---|---:|---:|---:|")
    for name, runs in rows.items():
        base = statistics.median(w for w, _ in rows[name.split(":")[0] + ": -o /dev/null"])
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / base:.2f}x |")
    print()
    for name, runs in rows.items():
        print(f"- {name}: " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in runs) + " (wall/CPU s per round)")


if __name__ == "__main__":
    main()
