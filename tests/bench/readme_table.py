#!/usr/bin/python3
"""make bench-readme: put the Markdown `make bench` wrote (build/bench.md)
into README.md, between the lines

    <!-- bench: begin (make bench && make bench-readme) -->
    <!-- bench: end -->

so the performance table is always one run's output, never typed in.
Exits 1 (README untouched) when the markers are missing or the file is
not a bench result.

    readme_table.py BENCH_MD README
"""
import sys

BEGIN = "<!-- bench: begin (make bench && make bench-readme) -->"
END = "<!-- bench: end -->"


def main():
    md_path, readme_path = sys.argv[1:3]
    with open(md_path, encoding="utf-8") as f:
        table = f.read().strip("\n")
    if "| program |" not in table:
        sys.exit("readme_table: %s holds no bench table" % md_path)
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        sys.exit("readme_table: %s lacks the lines %s ... %s" % (readme_path, BEGIN, END))
    new = text[:start + len(BEGIN)] + "\n" + table + "\n" + text[end:]
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(new)
    print("readme_table: %s -> %s" % (md_path, readme_path))


if __name__ == "__main__":
    main()
