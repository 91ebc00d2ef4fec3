#!/usr/bin/python3
"""make bench-mem: peak RSS of `wxingest parse` over growing batches.

The batch is synthesized by cycling through the input files and feeding
their paths to `wxingest parse --files-from -` from a generator, so no list
is stored anywhere.  Two series: every page (samples decompressed, plus
../shared/corpus when present) for BENCH_MEM_BIG docs (default 1000,10000),
and the small pages (under 64 KB) for BENCH_MEM_DOCS docs (default
1000,10000,100000; 1000000 takes minutes).  Peak RSS should stay flat and
under 8x the largest single document.

    mem.py WXINGEST WORKDIR
"""
import itertools
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402


def measure(wx, files, ndocs, jobs):
    p = subprocess.Popen([wx, "parse", "-j", str(jobs), "-o", "/dev/null", "--files-from", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def feed():
        chunk = []
        for path in itertools.islice(itertools.cycle(files), ndocs):
            chunk.append(path)
            if len(chunk) == 4096:
                p.stdin.write(("\n".join(chunk) + "\n").encode())
                chunk = []
        if chunk:
            p.stdin.write(("\n".join(chunk) + "\n").encode())
        p.stdin.close()

    t0 = time.perf_counter()
    feeder = threading.Thread(target=feed)
    feeder.start()
    _, status, ru = os.wait4(p.pid, 0)
    feeder.join()
    return time.perf_counter() - t0, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    wx, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    files = bench.stage_files(work)
    small = [f for f in files if os.path.getsize(f) < 65536]
    largest = max(os.path.getsize(f) for f in files) / 2**20
    big_counts = [int(x) for x in os.environ.get("BENCH_MEM_BIG", "1000,10000").split(",") if x]
    small_counts = [int(x) for x in os.environ.get("BENCH_MEM_DOCS", "1000,10000,100000").split(",") if x]
    jobs = int(os.environ.get("BENCH_MEM_JOBS", "1"))
    print("bench-mem: largest document %.1f MiB (8x = %.0f MiB); -j %d" % (largest, 8 * largest, jobs))
    print("| documents | pages | seconds | docs/s | peak RSS MiB | exit |")
    print("|---:|---|---:|---:|---:|---:|")
    for label, pool, counts in (("all", files, big_counts), ("small (<64 KB)", small, small_counts)):
        for n in counts:
            secs, rss, rc = measure(wx, pool, n, jobs)
            print("| %d | %s | %.1f | %.0f | %.1f | %d |" % (n, label, secs, n / secs, rss, rc), flush=True)


if __name__ == "__main__":
    main()
