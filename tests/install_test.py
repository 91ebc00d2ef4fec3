#!/usr/bin/python3
"""Install tests: `make install` and `make uninstall` into a scratch
DESTDIR, and the man page against the binary it documents.

The installed files must be the binary given (copied, never rebuilt: make
runs with -o on it) and wxingest.1, with modes 755 and 644; `man -l`
must render the page without a warning, `lexgrog` must find its NAME line
(and `mandoc -T lint` must be silent, when mandoc is installed).  So that
the page cannot go stale silently, every command, long and short option
and exit code the binary's --help prints, every long option the option
tables of the sources declare, and the version must appear in the
rendered page.

Usage: install_test.py PATH/TO/wxingest (normally BUILD/wxingest).  Prints
one line per failure and a final "install: N passed, N failed" line; exits
1 when anything failed.
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "wxingest"))
PAGE = os.path.join(ROOT, "wxingest.1")
# UTF-8 rendering shows an unescaped '-' as U+2010, so an option written
# without '\-' in the page does not match its ASCII spelling below.
MAN_ENV = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="200", MAN_KEEP_FORMATTING="")


def make(*args):
    """make in the repository with the build directory of BIN; -o BIN keeps
    make from rebuilding it (whatever the sources' times say)."""
    b = os.path.dirname(BIN)
    argv = ["make", "--no-print-directory", "-C", ROOT, "-o", os.path.join(b, "wxingest"), "B=" + b] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def render(path):
    """The page as man shows it, plain text; (exit code, text, warnings)."""
    p = subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True, env=MAN_ENV, timeout=60)
    return p.returncode, re.sub(r".\x08", "", p.stdout), p.stderr


def help_text():
    p = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=10)
    check(p.returncode == 0 and p.stdout, f"wxingest --help exits 0 with text ({p.returncode})")
    return p.stdout


def source_long_options():
    """Long option names of every getopt_long table in the sources (the
    tests excepted): what the binary accepts, printed in --help or not."""
    names = set()
    for d, dirs, files in os.walk(ROOT):
        rel = os.path.relpath(d, ROOT)
        dirs[:] = [x for x in dirs if not x.startswith((".", "build")) and not (rel == "." and x == "tests")]
        for f in files:
            if f.endswith(".c"):
                with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                    names |= set(re.findall(r'\{\s*"([a-z0-9][a-z0-9-]*)"\s*,\s*(?:no|required|optional)_argument',
                                            fh.read()))
    return names


def documented(text):
    """What the binary says about itself: commands, long and short options,
    exit codes (from the usage lines, option lists and exit paragraph)."""
    commands = set(re.findall(r"^\s*(?:usage:\s*)?wxingest ([a-z]+)", text, re.M))
    longs = set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", text))
    shorts = set(re.findall(r"(?<![\w-])-([A-Za-z0-9])\b", text))
    exit_part = text[text.find("Exit status"):] if "Exit status" in text else ""
    codes = set(re.findall(r"\b(\d{1,3})\b", exit_part))
    return commands, longs, shorts, codes


def missing_from(page_text, commands, longs, shorts, codes):
    """Everything of the binary's own description the rendered page lacks."""
    sections = re.split(r"^(?=[A-Z][A-Z ]+$)", page_text, flags=re.M)
    by_name = {s.split("\n", 1)[0].strip(): s for s in sections}
    # a command is an item of COMMANDS: a tag at the section's indent
    cmd_part, exit_part = by_name.get("COMMANDS", ""), by_name.get("EXIT STATUS", "")
    miss = [c for c in sorted(commands) if not re.search(r"^ {7}%s\b" % re.escape(c), cmd_part, re.M)]
    miss += ["--" + o for o in sorted(longs) if not re.search(r"(?<![\w-])--%s(?![\w-])" % re.escape(o), page_text)]
    miss += ["-" + o for o in sorted(shorts) if not re.search(r"(?<![\w-])-%s(?![\w-])" % re.escape(o), page_text)]
    miss += ["exit " + c for c in sorted(codes, key=int) if not re.search(r"^\s+(?:\d+, )?%s\b" % c, exit_part, re.M)]
    return miss


def test_page(tmp):
    code, text, warn = render(PAGE)
    check(code == 0 and "NAME" in text and "wxingest" in text, f"man -l renders wxingest.1 ({code})")
    check(warn.strip() == "", f"man --warnings: no warning: {warn.strip()[:500]}")
    if shutil.which("lexgrog"):
        p = subprocess.run(["lexgrog", PAGE], capture_output=True, text=True, timeout=30)
        check(p.returncode == 0 and "wxingest - " in p.stdout, f"lexgrog finds the NAME line: {p.stdout.strip()}")
    if shutil.which("mandoc"):
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "all", PAGE], capture_output=True, text=True, timeout=30)
        out = (p.stdout + p.stderr).strip()
        check(p.returncode == 0 and out == "", f"mandoc -T lint -W all is silent: {out[:800]}")
    else:
        print("note: mandoc not installed; its lint skipped")

    helped = help_text()
    commands, longs, shorts, codes = documented(helped)
    check({"parse", "fetch", "run", "schema"} <= commands and len(longs) > 20 and {"0", "64", "75"} <= codes,
          f"--help read: commands {sorted(commands)}, {len(longs)} long options, exit codes {sorted(codes)}")
    src = source_long_options()
    check(len(src) > 20, f"option tables found in the sources: {len(src)} long options")
    miss = missing_from(text, commands, longs | src, shorts, codes)
    check(miss == [], f"the man page mentions everything the binary offers; missing: {miss}")
    undocumented = sorted(src - longs - {"help"})
    check(undocumented == [], f"every long option the sources accept is in --help too; missing: {undocumented}")

    # the check itself: a page without --store, -A, the run command and exit 75 must fail it
    stale = os.path.join(tmp, "stale.1")
    with open(PAGE, encoding="utf-8") as f:
        roff = f.read()
    roff = roff.replace("\\-\\-store", "\\-\\-stash").replace(".BR \\-A ", ".BR \\-B ").replace(".B 75\n", ".B 76\n")
    roff = re.sub(r"^\.B run\n", ".B walk\n", roff, flags=re.M).replace("\n.B wxingest run\n", "\n.B wxingest walk\n")
    with open(stale, "w", encoding="utf-8") as f:
        f.write(roff)
    _, stale_text, _ = render(stale)
    got = set(missing_from(stale_text, commands, longs | src, shorts, codes))
    check(got == {"--store", "-A", "run", "exit 75"}, f"a stale page is caught: {sorted(got)}")

    ver = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    th = re.search(r'^\.TH WXINGEST 1 \S+ "([^"]*)"', roff, re.M)
    check(th and th.group(1) == ver, f"the page's .TH names the binary's version: {th and th.group(1)!r} vs {ver!r}")


def test_install(tmp):
    before = os.stat(BIN).st_mtime_ns
    for prefix in ("/usr/local", "/opt/wx"):
        dest = os.path.join(tmp, "dest" + prefix.replace("/", "_"))
        p = make("install", "PREFIX=" + prefix, "DESTDIR=" + dest)
        check(p.returncode == 0, f"make install PREFIX={prefix}: exit {p.returncode}: {p.stderr[-500:]}")
        exe = dest + prefix + "/bin/wxingest"
        page = dest + prefix + "/share/man/man1/wxingest.1"
        if not check(os.path.isfile(exe) and os.path.isfile(page), f"installed under {dest + prefix}"):
            continue
        check(mode(exe) == 0o755 and mode(page) == 0o644, f"modes {oct(mode(exe))} {oct(mode(page))} (want 0o755 0o644)")
        with open(exe, "rb") as a, open(BIN, "rb") as b:
            check(a.read() == b.read(), "the installed binary is the built one")
        with open(page, "rb") as a, open(PAGE, "rb") as b:
            check(a.read() == b.read(), "the installed page is wxingest.1")
        v = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
        check(v.returncode == 0 and v.stdout.startswith("wxingest "), f"the installed binary runs: {v.stdout.strip()}")
        code, text, warn = render(page)
        check(code == 0 and "SYNOPSIS" in text and warn.strip() == "", f"man -l renders the installed page ({code})")
        p = make("uninstall", "PREFIX=" + prefix, "DESTDIR=" + dest)
        check(p.returncode == 0 and not os.path.exists(exe) and not os.path.exists(page),
              f"make uninstall removes both ({p.returncode}: {p.stderr[-300:]})")
        p = make("uninstall", "PREFIX=" + prefix, "DESTDIR=" + dest)
        check(p.returncode == 0, f"make uninstall with nothing installed succeeds ({p.returncode})")
    check(os.stat(BIN).st_mtime_ns == before, "make install did not rebuild the binary")


def main():
    if not shutil.which("man") or not shutil.which("make"):
        print("install: not run (needs man and make)")
        return 0
    with tempfile.TemporaryDirectory(prefix="wxinstall") as tmp:
        for t in (test_page, test_install):
            try:
                t(tmp)
            except Exception as e:  # a crash in one test must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    return checks.summary("install")


if __name__ == "__main__":
    sys.exit(main())
