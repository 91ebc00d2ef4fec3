#!/usr/bin/env python3
"""make bench-ocr: OCR speed and accuracy on the fixtures, and what a cache
hit costs.

  python3 tests/bench/ocr.py BUILD/wxingest BUILD/tests/ocr_cli WORKDIR

1. ocr_cli over every fixture (tests/ocr/fixtures): accuracy, CPU seconds,
   images/s per core.
2. `wxingest parse --ocr --ocr-cache` over a saved page whose NAME_files/
   holds all the fixtures, cold then warm: the warm run reads nothing (its
   summary says read=0) and its time per image is the cache hit cost.
"""
import glob
import os
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ocr_test import FIXTURES, accuracy, expected_of  # noqa: E402


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    wx, cli, work = sys.argv[1:4]
    files = sorted(glob.glob(os.path.join(FIXTURES, "*.jpg")))
    import json
    out = subprocess.run([cli] + files, capture_output=True, text=True, check=True).stdout
    cpu = 0.0
    print("%-40s %8s %8s" % ("fixture", "accuracy", "CPU s"))
    for line in out.splitlines():
        r = json.loads(line)
        cpu += r["cpu_seconds"]
        print("%-40s %8.3f %8.2f" % (os.path.basename(r["path"]), accuracy(expected_of(r["path"]), r["text"]),
                                     r["cpu_seconds"]))
    print("ocr: %d images, %.1f s CPU, %.2f images/s per core" % (len(files), cpu, len(files) / cpu))

    d = os.path.join(work, "ocr-bench")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "p_files"))
    imgs = []
    for i, f in enumerate(files):
        shutil.copy(f, os.path.join(d, "p_files", "%d.jpeg" % i))
        imgs.append('<p><img data-src="https://mmbiz.qpic.cn/sz_mmbiz_jpg/b%d/640?wx_fmt=jpeg" '
                    'data-w="640" src="p_files/%d.jpeg"></p>' % (i, i))
    with open(os.path.join(d, "p.html"), "w", encoding="utf-8") as f:
        f.write('<html><head><meta charset="utf-8"><title>bench</title></head><body>'
                '<div id="js_content">%s</div></body></html>' % "".join(imgs))
    cache = os.path.join(d, "cache")
    for label in ("cold", "warm"):
        c0, t0 = children_cpu(), time.monotonic()
        p = subprocess.run([wx, "parse", "--ocr", "--ocr-cache", cache, "-j", "2", "-o", os.devnull,
                            os.path.join(d, "p.html")], capture_output=True, text=True)
        t, c = time.monotonic() - t0, children_cpu() - c0
        summary = [l for l in p.stderr.splitlines() if "ocr images:" in l]
        print("parse --ocr %s: %.2f s wall, %.2f s CPU, %.1f ms per image; %s" %
              (label, t, c, 1000 * t / len(files), summary[0].split(": ", 1)[1] if summary else p.stderr[-200:]))
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
