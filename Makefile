# wxingest — build, test, install.  See README.md.
#
#   make deps     install the Debian -dev packages the build needs
#   make          build ./wxingest
#   make check    unit tests (cmocka) + end-to-end tests, normal and ASan+UBSan builds
#   make bench    benchmarks (tests/bench/), OCR's images/s and cache hit cost last; make bench-ocr: that part alone
#   make fuzz     run each libFuzzer target FUZZ_SECONDS (default 60) under ASan+UBSan
#   make golden   rewrite tests/golden/ from the current build (review the git diff)
#   make case CASE=NAME   the golden and expected-record checks of one sample or case
#   make tsan     ThreadSanitizer build, parse -j 4 over samples, cases (and ../shared), run -j 4 over a fetched store
#   make WERROR=1 warnings are errors (CI builds this way; a user's newer
#                 compiler should not break their build over a new warning)

VERSION  := 0.1.0
PKGS     := libxml-2.0 libpcre2-8 jansson libutf8proc zlib libcrypto libcurl sqlite3 libpq libbrotlidec libzip lept
# libtesseract is opened with dlopen by parse/ocr.c only under --ocr: its
# headers are needed, it is not linked.
OCR_PKGS := tesseract
DEB_PKGS := build-essential pkg-config libxml2-dev libpcre2-dev libjansson-dev \
            libutf8proc-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev \
            libpq-dev libcmocka-dev python3 python3-jsonschema postgresql \
            clang libclang-rt-dev strace libmimalloc-dev libbrotli-dev libzip-dev \
            libtesseract-dev libleptonica-dev tesseract-ocr-chi-sim tesseract-ocr-eng \
            fonts-noto-cjk imagemagick wget

CC       ?= cc
CFLAGS   ?= -O2 -g
WERROR   ?=
WARN     := -Wall -Wextra $(if $(filter 1 yes,$(WERROR)),-Werror) -std=c11 -D_GNU_SOURCE
# pkg-config is asked once; when a package is missing its own message is
# shown and the build stops here, instead of a "jansson.h: No such file"
# far away.  make deps and make clean do not need the packages.
ifeq ($(filter deps clean uninstall build/node/.installed,$(MAKECMDGOALS)),)
PKG_ERR := $(shell pkg-config --print-errors --exists $(PKGS) $(OCR_PKGS) 2>&1)
ifneq ($(PKG_ERR),)
$(error pkg-config: $(PKG_ERR) -- run `make deps` (as root) to install the build dependencies)
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(OCR_PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS  = $(WARN) $(CFLAGS) $(PKG_CFLAGS) -DWX_VERSION=\"$(VERSION)\"
LIBS        = $(PKG_LIBS) -ldl -lpthread -lm
# The wxingest binary allocates through mimalloc (Debian's libmimalloc-dev,
# no .pc file): libxml2 builds a DOM of many small nodes per page and frees
# it whole, and mimalloc does that with fewer instructions than glibc's
# malloc (README, Performance).  Sanitizer builds keep the libc allocator
# ASan intercepts: they set MALLOC_LIB empty.
MALLOC_LIB ?= -lmimalloc

SRCS     := $(sort $(wildcard ingest/*.c parse/*.c output/*.c))
TESTS    := $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_*.c)))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

# Two builds share the sources: build/ (normal) and build-asan/ (sanitizers).
B        ?= build
OBJS      = $(patsubst %.c,$(B)/%.o,$(SRCS))

.PHONY: all deps check tests-bin golden case tsan notices clean bench bench-readme bench-mem bench-fetch bench-ocr

all: wxingest

wxingest: $(B)/wxingest
	cp $(B)/wxingest $@

$(B)/wxingest: $(B)/main.o $(B)/libwx.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(MALLOC_LIB) $(LIBS)

$(B)/libwx.a: $(OBJS)
	ar rcs $@ $^

# -MMD -MP: each object depends on the headers it includes (build/**/*.d).
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d) $(B)/main.d

$(B)/tests/%: tests/%.c $(B)/libwx.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(B)/libwx.a $(LIBS) $(shell pkg-config --libs cmocka)

# Each fuzz target also links with a plain main (tests/fuzz/replay.c) so
# the suite replays the kept crash inputs on every build.
$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz_util.h $(B)/libwx.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(B)/libwx.a $(LIBS)

# OCR of image files, one JSON line each (tests/ocr_test.py, make bench-ocr)
$(B)/tests/ocr_cli: tests/ocr/ocr_cli.c $(B)/libwx.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libwx.a $(LIBS)

tests-bin: $(B)/wxingest $(addprefix $(B)/tests/,$(TESTS)) $(addprefix $(B)/replay/,$(FUZZ_TARGETS)) $(B)/tests/ocr_cli

deps:
	@sh tests/deps.sh $(DEB_PKGS)
	$(MAKE) $(NODE_TOOLS)

# Independent WARC readers for tests/warc_test.py (wxingest's own WARCs):
# npm's node-warc and Webrecorder's warcio.js (the indexer behind pywb's and
# ReplayWeb.page's tooling), pinned, in build/node.  make check installs
# them when missing; without them the test fails saying so.
NODE_TOOLS := build/node/.installed
$(NODE_TOOLS):
	@mkdir -p build/node
	npm install --prefix build/node --no-audit --no-fund node-warc@3.3.1 warcio@2.4.11 && touch $@

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer

# The whole suite, once on the normal build and once under ASan+UBSan, then
# the threaded paths under ThreadSanitizer.
check:
	-$(MAKE) $(NODE_TOOLS)
	$(MAKE) tests-bin
	$(MAKE) tests-bin B=build-asan MALLOC_LIB= CFLAGS="$(ASAN_FLAGS)"
	$(MAKE) build-tsan/wxingest B=build-tsan MALLOC_LIB= CFLAGS="$(TSAN_FLAGS)"
	sh tests/run.sh build build-asan

# Rewrite the golden records from the normal build; the change to review is
# `git diff tests/golden/`.
golden: $(B)/wxingest
	/usr/bin/python3 tests/golden_test.py $(B)/wxingest --update

# One sample or case (file names starting with CASE): its golden record and
# its hand-written expectation, e.g. make case CASE=article-01
case: $(B)/wxingest
	@test -n "$(CASE)" || { echo "make case CASE=NAME (a file of samples/ or tests/ folders)"; exit 64; }
	WX_CASE="$(CASE)" /usr/bin/python3 tests/golden_test.py $(B)/wxingest
	WX_CASE="$(CASE)" /usr/bin/python3 tests/e2e.py $(B)/wxingest

# parse -j 4 (the ordered thread pool) under ThreadSanitizer over the
# samples, the cases and, when ../shared is beside the clone, the corpus and
# the 5,000 archives; any race report fails.
tsan:
	$(MAKE) build-tsan/wxingest B=build-tsan MALLOC_LIB= CFLAGS="$(TSAN_FLAGS)"
	/usr/bin/python3 tests/tsan_test.py build-tsan/wxingest

# Database sink throughput (not part of check): records/s into BENCH_DB.
BENCH_DB ?= sqlite:/tmp/wxingest-bench.db
$(B)/tests/bench_db: tests/bench/bench_db.c $(B)/libwx.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libwx.a $(LIBS)

# Official notices field by field on tests/notices (also part of check).
notices: $(B)/wxingest
	python3 tests/notices_test.py $(B)/wxingest

# Every sink in one run: JSON Lines, then each of BENCH_DB (space-separated
# URLs), over the full pages of samples/ and the 5,000 markdown archives of
# ../shared/archive-sample when they are there; then whole runs over the
# archives into each database against -o /dev/null (tests/bench/db_runs.py,
# which empties each database first: give it scratch ones).
BENCH_ARCHIVES ?= ../shared/archive-sample/picker-5000.tar.gz
.PHONY: bench-db
bench-db: $(B)/wxingest $(B)/tests/bench_db
	$(B)/wxingest parse -o $(B)/bench-records.jsonl samples/ || [ $$? = 65 ]
	$(B)/tests/bench_db $(B)/bench-records.jsonl 20 $(BENCH_DB)
	@if [ -f $(BENCH_ARCHIVES) ]; then \
	  rm -rf $(B)/bench-archives && mkdir -p $(B)/bench-archives && tar xzf $(BENCH_ARCHIVES) -C $(B)/bench-archives && \
	  $(B)/wxingest parse -o $(B)/bench-archives.jsonl $(B)/bench-archives && \
	  $(B)/tests/bench_db $(B)/bench-archives.jsonl 1 $(BENCH_DB) && \
	  /usr/bin/python3 tests/bench/db_runs.py $(B)/wxingest $(B)/bench-archives 3 $(BENCH_DB); \
	else echo "bench-db: $(BENCH_ARCHIVES) absent: archives not measured"; fi

clean:
	rm -rf build build-asan build-tsan build-fuzz wxingest

# ---- fuzzing (libFuzzer, clang): make fuzz [FUZZ_SECONDS=60] ----
# Builds tests/fuzz/fuzz_*.c against a build-fuzz/ copy of the library (ASan +
# UBSan + coverage) and runs each target for FUZZ_SECONDS, starting from
# tests/fuzz/seeds/TARGET/ plus the corpus kept in build-fuzz/corpus/; prints
# the executions per target and fails when any target crashes, leaks or
# times out.  Crashing inputs land in build-fuzz/crashes/; keep them as
# tests/fuzz/regressions/TARGET-NAME (make check replays them).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := build-fuzz
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: fuzz fuzz-build
fuzz-build:
	$(MAKE) $(FUZZ_B)/libwx.a B=$(FUZZ_B) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link"
	@mkdir -p $(FUZZ_B)/fuzz
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $(FUZZ_B)/fuzz/$$t \
	    tests/fuzz/$$t.c $(FUZZ_B)/libwx.a $(LIBS) || exit 1; \
	done

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_B) $(FUZZ_TARGETS)

# ---- benchmarks: make bench [BENCH_MB=200] (tests/bench/README.md) ----
# The alternatives need python3-readability (Debian) and the npm packages
# of tests/bench/package.json, installed into tests/bench/node_modules on
# first run; anything missing is left out of the table with a note.
$(B)/bench/floor: tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(B)/bench/httpd: tests/bench/httpd.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -o $@ $<

tests/bench/node_modules:
	-cd tests/bench && npm ci --no-audit --no-fund

bench: $(B)/wxingest $(B)/bench/floor tests/bench/node_modules $(B)/tests/ocr_cli
	@/usr/bin/python3 -c 'import readability' 2>/dev/null || \
	  echo "bench: python3-readability missing (apt-get install python3-readability)"
	/usr/bin/python3 tests/bench/run.py $(B)/wxingest $(B)/bench/floor $(B)/bench $(B)/bench.md
	/usr/bin/python3 tests/bench/ocr.py $(B)/wxingest $(B)/tests/ocr_cli $(B)/bench

# The README's performance table from the last make bench ($(B)/bench.md).
bench-readme:
	/usr/bin/python3 tests/bench/readme_table.py $(B)/bench.md README.md

# Peak RSS over growing batches (memory must not grow with the batch).
bench-mem: $(B)/wxingest
	/usr/bin/python3 tests/bench/mem.py $(B)/wxingest $(B)/bench

# OCR: accuracy and images/s on the fixtures, the cost of a cache hit.
bench-ocr: $(B)/wxingest $(B)/tests/ocr_cli
	/usr/bin/python3 tests/bench/ocr.py $(B)/wxingest $(B)/tests/ocr_cli $(B)/bench

# Fetcher throughput against a local C server (tests/bench/httpd.c).
bench-fetch: $(B)/wxingest $(B)/bench/httpd
	/usr/bin/python3 tests/bench/fetch.py $(B)/wxingest $(B)/bench/httpd $(B)/bench

# ---- install: make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage] ----
# Installs $(B)/wxingest as it was built (build it first with the flags you
# want; CFLAGS given here only matter if it is missing or out of date) and
# the man page.  make uninstall removes both.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
INSTALL ?= install

.PHONY: install uninstall
install: $(B)/wxingest wxingest.1
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1"
	$(INSTALL) -m 755 $(B)/wxingest "$(DESTDIR)$(BINDIR)/wxingest"
	$(INSTALL) -m 644 wxingest.1 "$(DESTDIR)$(MANDIR)/man1/wxingest.1"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/wxingest" "$(DESTDIR)$(MANDIR)/man1/wxingest.1"
