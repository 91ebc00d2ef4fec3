#!/usr/bin/python3
"""make bench-fetch: small pages stored per second by `wxingest fetch`
(--jobs 64 --rate 0, atomic writes: temporary file, fsync, rename, fsync of
the directory, fsync'd index line) against a local server.

Two servers: tests/bench/httpd.c (epoll, C; a distinct small page per URL,
so one object per URL) with the store in WORKDIR and on tmpfs (no disk
flush cost: what the rest of the fetcher can do), and, for comparison,
tests/httpd.py (the Python test server; one sample page for every URL, so
one object), which is itself a bottleneck.  BENCH_FETCH_N URLs each (default 5000; 2000 for the
Python server, which stops itself after 5000 requests).

    fetch.py WXINGEST HTTPD WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)


def fetch(wx, work, urls, label, store_dir=None):
    store = os.path.join(store_dir or work, "fetch-store")
    shutil.rmtree(store, ignore_errors=True)
    listing = os.path.join(work, "fetch-urls.txt")
    with open(listing, "w") as f:
        f.write("\n".join(urls) + "\n")
    t0 = time.perf_counter()
    p = subprocess.run([wx, "fetch", "--store", store, "--jobs", "64", "--rate", "0", "--retries", "0",
                        "-i", listing], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t0
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    stored = sum(1 for x in lines if x["status"] == "stored")
    objects = sum(len(fs) for _, _, fs in os.walk(os.path.join(store, "objects")))
    print("| %s | %d | %d | %d | %.2f | %.0f |" % (label, len(urls), stored, objects, secs, stored / secs),
          flush=True)
    shutil.rmtree(store, ignore_errors=True)
    if p.returncode != 0:
        print("  (exit %d: %s)" % (p.returncode, p.stderr.strip().splitlines()[-1:]))


def main():
    wx, httpd, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    n = int(os.environ.get("BENCH_FETCH_N", "5000"))
    print("| server | URLs | stored | objects | seconds | pages/s |")
    print("|---|---:|---:|---:|---:|---:|")
    srv = subprocess.Popen([httpd, "300"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        fetch(wx, work, ["http://127.0.0.1:%d/p/%d" % (port, i) for i in range(n)],
              "tests/bench/httpd.c, store in %s" % work)
        if os.path.isdir("/dev/shm"):   # the same without disk flushes: what the CPU side can do
            fetch(wx, work, ["http://127.0.0.1:%d/q/%d" % (port, i) for i in range(n)],
                  "tests/bench/httpd.c, store on tmpfs (/dev/shm)", "/dev/shm/wxingest-bench-%d" % os.getpid())
            shutil.rmtree("/dev/shm/wxingest-bench-%d" % os.getpid(), ignore_errors=True)
    finally:
        srv.kill()
        srv.wait()
    sys.path.insert(0, TESTS)
    import httpd as pyhttpd
    s = pyhttpd.Server().start(lifetime=300)
    try:
        m = min(n, 2000)
        fetch(wx, work, ["%s/s/article-2018-post?n=%d" % (s.base, i) for i in range(m)],
              "tests/httpd.py (one page body)")
    finally:
        s.stop()


if __name__ == "__main__":
    main()
