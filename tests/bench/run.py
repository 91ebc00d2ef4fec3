#!/usr/bin/python3
"""make bench: one table, every row measured in this run on the same files.

The files are the samples (decompressed) and every page of ../shared/corpus
when it exists.  The floor (libxml2 building the HTML DOM of each file,
tests/bench/floor.c) and wxingest run over them repeated to BENCH_MB
megabytes (default 200), BENCH_ROUNDS times interleaved (default 5; each
row is its program's median round); the alternatives (readability-lxml, Mozilla
Readability on linkedom and on jsdom) go over them BENCH_ALT_PASSES times
(default 1: jsdom is slow), each in one process with the files read before
its clock starts.  For each: documents/s, MB/s, peak RSS and the time per
byte relative to the floor.  Then instructions per document from callgrind
(machine-independent) for the floor and wxingest over the samples.

    run.py WXINGEST FLOOR WORKDIR
"""
import glob
import gzip
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")


def stage_files(work):
    """Plain copies of every input, so every program reads the same bytes."""
    files = os.path.join(work, "files")
    shutil.rmtree(files, ignore_errors=True)
    os.makedirs(files)
    out = []
    for src in sorted(glob.glob(os.path.join(ROOT, "samples", "*.gz"))):
        dst = os.path.join(files, "s-" + os.path.basename(src)[:-3])
        with gzip.open(src) as f, open(dst, "wb") as g:
            shutil.copyfileobj(f, g)
        out.append(dst)
    if os.path.isdir(CORPUS):
        for src in sorted(glob.glob(os.path.join(CORPUS, "*"))):
            if src.endswith(".tsv") or not os.path.isfile(src):
                continue
            dst = os.path.join(files, "c-" + os.path.basename(src))
            shutil.copyfile(src, dst)
            out.append(dst)
    return out


def run(cmd, stdin=None):
    """Run cmd; return (wall seconds, peak RSS in KiB, stdout, CPU seconds)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if stdin is not None:
        p.stdin.write(stdin)
        p.stdin.close()
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 65):
        raise RuntimeError("%s exited %d" % (cmd[0], os.waitstatus_to_exitcode(status)))
    return wall, ru.ru_maxrss, out.decode(), ru.ru_utime + ru.ru_stime


def timed_in_process(cmd):
    """A program that prints "docs bytes seconds": its own clock."""
    wall, rss, out, cpu = run(cmd)
    docs, nbytes, secs = out.split()[:3]
    return int(docs), int(nbytes), float(secs), rss, cpu


def callgrind(cmd, out_file, function=None):
    """Instructions executed by cmd, and (when function is named) those
    spent inside that function, from callgrind_annotate --inclusive."""
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    total = inside = None
    for line in p.stderr.splitlines():
        if "refs:" in line:
            total = int(line.split("refs:")[1].replace(",", ""))
    if function and total:
        a = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in a.stdout.splitlines():
            if line.rstrip().endswith(":" + function) or (":%s " % function) in line:
                inside = int(line.split()[0].replace(",", ""))
                break
    return total, inside


def main():
    wx, floor, work = sys.argv[1:4]
    target_mb = float(os.environ.get("BENCH_MB", "200"))
    alt_passes = int(os.environ.get("BENCH_ALT_PASSES", "1"))
    os.makedirs(work, exist_ok=True)
    files = stage_files(work)
    size = sum(os.path.getsize(f) for f in files)
    repeat = max(1, int(-(-target_mb * 1e6 // size)))
    listing = ("\n".join(files) + "\n").encode()
    print("bench: %d files, %.1f MB; floor and wxingest over them %d times (%.0f MB), "
          "alternatives %d time(s)" % (len(files), size / 1e6, repeat, size * repeat / 1e6, alt_passes),
          flush=True)

    # The floor and wxingest run BENCH_ROUNDS times, interleaved (floor,
    # -j 1, -j 2, floor, …), and each row is the round with its program's
    # median wall time: on a shared machine one run can be off by 30%.
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "5")))
    runs = {"floor": [], 1: [], 2: []}
    for _ in range(rounds):
        runs["floor"].append(timed_in_process([floor, "-n", str(repeat)] + files))
        for jobs in (1, 2):
            wall, rss, _, cpu = run([wx, "parse", "-j", str(jobs), "-o", "/dev/null", "--files-from", "-"],
                                    stdin=listing * repeat)
            runs[jobs].append((len(files) * repeat, size * repeat, wall, rss, cpu))

    def median(results):
        return sorted(results, key=lambda r: r[2])[len(results) // 2]

    rows = []   # (name, docs, bytes, seconds, rss KiB, CPU seconds of the whole process)
    rows.append(("floor: libxml2 htmlReadMemory + xmlFreeDoc",) + median(runs["floor"]))
    for jobs in (1, 2):
        rows.append(("wxingest parse -j %d (whole process)" % jobs,) + median(runs[jobs]))
    per_round = ["%.2f×/%.2f×" % (w[2] / f[2], w[4] / f[4]) for f, w in zip(runs["floor"], runs[1])]
    print("rounds: %d; wxingest -j 1 vs the floor per round (time/CPU): %s" % (rounds, ", ".join(per_round)),
          flush=True)
    alts = [("readability-lxml (python3-readability)", ["/usr/bin/python3", os.path.join(HERE, "alt_readability_lxml.py")]),
            ("Readability.js on linkedom", ["node", os.path.join(HERE, "alt_readability.mjs"), "linkedom"]),
            ("Readability.js on jsdom", ["node", os.path.join(HERE, "alt_readability.mjs"), "jsdom"])]
    for name, cmd in alts if alt_passes > 0 else []:
        try:
            rows.append((name,) + timed_in_process(cmd + [str(alt_passes)] + files))
        except (OSError, RuntimeError, ValueError) as e:
            print("bench: %s not measured: %s" % (name, e), flush=True)

    floor_rate = rows[0][2] / rows[0][3]     # bytes/s
    floor_cpu = rows[0][5] / rows[0][2]      # CPU seconds per byte, whole process
    print()
    print("Time per byte relative to the floor (lower is better), from the wall clock")
    print("(each program's own clock for the floor and the alternatives, the whole")
    print("process for wxingest) and from CPU time (user + system, whole process,")
    print("files read included; for the alternatives that includes interpreter start-up).")
    print()
    print("| program | docs/s | MB/s | peak RSS MiB | time vs floor | CPU vs floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, d, b, s, r, c in rows:
        print("| %s | %.0f | %.1f | %.0f | %.2f× | %.2f× |"
              % (name, d / s, b / s / 1e6, r / 1024, floor_rate / (b / s), (c / b) / floor_cpu))
    wx1 = rows[1]
    wx2 = rows[2]
    print()
    print("wxingest -j 2 vs -j 1: %.2f× (wall clock; CPU time %.1f s vs %.1f s; load average %.1f)"
          % (wx1[3] / wx2[3], wx2[5], wx1[5], os.getloadavg()[0]))
    for name, d, b, s, r, c in rows[3:]:
        print("wxingest -j 1 vs %s: %.0f× the documents/s" % (name, (wx1[1] / wx1[3]) / (d / s)))

    if shutil.which("valgrind") and os.environ.get("BENCH_CALLGRIND", "1") != "0":
        subset = [f for f in files if os.path.basename(f).startswith("s-")]
        ir_floor, _ = callgrind([floor] + subset, os.path.join(work, "callgrind.floor"))
        ir_wx, ir_sha = callgrind([wx, "parse", "-o", "/dev/null"] + subset, os.path.join(work, "callgrind.wx"),
                                  "wx_sha256_hex")
        if ir_floor and ir_wx:
            n = len(subset)
            print()
            print("callgrind over the %d samples (%.1f MB):" % (n, sum(os.path.getsize(f) for f in subset) / 1e6))
            print("  floor     %6.1f M instructions/doc" % (ir_floor / n / 1e6))
            print("  wxingest  %6.1f M instructions/doc (%.2f× the floor)" % (ir_wx / n / 1e6, ir_wx / ir_floor))
            if ir_sha:
                print("  of which SHA-256 of the input %.1f M/doc: valgrind hides the CPU's SHA instructions,"
                      % (ir_sha / n / 1e6))
                print("  so OpenSSL runs its generic code; without it wxingest is %.2f× the floor"
                      % ((ir_wx - ir_sha) / ir_floor))


if __name__ == "__main__":
    main()
