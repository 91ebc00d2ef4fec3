#!/usr/bin/python3
"""Database sinks and unattended runs: `wxingest parse` with --db (SQLite and
a real PostgreSQL server), --lock, --incremental, -o / --append, signals,
kill -9 and rerun, --quiet, --log-format json, --shard, --files-from, -0.

PostgreSQL: a throwaway cluster is created here (initdb into a temporary
directory, started on a free 127.0.0.1 port with its socket in that
directory, stopped at the end).  As root the server runs as user `nobody`.
When the PostgreSQL server binaries are missing the PostgreSQL tests FAIL,
unless WX_NO_POSTGRES=1 is set explicitly (then they are reported as
skipped, never silently).

Usage: db_test.py PATH/TO/wxingest     Prints one line per failure and a
final "db: N passed, N failed" line; exits 1 when anything failed.
"""
import glob
import gzip
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))
SAMPLES = os.path.join(ROOT, "samples")
NOTICE = os.path.join(ROOT, "tests", "cases", "notice-hand.html")
BAD = os.path.join(ROOT, "tests", "cases", "mojibake.html.gz")    # a corrupt page: status error
# full-text search: a saved notice whose list of standards is only in its image (tests/db/README.md)
OCR_PAGE = os.path.join(ROOT, "tests", "db", "ocr-notice.html")
OCR_FIXTURES = os.path.join(ROOT, "tests", "ocr", "fixtures")
# databases written by earlier releases: schema 2 (f40ae23) and 3 (da0c953, records with images' sha256/bytes)
OLD_VERSIONS = (2, 3)


def old_fixture(version, kind):
    return os.path.join(ROOT, "tests", "db", f"v{version}.{kind}.sql")

# standards named only in table-plain.jpg, and only in table-wrapped.jpg (tests/ocr/fixtures/*.txt)
PLAIN_WORDS = ["汽车数据处理安全要求", "数据接口安全风险监测方法", "个人信息保护合规审计要求", "数据分类分级规则"]
WRAPPED_WORDS = ["终端计算机通用安全技术规范", "软件物料清单数据格式", "网络安全专用产品安全技术要求", "智能手机预装应用程序"]
# the README's search queries ("Searching"), with the word as a parameter
SQLITE_SEARCH = ("SELECT a.id, a.title FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
                 " WHERE articles_fts MATCH ? ORDER BY f.rank")
PG_SEARCH = ("SELECT id, title FROM articles WHERE title LIKE '%{w}%' OR text LIKE '%{w}%'"
             " UNION SELECT a.id, a.title FROM images i JOIN articles a ON a.id = i.article_id"
             " WHERE i.text LIKE '%{w}%'")

TMP = tempfile.mkdtemp(prefix="wxdb-")




sanitizer_reports = 0


def sanitizer_clean(err):
    """Under the ASan+UBSan build every run must also be clean; counted once
    per report, checked at the end."""
    global sanitizer_reports
    if "Sanitizer" in err or "runtime error:" in err:
        sanitizer_reports += 1
        print("sanitizer report:\n" + err[-2000:])


def wx(*args, stdin=None, timeout=300):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=timeout, cwd=TMP)
    err = p.stderr.decode("utf-8", "replace")
    sanitizer_clean(err)
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def t(name):
    return os.path.join(TMP, name)


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


SQLITE_TABLES = {
    "articles": "SELECT * FROM articles ORDER BY id",
    "images": "SELECT * FROM images ORDER BY article_id, pos",
    "links": "SELECT * FROM links ORDER BY article_id, pos",
    "dates": "SELECT * FROM dates ORDER BY article_id, pos",
    "notices": "SELECT * FROM notices ORDER BY article_id, pos",
    "inputs": "SELECT key, sha256, article_id FROM inputs ORDER BY key",
}


def sqlite_rows(path):
    con = sqlite3.connect(path)
    try:
        return {k: con.execute(q).fetchall() for k, q in SQLITE_TABLES.items()}
    finally:
        con.close()


def make_corpus(copies):
    """copies x the samples (plus the notice case), each copy's bytes made
    distinct by a trailing comment, so every input is a real page of its own
    and the same article arrives several times with different bytes."""
    d = t(f"corpus{copies}")
    if os.path.isdir(d):
        return d
    os.makedirs(d)
    pages = sorted(glob.glob(os.path.join(SAMPLES, "*.gz"))) + [NOTICE, BAD]
    for k in range(copies):
        sub = os.path.join(d, f"c{k}")
        os.makedirs(sub)
        for p in pages:
            if k and ".mht" in p:
                continue        # the comment would land outside the page: same bytes again
            data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            name = os.path.basename(p).removesuffix(".gz")
            with open(os.path.join(sub, name), "wb") as f:
                f.write(data + f"\n<!-- copy {k} -->\n".encode())
    return d


def count_files(d):
    return len(glob.glob(os.path.join(d, "*", "*")))


# ---------------------------------------------------------------- SQLite

def test_schema_command():
    code, out, _ = wx("schema", "sqlite")
    check(code == 0 and "CREATE TABLE articles" in out, "schema sqlite prints the DDL")
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(out)
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        check({"articles", "images", "links", "dates", "notices", "inputs"} <= names,
              f"schema sqlite creates every table (got {sorted(names)})")
    except sqlite3.Error as e:
        check(False, f"schema sqlite runs in sqlite3: {e}")
    code, out, _ = wx("schema", "postgres")
    check(code == 0 and "jsonb" in out and "timestamptz" in out, "schema postgres prints PostgreSQL DDL")
    code, _, err = wx("schema", "oracle")
    check(code == 64, "schema with an unknown kind is a usage error")


def test_sqlite_basic():
    db = t("basic.db")
    code, _, err = wx("parse", "--db", "sqlite:" + db, SAMPLES, NOTICE, BAD)
    check(code == 65, f"parse --db exits 65 (one sample is not a page), got {code}: {err[-300:]}")
    first = sqlite_rows(db)
    ref = [json.loads(line) for line in wx("parse", SAMPLES, NOTICE, BAD)[1].splitlines()]
    check(len(first["articles"]) == len({r["id"] for r in ref}), "one articles row per record id")
    check(len(first["images"]) == sum(len(r["images"]) for r in ref), "one images row per image")
    check(len(first["links"]) == sum(len(r["links"]) for r in ref), "one links row per link")
    check(len(first["dates"]) == sum(len(r["dates"]) for r in ref), "one dates row per date")
    check(len(first["notices"]) == sum(1 for r in ref if r["notice"]) and first["notices"], "a notices row per notice")
    con = sqlite3.connect(db)
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    page = con.execute("PRAGMA page_size").fetchone()[0]
    recs = {r[0]: json.loads(r[1]) for r in con.execute("SELECT id, record FROM articles")}
    title = dict(con.execute("SELECT id, title FROM articles").fetchall())
    con.close()
    check(mode == "wal", f"the SQLite file is in WAL mode ({mode})")
    check(page == 16384, f"a new SQLite file has 16 KB pages ({page})")
    byid = {r["id"]: r for r in ref}
    check(all(recs[i] == byid[i] for i in byid), "articles.record holds the full record")
    check(all(title[i] == byid[i]["title"] for i in byid), "articles.title is the record's title")
    code, _, _ = wx("parse", "--db", "sqlite:" + db, SAMPLES, NOTICE, BAD)
    check(sqlite_rows(db) == first, "running twice over the same input leaves the same rows")
    code, out, _ = wx("parse", "--db", "sqlite:" + db, "-o", "-", NOTICE)
    check(code == 0 and len(out.splitlines()) == 1, "--db with -o - also writes JSON Lines to stdout")
    code, out, _ = wx("parse", "--db", "sqlite:" + db, NOTICE)
    check(code == 0 and out == "", "--db alone writes no JSON Lines")
    # a file made with SQLite's default 4 KB pages keeps them, and its rows
    # are those of a new file
    small = t("basic-4k.db")
    con = sqlite3.connect(small)
    con.execute("PRAGMA page_size = 4096")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE unrelated (x)")
    con.close()
    code, _, err = wx("parse", "--db", "sqlite:" + small, SAMPLES, NOTICE, BAD)
    con = sqlite3.connect(small)
    page, ok = con.execute("PRAGMA page_size").fetchone()[0], con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    check(code == 65 and page == 4096 and ok == "ok" and sqlite_rows(small) == first,
          f"an existing file keeps its 4 KB pages and gets the same rows ({code}, {page}, {ok}: {err[-200:]})")


def test_incremental_sqlite():
    d = t("inc")
    os.makedirs(d)
    for p in sorted(glob.glob(os.path.join(SAMPLES, "article-0*.gz"))):
        shutil.copy(p, d)
    db = "sqlite:" + t("inc.db")
    code, _, err = wx("parse", "--incremental", "--db", db, d)
    check(code == 0 and "new=3 changed=0 unchanged=0" in err, f"incremental first run: 3 new ({err.strip()})")
    code, _, err = wx("parse", "--incremental", "--db", db, d)
    check(code == 0 and "new=0 changed=0 unchanged=3" in err and "documents=0" in err,
          f"incremental rerun: nothing parsed ({err.strip()})")
    victim = os.path.join(d, "article-02.html.gz")
    data = gzip.open(victim).read() + b"<!-- edited -->"
    with gzip.open(victim, "wb") as f:
        f.write(data)
    shutil.copy(NOTICE, d)
    code, _, err = wx("parse", "--incremental", "--db", db, d)
    check(code == 0 and "new=1 changed=1 unchanged=2" in err and "documents=2" in err,
          f"incremental after an edit and an addition: 1 new, 1 changed ({err.strip()})")
    # without a database: the state file next to -o
    out = t("inc.jsonl")
    code, _, err = wx("parse", "--incremental", "-o", out, d)
    check(code == 0 and "new=4" in err and len(jsonl(out)) == 4 and os.path.exists(out + ".state"),
          f"incremental with -o writes FILE.state ({err.strip()})")
    code, _, err = wx("parse", "--incremental", "-o", out, d)
    check(code == 0 and "unchanged=4" in err and jsonl(out) == [], "incremental -o rerun: nothing new")
    code, _, err = wx("parse", "--incremental", d)
    check(code == 64, "--incremental without --db or -o is a usage error")


def test_migration_from_old_version():
    """A file made by an older wxingest (user_version 1: no inputs table)."""
    path = t("old.db")
    code, ddl, _ = wx("schema", "sqlite")
    v1 = ddl.split("CREATE TABLE inputs")[0]
    con = sqlite3.connect(path)
    con.executescript(v1 + "PRAGMA user_version = 1;")
    con.execute("INSERT INTO articles (id, status, record) VALUES ('old:1:1', 'ok', '{}')")
    con.commit()
    con.close()
    code, _, err = wx("parse", "--incremental", "--db", "sqlite:" + path, NOTICE)
    con = sqlite3.connect(path)
    ver = con.execute("PRAGMA user_version").fetchone()[0]
    n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    ninp = con.execute("SELECT count(*) FROM inputs").fetchone()[0]
    con.close()
    now = int(ddl.rsplit("PRAGMA user_version = ", 1)[1].split(";")[0])
    check(code == 0 and ver == now and n == 2 and ninp == 1,
          f"an old user_version 1 file is migrated on open (exit {code}, version {ver}, {n} articles): {err}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    code, _, err = wx("parse", "--db", "sqlite:" + path, NOTICE)
    check(code == 74 and "newer" in err, f"a newer schema version is refused with exit 74 ({code}: {err.strip()})")


# ---------------------------------------------------------------- full-text search

def ocr_page(name, fixture, newer_than=None):
    """NAME/通知.html, the saved notice whose 通知_files/640.jpeg is a rendered
    table fixture.  With newer_than (another version's page bytes) a trailing
    comment makes this page's SHA-256 the larger: without a fetch time, the
    record that wins the upsert as the newer one."""
    d = t(name)
    os.makedirs(os.path.join(d, "通知_files"))
    shutil.copy(os.path.join(OCR_FIXTURES, fixture), os.path.join(d, "通知_files", "640.jpeg"))
    data = open(OCR_PAGE, "rb").read()
    if newer_than is not None:
        import hashlib
        k = 0
        while hashlib.sha256(data + b"<!-- %d -->" % k).hexdigest() < hashlib.sha256(newer_than).hexdigest():
            k += 1
        data += b"<!-- %d -->" % k
    page = os.path.join(d, "通知.html")
    with open(page, "wb") as f:
        f.write(data)
    return page, data


def ocr_args():
    return ["--ocr", "--ocr-cache", t("ocr-cache")]


def image_only_word(rec, words):
    """The first of words that the record's OCRed image text holds and its
    title and text do not (None when OCR read none of them)."""
    if not rec:
        return None
    img = "\n".join(im.get("text") or "" for im in rec["images"])
    return next((w for w in words if w in img and w not in (rec["title"] or "") and w not in (rec["text"] or "")), None)


def ocr_versions():
    """The notice with table-plain.jpg (v1) and, newer, with table-wrapped.jpg
    (v2): their records as `parse --ocr` makes them and the word of each
    found only in its image."""
    p1, d1 = ocr_page("fts-v1", "table-plain.jpg")
    p2, _ = ocr_page("fts-v2", "table-wrapped.jpg", newer_than=d1)
    recs = []
    for p in (p1, p2):
        code, out, err = wx("parse", *ocr_args(), p)
        recs.append(json.loads(out) if code == 0 and out.strip() else None)
        check(code == 0 and recs[-1]["images"][0]["text"], f"parse --ocr {p}: image text read ({code}: {err.strip()})")
    w1, w2 = image_only_word(recs[0], PLAIN_WORDS), image_only_word(recs[1], WRAPPED_WORDS)
    check(w1 and w2, f"OCR read a standard's name that only the image holds (v1: {w1}, v2: {w2})")
    check(recs[0] and recs[1] and recs[0]["id"] == recs[1]["id"], "both versions are the same article")
    check(w1 and image_only_word(recs[1], [w1]) is None and w1 not in json.dumps(recs[1], ensure_ascii=False),
          f"v2's record does not hold v1's word {w1}")
    return (p1, p2), recs, (w1, w2)


def lite_search(db, word):
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute(SQLITE_SEARCH, ['"' + word + '"'])]
    finally:
        con.close()


def lite_fts_consistent(db):
    """FTS5's own integrity check, and one index row per article."""
    con = sqlite3.connect(db)
    try:
        con.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        return (con.execute("SELECT count(*) FROM articles_fts").fetchone()[0] ==
                con.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error as e:
        print(f"db: articles_fts: {e}")
        return False
    finally:
        con.close()


def test_search_sqlite(versions):
    (p1, p2), recs, (w1, w2) = versions
    if not (w1 and w2):
        return
    rid = recs[0]["id"]
    db = t("fts.db")
    code, _, err = wx("parse", *ocr_args(), "--db", "sqlite:" + db, p1, NOTICE)
    check(code == 0, f"sqlite search: parse --ocr --db ({code}: {err.strip()})")
    check(lite_search(db, w1) == [rid], f"sqlite search: the README's query finds the notice by {w1}, only in its image")
    check(lite_search(db, w2) == [], f"sqlite search: {w2} is in no record yet")
    check(lite_search(db, "培训会议") != [] and rid not in lite_search(db, "培训会议"),
          "sqlite search: body text is searched too (the other notice)")
    con = sqlite3.connect(db)
    row = con.execute("SELECT text, text_confidence, sha256, bytes, local, width FROM images WHERE article_id = ?"
                      " AND pos = 0", [rid]).fetchone()
    con.close()
    im = recs[0]["images"][0]
    check(row == (im["text"], im["text_confidence"], im.get("sha256"), im.get("bytes"), im["local"], im["width"]),
          f"sqlite: images holds the image's text, text_confidence, sha256, bytes, local, width ({row})")
    # the newer version replaces the article: only its words are found
    wx("parse", *ocr_args(), "--db", "sqlite:" + db, p2)
    check(lite_search(db, w1) == [] and lite_search(db, w2) == [rid],
          f"sqlite search: after the newer version, {w1} is gone and {w2} found")
    # the older one again loses the upsert and changes nothing
    wx("parse", *ocr_args(), "--db", "sqlite:" + db, p1)
    check(lite_search(db, w1) == [] and lite_search(db, w2) == [rid] and lite_fts_consistent(db),
          "sqlite search: the older version arriving again changes nothing; the index is consistent")
    rev = t("fts-rev.db")
    wx("parse", *ocr_args(), "--db", "sqlite:" + rev, p2, NOTICE)
    wx("parse", *ocr_args(), "--db", "sqlite:" + rev, p1)
    check(lite_search(rev, w1) == [] and lite_search(rev, w2) == [rid] and lite_fts_consistent(rev),
          "sqlite search: newer first, older second ends the same")
    # both versions in one transaction: the index is written once, at its commit, from the winner
    one = t("fts-one.db")
    wx("parse", *ocr_args(), "--db", "sqlite:" + one, p1, p2, p1)
    check(lite_search(one, w1) == [] and lite_search(one, w2) == [rid] and lite_fts_consistent(one),
          "sqlite search: both versions in one batch: only the newer one is found")
    # another writer (not wxingest) is indexed by the file's triggers
    con = sqlite3.connect(one)
    con.execute("UPDATE articles SET title = '网络安全标准实践指南' WHERE id = ?", [rid])
    con.commit()
    con.close()
    check(lite_search(one, "网络安全标准实践指南") == [rid] and lite_fts_consistent(one),
          "sqlite search: an UPDATE by another program is indexed by the triggers")
    # the same record again writes nothing (a rerun); the same bytes under
    # a greater path are a newer record and replace the row and its index row
    wx("parse", *ocr_args(), "--db", "sqlite:" + one, p2)
    check(lite_search(one, "网络安全标准实践指南") == [rid] and lite_fts_consistent(one),
          "sqlite: the same record stored again writes nothing, not even over another program's edit")
    again = p2 + ".again.html"
    shutil.copyfile(p2, again)
    wx("parse", *ocr_args(), "--db", "sqlite:" + one, again)
    check(lite_search(one, "网络安全标准实践指南") == [] and lite_search(one, w2) == [rid] and lite_fts_consistent(one),
          "sqlite search: wxingest's next write of the article replaces that index row")


def lite_objects(db):
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%'")}
    finally:
        con.close()


def test_bulk_load_sqlite():
    """--no-search-index stores the same rows without articles_fts (and
    drops one already there); `wxingest index` builds it over everything."""
    corpus = make_corpus(2)
    ref, bulk = t("bulk-ref.db"), t("bulk.db")
    wx("parse", "--db", "sqlite:" + ref, corpus)
    code, _, err = wx("parse", "--no-search-index", "--db", "sqlite:" + bulk, corpus)
    check(code == 65 and sqlite_rows(bulk) == sqlite_rows(ref),
          f"sqlite --no-search-index: the same rows as a run with the index ({code}: {err[-200:]})")
    check(not lite_objects(bulk), f"sqlite --no-search-index: no articles_fts table ({lite_objects(bulk)})")
    word = "培训会议"
    found = lite_search(ref, word)
    check(found != [], f"sqlite bulk: the reference run finds {word}")
    code, _, err = wx("index", "sqlite:" + bulk)
    check(code == 0 and lite_search(bulk, word) == found and lite_fts_consistent(bulk),
          f"wxingest index: builds articles_fts over every stored article, as a run keeps it ({code}: {err.strip()})")
    con = sqlite3.connect(bulk)
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    con.close()
    check({"articles_fts_insert", "articles_fts_update", "articles_fts_delete"} <= triggers,
          f"wxingest index: the triggers that keep the index in step are back ({sorted(triggers)})")
    # a bulk load into a file that has the index: dropped, never left stale
    code, _, _ = wx("parse", "--no-search-index", "--db", "sqlite:" + bulk, NOTICE)
    con = sqlite3.connect(bulk)
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    con.close()
    check(code == 0 and not lite_objects(bulk) and not triggers,
          f"sqlite --no-search-index on an indexed file drops the index and its triggers ({triggers})")
    # a run without the flag builds it again
    code, _, _ = wx("parse", "--db", "sqlite:" + bulk, NOTICE)
    check(code == 0 and lite_search(bulk, word) == found and lite_fts_consistent(bulk),
          "sqlite: the next run without --no-search-index builds the index again")
    code, _, err = wx("index", "mysql://x")
    check(code == 64 and "index" in err, f"wxingest index with a URL that is not a database: usage error ({code})")
    code, _, err = wx("index", "sqlite:" + t("no-such.db"))
    check(code == 74 and "no-such.db" in err and not os.path.exists(t("no-such.db")),
          f"wxingest index on a file that is not there: 74, naming it, and no file made ({code}: {err.strip()})")
    notdb = t("not-a-db.db")
    with open(notdb, "wb") as f:
        f.write(b"this is not an SQLite file\n" * 200)
    code, _, err = wx("index", "sqlite:" + notdb)
    check(code == 74 and "not-a-db.db" in err, f"wxingest index on a file that is not a database: 74, naming it ({code}: {err.strip()})")


# the columns of schema versions 2 and 3 (what an old file's rows are compared on)
V2_COLUMNS = {"images": "article_id, pos, url, format, width, height, alt, role, local",
              "inputs": "key, sha256, article_id, stored_at"}


def old_rows(path):
    con = sqlite3.connect(path)
    try:
        return {k: con.execute(f"SELECT {V2_COLUMNS.get(k, '*')} FROM {k}").fetchall() for k in SQLITE_TABLES}
    finally:
        con.close()


def test_migration_old_sqlite():
    for v in OLD_VERSIONS:
        migrate_sqlite(v)


def migrate_sqlite(version):
    """A file written by an earlier release (tests/db/vN.sqlite.sql) keeps
    its rows, gains the images columns filled from its records, and its
    articles are searchable."""
    path = t(f"v{version}.db")
    con = sqlite3.connect(path)
    con.executescript(open(old_fixture(version, "sqlite"), encoding="utf-8").read())
    con.close()
    before = old_rows(path)
    code, _, err = wx("parse", "--db", "sqlite:" + path, os.path.join(SAMPLES, "article-01.html.gz"))
    after = old_rows(path)
    con = sqlite3.connect(path)
    ver = con.execute("PRAGMA user_version").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(images)")]
    recs = {i: json.loads(r) for i, r in con.execute("SELECT id, record FROM articles")}
    texts = con.execute("SELECT article_id, pos, text, text_confidence, sha256, bytes FROM images").fetchall()
    con.close()
    check(code == 0 and ver == 4 and cols[-4:] == ["sha256", "bytes", "text", "text_confidence"],
          f"sqlite: a version-{version} file is migrated to 4 on open ({code}, {ver}, {cols}): {err.strip()}")
    check(before["articles"] and all(set(before[k]) <= set(after[k]) for k in before) and
          len(after["articles"]) == len(before["articles"]) + 1,
          f"sqlite: the version-{version} file's rows are all kept as they were (one article added)")
    fields = ("text", "text_confidence", "sha256", "bytes")
    check(texts and all(list(row[2:]) == [recs[row[0]]["images"][row[1]].get(f) for f in fields] for row in texts)
          and any(row[2] for row in texts) and (version < 3 or any(row[4] for row in texts)),
          f"sqlite: version {version}: the new images columns of the old rows are filled from their records")
    old = next((r for r in recs.values() if image_only_word(r, PLAIN_WORDS)), None)
    w = image_only_word(old, PLAIN_WORDS)
    check(old and lite_search(path, w) == [old["id"]] and lite_fts_consistent(path),
          f"sqlite: version {version}: the old file's articles are indexed on migration ({w} found)")


# ---------------------------------------------------------------- output files

def test_atomic_output():
    out = t("atomic.jsonl")
    code, _, _ = wx("parse", "-o", out, NOTICE)
    before = open(out, "rb").read()
    check(code == 0 and len(before.splitlines()) == 1, "-o writes the file")
    corpus = make_corpus(3)
    # The paths come through a pipe that stays open, so the run is still
    # going when it is killed however fast it parses what it was given.
    p = subprocess.Popen([BIN, "parse", "-o", out, "--files-from", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    paths = sorted(glob.glob(os.path.join(corpus, "*", "*")))
    p.stdin.write(("\n".join(paths) + "\n").encode())
    p.stdin.flush()
    time.sleep(0.4)
    running = p.poll() is None
    p.kill()
    p.wait()
    p.stdin.close()
    check(running and open(out, "rb").read() == before,
          f"-o: a run killed with -9 leaves the previous file untouched (still running when killed: {running})")
    # the killed run wrote to an unnamed O_TMPFILE: nothing is left of it
    left = glob.glob(glob.escape(out) + ".tmp*")
    check(not left, f"-o: the run killed with -9 left {left}")
    code, _, _ = wx("parse", "-o", out, corpus)
    recs = jsonl(out)
    check(len(recs) == count_files(corpus) and not glob.glob(glob.escape(out) + ".tmp*"),
          "-o: a complete run replaces the file, no temp left")


def test_special_outputs():
    """-o onto a FIFO or through a symlink writes in place: renaming over
    them would replace the FIFO (or a device such as /dev/null) or the link."""
    fifo = t("out.fifo")
    os.mkfifo(fifo)
    got = []
    import threading
    th = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    th.start()
    code, _, err = wx("parse", "-o", fifo, NOTICE, timeout=60)
    th.join(30)
    import stat
    check(code == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode) and got and len(got[0].splitlines()) == 1,
          f"-o FIFO: written in place, the FIFO stays a FIFO ({code}: {err.strip()})")
    real, link = t("real.jsonl"), t("link.jsonl")
    with open(real, "w") as f:
        f.write("old\n")
    os.symlink("real.jsonl", link)
    code, _, _ = wx("parse", "-o", link, NOTICE)
    check(code == 0 and os.path.islink(link) and len(jsonl(real)) == 1,
          "-o through a symlink replaces the target, keeps the link")


def test_append():
    out = t("append.jsonl")
    wx("parse", "--append", "-o", out, NOTICE)
    wx("parse", "--append", "-o", out, NOTICE)
    check(len(jsonl(out)) == 2, "--append adds to the file")
    with open(out, "ab") as f:
        f.write(b'{"schema":"wxingest.record/1","id":"torn')
    code, _, err = wx("parse", "--append", "-o", out, NOTICE)
    lines = open(out, "rb").read().split(b"\n")
    check(code == 0 and lines[-1] == b"" and len(jsonl(out)) == 3 and "incomplete last line" in err,
          f"--append cuts a torn last line before appending ({err.strip()})")
    code, _, _ = wx("parse", "--append", NOTICE)
    check(code == 64, "--append without -o is a usage error")


# ---------------------------------------------------------------- lock, signals, kill -9

def wait_for(pred, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def output_written(pid, out):
    """Bytes a running parse has written to its -o temp file: an unnamed
    O_TMPFILE in OUT's directory (or OUT.tmp.XXXXXX where the file system
    has none), found through /proc/PID/fd."""
    fds = f"/proc/{pid}/fd"
    try:
        for fd in os.listdir(fds):
            target = os.readlink(os.path.join(fds, fd))
            if target.startswith(os.path.dirname(out) + "/") and (
                    target.endswith("(deleted)") or target.startswith(out + ".tmp.")):
                return os.stat(os.path.join(fds, fd)).st_size
    except OSError:
        pass
    return 0


def test_lock():
    lock = t("run.lock")
    corpus = make_corpus(3)
    p = subprocess.Popen([BIN, "parse", "--lock", lock, "-o", t("lock.jsonl"), corpus],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = wait_for(lambda: os.path.exists(lock) and open(lock).read().strip() == str(p.pid))
    start = time.time()
    code, _, err = wx("parse", "--lock", lock, "-o", t("lock2.jsonl"), NOTICE)
    took = time.time() - start
    still = p.poll() is None
    p.wait()
    check(ok and still and code == 75 and f"pid {p.pid}" in err and took < 5,
          f"a second run while the lock is held exits 75 at once naming pid {p.pid} ({code}: {err.strip()})")
    code, _, _ = wx("parse", "--lock", lock, "-o", t("lock2.jsonl"), NOTICE)
    check(code == 0, "the lock is free again once the first run ended")


def test_sigterm():
    corpus = make_corpus(3)
    db = t("term.db")
    out = t("term.jsonl")
    p = subprocess.Popen([BIN, "parse", "--incremental", "--batch", "5", "--db", "sqlite:" + db, "-o", out, corpus],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: output_written(p.pid, out) > 0)
    time.sleep(0.05)     # a record is out already; the run must still be going
    p.send_signal(signal.SIGTERM)
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    n_out = len(jsonl(out)) if os.path.exists(out) else -1
    con = sqlite3.connect(db)
    n_inp = con.execute("SELECT count(*) FROM inputs").fetchone()[0]
    con.close()
    check(p.returncode == 143, f"SIGTERM: exit 143 (got {p.returncode}: {err[-200:]})")
    check(0 < n_out < count_files(corpus) and n_inp == n_out, f"SIGTERM: the open batch is committed and -o holds the same "
          f"records ({n_out} lines, {n_inp} inputs stored)")
    code, _, err = wx("parse", "--incremental", "--db", "sqlite:" + db, "-o", out, corpus)
    check(code == 65 and f"unchanged={n_out}" in err, f"after SIGTERM a rerun takes up the rest ({err.strip()})")


def test_sigint():
    corpus = make_corpus(3)
    out = t("int.jsonl")
    p = subprocess.Popen([BIN, "parse", "--append", "-o", out, corpus], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0)
    p.send_signal(signal.SIGINT)
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    n = len(jsonl(out))
    check(p.returncode == 130 and 0 < n < count_files(corpus) and "interrupted" in err,
          f"SIGINT: exit 130 after the current document, {n} whole records kept ({p.returncode}: {err[-200:]})")


def test_kill9_rerun():
    """Kill a run with -9 several times at random moments, then let a run
    finish: the database and the appended JSON Lines equal one
    uninterrupted run's (no duplicates, nothing lost)."""
    corpus = make_corpus(4)
    ref_db, ref_out = t("k-ref.db"), t("k-ref.jsonl")
    start = time.time()
    wx("parse", "--incremental", "--batch", "7", "--db", "sqlite:" + ref_db, "--append", "-o", ref_out, corpus)
    full = time.time() - start
    db, out = t("k.db"), t("k.jsonl")
    rng = random.Random(5)
    kills = 0
    for _ in range(5):
        p = subprocess.Popen([BIN, "parse", "--incremental", "--batch", "7", "--db", "sqlite:" + db,
                              "--append", "-o", out, corpus], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.3) * full)
        if p.poll() is None:
            p.kill()
            kills += 1
        p.wait()
    code, _, err = wx("parse", "--incremental", "--batch", "7", "--db", "sqlite:" + db, "--append", "-o", out, corpus)
    check(kills >= 3, f"kill -9: at least 3 of 5 runs were killed mid-way ({kills})")
    check(sqlite_rows(db) == sqlite_rows(ref_db), "kill -9 then rerun: the database rows equal an uninterrupted run's")
    a = sorted(open(out, encoding="utf-8").read().splitlines())
    b = sorted(open(ref_out, encoding="utf-8").read().splitlines())
    check(a == b, f"kill -9 then rerun: the JSON Lines equal an uninterrupted run's ({len(a)} vs {len(b)} lines)")
    print(f"db: kill -9 test: {kills} runs killed, uninterrupted run {full:.2f} s, {len(b)} records")


# ---------------------------------------------------------------- logging

def test_logging():
    code, out, err = wx("parse", "--quiet", NOTICE)
    check(code == 0 and err == "" and out, f"--quiet: nothing on stderr for a clean run ({err!r})")
    bad = BAD
    code, out, err = wx("parse", "--quiet", bad, NOTICE)
    check(code == 65 and "mojibake" in err and "summary" not in err, f"--quiet still reports errors ({err!r})")
    code, out, err = wx("parse", NOTICE, bad)
    last = err.strip().splitlines()[-1]
    check(last.startswith("wxingest: summary: documents=2 ok=1 failed=1 seconds="),
          f"the summary line: documents, ok, failed, seconds ({last})")
    code, out, err = wx("parse", "--log-format", "json", NOTICE, bad, "/nonexistent/x.html")
    try:
        lines = [json.loads(x) for x in err.strip().splitlines()]
    except ValueError:
        lines = []
    check(lines and all({"time", "level", "msg"} <= set(x) for x in lines),
          f"--log-format json: every stderr line is a JSON object ({err[:300]})")
    summ = [x for x in lines if x.get("msg") == "summary:"]
    check(summ and summ[0].get("documents") == 2 and summ[0].get("failed") == 1 and "seconds" in summ[0],
          "--log-format json: the summary has documents, ok, failed, seconds")
    check(any(x["level"] == "error" and x.get("input", "").endswith("mojibake.html.gz") for x in lines),
          "--log-format json: a failed input is an error naming it")


# ---------------------------------------------------------------- sharding, lists

def test_shard_and_lists():
    corpus = make_corpus(1)
    files = sorted(glob.glob(os.path.join(corpus, "*", "*")))
    full = wx("parse", "--files-from", "-", stdin="\n".join(files).encode() + b"\n")[1].splitlines()
    check(len(full) == len(files), f"--files-from -: one record per listed path ({len(full)} of {len(files)})")
    nul = wx("parse", "-0", "--files-from", "-", stdin=b"\0".join(f.encode() for f in files) + b"\0")[1].splitlines()
    check(nul == full, "--files-from - -0 reads NUL-separated paths")
    lst = t("list.txt")
    with open(lst, "w") as f:
        f.write("\n".join(files) + "\n")
    parts = [wx("parse", "--shard", f"{k}/4", "--files-from", lst)[1].splitlines() for k in range(4)]
    check(sorted(sum(parts, [])) == sorted(full) and all(parts),
          f"--shard 0/4..3/4 split the inputs without overlap ({[len(x) for x in parts]})")
    code, _, _ = wx("parse", "--shard", "4/4", NOTICE)
    check(code == 64, "--shard K/N with K >= N is a usage error")


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    def __init__(self):
        cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if not cands:
            raise FileNotFoundError("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed; "
                                    "install the postgresql package (make deps) or set WX_NO_POSTGRES=1")
        self.bin = os.path.dirname(cands[-1])
        self.dir = tempfile.mkdtemp(prefix="wxpg-")
        self.user = None
        if os.geteuid() == 0:
            self.user = os.environ.get("WX_PG_USER", "nobody")
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        try:
            self.run("initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C", "--no-sync")
            self.run("pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log", "-w", "-o",
                     f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                     "-c full_page_writes=off -c max_connections=50 -c deadlock_timeout=200ms", "start")
        except BaseException:
            self.stop()
            raise

    def run(self, prog, *args, check=True):
        kw = {"user": self.user} if self.user else {}
        return subprocess.run([os.path.join(self.bin, prog), *args], cwd=self.dir, capture_output=True,
                              check=check, timeout=120, **kw)

    def url(self, db):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, db, query):
        p = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url(db),
                            "-c", query], capture_output=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode())
        return p.stdout.decode()

    def createdb(self, name):
        self.sql("postgres", f"CREATE DATABASE {name}")
        return self.url(name)

    def rows(self, db):
        out = {}
        for k, q in SQLITE_TABLES.items():
            out[k] = self.sql(db, q.replace("SELECT *", f"SELECT {k}.*"))
        return out

    def stop(self):
        self.run("pg_ctl", "-D", self.dir + "/data", "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_row_versions(pg, db, tables=("articles", "images", "links", "dates", "notices")):
    """Each table's row versions (xmin and place): a row written again,
    even with the same values, gets a new one."""
    return {k: pg.sql(db, f"SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY ctid) FROM {k}")
            for k in tables}


def test_pg_same_children(pg):
    """The same bytes under a later input path replace the article (the
    greater path wins a tie) but leave its equal child rows unwritten;
    the rows end as SQLite's."""
    os.makedirs(t("same-a"))
    shutil.copy(NOTICE, t("same-a/notice.html"))
    shutil.copytree(t("same-a"), t("same-b"))
    url = pg.createdb("samechildren")
    lite = t("samechildren.db")
    wx("parse", "--db", url, t("same-a"))
    wx("parse", "--db", "sqlite:" + lite, t("same-a"))
    kids = ("images", "links", "dates", "notices")
    before = pg_row_versions(pg, "samechildren", kids)
    art = pg_row_versions(pg, "samechildren", ("articles",))
    code, _, err = wx("parse", "--db", url, t("same-b"))
    wx("parse", "--db", "sqlite:" + lite, t("same-b"))
    path = pg.sql("samechildren", "SELECT input_path FROM articles").strip()
    check(code == 0 and path == t("same-b/notice.html") and pg_row_versions(pg, "samechildren", ("articles",)) != art,
          f"postgres: the same bytes under a greater path replace the article ({code}, {path}: {err[-200:]})")
    check(pg_row_versions(pg, "samechildren", kids) == before and all(before[k] for k in ("links", "dates", "notices")),
          "postgres: child rows equal to the stored ones are not written again")
    con = sqlite3.connect(lite)
    lite_kids = [[r[0] for r in con.execute(f"SELECT pos FROM {k} ORDER BY pos")] for k in kids]
    lite_rec = json.loads(con.execute("SELECT record FROM articles").fetchone()[0])
    con.close()
    pg_kids = [[int(x) for x in pg.sql("samechildren", f"SELECT pos FROM {k} ORDER BY pos").split()] for k in kids]
    check(pg_kids == lite_kids and json.loads(pg.sql("samechildren", "SELECT record FROM articles")) == lite_rec,
          "postgres: after both runs the record and child rows are those SQLite keeps")


def hold_row_lock(pg, db, article_id):
    """A psql session holding the row lock of an article (an open UPDATE),
    once the server has it."""
    other = subprocess.Popen([os.path.join(pg.bin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", pg.url(db)],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    other.stdin.write(f"BEGIN; UPDATE articles SET title = title WHERE id = '{article_id}';\n")
    other.stdin.flush()
    wait_for(lambda: pg.sql("postgres", "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                            f" WHERE d.datname = '{db}' AND l.mode = 'RowExclusiveLock'").strip() != "0", 30)
    return other


def release_row_lock(other):
    other.stdin.write("COMMIT;\n")
    other.stdin.close()
    other.wait()


def test_pg_two_flights(pg):
    """A batch is stored on a second connection while the one before it
    waits for a row lock on the first: the second article is in the
    database before the first batch is (with one connection it could not
    be); both end stored, exit 0.  Then a role allowed one connection
    gets one flight, and every record is stored as with two."""
    x, y = os.path.join(SAMPLES, "article-01.html.gz"), os.path.join(SAMPLES, "article-02.html.gz")
    ids = [json.loads(line)["id"] for line in wx("parse", x, y)[1].splitlines()]
    url = pg.createdb("flights")
    wx("parse", "--db", url, x)
    other = hold_row_lock(pg, "flights", ids[0])
    p = subprocess.Popen([BIN, "parse", "--batch", "1", "--db", url, x, y],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def second_stored():
        return pg.sql("flights", f"SELECT count(*) FROM articles WHERE id = '{ids[1]}'").strip() == "1"
    early = wait_for(second_stored, 60)
    waiting = pg.sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'flights'"
                     " AND application_name = 'wxingest' AND wait_event_type = 'Lock'").strip()
    release_row_lock(other)
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    check(early and waiting == "1" and p.returncode == 0 and pg.sql("flights", "SELECT count(*) FROM articles").strip() == "2",
          f"postgres: the next batch is stored on a second connection while the first waits "
          f"({early}, {waiting} waiting, exit {p.returncode}: {err[-200:]})")

    # batches with the same article are stored one after the other: the
    # article row is locked, the first batch waits on it, and the second
    # (the same article) is not sent meanwhile; its status_history row
    # compares with the first's, as with one connection (and as SQLite)
    os.makedirs(t("order"))
    changed, again = t("order/a-changed.html"), t("order/b-again.html.gz")
    with open(changed, "wb") as f:
        f.write(gzip.open(x).read() + b"<!-- edited -->")
    shutil.copy(x, again)
    url = pg.createdb("flightorder")
    lite = t("flightorder.db")
    for db in (url, "sqlite:" + lite):
        wx("parse", "--db", db, x)
    other = hold_row_lock(pg, "flightorder", ids[0])
    p = subprocess.Popen([BIN, "parse", "--batch", "1", "--db", url, changed, again],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def lock_waiters():
        return int(pg.sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'flightorder'"
                                      " AND application_name = 'wxingest' AND wait_event_type = 'Lock'"))
    first_waits = wait_for(lambda: lock_waiters() == 1, 60)
    most = 0
    for _ in range(60):         # 3 s: without the wait the second batch is sent at once
        most = max(most, lock_waiters())
        time.sleep(0.05)
    release_row_lock(other)
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    wx("parse", "--batch", "1", "--db", "sqlite:" + lite, changed, again)
    history = "SELECT status || ' ' || sha256 FROM status_history WHERE article_id = '%s' ORDER BY seq" % ids[0]
    pg_hist = pg.sql("flightorder", history).split("\n")[:-1]
    con = sqlite3.connect(lite)
    lite_hist = [r[0] for r in con.execute(history)]
    con.close()
    check(first_waits and most == 1 and p.returncode == 0 and len(pg_hist) == 3 and pg_hist == lite_hist,
          f"postgres: a batch with the article of the one in flight waits for it; status_history as SQLite's "
          f"({first_waits}, at most {most} waiting, exit {p.returncode}, {len(pg_hist)} rows, "
          f"same as SQLite: {pg_hist == lite_hist}: {err[-200:]})")

    corpus = make_corpus(1)
    ref = pg.createdb("flights_ref")
    wx("parse", "--db", ref, corpus)
    pg.sql("postgres", "CREATE ROLE wxone LOGIN CONNECTION LIMIT 1")
    pg.sql("postgres", "CREATE DATABASE flights_one OWNER wxone")
    one = pg.url("flights_one").replace("postgres@", "wxone@")
    code, _, err = wx("parse", "--batch", "2", "--db", one, corpus)
    check(code in (0, 65) and "connect" not in err and pg.rows("flights_one") == pg.rows("flights_ref"),
          f"postgres: one connection allowed: one flight, the same rows ({code}: {err[-300:]})")


def test_postgres(pg):
    code, ddl, _ = wx("schema", "postgres")
    pg.sql("postgres", "CREATE DATABASE ddl")
    try:
        pg.sql("ddl", ddl)
        check(True, "schema postgres runs in psql")
    except RuntimeError as e:
        check(False, f"schema postgres runs in psql: {e}")

    url = pg.createdb("basic")
    code, _, err = wx("parse", "--db", url, SAMPLES, NOTICE, BAD)
    check(code == 65, f"postgres: parse --db exits 65 as with SQLite ({code}: {err[-300:]})")
    lite = t("pg-ref.db")
    wx("parse", "--db", "sqlite:" + lite, SAMPLES, NOTICE, BAD)
    ref = sqlite_rows(lite)
    first = pg.rows("basic")
    counts = {k: int(pg.sql("basic", f"SELECT count(*) FROM {k}")) for k in SQLITE_TABLES}
    check(counts == {k: len(v) for k, v in ref.items()}, f"postgres: the same row counts as SQLite ({counts})")
    before = pg_row_versions(pg, "basic")
    wx("parse", "--db", url, SAMPLES, NOTICE, BAD)
    check(pg.rows("basic") == first, "postgres: running twice leaves the same rows")
    check(pg_row_versions(pg, "basic") == before,
          "postgres: running twice writes no article or child row again (each record equals the stored one)")
    typ = pg.sql("basic", "SELECT pg_typeof(record)::text, pg_typeof(published_at)::text FROM articles LIMIT 1")
    check(typ.strip() == "jsonb|timestamp with time zone", f"postgres: record is jsonb, published_at timestamptz ({typ})")
    d = pg.sql("basic", "SELECT count(*) FROM dates WHERE date IS NOT NULL")
    check(int(d) == counts["dates"], "postgres: dates.date is a date for every row")
    same = pg.sql("basic", "SELECT count(*) FROM articles WHERE record->>'title' IS NOT DISTINCT FROM title")
    check(int(same) == counts["articles"], "postgres: articles.title matches the jsonb record")

    # a file name that is not UTF-8: PostgreSQL takes only UTF-8 text, so
    # the input key is hex of the raw bytes and input_path the repaired path
    odd = t("pg-odd")
    os.makedirs(odd, exist_ok=True)
    raw = os.path.join(os.fsencode(odd), b"a\xff.html")
    shutil.copy(NOTICE, raw)
    url = pg.createdb("oddname")
    runs = [wx("parse", "--incremental", "--db", url, odd) for _ in range(2)]
    check([c for c, _, _ in runs] == [0, 0] and "unchanged=1" in runs[1][2],
          f"postgres: a non-UTF-8 file name is stored, then unchanged ({[(c, e[-200:]) for c, _, e in runs]})")
    check(pg.sql("oddname", "SELECT key FROM inputs").strip() == "hex:" + raw.hex() and
          pg.sql("oddname", "SELECT input_path FROM articles").strip() == odd + "/a\ufffd.html",
          "postgres: a non-UTF-8 file name: inputs.key is hex of the bytes, input_path the repaired path")

    # the same article arriving twice with different child rows: whichever
    # order, the rows end as those of the winning record, as in SQLite
    full = open(NOTICE, "rb").read()
    short = full.replace("定于2025年6月18日下午3点召开培训会议".encode(), "召开培训会议".encode())
    # make the version with fewer dates the winner (no fetch time: the larger sha256 wins),
    # so one order shrinks the child rows
    import hashlib
    k = 0
    while hashlib.sha256(short + b"<!-- %d -->" % k).hexdigest() < hashlib.sha256(full).hexdigest():
        k += 1
    short += b"<!-- %d -->" % k
    os.makedirs(t("v1"))
    os.makedirs(t("v2"))
    with open(t("v1/notice.html"), "wb") as f:
        f.write(full)
    with open(t("v2/notice.html"), "wb") as f:
        f.write(short)
    finals = []
    for n, order in enumerate([("v1", "v2"), ("v2", "v1")]):
        u = pg.createdb(f"order{n}")
        lite = t(f"order{n}.db")
        for v in order:
            wx("parse", "--db", u, t(v + "/notice.html"))
            wx("parse", "--db", "sqlite:" + lite, t(v + "/notice.html"))
        con = sqlite3.connect(lite)
        lite_dates = [r[0] for r in con.execute("SELECT text FROM dates ORDER BY pos")]
        lite_rec = json.loads(con.execute("SELECT record FROM articles").fetchone()[0])
        con.close()
        pg_dates = pg.sql(f"order{n}", "SELECT text FROM dates ORDER BY pos").splitlines()
        pg_rec = json.loads(pg.sql(f"order{n}", "SELECT record FROM articles"))
        finals.append((pg_dates, pg_rec))
        check(pg_dates == lite_dates and pg_rec == lite_rec and len(pg_dates) == len(pg_rec["dates"]),
              f"postgres: a replaced article's child rows match SQLite's ({len(pg_dates)} vs {len(lite_dates)} dates)")
    check(finals[0] == finals[1] and len(finals[0][0]) == 4,
          "postgres: the final rows do not depend on the order the versions arrived in")

    # both versions in one run, so in one batch (PostgreSQL stores a batch
    # in one statement): the same rows, and the same status_history, as
    # SQLite storing them a record at a time, in either order
    history = "SELECT article_id, status, sha256, via FROM status_history ORDER BY seq"
    batch_finals = []
    for n, order in enumerate([("v1", "v2"), ("v2", "v1"), ("v1", "v2", "v1")]):
        u = pg.createdb(f"batch{n}")
        lite = t(f"batch{n}.db")
        files = [t(v + "/notice.html") for v in order]
        wx("parse", "-j", "1", "--db", u, *files)
        wx("parse", "-j", "1", "--db", "sqlite:" + lite, *files)
        con = sqlite3.connect(lite)
        lite_hist = ["|".join("" if c is None else str(c) for c in r) for r in con.execute(history)]
        lite_dates = [r[0] for r in con.execute("SELECT text FROM dates ORDER BY pos")]
        con.close()
        pg_hist = pg.sql(f"batch{n}", history).splitlines()
        pg_dates = pg.sql(f"batch{n}", "SELECT text FROM dates ORDER BY pos").splitlines()
        batch_finals.append(pg.rows(f"batch{n}"))
        check(pg_dates == lite_dates and pg_hist == lite_hist and len(pg_hist) == len(order),
              f"postgres: versions {order} in one batch give SQLite's dates and status_history "
              f"({len(pg_dates)}/{len(lite_dates)} dates, {len(pg_hist)}/{len(lite_hist)} history rows)")
    check(batch_finals[0] == batch_finals[1] == batch_finals[2] and pg.rows("order0") == batch_finals[0],
          "postgres: one batch ends with the rows of the versions stored one run each, in any order")

    # --incremental: an input whose bytes an earlier input of the same
    # batch already brought is unchanged, as in SQLite (the batch's inputs
    # rows are written only at its commit)
    dup = t("pg-dup")
    os.makedirs(dup)
    shutil.copy(os.path.join(SAMPLES, "article-01.html.gz"), os.path.join(dup, "a.html.gz"))
    shutil.copy(os.path.join(SAMPLES, "article-01.html.gz"), os.path.join(dup, "b.html.gz"))
    shutil.copy(os.path.join(SAMPLES, "article-02.html.gz"), os.path.join(dup, "c.html.gz"))
    u = pg.createdb("dup")
    _, _, pg_err = wx("parse", "-j", "1", "--incremental", "--db", u, dup)
    _, _, lite_err = wx("parse", "-j", "1", "--incremental", "--db", "sqlite:" + t("dup.db"), dup)
    counts = [re.search(r"new=\d+ changed=\d+ unchanged=\d+", e) for e in (pg_err, lite_err)]
    check(all(counts) and counts[0].group(0) == counts[1].group(0) == "new=2 changed=0 unchanged=1",
          f"postgres: --incremental skips a copy of an input of the same batch, as SQLite "
          f"({[c and c.group(0) for c in counts]})")

    # cannot connect: the message names the server, exit 74
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    code, _, err = wx("parse", "--db", f"postgres://postgres@127.0.0.1:{dead}/x", NOTICE)
    check(code == 74 and f"127.0.0.1:{dead}" in err and "cannot connect" in err,
          f"postgres: a clear error naming the server when it cannot connect ({code}: {err.strip()})")

    # 4 concurrent shard workers into one database == a single run
    corpus = make_corpus(2)
    lst = t("pg-list.txt")
    with open(lst, "w") as f:
        f.write("\n".join(sorted(glob.glob(os.path.join(corpus, "*", "*")))) + "\n")
    single = pg.createdb("single")
    wx("parse", "--db", single, "--files-from", lst)
    sharded = pg.createdb("sharded")
    procs = [subprocess.Popen([BIN, "parse", "--batch", "3", "--db", sharded, "--shard", f"{k}/4", "--files-from", lst],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for k in range(4)]
    errs = [p.communicate()[1].decode() for p in procs]
    for e in errs:
        sanitizer_clean(e)
    codes = [p.returncode for p in procs]
    check(all(c in (0, 65) for c in codes), f"postgres: 4 shard workers finish ({codes}: {errs})")
    check(pg.rows("sharded") == pg.rows("single"), "postgres: 4 concurrent shard workers end with a single run's rows")

    # a deadlock with another writer: the server aborts our batch, which is
    # replayed and completes (without the replay the run would exit 74)
    x, y = os.path.join(SAMPLES, "article-01.html.gz"), os.path.join(SAMPLES, "article-02.html.gz")
    ids = [json.loads(line)["id"] for line in wx("parse", x, y)[1].splitlines()]
    url = pg.createdb("deadlock")
    wx("parse", "--db", url, x, y)
    other = subprocess.Popen([os.path.join(pg.bin, "psql"), "-X", "-At", "-d", url], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)

    def say(cmd, mark):
        other.stdin.write(f"{cmd}\n\\echo {mark}\n")
        other.stdin.flush()
        out = []
        while True:
            line = other.stdout.readline()
            if not line or line.strip() == mark:
                return "".join(out)
            out.append(line)

    say(f"BEGIN; UPDATE articles SET title = title WHERE id = '{ids[0]}';", "m1")
    p = subprocess.Popen([BIN, "parse", "--batch", "10", "--db", url, y, x],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def blocked():
        q = ("SELECT count(*) FROM pg_stat_activity WHERE datname = 'deadlock' AND wait_event_type = 'Lock'"
             " AND query LIKE 'WITH r AS%'")
        return int(pg.sql("postgres", q)) == 1
    was_blocked = wait_for(blocked, 60)
    said = say(f"UPDATE articles SET title = title WHERE id = '{ids[1]}';", "m2")
    say("COMMIT;", "m3")
    other.stdin.close()
    other.wait()
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    log = open(os.path.join(pg.dir, "log"), encoding="utf-8", errors="replace").read()
    check(was_blocked and "deadlock detected" in log and p.returncode == 0 and "ERROR" not in said,
          f"postgres: a deadlocked batch is replayed and the run succeeds ({p.returncode}: {err.strip()} {said})")

    # the server goes away mid-run: non-zero exit, the open batch rolled back, a rerun completes it
    big = make_corpus(4)
    goal = pg.createdb("goaway_ref")
    wx("parse", "--db", goal, big)
    url = pg.createdb("goaway")
    p = subprocess.Popen([BIN, "parse", "--incremental", "--batch", "4", "--db", url, big],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    def stored():
        try:
            return int(pg.sql("goaway", "SELECT count(*) FROM inputs")) >= 8
        except RuntimeError:
            return False
    wait_for(stored, 60)
    pg.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'goaway'")
    err = p.communicate()[1].decode()
    sanitizer_clean(err)
    n = int(pg.sql("goaway", "SELECT count(*) FROM inputs"))
    check(p.returncode == 74 and "PostgreSQL server 127.0.0.1" in err,
          f"postgres: the backend terminated mid-run gives exit 74 naming the server ({p.returncode}: {err[-300:]})")
    check(n % 4 == 0 and 0 < n < count_files(big), f"postgres: only whole batches were committed ({n} inputs)")
    code, _, err = wx("parse", "--incremental", "--batch", "4", "--db", url, big)
    check(f"unchanged={n}" in err and pg.rows("goaway") == pg.rows("goaway_ref"),
          f"postgres: a rerun completes the work; rows equal an uninterrupted run's ({err.strip()})")


def pg_search(pg, db, word):
    return [line.split("|")[0] for line in pg.sql(db, PG_SEARCH.format(w=word)).splitlines()]


def test_search_postgres(pg, versions):
    (p1, p2), recs, (w1, w2) = versions
    if not (w1 and w2):
        return
    rid = recs[0]["id"]
    # LC_CTYPE C.UTF-8: pg_trgm takes trigrams from Chinese (under C it finds none)
    pg.sql("postgres", "CREATE DATABASE search TEMPLATE template0 LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'")
    url = pg.url("search")
    code, _, err = wx("parse", *ocr_args(), "--db", url, p1, NOTICE)
    check(code == 0 and "pg_trgm" not in err and "LC_CTYPE" not in err,
          f"postgres search: parse --ocr --db, no warning ({code}: {err.strip()})")
    check(pg_search(pg, "search", w1) == [rid], f"postgres search: the README's query finds the notice by {w1}")
    check(pg_search(pg, "search", w2) == [], f"postgres search: {w2} is in no record yet")
    plan = pg.sql("search", "SET enable_seqscan = off; EXPLAIN " + PG_SEARCH.format(w=w1))
    check(all(ix in plan for ix in ("articles_title_trgm", "articles_text_trgm", "images_text_trgm")),
          f"postgres search: the query can use the three trigram indexes ({plan})")
    row = pg.sql("search", f"SELECT text, text_confidence, sha256, bytes, local, width FROM images"
                           f" WHERE article_id = '{rid}' AND pos = 0")
    im = recs[0]["images"][0]
    want = "|".join("" if v is None else str(v) for v in (im["text"], im["text_confidence"], im.get("sha256"),
                                                             im.get("bytes"), im["local"], im["width"]))
    check(row.rstrip("\n") == want, "postgres: images holds the image's text, text_confidence, sha256, bytes, local, width")
    wx("parse", *ocr_args(), "--db", url, p2)
    check(pg_search(pg, "search", w1) == [] and pg_search(pg, "search", w2) == [rid],
          f"postgres search: after the newer version, {w1} is gone and {w2} found")
    wx("parse", *ocr_args(), "--db", url, p1)
    check(pg_search(pg, "search", w1) == [] and pg_search(pg, "search", w2) == [rid],
          "postgres search: the older version arriving again changes nothing")

    # a database under LC_CTYPE C: said once, when the indexes are made
    url = pg.createdb("search_c")
    code, _, err = wx("parse", *ocr_args(), "--db", url, p1)
    check(code == 0 and "LC_CTYPE is C" in err and pg_search(pg, "search_c", w1) == [rid],
          f"postgres search: under LC_CTYPE C a warning says Chinese is not indexed; the query still finds it ({err.strip()})")
    code, _, err = wx("parse", *ocr_args(), "--db", url, p1)
    check(code == 0 and "LC_CTYPE" not in err, "postgres search: the LC_CTYPE warning is not repeated")

    # no right to create the extension: said clearly, the run goes on
    pg.sql("postgres", "CREATE ROLE wxplain LOGIN")
    pg.sql("postgres", "CREATE DATABASE notrgm")
    pg.sql("notrgm", "GRANT ALL ON SCHEMA public TO wxplain")
    url = f"postgres://wxplain@127.0.0.1:{pg.port}/notrgm"
    code, _, err = wx("parse", *ocr_args(), "--db", url, p1, NOTICE)
    n = pg.sql("notrgm", "SELECT count(*) FROM articles").strip()
    check(code == 0 and "pg_trgm extension is unavailable" in err and n == "2" and
          pg_search(pg, "notrgm", w1) == [rid],
          f"postgres: without pg_trgm the run stores its records and says why there are no indexes ({code}, {n}: {err.strip()})")


def pg_trgm_indexes(pg, db):
    return pg.sql(db, "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm' ORDER BY 1").split()


def test_bulk_load_postgres(pg):
    """--no-search-index: the trigram indexes are dropped for the load and
    `wxingest index` creates them again over the stored rows."""
    corpus = make_corpus(2)
    pg.sql("postgres", "CREATE DATABASE bulk TEMPLATE template0 LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'")
    url = pg.url("bulk")
    ref = pg.createdb("bulkref")
    for db in (ref, url):
        wx("parse", "--db", db, NOTICE)
    wx("parse", "--db", ref, corpus)
    check(len(pg_trgm_indexes(pg, "bulk")) == 3, "postgres bulk: a run creates the three trigram indexes")
    code, _, err = wx("parse", "--no-search-index", "--db", url, corpus)
    check(code == 65 and pg_trgm_indexes(pg, "bulk") == [],
          f"postgres --no-search-index drops the trigram indexes ({code}: {err[-200:]})")
    check(pg.rows("bulk") == pg.rows("bulkref"), "postgres --no-search-index: the same rows as a run with the indexes")
    code, _, err = wx("index", url)
    check(code == 0 and len(pg_trgm_indexes(pg, "bulk")) == 3,
          f"wxingest index creates the trigram indexes again ({code}: {err.strip()})")
    word = "培训会议"
    check(pg_search(pg, "bulk", word) == pg_search(pg, "bulkref", word) != [],
          f"postgres bulk: {word} is found as in the reference run")


def test_migration_old_postgres(pg):
    for v in OLD_VERSIONS:
        migrate_postgres(pg, v)


def migrate_postgres(pg, version):
    """A database written by an earlier release (tests/db/vN.pg.sql, a
    pg_dump) keeps its rows and is migrated to 4."""
    db = f"oldv{version}"
    pg.sql("postgres", f"CREATE DATABASE {db} TEMPLATE template0 LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'")
    p = subprocess.run([os.path.join(pg.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url(db),
                        "-f", old_fixture(version, "pg")], capture_output=True, timeout=120)
    check(p.returncode == 0, f"postgres: the version-{version} dump loads ({p.stderr.decode()[-300:]})")
    queries = {k: f"SELECT {V2_COLUMNS.get(k, k + '.*')} FROM {k} ORDER BY 1, 2" for k in SQLITE_TABLES}
    # one JSON array per table (a row's text may span lines)
    queries = {k: f"SELECT coalesce(json_agg(t), '[]') FROM ({q}) t" for k, q in queries.items()}
    before = {k: {json.dumps(r, sort_keys=True) for r in json.loads(pg.sql(db, q))} for k, q in queries.items()}
    code, _, err = wx("parse", "--db", pg.url(db), os.path.join(SAMPLES, "article-01.html.gz"))
    after = {k: {json.dumps(r, sort_keys=True) for r in json.loads(pg.sql(db, q))} for k, q in queries.items()}
    ver = pg.sql(db, "SELECT version FROM wxingest_schema").strip()
    check(code == 0 and ver == "4", f"postgres: a version-{version} database is migrated to 4 ({code}, {ver}: {err.strip()})")
    check(before["articles"] and all(before[k] <= after[k] for k in before) and
          len(after["articles"]) == len(before["articles"]) + 1,
          f"postgres: the version-{version} database's rows are all kept as they were (one article added)")
    bad = pg.sql(db, "SELECT count(*) FROM images i JOIN articles a ON a.id = i.article_id"
                          " WHERE i.text IS DISTINCT FROM a.record->'images'->i.pos->>'text'"
                          " OR i.text_confidence IS DISTINCT FROM (a.record->'images'->i.pos->>'text_confidence')::int"
                          " OR i.sha256 IS DISTINCT FROM a.record->'images'->i.pos->>'sha256'"
                          " OR i.bytes IS DISTINCT FROM (a.record->'images'->i.pos->>'bytes')::bigint")
    filled = pg.sql(db, "SELECT count(*) FROM images WHERE text IS NOT NULL")
    check(bad.strip() == "0" and int(filled) > 0, f"postgres: version {version}: the old rows' new images columns are filled from their records")
    recs = [json.loads(x) for x in pg.sql(db, "SELECT record FROM articles").splitlines()]
    old = next((r for r in recs if image_only_word(r, PLAIN_WORDS)), None)
    w = image_only_word(old, PLAIN_WORDS)
    check(old and pg_search(pg, db, w) == [old["id"]], f"postgres: version {version}: the migrated database is searchable ({w})")


def timed(name, fn, *args):
    start = time.time()
    fn(*args)
    print(f"db: {name}: {time.time() - start:.1f} s")


def main():
    try:
        timed("schema", test_schema_command)
        timed("sqlite", test_sqlite_basic)
        timed("incremental", test_incremental_sqlite)
        timed("migration", test_migration_from_old_version)
        timed("migration from versions 2 and 3", test_migration_old_sqlite)
        versions = ocr_versions()
        timed("sqlite search", test_search_sqlite, versions)
        timed("sqlite bulk load", test_bulk_load_sqlite)
        timed("atomic", test_atomic_output)
        timed("special outputs", test_special_outputs)
        timed("append", test_append)
        timed("lock", test_lock)
        timed("sigterm", test_sigterm)
        timed("sigint", test_sigint)
        # The killed runs' stderr is thrown away (a run killed with -9 cannot
        # report), so under ASan they check nothing the normal pass does not:
        # the sanitizer pass (tests/run.sh sets WX_SANITIZER_PASS=1) leaves
        # this test to the normal pass.
        if os.environ.get("WX_SANITIZER_PASS") == "1":
            print("db: sanitizer pass (WX_SANITIZER_PASS=1): the kill -9 test is left to the normal pass")
        else:
            timed("kill -9", test_kill9_rerun)
        timed("logging", test_logging)
        timed("shard", test_shard_and_lists)
        if os.environ.get("WX_NO_POSTGRES") == "1":
            print("db: PostgreSQL tests SKIPPED because WX_NO_POSTGRES=1 is set")
        else:
            try:
                pg = Postgres()
            except (OSError, subprocess.CalledProcessError, KeyError) as e:
                msg = e.stderr.decode() if isinstance(e, subprocess.CalledProcessError) else str(e)
                check(False, f"PostgreSQL tests need a server: {msg.strip()}")
            else:
                try:
                    timed("postgres", test_postgres, pg)
                    timed("postgres equal child rows", test_pg_same_children, pg)
                    timed("postgres two batches in flight", test_pg_two_flights, pg)
                    timed("postgres search", test_search_postgres, pg, versions)
                    timed("postgres bulk load", test_bulk_load_postgres, pg)
                    timed("postgres migration from versions 2 and 3", test_migration_old_postgres, pg)
                finally:
                    pg.stop()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    check(sanitizer_reports == 0, f"{sanitizer_reports} runs had sanitizer reports")
    return checks.summary("db")


if __name__ == "__main__":
    sys.exit(main())
