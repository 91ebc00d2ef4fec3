#!/usr/bin/python3
"""readability-lxml (Debian's python3-readability) over every file, in one
process: the files are read first, then the clock runs while each is
parsed and its title and text extracted.  Prints "docs bytes seconds".

    alt_readability_lxml.py REPEAT FILE...
"""
import sys
import time

import lxml.html
from readability import Document


def main():
    repeat = int(sys.argv[1])
    pages = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            pages.append(f.read())
    docs = nbytes = chars = 0
    t0 = time.perf_counter()
    for _ in range(repeat):
        for raw in pages:
            try:
                doc = Document(raw)
                title = doc.title()
                text = lxml.html.fromstring(doc.summary()).text_content()
                chars += len(title) + len(text)
            except Exception:                       # a page it cannot handle still counts
                pass
            docs += 1
            nbytes += len(raw)
    print(docs, nbytes, "%.6f" % (time.perf_counter() - t0), chars)


if __name__ == "__main__":
    main()
