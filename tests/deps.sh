#!/bin/sh
# Install the Debian packages named on the command line unless pkg-config and
# the test tools already find everything.  As non-root, print the command.
set -u
missing=0
for p in libxml-2.0 libpcre2-8 jansson libutf8proc zlib libcrypto libcurl sqlite3 libpq libbrotlidec libzip cmocka tesseract lept; do
    pkg-config --exists "$p" 2>/dev/null || { echo "deps: pkg-config cannot find $p"; missing=1; }
done
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || { echo "deps: python3-jsonschema missing"; missing=1; }
command -v cc >/dev/null 2>&1 || missing=1
# The database tests start a throwaway PostgreSQL server (tests/db_test.py).
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { echo "deps: PostgreSQL server (postgresql) missing"; missing=1; }
command -v strace >/dev/null 2>&1 || { echo "deps: strace missing (tests/test_robust.py)"; missing=1; }
# mimalloc ships no pkg-config file: look for its header (libmimalloc-dev).
[ -f /usr/include/mimalloc.h ] || { echo "deps: mimalloc missing (libmimalloc-dev)"; missing=1; }
# parse --ocr: tesseract's language data; the OCR fixtures: ImageMagick and a CJK font
for l in chi_sim eng; do
    ls /usr/share/tesseract-ocr/*/tessdata/$l.traineddata >/dev/null 2>&1 || { echo "deps: tesseract-ocr-$(echo $l | tr _ -) missing"; missing=1; }
done
command -v convert >/dev/null 2>&1 || { echo "deps: imagemagick missing (tests/ocr/make_fixtures.py, tests/ocr_test.py)"; missing=1; }
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || { echo "deps: fonts-noto-cjk missing (tests/ocr/make_fixtures.py)"; missing=1; }
# tests/warc_test.py writes WARCs with an independent client
command -v wget >/dev/null 2>&1 || { echo "deps: wget missing (tests/warc_test.py)"; missing=1; }
# tests/warc_test.py reads wxingest's WARCs with npm packages (make deps installs them into build/node)
# Not in the package list: Debian's npm conflicts with the NodeSource nodejs these machines carry (it
# provides npm itself), so asking apt for it would break `make deps`; the test says so when node is absent.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || echo "deps: node and npm not found: tests/warc_test.py's independent WARC readers need them (apt-get install nodejs npm on a machine without NodeSource's nodejs)"
# make fuzz: clang with the libFuzzer runtime (libclang-rt-dev)
fuzz_probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$fuzz_probe/p.c"
clang -fsanitize=fuzzer,address -o "$fuzz_probe/p" "$fuzz_probe/p.c" >/dev/null 2>&1 ||
    { echo "deps: clang with libFuzzer (libclang-rt-dev) missing"; missing=1; }
rm -rf "$fuzz_probe"
[ "$missing" = 0 ] && { echo "deps: all present"; exit 0; }
cmd="apt-get install -y --no-install-recommends $*"
if [ "$(id -u)" != 0 ]; then
    echo "deps: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && $cmd
