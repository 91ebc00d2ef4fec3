#!/usr/bin/python3
"""make bench: one table, every row measured in this run on the same files.

The files are the samples (decompressed) and every page of ../shared/corpus
when it exists.  The floor (libxml2 building the HTML DOM of each file,
tests/bench/floor.c) and wxingest run over them repeated to BENCH_MB
megabytes (default 200); readability-lxml and Mozilla Readability on
linkedom go over them BENCH_ALT_PASSES times (default 1), each in one
process with the files read before its clock starts.  All of them run in
the same BENCH_ROUNDS rounds (default 5), interleaved, and each row is its
program's median round; the per-round ratios are printed too.  Readability
on jsdom (about 1 MB/s) runs once after the rounds.  For each: documents/s,
MB/s, peak RSS and the time per byte relative to the floor.  Then
instructions per document from callgrind (machine-independent) for the
floor and wxingest over the samples.  The result, as Markdown, goes to
stdout and to BENCH_MD (default WORKDIR/bench.md), which
readme_table.py puts into README.md.

    run.py WXINGEST FLOOR WORKDIR [BENCH_MD]
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


def median(results):
    """The round with the median wall time (results: docs, bytes, seconds, RSS, CPU)."""
    return sorted(results, key=lambda r: r[2])[len(results) // 2]


def git_head():
    """The commit measured, and whether tracked files differed from it."""
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def main():
    wx, floor, work = sys.argv[1:4]
    md_path = sys.argv[4] if len(sys.argv) > 4 else os.path.join(work, "bench.md")
    target_mb = float(os.environ.get("BENCH_MB", "200"))
    alt_passes = int(os.environ.get("BENCH_ALT_PASSES", "1"))
    os.makedirs(work, exist_ok=True)
    files = stage_files(work)
    size = sum(os.path.getsize(f) for f in files)
    repeat = max(1, int(-(-target_mb * 1e6 // size)))
    listing = ("\n".join(files) + "\n").encode()
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "5")))
    print("bench: %d files, %.1f MB; %d rounds: floor and wxingest over them %d times (%.0f MB), "
          "alternatives %d time(s)" % (len(files), size / 1e6, rounds, repeat, size * repeat / 1e6, alt_passes),
          flush=True)

    # Every program runs once per round, interleaved (floor, -j 1, -j 2,
    # readability-lxml, linkedom, floor, ...), and each row is its
    # program's median round: on a shared machine one run can be off by
    # 30%, and a program measured in another minute than the floor is
    # compared with another machine.  jsdom (about 1 MB/s) runs once after
    # the rounds.
    alts = [("readability-lxml (python3-readability)", ["/usr/bin/python3", os.path.join(HERE, "alt_readability_lxml.py")]),
            ("Readability.js on linkedom", ["node", os.path.join(HERE, "alt_readability.mjs"), "linkedom"])]
    once = [("Readability.js on jsdom", ["node", os.path.join(HERE, "alt_readability.mjs"), "jsdom"])]
    if alt_passes <= 0:
        alts, once = [], []
    names = ["floor", "wx1", "wx2"] + [n for n, _ in alts]
    runs = {n: [] for n in names}
    notes = []
    round_lines = []
    for r in range(rounds):
        runs["floor"].append(timed_in_process([floor, "-n", str(repeat)] + files))
        for jobs in (1, 2):
            wall, rss, _, cpu = run([wx, "parse", "-j", str(jobs), "-o", "/dev/null", "--files-from", "-"],
                                    stdin=listing * repeat)
            runs["wx%d" % jobs].append((len(files) * repeat, size * repeat, wall, rss, cpu))
        for name, cmd in list(alts):
            try:
                runs[name].append(timed_in_process(cmd + [str(alt_passes)] + files))
            except (OSError, RuntimeError, ValueError) as e:
                notes.append("%s not measured: %s" % (name, e))
                print("bench: " + notes[-1], flush=True)
                alts.remove((name, cmd))
                names.remove(name)
                del runs[name]
        f, w1, w2 = runs["floor"][-1], runs["wx1"][-1], runs["wx2"][-1]
        line = ("round %d: -j 1 vs floor %.2f×/%.2f× (time/CPU per byte), -j 2 vs -j 1 %.2f×"
                % (r + 1, (w1[2] / w1[1]) / (f[2] / f[1]), (w1[4] / w1[1]) / (f[4] / f[1]), w1[2] / w2[2]))
        for name, _ in alts:
            a = runs[name][-1]
            line += ", %s %.1f×/%.1f×" % (name.split(" (")[0], (a[2] / a[1]) / (w1[2] / w1[1]),
                                          (a[4] / a[1]) / (w1[4] / w1[1]))
        round_lines.append(line)
        print(line, flush=True)

    labels = {"floor": "floor: libxml2 htmlReadMemory + xmlFreeDoc",
              "wx1": "wxingest parse -j 1 (whole process)", "wx2": "wxingest parse -j 2 (whole process)"}
    rows = [(labels.get(n, n),) + median(runs[n]) for n in names]   # name, docs, bytes, s, RSS KiB, CPU s
    for name, cmd in once:
        try:
            rows.append((name + " (one pass, after the rounds)",) + timed_in_process(cmd + [str(alt_passes)] + files))
        except (OSError, RuntimeError, ValueError) as e:
            notes.append("%s not measured: %s" % (name, e))
            print("bench: " + notes[-1], flush=True)

    floor_rate = rows[0][2] / rows[0][3]     # bytes/s
    floor_cpu = rows[0][5] / rows[0][2]      # CPU seconds per byte, whole process
    wx1, wx2 = rows[1], rows[2]
    md = []
    md.append("`make bench`, %s UTC, commit %s, %d CPUs, load average %.1f at the end: %d files, %.1f MB "
              "(the floor and wxingest over them %d times, %.0f MB; the alternatives %d pass(es) a round); "
              "%d rounds interleaved, each row its program's median round."
              % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), git_head(), os.cpu_count() or 0,
                 os.getloadavg()[0], len(files), size / 1e6, repeat, size * repeat / 1e6, alt_passes, rounds))
    md.append("")
    md.append("| program | docs/s | MB/s | peak RSS MiB | time vs floor | CPU vs floor |")
    md.append("|---|---:|---:|---:|---:|---:|")
    for name, d, b, s, r, c in rows:
        md.append("| %s | %.0f | %.1f | %.0f | %.2f× | %.2f× |"
                  % (name, d / s, b / s / 1e6, r / 1024, floor_rate / (b / s), (c / b) / floor_cpu))
    md.append("")
    md.append("Medians: `-j 2` at %.2f× the documents/s of `-j 1` (CPU %.1f s vs %.1f s)."
              % (wx1[3] / wx2[3], wx2[5], wx1[5]))
    for name, d, b, s, r, c in rows[3:]:
        md.append("wxingest `-j 1` at %.1f× the documents/s of %s (CPU per byte: %.1f×)."
                  % ((wx1[1] / wx1[3]) / (d / s), name, (c / b) / (wx1[5] / wx1[2])))
    md.append("")
    md.append("Per round (time/CPU per byte; an alternative's figures are its multiple of `-j 1`'s):")
    md.append("")
    md.extend("- " + l for l in round_lines)
    md.extend("- " + n for n in notes)

    if shutil.which("valgrind") and os.environ.get("BENCH_CALLGRIND", "1") != "0":
        subset = [f for f in files if os.path.basename(f).startswith("s-")]
        ir_floor, _ = callgrind([floor] + subset, os.path.join(work, "callgrind.floor"))
        ir_wx, ir_sha = callgrind([wx, "parse", "-o", "/dev/null"] + subset, os.path.join(work, "callgrind.wx"),
                                  "wx_sha256_hex")
        if ir_floor and ir_wx:
            n = len(subset)
            md.append("")
            md.append("Callgrind over the %d samples (%.1f MB): the floor %.1f M instructions/doc, wxingest %.1f M "
                      "(%.2f× the floor)." % (n, sum(os.path.getsize(f) for f in subset) / 1e6, ir_floor / n / 1e6,
                                             ir_wx / n / 1e6, ir_wx / ir_floor))
            if ir_sha:
                md.append("Of that, the SHA-256 of the input is %.1f M/doc: valgrind hides the CPU's SHA "
                          "instructions, so OpenSSL runs its generic code; without it wxingest is %.2f× the floor."
                          % (ir_sha / n / 1e6, (ir_wx - ir_sha) / ir_floor))
    text = "\n".join(md) + "\n"
    print()
    print(text, end="")
    with open(md_path, "w") as f:
        f.write(text)
    print("bench: written to %s (make bench-readme puts it into README.md)" % md_path)


if __name__ == "__main__":
    main()
