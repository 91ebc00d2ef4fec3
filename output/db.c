/*
 * Database sinks: SQLite (embedded, the default) and PostgreSQL (libpq).
 *
 * Both keep the same tables: articles (one row per article id, every scalar
 * field plus the whole record as JSON), images, links, dates and notices
 * (child rows keyed by article id and position), status_history (each
 * article's status and bytes as they changed), and inputs (the SHA-256 of
 * every input already stored, for --incremental).  The rows are computed by
 * the database itself from the record's JSON (SQLite's json_each and ->>,
 * PostgreSQL's jsonb functions), so C never restates the record layout and
 * never escapes a value: the record travels as one bound parameter.
 *
 * An upsert replaces an article only when the incoming record is at least
 * as new (fetched_at, then source sha256, then the input path, compared
 * as text; absent is oldest).  That makes the final rows independent of the order in which
 * inputs arrive, so concurrent shard workers end where a single run ends.
 * When an article is replaced its child rows are replaced in the same
 * transaction (SQLite: deleted and inserted again, a record at a time;
 * PostgreSQL: a whole batch in one set-based statement, pg_flush_sql, that
 * upserts them by position and deletes the surplus).
 *
 * PostgreSQL's batch is kept in memory and sent at its commit, so a batch
 * that the server aborts to break a deadlock between workers is sent again.
 * Two batches are in flight at once, each on a connection of its own
 * (pg_flight), so the server stores one while it stores the next.
 *
 * Search over title, body text and the text inside images (--ocr): SQLite
 * keeps an FTS5 trigram table in step by triggers on articles, PostgreSQL
 * has pg_trgm GIN indexes on the columns.  Either is optional: a library
 * or server without it is told on stderr and the records are stored.
 */
#include "output.h"
#include "../ingest/strmap.h"
#include "../ingest/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>

/* ---------- schema ---------- */

/* SQLite migrations: entry i takes a database from user_version i to i+1.
 * Append new steps; never edit a released one. */
static const char *const sqlite_migrations[] = {
    /* 0 -> 1: articles and their child rows */
    "CREATE TABLE articles (\n"
    "  id TEXT PRIMARY KEY,\n"
    "  status TEXT NOT NULL,\n"
    "  error_code TEXT,\n"
    "  error_message TEXT,\n"
    "  kind TEXT,\n"
    "  input_path TEXT,\n"
    "  input_url TEXT,\n"
    "  input_format TEXT,\n"
    "  input_bytes INTEGER,\n"
    "  input_sha256 TEXT,\n"
    "  fetched_at TEXT,\n"
    "  url TEXT,\n"
    "  biz TEXT,\n"
    "  mid TEXT,\n"
    "  idx INTEGER,\n"
    "  sn TEXT,\n"
    "  title TEXT,\n"
    "  description TEXT,\n"
    "  author TEXT,\n"
    "  account_name TEXT,\n"
    "  account_id TEXT,\n"
    "  account_alias TEXT,\n"
    "  account_avatar TEXT,\n"
    "  published_at TEXT,\n"
    "  cover TEXT,\n"
    "  copyright TEXT,\n"
    "  source_url TEXT,\n"
    "  text TEXT,\n"
    "  warnings TEXT NOT NULL DEFAULT '[]',\n"
    "  record TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE images (\n"
    "  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  url TEXT NOT NULL,\n"
    "  format TEXT,\n"
    "  width INTEGER,\n"
    "  height INTEGER,\n"
    "  alt TEXT,\n"
    "  role TEXT,\n"
    "  local TEXT,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE links (\n"
    "  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  url TEXT NOT NULL,\n"
    "  text TEXT,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE dates (\n"
    "  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  text TEXT NOT NULL,\n"
    "  date TEXT NOT NULL,\n"
    "  time TEXT,\n"
    "  end_date TEXT,\n"
    "  role TEXT NOT NULL,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE notices (\n"
    "  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  title TEXT,\n"
    "  kind TEXT,\n"
    "  doc_number TEXT,\n"
    "  issuer TEXT,\n"
    "  signed_on TEXT,\n"
    "  source TEXT,\n"
    "  addressees TEXT NOT NULL,\n"
    "  deadlines TEXT NOT NULL,\n"
    "  attachments TEXT NOT NULL,\n"
    "  contacts TEXT NOT NULL,\n"
    "  links TEXT NOT NULL,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n",
    /* 1 -> 2: inputs already stored (--incremental), publication index */
    "CREATE TABLE inputs (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  article_id TEXT,\n"
    "  stored_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX inputs_sha256 ON inputs(sha256);\n"
    "CREATE INDEX articles_published_at ON articles(published_at);\n",
    /* 2 -> 3: status_history (issue 13), its own step: what each article's
     * status and bytes were, a row whenever either changed (HISTORY_ADD) */
    "CREATE TABLE status_history (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  article_id TEXT NOT NULL,\n"
    "  seen_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  sha256 TEXT,\n"
    "  via TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX status_history_article ON status_history(article_id, seq);\n"
    "CREATE INDEX status_history_seen_at ON status_history(seen_at);\n",
    /* 3 -> 4: what a record says of each image's stored copy and its text
     * (filled in from the records already stored) */
    "ALTER TABLE images ADD COLUMN sha256 TEXT;\n"
    "ALTER TABLE images ADD COLUMN bytes INTEGER;\n"
    "ALTER TABLE images ADD COLUMN text TEXT;\n"
    "ALTER TABLE images ADD COLUMN text_confidence INTEGER;\n"
    "UPDATE images SET sha256 = x.e->>'sha256', bytes = x.e->>'bytes', text = x.e->>'text',\n"
    "  text_confidence = x.e->>'text_confidence'\n"
    "  FROM (SELECT a.id, j.key AS pos, j.value AS e FROM articles a, json_each(a.record, '$.images') j) x\n"
    "  WHERE x.id = images.article_id AND x.pos = images.pos;\n",
};
#define SQLITE_VERSION_NOW ((int)(sizeof sqlite_migrations / sizeof *sqlite_migrations))

/* The text of a record's images, one image a line (NULL when none has any). */
#define SQLITE_IMAGE_TEXT(rec) \
    "(SELECT group_concat(value->>'text', char(10)) FROM json_each(" rec ", '$.images'))"

/* Full-text search over title, body text and the text inside the images:
 * FTS5 with the trigram tokenizer (any substring of 3 or more characters,
 * so Chinese needs no word segmentation).  One row per article, its rowid
 * the article's; triggers keep it in step with every write of articles, so
 * an article replaced by a newer record is found by the new text only (an
 * older record that loses the upsert writes nothing).  Not a numbered
 * migration: a SQLite built without FTS5 or trigram (before 3.34) still
 * opens the file, without this table (see lite_fts).  Segments are merged
 * 16 at a time instead of FTS5's 4: a trigram index rewrites a lot of
 * data at each merge, and this cuts the index's share of a run's CPU by
 * about a third for a search that reads a few more segments. */
static const char sqlite_fts[] =
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, image_text, tokenize = 'trigram');\n"
    "INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16);\n"
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN\n"
    "  INSERT INTO articles_fts (rowid, title, text, image_text)\n"
    "  VALUES (new.rowid, new.title, new.text, " SQLITE_IMAGE_TEXT("new.record") ");\n"
    "END;\n"
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, record ON articles BEGIN\n"
    "  DELETE FROM articles_fts WHERE rowid = old.rowid;\n"
    "  INSERT INTO articles_fts (rowid, title, text, image_text)\n"
    "  VALUES (new.rowid, new.title, new.text, " SQLITE_IMAGE_TEXT("new.record") ");\n"
    "END;\n"
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN\n"
    "  DELETE FROM articles_fts WHERE rowid = old.rowid;\n"
    "END;\n"
    "INSERT INTO articles_fts (rowid, title, text, image_text)\n"
    "  SELECT rowid, title, text, " SQLITE_IMAGE_TEXT("record") " FROM articles;\n";

/* What --no-search-index removes: the index and what keeps it in step. */
static const char sqlite_fts_drop[] =
    "DROP TRIGGER IF EXISTS articles_fts_insert; DROP TRIGGER IF EXISTS articles_fts_update;"
    " DROP TRIGGER IF EXISTS articles_fts_delete; DROP TABLE IF EXISTS articles_fts;";

/* PostgreSQL: the current schema in one piece, idempotent.  Dates with only
 * a year or month are stored as the first day of the period; the exact text
 * stays in dates.text and in the record. */
static const char pg_schema[] =
    "CREATE TABLE IF NOT EXISTS articles (\n"
    "  id text PRIMARY KEY,\n"
    "  status text NOT NULL,\n"
    "  error_code text,\n"
    "  error_message text,\n"
    "  kind text,\n"
    "  input_path text,\n"
    "  input_url text,\n"
    "  input_format text,\n"
    "  input_bytes bigint,\n"
    "  input_sha256 text,\n"
    "  fetched_at text,\n"
    "  url text,\n"
    "  biz text,\n"
    "  mid text,\n"
    "  idx integer,\n"
    "  sn text,\n"
    "  title text,\n"
    "  description text,\n"
    "  author text,\n"
    "  account_name text,\n"
    "  account_id text,\n"
    "  account_alias text,\n"
    "  account_avatar text,\n"
    "  published_at timestamptz,\n"
    "  cover text,\n"
    "  copyright text,\n"
    "  source_url text,\n"
    "  text text,\n"
    "  warnings jsonb NOT NULL DEFAULT '[]',\n"
    "  record jsonb NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS images (\n"
    "  article_id text NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos integer NOT NULL,\n"
    "  url text NOT NULL,\n"
    "  format text,\n"
    "  width integer,\n"
    "  height integer,\n"
    "  alt text,\n"
    "  role text,\n"
    "  local text,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS links (\n"
    "  article_id text NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos integer NOT NULL,\n"
    "  url text NOT NULL,\n"
    "  text text,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS dates (\n"
    "  article_id text NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos integer NOT NULL,\n"
    "  text text NOT NULL,\n"
    "  date date NOT NULL,\n"
    "  time text,\n"
    "  end_date date,\n"
    "  role text NOT NULL,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS notices (\n"
    "  article_id text NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
    "  pos integer NOT NULL,\n"
    "  title text,\n"
    "  kind text,\n"
    "  doc_number text,\n"
    "  issuer text,\n"
    "  signed_on date,\n"
    "  source text,\n"
    "  addressees jsonb NOT NULL,\n"
    "  deadlines jsonb NOT NULL,\n"
    "  attachments jsonb NOT NULL,\n"
    "  contacts jsonb NOT NULL,\n"
    "  links jsonb NOT NULL,\n"
    "  PRIMARY KEY (article_id, pos)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS inputs (\n"
    "  key text PRIMARY KEY,\n"
    "  sha256 text NOT NULL,\n"
    "  article_id text,\n"
    "  stored_at timestamptz NOT NULL DEFAULT now()\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS inputs_sha256 ON inputs(sha256);\n"
    "CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at);\n"
    /* version 3: status_history (issue 13), as in SQLite's step 2 -> 3 */
    "CREATE TABLE IF NOT EXISTS status_history (\n"
    "  seq bigserial PRIMARY KEY,\n"
    "  article_id text NOT NULL,\n"
    "  seen_at timestamptz NOT NULL DEFAULT now(),\n"
    "  status text NOT NULL,\n"
    "  sha256 text,\n"
    "  via text NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS status_history_article ON status_history(article_id, seq);\n"
    "CREATE INDEX IF NOT EXISTS status_history_seen_at ON status_history(seen_at);\n"
    "CREATE TABLE IF NOT EXISTS wxingest_schema (version integer NOT NULL);\n";
#define PG_VERSION_BASE 3       /* what pg_schema creates */

/* PostgreSQL steps after pg_schema: entry i takes version BASE + i to
 * BASE + i + 1.  Append new steps; never edit a released one. */
static const char *const pg_steps[] = {
    /* 3 -> 4: each image's stored copy and its text, filled in from the
     * records already stored */
    "ALTER TABLE images ADD COLUMN IF NOT EXISTS sha256 text, ADD COLUMN IF NOT EXISTS bytes bigint,\n"
    "  ADD COLUMN IF NOT EXISTS text text, ADD COLUMN IF NOT EXISTS text_confidence integer;\n"
    "UPDATE images i SET sha256 = a.record->'images'->i.pos->>'sha256',\n"
    "  bytes = (a.record->'images'->i.pos->>'bytes')::bigint, text = a.record->'images'->i.pos->>'text',\n"
    "  text_confidence = (a.record->'images'->i.pos->>'text_confidence')::integer\n"
    "  FROM articles a WHERE a.id = i.article_id AND jsonb_typeof(a.record->'images'->i.pos) = 'object';\n",
};
#define PG_VERSION_NOW (PG_VERSION_BASE + (int)(sizeof pg_steps / sizeof *pg_steps))

/* Substring search over title, body text and image text: pg_trgm's GIN
 * indexes serve LIKE / ILIKE '%...%' (and similarity) queries.  pg_trgm is
 * in contrib (Debian: postgresql-contrib, part of the postgresql package);
 * where it is missing the run goes on without these indexes (pg_trgm_setup).
 * pg_trgm takes its trigrams from runs of letters and digits as the
 * database's LC_CTYPE classifies them: under the C locale Chinese gives
 * none, so such a database is searched by a scan (still correct). */
static const char pg_trgm[] =
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
    "CREATE INDEX IF NOT EXISTS articles_title_trgm ON articles USING gin (title gin_trgm_ops);\n"
    "CREATE INDEX IF NOT EXISTS articles_text_trgm ON articles USING gin (text gin_trgm_ops);\n"
    "CREATE INDEX IF NOT EXISTS images_text_trgm ON images USING gin (text gin_trgm_ops);\n";
static const char pg_trgm_drop[] =
    "DROP INDEX IF EXISTS articles_title_trgm; DROP INDEX IF EXISTS articles_text_trgm;"
    " DROP INDEX IF EXISTS images_text_trgm;";

/* n strings and a formatted tail in one malloc'd string (NULL: no memory). */
static char *join_sql(const char *const *parts, int n, const char *extra, const char *tail_fmt, int version)
{
    size_t len = strlen(extra) + 96;
    for (int i = 0; i < n; i++) len += strlen(parts[i]);
    char *all = malloc(len);
    if (!all) return NULL;
    all[0] = '\0';
    for (int i = 0; i < n; i++) strcat(all, parts[i]);
    strcat(all, extra);
    snprintf(all + strlen(all), 96, tail_fmt, version);
    return all;
}

/* The DDL a user can run by hand, or NULL for an unknown kind: every
 * migration step in order, the search index, and the version. */
const char *wx_db_schema_sql(const char *kind)
{
    static char *sqlite_all, *pg_all;
    if (strcmp(kind, "postgres") == 0 || strcmp(kind, "postgresql") == 0) {
        if (!pg_all) {
            const char *parts[1 + sizeof pg_steps / sizeof *pg_steps] = {pg_schema};
            for (int i = 0; i < PG_VERSION_NOW - PG_VERSION_BASE; i++) parts[1 + i] = pg_steps[i];
            pg_all = join_sql(parts, 1 + PG_VERSION_NOW - PG_VERSION_BASE, pg_trgm,
                              "INSERT INTO wxingest_schema VALUES (%d);\n", PG_VERSION_NOW);
        }
        return pg_all;
    }
    if (strcmp(kind, "sqlite") != 0) return NULL;
    if (!sqlite_all)
        sqlite_all = join_sql(sqlite_migrations, SQLITE_VERSION_NOW, sqlite_fts, "PRAGMA user_version = %d;\n",
                              SQLITE_VERSION_NOW);
    return sqlite_all;
}

int wx_db_schema_version(void) { return SQLITE_VERSION_NOW; }

/* ---------- statements (the rows are derived from the record's JSON) ---------- */

/* ?1 / $1: the record as JSON.  Replaces only when not older (see top). */
/* The upsert of an article row, the same in SQLite and PostgreSQL: every
 * column from the new record, unless the stored one is newer (a later
 * fetch, then a greater sha256, then a greater input path: two inputs of
 * the same bytes tie on the first two), so the rows do not depend on input
 * order. */
#define ARTICLE_UPSERT \
    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, error_code = excluded.error_code," \
    " error_message = excluded.error_message, kind = excluded.kind, input_path = excluded.input_path," \
    " input_url = excluded.input_url, input_format = excluded.input_format," \
    " input_bytes = excluded.input_bytes, input_sha256 = excluded.input_sha256," \
    " fetched_at = excluded.fetched_at, url = excluded.url, biz = excluded.biz, mid = excluded.mid," \
    " idx = excluded.idx, sn = excluded.sn, title = excluded.title, description = excluded.description," \
    " author = excluded.author, account_name = excluded.account_name," \
    " account_id = excluded.account_id, account_alias = excluded.account_alias," \
    " account_avatar = excluded.account_avatar, published_at = excluded.published_at," \
    " cover = excluded.cover, copyright = excluded.copyright, source_url = excluded.source_url," \
    " text = excluded.text, warnings = excluded.warnings, record = excluded.record" \
    " WHERE (coalesce(excluded.fetched_at, ''), coalesce(excluded.input_sha256, ''), coalesce(excluded.input_path, ''))" \
    " >= (coalesce(a.fetched_at, ''), coalesce(a.input_sha256, ''), coalesce(a.input_path, ''))"

/* SQLite takes each value from the record in C and binds it: the
 * statements below have one parameter per column and no JSON in them.
 * Letting SQLite take the fields with ->> and json_each (as PostgreSQL
 * does) parsed each record's JSON again in every statement, about a third
 * of the sink's time.  A column is named by its path in the record
 * ("source.path"); "=" before it stores the value as JSON text, as json()
 * would; otherwise a value is stored as ->> gives it (a string as text, a
 * number as a number, true/false as 1/0, an object or array as its JSON).
 * "@" stands for the record's own line. */
static const char *const lite_article_cols[] = {
    "id", "status", "error.code", "error.message", "kind", "source.path", "source.url", "source.format",
    "source.bytes", "source.sha256", "source.fetched_at", "url", "biz", "mid", "idx", "sn", "title",
    "description", "author", "account.name", "account.id", "account.alias", "account.avatar", "published_at",
    "cover", "copyright", "source_url", "text", "=warnings", "@",
};
#define N_ARTICLE_COLS ((int)(sizeof lite_article_cols / sizeof *lite_article_cols))

static const char sqlite_upsert[] =
    "INSERT INTO articles AS a (id, status, error_code, error_message, kind, input_path, input_url,"
    " input_format, input_bytes, input_sha256, fetched_at, url, biz, mid, idx, sn, title, description,"
    " author, account_name, account_id, account_alias, account_avatar, published_at, cover, copyright,"
    " source_url, text, warnings, record)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
    " ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)"
    ARTICLE_UPSERT
    /* the same record again (a rerun) writes nothing: every column and
     * child row comes from it, so they would be written as they are */
    " AND a.record IS NOT excluded.record";

/* ?1 article id: the child rows go before the article's new ones. */
static const char *const sqlite_children_clear[] = {
    "DELETE FROM images WHERE article_id = ?1",
    "DELETE FROM links WHERE article_id = ?1",
    "DELETE FROM dates WHERE article_id = ?1",
    "DELETE FROM notices WHERE article_id = ?1",
};
#define N_CHILDREN 4

/* A child table's rows: one per element of the record's array `array`
 * (NULL: one row for the record's `notice` when it is an object), ?1 the
 * article id, ?2 the position, then `cols` from the element. */
typedef struct lite_child {
    const char *array;
    const char *sql;
    const char *const *cols;
    int ncols;
} lite_child;

static const char *const image_cols[] = {"url", "format", "width", "height", "alt", "role", "local", "sha256",
                                         "bytes", "text", "text_confidence"};
static const char *const link_cols[] = {"url", "text"};
static const char *const date_cols[] = {"text", "date", "time", "end", "role"};
static const char *const notice_cols[] = {"title", "kind", "doc_number", "issuer", "signed_on", "source",
                                          "=addressees", "=deadlines", "=attachments", "=contacts", "=links"};
#define COLS(c) c, (int)(sizeof c / sizeof *c)

static const lite_child lite_children[N_CHILDREN] = {
    {"images", "INSERT INTO images (article_id, pos, url, format, width, height, alt, role, local, sha256, bytes,"
               " text, text_confidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
     COLS(image_cols)},
    {"links", "INSERT INTO links (article_id, pos, url, text) VALUES (?1, ?2, ?3, ?4)", COLS(link_cols)},
    {"dates", "INSERT INTO dates (article_id, pos, text, date, time, end_date, role)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", COLS(date_cols)},
    {NULL, "INSERT INTO notices (article_id, pos, title, kind, doc_number, issuer, signed_on, source,"
           " addressees, deadlines, attachments, contacts, links)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", COLS(notice_cols)},
};

/* wxingest's own writes index a batch at once, at its commit (lite_put,
 * lite_fts_flush), instead of through the triggers: FTS5 writes what it
 * holds in memory to a new segment at every statement that follows a
 * write to it, so a record at a time makes a segment per record and the
 * merging of them cost twice the indexing itself.  The written articles'
 * ids wait in a temporary table of the connection; the index rows of a
 * replaced article are deleted and written again from its new row. */
static const char *const sqlite_fts_batch[] = {
    "INSERT OR IGNORE INTO temp.wx_fts_batch (id) VALUES (?1)",
    "DELETE FROM articles_fts WHERE rowid IN"
    " (SELECT a.rowid FROM temp.wx_fts_batch b JOIN articles a ON a.id = b.id)",
    "INSERT INTO articles_fts (rowid, title, text, image_text)"
    " SELECT a.rowid, a.title, a.text, " SQLITE_IMAGE_TEXT("a.record")
    " FROM temp.wx_fts_batch b JOIN articles a ON a.id = b.id",
    "DELETE FROM temp.wx_fts_batch",
};

static const char sqlite_put_input[] =
    "INSERT INTO inputs (key, sha256, article_id, stored_at)"
    " VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
    " ON CONFLICT (key) DO UPDATE SET sha256 = excluded.sha256, article_id = excluded.article_id,"
    " stored_at = excluded.stored_at";

static const char sqlite_seen[] =
    "SELECT (SELECT sha256 FROM inputs WHERE key = ?1),"
    " EXISTS (SELECT 1 FROM inputs WHERE sha256 = ?2)";

/* PostgreSQL: a date of 4, 7 or 10 characters as the first day it names. */
#define PG_DATE(x) \
    "CASE length(" x ") WHEN 4 THEN (" x " || '-01-01')::date WHEN 7 THEN (" x " || '-01')::date" \
    " ELSE (" x ")::date END"

/* PostgreSQL stores a batch in one statement, sent once at its commit, so
 * the server plans and runs set-based work instead of a statement per
 * record.  $1 is the batch's records as one JSON array, $2 their input
 * keys (an array of the same length, null where none).  The statement
 * does, with the same rules a record at a time would give:
 *  - r: the records numbered in the order they arrived (n);
 *  - w: of the records of one article id, the newest by the upsert's own
 *    order (fetched_at, sha256, path; a later arrival wins a tie, as the
 *    later of two equal records wrote last), sorted by id, which also
 *    takes the row locks in the same order in every worker;
 *  - a: the article upsert, RETURNING the ids it wrote; a record equal
 *    to the stored one (as text: jsonb's = takes 1.0 for 1.00, its text
 *    does not) is not written again, every column and child row being
 *    derived from it: a rerun over the same inputs then writes no heap
 *    row, TOAST value or trigram index entry for it (the row is still
 *    locked, so workers still take locks in id order);
 *  - the child rows of those articles upserted by position with the
 *    surplus positions deleted (disjoint rows, so one statement can do
 *    both); a row equal to the stored one is left as it is (a refetch
 *    whose page did not change rewrites the article, not its children);
 *    an article the upsert inserted (xmax = 0 in RETURNING: no row
 *    version before it, so it has no child rows, even when another
 *    worker inserted the id meanwhile, since then this one updates)
 *    gets its child rows by plain INSERT, without the probe ON CONFLICT
 *    makes for each row first nor a delete: the common case of a first
 *    load, where that probe was about a seventh of the server's time;
 *  - status_history: each record against the record of its article just
 *    before it in the batch, the first against the article's last row;
 *  - inputs: the last record of each key.
 * Values are taken from the parsed records held in r (materialised in
 * memory), never from a stored jsonb that would be read from TOAST again
 * for every field. */
#define PG_CHILD_ROWS(table, cols, vals, elems, which)                                         \
    "INSERT INTO " table " (article_id, pos, " cols ")"                                          \
    " SELECT aw.id, t.o - 1, " vals " FROM aw, jsonb_array_elements(aw.j->'" elems "')"          \
    " WITH ORDINALITY t(e, o) WHERE " which
#define PG_CHILD(table, cols, vals, set, same, elems)                                              \
    " n_" table " AS (" PG_CHILD_ROWS(table, cols, vals, elems, "aw.fresh") "),"                 \
    " i_" table " AS (" PG_CHILD_ROWS(table, cols, vals, elems, "NOT aw.fresh")                  \
    " ON CONFLICT (article_id, pos) DO UPDATE SET " set " WHERE " same "),"                       \
    " d_" table " AS (DELETE FROM " table " d USING aw WHERE d.article_id = aw.id AND NOT aw.fresh" \
    " AND d.pos >= jsonb_array_length(aw.j->'" elems "')),"

/* "status sha256" of record j, what status_history compares. */
#define PG_SEEN_AS(j) "(" j "->>'status' || ' ' || coalesce(" j "->'source'->>'sha256', ''))"

static const char pg_flush_sql[] =
    "WITH r AS MATERIALIZED (SELECT t.o AS n, t.j, k.key"
    " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY t(j, o)"
    " JOIN jsonb_array_elements_text($2::jsonb) WITH ORDINALITY k(key, o) ON k.o = t.o),"
    " w AS MATERIALIZED (SELECT DISTINCT ON (j->>'id') j FROM r ORDER BY j->>'id',"
    " coalesce(j->'source'->>'fetched_at', '') DESC, coalesce(j->'source'->>'sha256', '') DESC,"
    " coalesce(j->'source'->>'path', '') DESC, n DESC),"
    " a AS ("
    "INSERT INTO articles AS a (id, status, error_code, error_message, kind, input_path, input_url,"
    " input_format, input_bytes, input_sha256, fetched_at, url, biz, mid, idx, sn, title, description,"
    " author, account_name, account_id, account_alias, account_avatar, published_at, cover, copyright,"
    " source_url, text, warnings, record)"
    " SELECT j->>'id', j->>'status', j->'error'->>'code', j->'error'->>'message', j->>'kind',"
    " j->'source'->>'path', j->'source'->>'url', j->'source'->>'format',"
    " (j->'source'->>'bytes')::bigint, j->'source'->>'sha256', j->'source'->>'fetched_at', j->>'url',"
    " j->>'biz', j->>'mid', (j->>'idx')::integer, j->>'sn', j->>'title', j->>'description',"
    " j->>'author', j->'account'->>'name', j->'account'->>'id', j->'account'->>'alias',"
    " j->'account'->>'avatar',"
    " CASE WHEN length(j->>'published_at') = 10 THEN (j->>'published_at' || 'T00:00:00+08:00')::timestamptz"
    " ELSE (j->>'published_at')::timestamptz END,"
    " j->>'cover', j->>'copyright', j->>'source_url', j->>'text', j->'warnings', j"
    " FROM w"
    ARTICLE_UPSERT
    " AND a.record::text IS DISTINCT FROM excluded.record::text"
    " RETURNING id, xmax = 0 AS fresh),"
    " aw AS MATERIALIZED (SELECT a.id, a.fresh, w.j FROM a JOIN w ON w.j->>'id' = a.id),"
    PG_CHILD("images", "url, format, width, height, alt, role, local, sha256, bytes, text, text_confidence",
             "e->>'url', e->>'format', (e->>'width')::integer, (e->>'height')::integer, e->>'alt',"
             " e->>'role', e->>'local', e->>'sha256', (e->>'bytes')::bigint, e->>'text',"
             " (e->>'text_confidence')::integer",
             "url = excluded.url, format = excluded.format, width = excluded.width, height = excluded.height,"
             " alt = excluded.alt, role = excluded.role, local = excluded.local, sha256 = excluded.sha256,"
             " bytes = excluded.bytes, text = excluded.text, text_confidence = excluded.text_confidence",
             "(images.url, images.format, images.width, images.height, images.alt, images.role, images.local,"
             " images.sha256, images.bytes, images.text, images.text_confidence) IS DISTINCT FROM"
             " (excluded.url, excluded.format, excluded.width, excluded.height, excluded.alt, excluded.role,"
             " excluded.local, excluded.sha256, excluded.bytes, excluded.text, excluded.text_confidence)",
             "images")
    PG_CHILD("links", "url, text", "e->>'url', e->>'text'", "url = excluded.url, text = excluded.text",
             "(links.url, links.text) IS DISTINCT FROM (excluded.url, excluded.text)", "links")
    PG_CHILD("dates", "text, date, time, end_date, role",
             "e->>'text', " PG_DATE("e->>'date'") ", e->>'time', " PG_DATE("e->>'end'") ", e->>'role'",
             "text = excluded.text, date = excluded.date, time = excluded.time, end_date = excluded.end_date,"
             " role = excluded.role",
             "(dates.text, dates.date, dates.time, dates.end_date, dates.role) IS DISTINCT FROM"
             " (excluded.text, excluded.date, excluded.time, excluded.end_date, excluded.role)", "dates")
    " i_notices AS (INSERT INTO notices (article_id, pos, title, kind, doc_number, issuer, signed_on, source,"
    " addressees, deadlines, attachments, contacts, links)"
    " SELECT t.id, 0, n->>'title', n->>'kind', n->>'doc_number', n->>'issuer', " PG_DATE("n->>'signed_on'")
    ", n->>'source', n->'addressees', n->'deadlines', n->'attachments', n->'contacts', n->'links'"
    " FROM (SELECT id, j->'notice' AS n FROM aw) t WHERE jsonb_typeof(n) = 'object'"
    " ON CONFLICT (article_id, pos) DO UPDATE SET title = excluded.title, kind = excluded.kind,"
    " doc_number = excluded.doc_number, issuer = excluded.issuer, signed_on = excluded.signed_on,"
    " source = excluded.source, addressees = excluded.addressees, deadlines = excluded.deadlines,"
    " attachments = excluded.attachments, contacts = excluded.contacts, links = excluded.links"
    " WHERE (notices.title, notices.kind, notices.doc_number, notices.issuer, notices.signed_on, notices.source,"
    " notices.addressees::text, notices.deadlines::text, notices.attachments::text, notices.contacts::text,"
    " notices.links::text) IS DISTINCT FROM (excluded.title, excluded.kind, excluded.doc_number, excluded.issuer,"
    " excluded.signed_on, excluded.source, excluded.addressees::text, excluded.deadlines::text,"
    " excluded.attachments::text, excluded.contacts::text, excluded.links::text)),"
    " d_notices AS (DELETE FROM notices d USING aw WHERE d.article_id = aw.id AND NOT aw.fresh"
    " AND jsonb_typeof(aw.j->'notice') IS DISTINCT FROM 'object'),"
    " h AS (INSERT INTO status_history (article_id, seen_at, status, sha256, via)"
    " SELECT j->>'id', now(), j->>'status', j->'source'->>'sha256',"
    " CASE j->'source'->>'format' WHEN 'wayback' THEN 'wayback' ELSE 'live' END"
    " FROM (SELECT n, j, lag(n) OVER k AS pn, lag(" PG_SEEN_AS("j") ") OVER k AS prev FROM r"
    " WINDOW k AS (PARTITION BY j->>'id' ORDER BY n)) s"
    " WHERE CASE WHEN pn IS NULL THEN (SELECT hh.status || ' ' || coalesce(hh.sha256, '')"
    " FROM status_history hh WHERE hh.article_id = s.j->>'id' ORDER BY hh.seq DESC LIMIT 1) ELSE prev END"
    " IS DISTINCT FROM " PG_SEEN_AS("j") " ORDER BY n),"
    " inp AS (INSERT INTO inputs (key, sha256, article_id)"
    " SELECT DISTINCT ON (key) key, j->'source'->>'sha256', j->>'id' FROM r"
    " WHERE key IS NOT NULL AND j->'source'->>'sha256' IS NOT NULL ORDER BY key, n DESC"
    " ON CONFLICT (key) DO UPDATE SET sha256 = excluded.sha256, article_id = excluded.article_id,"
    " stored_at = now())"
    " SELECT count(*) FROM a";

/* status_history: a row for the record (?1) unless the article's last
 * row has the same status and source sha256 (or the same lack of one).
 * via says where the bytes came from: "wayback" for a Wayback Machine
 * capture (source.format), "live" otherwise.  Written for every record
 * stored, whether or not its article row was replaced, since it records
 * what was seen, in the order it was seen (PostgreSQL: pg_flush_sql's h). */
static const char sqlite_history_sql[] =
    "INSERT INTO status_history (article_id, seen_at, status, sha256, via)"
    " SELECT ?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3, ?4"
    " WHERE (SELECT h.status || ' ' || coalesce(h.sha256, '')"
    " FROM status_history h WHERE h.article_id = ?1 ORDER BY h.seq DESC LIMIT 1) IS NOT"
    " (?2 || ' ' || coalesce(?3, ''))";

/* The inputs rows of a key or of bytes: is the key known, are the bytes
 * (the records of the open batch are looked at in C, see pg_seen). */
static const char pg_seen_sql[] =
    "SELECT key, key = $1, sha256 = $2 FROM inputs WHERE key = $1 OR sha256 = $2";

/* ---------- the handle ---------- */

enum { DB_SQLITE, DB_PG };
enum { ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_UPSERT, ST_PUT_INPUT, ST_SEEN, ST_FTS_MARK, ST_FTS_DEL, ST_FTS_INS,
       ST_FTS_CLEAR, ST_CLEAR0, ST_ROWS0 = ST_CLEAR0 + N_CHILDREN, ST_COUNT = ST_ROWS0 + N_CHILDREN };

/* SQLite's WAL checkpoints on a thread of their own (see lite_ckpt_main). */
typedef struct lite_ckpt {
    sqlite3 *conn;          /* the thread's own connection to the file */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int commits;            /* commits not yet checkpointed (under mu) */
    int stop;               /* close asked the thread to end (under mu) */
    int running;
    int wal_frames;         /* the WAL's frames after the writer's last commit */
} lite_ckpt;

/* PostgreSQL: a record of a batch, kept until the batch is stored (it is
 * sent again after a deadlock between concurrent workers). */
typedef struct pg_rec {
    char *json;             /* the record's line */
    char *key;              /* its input's key in the inputs table, or NULL */
    char *sha;              /* its source.sha256, or NULL */
    char *id;               /* its article id */
} pg_rec;

/* PostgreSQL: a batch sent on a connection of its own, its result not
 * read yet, with the records it holds until then (pg_send, pg_wait_one). */
typedef struct pg_flight {
    PGconn *conn;           /* fl[0]'s is db->pg; the others opened when first needed */
    pg_rec *recs;
    int n;                  /* records */
    int inflight;
} pg_flight;

/* Batches in flight at once: while the server stores one, the next is
 * stored on a second connection, so a second core of the server (or of
 * this machine) works instead of the batches queueing on one backend.
 * Their order does not change the rows (the upsert's rules, as between
 * shard workers); a deadlock between them is retried like any other. */
#define PG_FLIGHTS 2

struct wx_db {
    int kind;
    int in_tx;              /* a transaction is open */
    int batch;              /* records per transaction */
    double batch_seconds;   /* ... or fewer, when the transaction is this old (0: no limit) */
    double tx_started;      /* when the open transaction began */
    int pending;            /* records in the open transaction */
    pg_rec *pend;           /* PostgreSQL: the batch's records, sent at its commit */
    pg_flight fl[PG_FLIGHTS];   /* PostgreSQL: batches in flight, one per connection */
    int fl_next;            /*     the one the next commit uses */
    int fl_count;           /*     connections in use: PG_FLIGHTS, or 1 when a second fails */
    char *url;              /*     for the connections opened when first needed */
    int retryable;          /* the last error was a deadlock or serialization failure */
    char *where;            /* for messages: the file, or host:port of the server */
    sqlite3 *lite;
    sqlite3_stmt *st[ST_COUNT];
    lite_ckpt ckpt;
    int fts;                /* SQLite: articles_fts is there, indexed at each commit */
    int flags;              /* WX_DB_NO_SEARCH, WX_DB_EXISTING (wx_db_open) */
    sqlite3_stmt *history;  /* sqlite_history_sql */
    PGconn *pg;
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}


/* ---------- SQLite ---------- */

static int lite_exec(wx_db *db, const char *sql, char **err)
{
    char *m = NULL;
    if (sqlite3_exec(db->lite, sql, NULL, NULL, &m) == SQLITE_OK) return 0;
    wx_set_err(err, wx_strf("%s: %s", db->where, m ? m : sqlite3_errmsg(db->lite)));
    sqlite3_free(m);
    return -1;
}

static int lite_fail(wx_db *db, char **err)
{
    wx_set_err(err, wx_strf("%s: %s", db->where, sqlite3_errmsg(db->lite)));
    return -1;
}

/* Bring an older file up to date, each step in its own transaction so a
 * crash leaves a consistent version.  A newer file than we know is refused. */
static int lite_migrate(wx_db *db, char **err)
{
    for (;;) {
        if (lite_exec(db, "BEGIN IMMEDIATE", err) != 0) return -1;
        sqlite3_stmt *q;
        int v = -1;
        if (sqlite3_prepare_v2(db->lite, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        if (v < 0 || v > SQLITE_VERSION_NOW) {
            lite_exec(db, "ROLLBACK", NULL);
            wx_set_err(err, v < 0 ? wx_strf("%s: %s", db->where, sqlite3_errmsg(db->lite))
                               : wx_strf("%s: schema version %d is newer than this wxingest knows (%d)",
                                     db->where, v, SQLITE_VERSION_NOW));
            return -1;
        }
        if (v == SQLITE_VERSION_NOW) return lite_exec(db, "COMMIT", err);
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (lite_exec(db, sqlite_migrations[v], err) != 0 || lite_exec(db, pragma, err) != 0 ||
            lite_exec(db, "COMMIT", err) != 0) {
            lite_exec(db, "ROLLBACK", NULL);
            return -1;
        }
    }
}

/* Create the search table (sqlite_fts) when the file lacks it: a new
 * file, or one written before it existed or loaded with --no-search-index,
 * whose articles are indexed now, in one statement.  With no_search it is
 * dropped instead, so no stale index is left to find old text.  A SQLite
 * without FTS5 or its trigram tokenizer (before 3.34) is said on every
 * run, and the records are stored without the index. */
static int lite_fts(wx_db *db, char **err)
{
    db->fts = 0;
    if (lite_exec(db, "BEGIN IMMEDIATE", err) != 0) return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->lite, "SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'", -1, &q, NULL) !=
        SQLITE_OK) {
        lite_fail(db, err);
        lite_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    int have = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    int no_search = db->flags & WX_DB_NO_SEARCH;
    if (no_search && have && lite_exec(db, sqlite_fts_drop, err) != 0) {
        lite_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    if (no_search) return lite_exec(db, "COMMIT", err);
    char *why = NULL;
    if (!have && lite_exec(db, "CREATE VIRTUAL TABLE temp.wx_probe USING fts5(x, tokenize = 'trigram');"
                               "DROP TABLE temp.wx_probe", &why) != 0) {
        wx_log(WX_LOG_WARN, db->where, "no full-text index: this SQLite (%s) lacks FTS5 or its trigram tokenizer "
               "(%s); search with LIKE on articles.title, articles.text and images.text", sqlite3_libversion(), why);
        free(why);
        return lite_exec(db, "COMMIT", err);
    }
    if (!have && lite_exec(db, sqlite_fts, err) != 0) {
        lite_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    db->fts = 1;
    return lite_exec(db, "COMMIT", err);
}

/* WAL frames (pages) past which the writer, after a commit, waits for a
 * RESTART checkpoint (lite_ckpt_kick): 16384 pages of 4 KB, 64 MB. */
#define WAL_RESTART_FRAMES 16384

/* The checkpoint thread: after commits (or every half second) it copies
 * the WAL's committed pages into the database file with a PASSIVE
 * checkpoint, which never blocks the writer, so the writer's thread never
 * pays for the copy and its fsync (the writer's own automatic checkpoints
 * are off).  A busy writer commits again before a checkpoint catches up,
 * so the WAL would never start over and would grow with the whole run
 * (435 MB for 20,000 archives; a million records: tens of GB); the writer
 * itself restarts it past WAL_RESTART_FRAMES (lite_ckpt_kick). */
static void *lite_ckpt_main(void *arg)
{
    lite_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->commits) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 500000000L;
            if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
            pthread_cond_timedwait(&c->cv, &c->mu, &until);
            if (c->stop || !c->commits) continue;
        }
        c->commits = 0;
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(c->conn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* The WAL's length after each commit of the writer (sqlite3_wal_hook). */
static int lite_wal_frames(void *arg, sqlite3 *conn, const char *name, int frames)
{
    (void)conn;
    (void)name;
    *(int *)arg = frames;
    return SQLITE_OK;
}

/* Start the checkpoint thread; without it (no memory, no thread) SQLite's
 * automatic checkpoints stay on in the writer. */
static void lite_ckpt_start(wx_db *db, const char *path)
{
    lite_ckpt *c = &db->ckpt;
    /* The connection must have read the file once: until then it does not
     * know the file is in WAL mode, and every checkpoint it is asked for
     * does nothing and says so only by its frame counts (-1), which left
     * the whole WAL to the writer's close (119 MB for the archives). */
    if (sqlite3_open_v2(path, &c->conn, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(c->conn, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(c->conn, 60000) != SQLITE_OK) {
        sqlite3_close(c->conn);
        c->conn = NULL;
        return;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, lite_ckpt_main, c) != 0) {
        sqlite3_close(c->conn);
        c->conn = NULL;
        return;
    }
    c->running = 1;
    sqlite3_wal_hook(db->lite, lite_wal_frames, &c->wal_frames);     /* in place of automatic checkpoints */
}

/* After a commit: tell the checkpoint thread there is something to copy;
 * past WAL_RESTART_FRAMES, restart the WAL here.  Most of its frames are
 * already in the file (the thread's checkpoints), so the writer waits only
 * for the last ones; a checkpoint the thread asks for cannot do it, as the
 * writer starts its next transaction before the thread gets the lock. */
static void lite_ckpt_kick(wx_db *db)
{
    lite_ckpt *c = &db->ckpt;
    if (!c->running) return;
    if (c->wal_frames >= WAL_RESTART_FRAMES &&
        sqlite3_wal_checkpoint_v2(db->lite, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL) == SQLITE_OK)
        c->wal_frames = 0;
    pthread_mutex_lock(&c->mu);
    c->commits++;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* End the thread; the writer's close then checkpoints the rest and
 * removes the WAL (it is the last connection). */
static void lite_ckpt_stop(wx_db *db)
{
    lite_ckpt *c = &db->ckpt;
    if (!c->running) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->conn);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    c->running = 0;
}

static int lite_open(wx_db *db, const char *path, char **err)
{
    db->where = strdup(path);
    if (!db->where) return -1;
    int create = db->flags & WX_DB_EXISTING ? 0 : SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db->lite, SQLITE_OPEN_READWRITE | create, NULL) != SQLITE_OK)
        return lite_fail(db, err);
    sqlite3_busy_timeout(db->lite, 60000);
    /* A 64 MB page cache instead of 2 MB: the FTS5 trigram index merges
     * its segments through it (14.6 -> 9.2 s for the 5,000 archives).
     * A new file gets 16 KB pages instead of 4 KB (an existing one keeps
     * its own): an article row (its text and record, ~15 KB) then fits a
     * page or two instead of a chain of four, and the WAL is written in a
     * quarter of the frames, two write calls each.  The 5,000 archives,
     * the same binary into files made with each size (medians of 5
     * interleaved runs): 2.10 -> 1.65 s as a bulk load, 6.90 -> 5.98 s
     * with the search index; the file is 4.6% larger. */
    if (lite_exec(db, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                      " PRAGMA foreign_keys = ON;"
                      " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536", err) != 0 ||
        lite_migrate(db, err) != 0 || lite_fts(db, err) != 0)
        return -1;
    lite_ckpt_start(db, path);
    /* The search index is written by lite_fts_flush, so this connection
     * runs no triggers (the file's triggers index other writers' rows). */
    if (db->fts && (lite_exec(db, "CREATE TEMP TABLE wx_fts_batch (id TEXT PRIMARY KEY)", err) != 0 ||
                    sqlite3_db_config(db->lite, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL) != SQLITE_OK))
        return -1;
    const char *sql[ST_COUNT] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", sqlite_upsert, sqlite_put_input, sqlite_seen};
    for (int i = 0; db->fts && i < 4; i++) sql[ST_FTS_MARK + i] = sqlite_fts_batch[i];
    for (int i = 0; i < N_CHILDREN; i++) {
        sql[ST_CLEAR0 + i] = sqlite_children_clear[i];
        sql[ST_ROWS0 + i] = lite_children[i].sql;
    }
    for (int i = 0; i < ST_COUNT; i++)
        if (sql[i] && sqlite3_prepare_v2(db->lite, sql[i], -1, &db->st[i], NULL) != SQLITE_OK) return lite_fail(db, err);
    if (sqlite3_prepare_v2(db->lite, sqlite_history_sql, -1, &db->history, NULL) != SQLITE_OK) return lite_fail(db, err);
    return 0;
}

/* Run a prepared statement to completion with text parameters. */
static int lite_run(wx_db *db, int which, int n, const char *const *params, char **err)
{
    sqlite3_stmt *s = db->st[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    for (int i = 0; i < n; i++)
        if (params[i]) sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {}
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return lite_fail(db, err);
    return 0;
}

/* The member at path ("a.b", at most one dot deep) of a record, or NULL. */
static const json_t *json_at(const json_t *obj, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot) return json_object_get(obj, path);
    return json_object_get(json_object_getn(obj, path, (size_t)(dot - path)), dot + 1);
}

/* Bind parameter i to v as the column spec says (see lite_article_cols).
 * Strings and the line are bound without a copy: they outlive the step.
 * Returns SQLITE_OK or SQLITE_NOMEM. */
static int lite_bind(sqlite3_stmt *s, int i, const json_t *v, int as_json)
{
    if (!v) return sqlite3_bind_null(s, i);
    if (as_json || json_is_object(v) || json_is_array(v)) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        return text ? sqlite3_bind_text(s, i, text, -1, free) : SQLITE_NOMEM;
    }
    switch (json_typeof(v)) {
    case JSON_STRING: return sqlite3_bind_text(s, i, json_string_value(v), (int)json_string_length(v), SQLITE_STATIC);
    case JSON_INTEGER: return sqlite3_bind_int64(s, i, json_integer_value(v));
    case JSON_REAL: return sqlite3_bind_double(s, i, json_real_value(v));
    case JSON_TRUE: return sqlite3_bind_int(s, i, 1);
    case JSON_FALSE: return sqlite3_bind_int(s, i, 0);
    default: return sqlite3_bind_null(s, i);
    }
}

/* Bind cols of obj from parameter `first` on ("@" is line). */
static int lite_bind_cols(sqlite3_stmt *s, int first, const json_t *obj, const char *const *cols, int n,
                          const char *line, size_t len)
{
    for (int c = 0; c < n; c++) {
        const char *col = cols[c];
        int rc = col[0] == '@' ? sqlite3_bind_text(s, first + c, line, (int)len, SQLITE_STATIC)
                               : lite_bind(s, first + c, json_at(obj, col + (col[0] == '=')), col[0] == '=');
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/* Step a statement whose parameters are bound, then clear them. */
static int lite_step(wx_db *db, sqlite3_stmt *s, int bound, char **err)
{
    int rc = bound == SQLITE_OK ? sqlite3_step(s) : bound;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : lite_fail(db, err);
}

/* The article's child rows from the record (see lite_children). */
static int lite_child_rows(wx_db *db, const char *id, const json_t *rec, char **err)
{
    for (int t = 0; t < N_CHILDREN; t++) {
        const lite_child *c = &lite_children[t];
        sqlite3_stmt *s = db->st[ST_ROWS0 + t];
        const json_t *rows = c->array ? json_object_get(rec, c->array) : json_object_get(rec, "notice");
        size_t n = c->array ? json_array_size(rows) : json_is_object(rows) ? 1 : 0;
        for (size_t pos = 0; pos < n; pos++) {
            const json_t *row = c->array ? json_array_get(rows, pos) : rows;
            int rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
            if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)pos);
            if (rc == SQLITE_OK) rc = lite_bind_cols(s, 3, row, c->cols, c->ncols, NULL, 0);
            if (lite_step(db, s, rc, err) != 0) return -1;
        }
    }
    return 0;
}

/* The record's status_history row, when its status or bytes changed. */
static int lite_history(wx_db *db, const json_t *rec, char **err)
{
    const json_t *src = json_object_get(rec, "source");
    const char *format = json_string_value(json_object_get(src, "format"));
    sqlite3_stmt *s = db->history;
    int rc = lite_bind(s, 1, json_object_get(rec, "id"), 0);
    if (rc == SQLITE_OK) rc = lite_bind(s, 2, json_object_get(rec, "status"), 0);
    if (rc == SQLITE_OK) rc = lite_bind(s, 3, json_object_get(src, "sha256"), 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 4, format && strcmp(format, "wayback") == 0 ? "wayback" : "live", -1, SQLITE_STATIC);
    return lite_step(db, s, rc, err);
}

/* The article row (unless the stored one is newer), its child rows, its
 * inputs row and its history row. */
static int lite_put(wx_db *db, const json_t *rec, const char *line, size_t len, const char *key, const char *sha,
                    char **err)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    sqlite3_stmt *up = db->st[ST_UPSERT];
    if (lite_step(db, up, lite_bind_cols(up, 1, rec, lite_article_cols, N_ARTICLE_COLS, line, len), err) != 0)
        return -1;
    const char *p[3] = {id, NULL, NULL};
    if (sqlite3_changes(db->lite) > 0) {
        for (int i = 0; i < N_CHILDREN; i++)
            if (lite_run(db, ST_CLEAR0 + i, 1, p, err) != 0) return -1;
        if (lite_child_rows(db, id, rec, err) != 0) return -1;
        if (db->fts && lite_run(db, ST_FTS_MARK, 1, p, err) != 0) return -1;
    }
    if (key && sha) {
        p[0] = key; p[1] = sha; p[2] = id;
        if (lite_run(db, ST_PUT_INPUT, 3, p, err) != 0) return -1;
    }
    return lite_history(db, rec, err);
}

/* Index the articles the open transaction wrote, before it commits. */
static int lite_fts_flush(wx_db *db, char **err)
{
    if (!db->fts) return 0;
    for (int i = ST_FTS_DEL; i <= ST_FTS_CLEAR; i++)
        if (lite_run(db, i, 0, NULL, err) != 0) return -1;
    return 0;
}

static int lite_seen(wx_db *db, const char *key, const char *sha, char **err)
{
    sqlite3_stmt *s = db->st[ST_SEEN];
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, sha, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW) { sqlite3_reset(s); return lite_fail(db, err); }
    int known_bytes = sqlite3_column_int(s, 1);
    int known_key = sqlite3_column_type(s, 0) != SQLITE_NULL;
    sqlite3_reset(s);
    return known_bytes ? WX_SEEN_UNCHANGED : known_key ? WX_SEEN_CHANGED : WX_SEEN_NEW;
}

/* ---------- PostgreSQL ---------- */

/* The server as host:port (or the socket directory) for messages; the URL
 * itself may hold a password and is never printed. */
static char *pg_where(PGconn *c)
{
    const char *h = PQhost(c), *p = PQport(c), *d = PQdb(c);
    return wx_strf("PostgreSQL server %s%s%s%s%s", h && *h ? h : "localhost", p && *p ? ":" : "", p ? p : "",
               d && *d ? ", database " : "", d ? d : "");
}

static int pg_fail_on(wx_db *db, PGconn *conn, PGresult *r, char **err)
{
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m) m = PQerrorMessage(conn);
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
    wx_set_err(err, wx_strf("%s: %.*s", db->where, (int)n, m));
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    db->retryable = state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0);
    PQclear(r);
    return -1;
}

static int pg_fail(wx_db *db, PGresult *r, char **err) { return pg_fail_on(db, db->pg, r, err); }

/* Statements without parameters, several allowed (the schema). */
static int pg_exec(wx_db *db, const char *sql, char **err)
{
    PGresult *r = PQexec(db->pg, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return pg_fail(db, r, err);
    PQclear(r);
    return 0;
}

/* One statement with text parameters; *out keeps the result when wanted. */
static int pg_run(wx_db *db, const char *sql, int n, const char *const *params, PGresult **out, char **err)
{
    PGresult *r = PQexecParams(db->pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return pg_fail(db, r, err);
    if (out) *out = r; else PQclear(r);
    return 0;
}

/* The schema version recorded in the database: 0 when there is none. */
static int pg_version(wx_db *db, int *v, char **err)
{
    PGresult *r = NULL;
    *v = 0;
    if (pg_run(db, "SELECT to_regclass('wxingest_schema') IS NOT NULL", 0, NULL, &r, err) != 0) return -1;
    int exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists) return 0;
    if (pg_run(db, "SELECT max(version) FROM wxingest_schema", 0, NULL, &r, err) != 0) return -1;
    if (!PQgetisnull(r, 0, 0)) *v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* The trigram indexes (pg_trgm) when they are missing, in the open schema
 * transaction.  A server without the extension (contrib not installed, or
 * no right to create it) is said on every run, and the run goes on
 * without them: searches stay correct, only slower. */
static int pg_trgm_setup(wx_db *db, char **err)
{
    PGresult *r = NULL;
    if (pg_run(db, "SELECT to_regclass('images_text_trgm') IS NOT NULL", 0, NULL, &r, err) != 0) return -1;
    int have = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (have) return 0;
    char *why = NULL;
    if (pg_run(db, "SAVEPOINT wx_trgm", 0, NULL, NULL, err) != 0) return -1;
    if (pg_exec(db, pg_trgm, &why) != 0) {
        wx_log(WX_LOG_WARN, db->where, "no trigram search indexes (the pg_trgm extension is unavailable: %s); "
               "install postgresql-contrib on the server for indexed substring search", why);
        free(why);
        return pg_run(db, "ROLLBACK TO SAVEPOINT wx_trgm", 0, NULL, NULL, err);
    }
    if (pg_run(db, "SELECT datctype FROM pg_database WHERE datname = current_database()", 0, NULL, &r, err) != 0)
        return -1;
    const char *ctype = PQgetvalue(r, 0, 0);
    if (strcmp(ctype, "C") == 0 || strcmp(ctype, "POSIX") == 0)
        wx_log(WX_LOG_WARN, db->where, "LC_CTYPE is %s: pg_trgm finds no trigrams in Chinese text, so searching "
               "it scans the tables; a database created with LC_CTYPE 'C.UTF-8' is searched by index", ctype);
    PQclear(r);
    return 0;
}

/* Create the tables unless they are current.  DDL runs only when needed:
 * even CREATE INDEX IF NOT EXISTS takes a share lock on the table, which
 * deadlocks against a worker already writing.  Concurrent workers starting
 * together serialise on an advisory lock and look again once they hold it. */
static int pg_schema_setup(wx_db *db, char **err)
{
    int v;
    if (pg_run(db, "BEGIN", 0, NULL, NULL, err) != 0 ||
        pg_run(db, "SELECT pg_advisory_xact_lock(7412001)", 0, NULL, NULL, err) != 0 || pg_version(db, &v, err) != 0)
        return -1;
    if (v > PG_VERSION_NOW) {
        wx_set_err(err, wx_strf("%s: schema version %d is newer than this wxingest knows (%d)", db->where, v, PG_VERSION_NOW));
        return -1;
    }
    if (v < PG_VERSION_NOW) {
        if (v < PG_VERSION_BASE && pg_exec(db, pg_schema, err) != 0) return -1;
        for (int step = v < PG_VERSION_BASE ? PG_VERSION_BASE : v; step < PG_VERSION_NOW; step++)
            if (pg_exec(db, pg_steps[step - PG_VERSION_BASE], err) != 0) return -1;
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM wxingest_schema; INSERT INTO wxingest_schema VALUES (%d)", PG_VERSION_NOW);
        if (pg_exec(db, sql, err) != 0) return -1;
    }
    if (db->flags & WX_DB_NO_SEARCH ? pg_exec(db, pg_trgm_drop, err) != 0 : pg_trgm_setup(db, err) != 0) return -1;
    return pg_run(db, "COMMIT", 0, NULL, NULL, err);
}

static void pg_rec_free(pg_rec *r)
{
    free(r->json);
    free(r->key);
    free(r->sha);
    free(r->id);
}

/* A new connection to url, or NULL with *err saying why.  It is named
 * wxingest in pg_stat_activity unless the URL names it. */
static PGconn *pg_connect(wx_db *db, const char *url, char **err)
{
    static const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const values[] = {url, "wxingest", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 1);
    if (!c) { wx_set_err(err, wx_strf("cannot connect to PostgreSQL: out of memory")); return NULL; }
    if (!db->where) db->where = pg_where(c);
    if (PQstatus(c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(c);
        size_t n = strlen(m);
        while (n && m[n - 1] == '\n') n--;
        wx_set_err(err, wx_strf("cannot connect to %s: %.*s", db->where ? db->where : "PostgreSQL", (int)n, m));
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* What every connection that stores batches is set to, and the prepared
 * flush.  A batch's records are held in memory by the flush (r, w, aw):
 * room for them there instead of in temporary files.  The trigram GIN
 * indexes take new entries into their pending list (fastupdate) and merge
 * it into the index when it outgrows the limit, in one pass sorted in
 * work_mem: a 64 MB list instead of the default 4 MB merges a few times per
 * 5,000 archives instead of about every batch, which cut the run's time by
 * half (README, Database sinks).  Entries in the pending list are found by
 * every search; what is left in it at the end is merged by the next run or
 * autovacuum. */
static int pg_session(wx_db *db, PGconn *c, char **err)
{
    static const char *const settings[] = {"SET client_min_messages = warning", "SET work_mem = '64MB'",
                                           "SET gin_pending_list_limit = '64MB'"};
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
        PGresult *r = PQexec(c, settings[i]);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) return pg_fail_on(db, c, r, err);
        PQclear(r);
    }
    /* The TOASTed values (each article's record and text) compressed
     * with LZ4 instead of pglz: pglz_compress was a fifth of the
     * server's time in a bulk load, LZ4 a twentieth, and the table is
     * as large.  A session setting, so the schema does not change and
     * both kinds of value read back alike; a server without LZ4 (built
     * without it, or before PostgreSQL 14) refuses it and keeps pglz. */
    PQclear(PQexec(c, "SET default_toast_compression = 'lz4'"));
    PGresult *prep = PQprepare(c, "wx_flush", pg_flush_sql, 0, NULL);
    if (!prep || PQresultStatus(prep) != PGRES_COMMAND_OK) return pg_fail_on(db, c, prep, err);
    PQclear(prep);
    return 0;
}

static int pg_open(wx_db *db, const char *url, char **err)
{
    db->fl_count = PG_FLIGHTS;
    if (!(db->url = strdup(url))) { wx_set_err(err, wx_strf("out of memory")); return -1; }
    if (!(db->pg = db->fl[0].conn = pg_connect(db, url, err))) return -1;
    if (pg_run(db, "SET client_min_messages = warning", 0, NULL, NULL, err) != 0 || pg_schema_setup(db, err) != 0)
        return -1;
    return pg_session(db, db->pg, err);
}

/* Send flight f's batch: pg_flush_sql in one statement, so in a
 * transaction of its own, without waiting for its result (pg_wait_one):
 * the server stores it while the next batch is parsed.  The records are
 * joined into one JSON array as they are. */
static int pg_send(wx_db *db, pg_flight *f, char **err)
{
    size_t len = 2;
    for (int i = 0; i < f->n; i++) len += strlen(f->recs[i].json) + 1;
    json_t *keys = json_array();
    for (int i = 0; keys && i < f->n; i++)
        if (json_array_append_new(keys, f->recs[i].key ? json_string(f->recs[i].key) : json_null()) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    char *keys_text = keys ? json_dumps(keys, JSON_COMPACT) : NULL;
    json_decref(keys);
    wx_buf recs;
    wx_buf_init(&recs);
    if (!keys_text || wx_buf_reserve(&recs, len) != 0) {
        free(keys_text);
        free(wx_buf_take(&recs));
        wx_set_err(err, wx_strf("out of memory"));
        return -1;
    }
    wx_buf_putc(&recs, '[');
    for (int i = 0; i < f->n; i++) {
        if (i) wx_buf_putc(&recs, ',');
        wx_buf_puts(&recs, f->recs[i].json);
    }
    wx_buf_putc(&recs, ']');
    char *recs_text = wx_buf_take(&recs);
    const char *p[2] = {recs_text, keys_text};
    int sent = PQsendQueryPrepared(f->conn, "wx_flush", 2, p, NULL, NULL, 0);
    free(recs_text);
    free(keys_text);
    if (!sent) return pg_fail_on(db, f->conn, NULL, err);
    f->inflight = 1;
    return 0;
}

/* The result of flight f's batch. */
static int pg_result(wx_db *db, pg_flight *f, char **err)
{
    PGresult *r, *first = NULL;
    while ((r = PQgetResult(f->conn)) != NULL) {
        if (!first) first = r;
        else PQclear(r);
    }
    f->inflight = 0;
    if (!first || PQresultStatus(first) != PGRES_TUPLES_OK) return pg_fail_on(db, f->conn, first, err);
    PQclear(first);
    return 0;
}

/* Wait until flight f's batch is stored, then forget its records.
 * Workers sharing a database (or two flights of one) can deadlock on
 * article rows they both write; the server then aborts one statement.
 * That batch is sent again, after a short random pause so the two do not
 * collide again in step. */
static int pg_wait_one(wx_db *db, pg_flight *f, char **err)
{
    int rc = 0;
    for (int attempt = 1; f->inflight; attempt++) {
        db->retryable = 0;
        rc = pg_result(db, f, err);
        if (rc == 0 || !db->retryable || attempt > 8) break;
        if (err) { free(*err); *err = NULL; }   /* the deadlock is dealt with */
        struct timespec pause = {0, (long)(rand() % 50 + 10) * attempt * 1000000L};
        nanosleep(&pause, NULL);
        if ((rc = pg_send(db, f, err)) != 0) break;
    }
    for (int i = 0; i < f->n; i++) pg_rec_free(&f->recs[i]);
    f->n = 0;
    return rc;
}

/* Wait for every batch in flight; the first error is the one told. */
static int pg_wait(wx_db *db, char **err)
{
    int rc = 0;
    for (int i = 0; i < PG_FLIGHTS; i++)
        if (pg_wait_one(db, &db->fl[i], rc ? NULL : err) != 0) rc = -1;
    return rc;
}

/* The flight for the next batch, its connection opened when first
 * needed (set up as the first was); a server that refuses a second
 * connection leaves one flight, with no message: nothing is lost. */
static pg_flight *pg_next_flight(wx_db *db)
{
    pg_flight *f = &db->fl[db->fl_next];
    if (!f->conn) {
        char *ignored = NULL;
        f->conn = pg_connect(db, db->url, &ignored);
        if (f->conn && pg_session(db, f->conn, &ignored) != 0) { PQfinish(f->conn); f->conn = NULL; }
        free(ignored);
        if (!f->conn) { db->fl_count = 1; f = &db->fl[db->fl_next = 0]; }
    }
    db->fl_next = (db->fl_next + 1) % db->fl_count;
    return f;
}

/* Whether batch o, in flight, has a record of an article or an input key
 * that the open batch has too.  status_history compares each record with
 * the last row of its article, and inputs keeps the last record of a key:
 * two such batches must be stored one after the other, as one connection
 * would, not side by side (the second would compare with rows the first
 * has not committed yet).  Out of memory counts as sharing. */
static int pg_shares(const wx_db *db, const pg_flight *o)
{
    wx_strmap ids = {0}, keys = {0};
    int shared = 0, added;
    for (int i = 0; !shared && i < db->pending; i++)
        shared = !wx_strmap_put(&ids, db->pend[i].id, &added) ||
                 (db->pend[i].key && !wx_strmap_put(&keys, db->pend[i].key, &added));
    for (int i = 0; !shared && i < o->n; i++)
        shared = wx_strmap_get(&ids, o->recs[i].id) || (o->recs[i].key && wx_strmap_get(&keys, o->recs[i].key));
    wx_strmap_free(&ids);
    wx_strmap_free(&keys);
    return shared;
}

/* Store the open batch: it goes in flight on the next connection once
 * that connection's batch before it is stored, and once any other batch
 * in flight that shares an article or input with it is (pg_shares);
 * wait: return only once every batch is stored. */
static int pg_commit(wx_db *db, int wait, char **err)
{
    pg_flight *f = pg_next_flight(db);
    if (pg_wait_one(db, f, err) != 0) return -1;
    for (int i = 0; i < PG_FLIGHTS; i++)
        if (db->fl[i].inflight && pg_shares(db, &db->fl[i]) && pg_wait_one(db, &db->fl[i], err) != 0) return -1;
    pg_rec *t = f->recs;
    f->recs = db->pend;
    db->pend = t;
    f->n = db->pending;
    db->pending = 0;
    if (f->n && pg_send(db, f, err) != 0) return -1;
    return wait ? pg_wait(db, err) : 0;
}

/* The last record of the open batch whose inputs row will be key's
 * (pending i with that key and a sha256), or -1. */
static int pg_pending_key(const wx_db *db, const char *key)
{
    for (int i = db->pending - 1; key && i >= 0; i--)
        if (db->pend[i].key && db->pend[i].sha && strcmp(db->pend[i].key, key) == 0) return i;
    return -1;
}

/* What the inputs table will say once the open batch is stored: its rows
 * as the server has them, except those keys the batch writes again, plus
 * the batch's own (whose rows are written only at its commit). */
static int pg_seen(wx_db *db, const char *key, const char *sha, char **err)
{
    if (pg_wait(db, err) != 0) return -1;       /* the connection is needed */
    int known_key = pg_pending_key(db, key) >= 0, known_bytes = 0;
    for (int i = db->pending - 1; sha && !known_bytes && i >= 0; i--)
        known_bytes = db->pend[i].key && db->pend[i].sha && strcmp(db->pend[i].sha, sha) == 0 &&
                      pg_pending_key(db, db->pend[i].key) == i;
    if (known_bytes) return WX_SEEN_UNCHANGED;
    PGresult *r = NULL;
    const char *p[2] = {key, sha};
    if (pg_run(db, pg_seen_sql, 2, p, &r, err) != 0) return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        if (strcmp(PQgetvalue(r, row, 1), "t") == 0) known_key = 1;
        if (strcmp(PQgetvalue(r, row, 2), "t") == 0 && pg_pending_key(db, PQgetvalue(r, row, 0)) < 0)
            known_bytes = 1;
    }
    PQclear(r);
    return known_bytes ? WX_SEEN_UNCHANGED : known_key ? WX_SEEN_CHANGED : WX_SEEN_NEW;
}

/* ---------- the public API ---------- */

int wx_db_url_is_db(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "postgres://", 11) == 0 ||
           strncmp(url, "postgresql://", 13) == 0;
}

wx_db *wx_db_open(const char *url, int batch, int flags, char **err)
{
    wx_db *db = calloc(1, sizeof *db);
    if (!db) { wx_set_err(err, wx_strf("out of memory")); return NULL; }
    db->flags = flags;
    db->batch = batch > 0 ? batch : WX_DB_BATCH;
    db->batch_seconds = batch > 0 ? 0 : WX_DB_BATCH_SECONDS;
    int rc;
    if (strncmp(url, "sqlite:", 7) == 0) {
        db->kind = DB_SQLITE;
        const char *path = url + 7;
        if (strncmp(path, "//", 2) == 0) path += 2;     /* sqlite:///abs/path */
        if (!*path) { wx_set_err(err, wx_strf("sqlite: URL without a file name")); free(db); return NULL; }
        rc = lite_open(db, path, err);
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        db->kind = DB_PG;
        rc = pg_open(db, url, err);
    } else {
        wx_set_err(err, wx_strf("unknown database URL (want sqlite:PATH or postgres://...): %s", url));
        free(db);
        return NULL;
    }
    if (rc != 0) {
        if (err && !*err) *err = wx_strf("out of memory");
        wx_db_close(db);
        return NULL;
    }
    return db;
}

const char *wx_db_where(const wx_db *db) { return db->where; }

/* Open a transaction (PostgreSQL: only the batch, sent at its commit). */
static int tx_begin(wx_db *db, char **err)
{
    if (db->in_tx) return 0;
    int rc = db->kind == DB_SQLITE ? lite_run(db, ST_BEGIN, 0, NULL, err) : 0;
    if (rc == 0) db->in_tx = 1;
    if (db->batch_seconds > 0) db->tx_started = now_seconds();
    return rc;
}

/* Forget the records of the batch (committed or abandoned). */
static void drop_pending(wx_db *db)
{
    for (int i = 0; db->pend && i < db->pending; i++) pg_rec_free(&db->pend[i]);
    db->pending = 0;
}

static void tx_rollback(wx_db *db)
{
    if (!db->in_tx) return;
    if (db->kind == DB_SQLITE) lite_run(db, ST_ROLLBACK, 0, NULL, NULL);
    db->in_tx = 0;
}

/* Commit the open transaction; PostgreSQL's batch may stay in flight
 * unless wait (see pg_commit). */
static int db_commit(wx_db *db, int wait, char **err)
{
    if (!db->in_tx) return db->kind == DB_PG && wait ? pg_wait(db, err) : 0;
    int rc = db->kind == DB_PG ? pg_commit(db, wait, err)
                               : lite_fts_flush(db, err) == 0 ? lite_run(db, ST_COMMIT, 0, NULL, err) : -1;
    if (rc != 0) { wx_db_rollback(db); return -1; }
    db->in_tx = 0;
    drop_pending(db);
    if (db->kind == DB_SQLITE) lite_ckpt_kick(db);
    return 0;
}

int wx_db_commit(wx_db *db, char **err) { return db_commit(db, 1, err); }

/* The open batch is dropped; one in flight is already committed, as far
 * as the caller knows, and is waited for. */
void wx_db_rollback(wx_db *db)
{
    tx_rollback(db);
    drop_pending(db);
    if (db->kind == DB_PG && db->pg) pg_wait(db, NULL);
}

/* The inputs table's key for an input: its name as given when that is
 * UTF-8; otherwise (a file name is bytes) "hex:" and its bytes in hex,
 * since PostgreSQL refuses text that is not UTF-8 and the key must stay
 * the raw bytes, never their repaired text.  malloc'd; NULL for NULL. */
static char *key_text(const char *key)
{
    if (!key) return NULL;
    json_t *probe = json_string(key);           /* jansson checks UTF-8 */
    json_decref(probe);
    if (probe) return strdup(key);
    size_t n = strlen(key);
    char *hex = malloc(4 + 2 * n + 1);
    if (!hex) return NULL;
    memcpy(hex, "hex:", 4);
    for (size_t i = 0; i < n; i++) snprintf(hex + 4 + 2 * i, 3, "%02x", (unsigned char)key[i]);
    return hex;
}

int wx_db_put(wx_db *db, const json_t *record, const char *input_key, char **err)
{
    return wx_db_put_line(db, record, NULL, 0, input_key, err);
}

/* The pipeline has already serialised the record (the same bytes
 * json_dumps would give): copying its line saves dumping it a second time. */
int wx_db_put_line(wx_db *db, const json_t *record, const char *line, size_t len, const char *input_key, char **err)
{
    if (!json_is_string(json_object_get(record, "id"))) {
        wx_set_err(err, wx_strf("%s: record without an id", db->where));
        return -1;
    }
    if (!db->pend && db->kind == DB_PG) {
        int ok = (db->pend = calloc((size_t)db->batch, sizeof *db->pend)) != NULL;
        for (int i = 0; i < PG_FLIGHTS; i++)
            ok = (db->fl[i].recs = calloc((size_t)db->batch, sizeof *db->fl[i].recs)) != NULL && ok;
        if (!ok) {              /* all or none, so that the next put tries again */
            free(db->pend);
            db->pend = NULL;
            for (int i = 0; i < PG_FLIGHTS; i++) {
                free(db->fl[i].recs);
                db->fl[i].recs = NULL;
            }
            wx_set_err(err, wx_strf("out of memory"));
            return -1;
        }
    }
    const char *sha = json_string_value(json_object_get(json_object_get(record, "source"), "sha256"));
    char *dumped = line ? NULL : json_dumps(record, JSON_COMPACT), *key = key_text(input_key);
    const char *text = line ? line : dumped;
    size_t n = line ? len : dumped ? strlen(dumped) : 0;
    /* PostgreSQL keeps the batch's records until it is stored; SQLite
     * binds the line as it is (it copies what it stores) */
    char *json = db->kind == DB_PG && text ? strndup(text, n) : NULL;
    char *sha_copy = db->kind == DB_PG && sha ? strdup(sha) : NULL;
    char *id = db->kind == DB_PG ? strdup(json_string_value(json_object_get(record, "id"))) : NULL;
    int rc = -1;
    if (!text || (input_key && !key) || (db->kind == DB_PG && (!json || !id || (sha && !sha_copy))))
        wx_set_err(err, wx_strf("out of memory"));
    else if ((rc = tx_begin(db, err)) == 0 && db->kind == DB_SQLITE) {
        db->pending++;      /* SQLite never aborts a batch to break a deadlock: nothing is kept */
        rc = lite_put(db, record, text, n, key, sha, err);
    } else if (rc == 0) {
        int i = db->pending++;     /* sent at the commit; the batch owns them now */
        db->pend[i] = (pg_rec){json, key, sha_copy, id};
        json = key = sha_copy = id = NULL;
    }
    free(dumped);
    free(json);
    free(key);
    free(sha_copy);
    free(id);
    if (rc != 0) { wx_db_rollback(db); return -1; }
    if (db->pending >= db->batch || (db->batch_seconds > 0 && now_seconds() - db->tx_started >= db->batch_seconds))
        return db_commit(db, 0, err);
    return 0;
}

int wx_db_seen(wx_db *db, const char *input_key, const char *sha256, char **err)
{
    char *key = key_text(input_key);
    if (input_key && !key) { wx_set_err(err, wx_strf("out of memory")); return -1; }
    int seen = db->kind == DB_SQLITE ? lite_seen(db, key, sha256, err) : pg_seen(db, key, sha256, err);
    free(key);
    return seen;
}

int wx_db_pending(const wx_db *db) { return db->pending; }

void wx_db_close(wx_db *db)
{
    if (!db) return;
    wx_db_rollback(db);
    lite_ckpt_stop(db);
    free(db->pend);
    for (int i = 0; i < PG_FLIGHTS; i++) {
        free(db->fl[i].recs);
        if (i > 0 && db->fl[i].conn) PQfinish(db->fl[i].conn);
    }
    free(db->url);
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(db->st[i]);
    sqlite3_finalize(db->history);
    if (db->lite) sqlite3_close(db->lite);
    if (db->pg) PQfinish(db->pg);
    free(db->where);
    free(db);
}
