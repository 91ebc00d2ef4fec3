#!/usr/bin/python3
"""What became of the URLs (offline: every request goes to 127.0.0.1).

`fetch`/`run --fallback wayback`, status_history, `run --changes` and
`--shard auto`.  One loopback server plays WeChat (each article's live
page is an article, WeChat's real deleted page from samples/, a 404 or the
verification page, as a test sets it) and the Wayback Machine (the CDX API
answering `closest=` / `sort=closest` queries with a header row and non-200
rows, and the raw `/web/TSid_/URL` captures, one of which is itself a
deleted page).  Three refresh runs of one article go ok -> deleted ->
(fallback) ok via wayback in SQLite's status_history, and in PostgreSQL's
when the server binaries are installed (a throwaway cluster, as db_test.py
makes; the PostgreSQL part FAILS without them unless WX_NO_POSTGRES=1).

Usage: fallback_test.py PATH/TO/wxingest    Ends with "fallback: N passed, N failed".
"""
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))
BIZ = "MzA3NjBiZA=="
ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")
       and not k.startswith(("JOB_COMPLETION", "SLURM_"))}
DELETED = gzip.open(os.path.join(ROOT, "samples", "deleted-01.html.gz")).read()
VERIFY = gzip.open(os.path.join(ROOT, "samples", "verify-2026.html.gz")).read()


def art(mid):
    return f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid={mid}&idx=1&sn=sn{mid}"


def page(mid, note):
    """An article published 2020-01-01 08:00 +08:00 (ct); note makes the
    bytes of each copy (live, each capture) distinct."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Article {mid}</title>
<script>var biz = "{BIZ}" || ""; var mid = "{mid}" || ""; var idx = "1" || ""; var sn = "sn{mid}" || "";
var ct = "1577836800"; var msg_title = "Article {mid}";</script></head>
<body><h1 id="activity-name">Article {mid}</h1><div id="js_content"><p>正文 of article {mid}.</p>
<!-- {note} --></div></body></html>""".encode()


LIVE = {}       # mid -> "ok" | "deleted" | "404" | "verify" (absent: ok)
CAPTURES = {}   # mid -> [(timestamp, statuscode, "ok" | "deleted")]
LOG = []        # request paths


def mid_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)).get("mid", "0")


def cdx(q):
    """The CDX server for one URL: 200 rows nearest to closest first."""
    if q.get("output") != "json" or q.get("sort") != "closest" or "closest" not in q:
        return 400, "text/plain", b"bad query\n"
    mid = mid_of(q["url"])
    if mid == "109":
        return 503, "text/plain", b"busy\n"
    close = int(q["closest"].ljust(14, "0"))
    rows = [(ts, st) for ts, st, _ in CAPTURES.get(mid, [])
            if q.get("filter") != "statuscode:200" or st == "200"]
    rows.sort(key=lambda r: abs(int(r[0]) - close))
    fields = q.get("fl", "urlkey,timestamp,original,statuscode").split(",")
    out = [fields]
    for ts, st in rows[:int(q.get("limit", "100"))]:
        d = {"urlkey": "com,qq,weixin,mp)/s?__biz=" + BIZ.lower(), "timestamp": ts, "original": art(mid),
             "statuscode": st, "mimetype": "text/html"}
        out.append([d[f] for f in fields])
    return 200, "text/plain", ("[" + ",\n".join(json.dumps(r) for r in out) + "]\n").encode()


def capture(path):
    ts, target = path[len("/web/"):].split("id_/", 1)
    for t, st, kind in CAPTURES.get(mid_of(target), []):
        if t == ts and st == "200":
            return 200, "text/html; charset=utf-8", DELETED if kind == "deleted" else page(mid_of(target), "capture " + ts)
    return 404, "text/plain", b"no capture\n"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        LOG.append(self.path)
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        if u.path == "/cdx/search/cdx":
            code, ctype, body = cdx(q)
        elif u.path.startswith("/web/") and "id_/" in u.path:
            code, ctype, body = capture(self.path)
        elif u.path == "/s":
            mode = LIVE.get(q.get("mid"), "ok")
            code, ctype, body = {"ok": (200, "text/html; charset=utf-8", page(q.get("mid"), "live")),
                                 "deleted": (200, "text/html; charset=utf-8", DELETED),
                                 "verify": (200, "text/html; charset=utf-8", VERIFY),
                                 "404": (404, "text/plain", b"gone\n")}[mode]
        else:
            code, ctype, body = 404, "text/plain", b"not here\n"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def wx(args, env=None, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=120, env=env or ENV)
    err = p.stderr.decode("utf-8", "replace")
    check("Sanitizer" not in err and "runtime error:" not in err, f"{args[:3]}: sanitizer report: {err[-1500:]}")
    return p.returncode, p.stdout.decode("utf-8"), err


def fetch(base, store, urls, *more):
    code, out, err = wx(["fetch", "--base-url", base, "--rate", "0", "--backoff", "0.01", "--retries", "1",
                         "--store", store, *more, *urls])
    return code, [json.loads(ln) for ln in out.splitlines()], err


def run(base, store, urls, *more):
    code, out, err = wx(["run", "--base-url", base, "--rate", "0", "--backoff", "0.01", "--retries", "1",
                         "--store", store, *more, *urls])
    return code, [json.loads(ln) for ln in out.splitlines()], err


def index(store):
    with open(os.path.join(store, "index.jsonl"), encoding="utf-8") as f:
        return [json.loads(ln) for ln in f]


def test_fallback(base, tmp):
    store = os.path.join(tmp, "fb")
    # 101: deleted live; its nearest capture to now is itself a deleted page
    LIVE["101"] = "deleted"
    CAPTURES["101"] = [("20200102000000", "200", "ok"), ("20250101000000", "200", "deleted"),
                       ("20240101000000", "404", "ok")]
    LIVE["102"] = "404"
    CAPTURES["102"] = [("20210101000000", "200", "ok")]
    LIVE["103"] = "verify"
    CAPTURES["103"] = [("20220101000000", "200", "ok")]
    LIVE["104"] = "deleted"                      # no capture at all
    urls = [art(m) for m in (101, 102, 103, 104)]
    code, lines, err = fetch(base, store, urls, "--fallback", "wayback")
    by = {ln["url"]: ln for ln in lines}
    check(code == 0 and len(lines) == 4, f"fallback: exit 0, one line per URL ({code}, {len(lines)}): {err[-500:]}")
    check(all(by[u]["status"] == "stored" and by[u]["via"] == "wayback" and by[u]["error"] is None
              for u in urls[:3]), f"fallback: deleted, 404 and verify pages replaced by a capture: {lines}")
    check(by[urls[3]]["via"] == "live" and by[urls[3]]["status"] == "stored"
          and "no 200 capture" in err, f"fallback: no capture: the live page stays, with a warning: {by[urls[3]]} {err}")
    check([ln["url"] for ln in lines] == urls, "fallback: lines in input order")
    idx = {e["url"]: e for e in index(store)}        # the latest line of each URL
    e = idx[urls[0]]
    check(e["via"] == "wayback" and e["captured_at"] == "2020-01-02T00:00:00Z" and "/web/20200102000000id_/" in e["final_url"],
          f"fallback: index keeps via and the capture's time: {e}")
    check(any("/web/20250101000000id_/" in p for p in LOG),
          "fallback: the nearest capture (a deleted page itself) was tried first and passed over")
    check(not any("/web/20240101000000id_/" in p for p in LOG), "fallback: non-200 captures are never fetched")
    check(idx[urls[1]]["captured_at"] == "2021-01-01T00:00:00Z" and idx[urls[2]]["captured_at"] == "2022-01-01T00:00:00Z",
          "fallback: 404 and verify pages fell back too")
    # run parses the stored copy: the record says where its bytes came from
    code, recs, err = run(base, store, urls[:2])
    check(code == 0 and [r["status"] for r in recs] == ["ok", "ok"], f"run on the store: records ok ({code}): {err[-300:]}")
    r = recs[0]
    check(r["id"] == f"{BIZ}:101:1" and r["source"]["format"] == "wayback"
          and r["source"]["captured_at"] == "2020-01-02T00:00:00Z" and r["source"]["url"] == urls[0]
          and r["source"]["fetched_at"] == e["fetched_at"],
          f"record: source.format wayback, captured_at the capture's time, fetched_at ours: {r['source']}")
    check(recs[1]["source"]["captured_at"] == "2021-01-01T00:00:00Z", "record of the 404 fallback: captured_at")
    live = run(base, os.path.join(tmp, "live"), [art(110)])[1]
    check(live and live[0]["source"]["format"] == "html" and live[0]["source"]["captured_at"] is None,
          f"a live copy: format html, captured_at null ({live and live[0]['source']})")
    # the CDX server failing: the live failure stands (exit 65), with a warning
    LIVE["109"] = "404"
    code, lines, err = fetch(base, store, [art(109)], "--fallback", "wayback")
    check(code == 65 and lines[0]["status"] == "failed" and lines[0]["via"] is None
          and "CDX query failed" in err and "HTTP 503" in err,
          f"CDX server down: the 404 stands, exit 65, a warning naming the CDX failure ({code}, {lines}): {err}")
    # without --fallback the same situation fails as before
    code, lines, _ = fetch(base, os.path.join(tmp, "nofb"), [urls[1]])
    check(code == 65 and lines[0]["status"] == "failed" and "via" not in lines[0],
          f"without --fallback: a 404 fails, lines keep their keys ({code}, {lines})")


def test_closest_date(base, tmp):
    """The article's date from the copy stored before: closest= asks for it."""
    store = os.path.join(tmp, "date")
    LIVE.pop("105", None)
    CAPTURES["105"] = [("20200101000000", "200", "ok"), ("20260101000000", "200", "ok")]
    fetch(base, store, [art(105)])
    LIVE["105"] = "404"
    del LOG[:]
    code, lines, err = fetch(base, store, [art(105)], "--refresh", "--fallback", "wayback")
    asked = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query) for p in LOG if p.startswith("/cdx/")]
    check(code == 0 and asked and asked[0]["closest"] == ["20200101080000"],
          f"closest= is the stored article's publication time ({asked}): {err[-300:]}")
    check(index(store)[-1]["captured_at"] == "2020-01-01T00:00:00Z", "the capture nearest that date is stored")
    # the latest stored copy is the deleted page itself (a refresh without
    # --fallback stored it): the date comes from the article stored before it
    LIVE.pop("111", None)
    CAPTURES["111"] = [("20200101000000", "200", "ok"), ("20260101000000", "200", "ok")]
    fetch(base, store, [art(111)])
    LIVE["111"] = "deleted"
    fetch(base, store, [art(111)], "--refresh")
    check([e["via"] for e in index(store) if e["url"] == art(111)] == ["live", "live"], "a refresh stored the deleted page")
    del LOG[:]
    code, lines, err = fetch(base, store, [art(111)], "--refresh", "--fallback", "wayback")
    asked = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query) for p in LOG if p.startswith("/cdx/")]
    check(code == 0 and asked and asked[0]["closest"] == ["20200101080000"],
          f"closest= from the article stored before the deleted page ({asked}): {err[-300:]}")
    check(index(store)[-1]["captured_at"] == "2020-01-01T00:00:00Z" and lines and lines[0]["via"] == "wayback",
          f"the capture nearest the article's date is stored ({lines})")


def history_runs(base, tmp, db, name):
    """Refresh runs of two articles: 106 goes ok -> deleted -> ok via
    wayback, then stays so for two more runs (its live page the same
    deleted page); 107 stays ok.  --changes prints what changed each time.
    The runs after the fallback add no index lines and ask no CDX query:
    the live deleted page is the one the Wayback copy replaced."""
    store = os.path.join(tmp, "hist-" + name)
    LIVE.pop("106", None)
    LIVE.pop("107", None)
    CAPTURES["106"] = [("20200105000000", "200", "ok")]
    urls = [art(106), art(107)]
    printed, lines = [], []
    for step in range(1, 6):
        more = [[], ["--refresh"]][min(step - 1, 1)] + (["--fallback", "wayback"] if step >= 3 else [])
        if step == 2:
            LIVE["106"] = "deleted"
        del LOG[:]
        code, recs, err = run(base, store, urls, "--db", db, "--changes", "-o", "-", *more)
        check(code == 0, f"{name} run {step}: exit 0 ({code}): {err[-400:]}")
        printed.append([(r["id"].split(":")[1], r["status"], r["source"]["format"]) for r in recs])
        lines.append(len(index(store)))
        if step >= 4:
            check(not any(p.startswith(("/cdx/", "/web/")) for p in LOG),
                  f"{name} run {step}: the stored Wayback copy stands, nothing asked of the Wayback Machine ({LOG})")
    check(lines[3:] == [lines[2]] * 2, f"{name}: refresh runs 4 and 5 add no index lines (lines after each run: {lines})")
    idx = [e for e in index(store) if e["url"] == art(106)]
    check([e["via"] for e in idx] == ["live", "live", "wayback"], f"{name}: index of 106: live, live (deleted), wayback ({idx})")
    # fetch says what stands: unchanged, the Wayback copy
    code, out, err = fetch(base, store, [art(106)], "--refresh", "--fallback", "wayback")
    check(code == 0 and out and out[0]["status"] == "unchanged" and out[0]["via"] == "wayback"
          and out[0]["sha256"] == idx[-1]["sha256"] and len(index(store)) == lines[2],
          f"{name}: fetch --refresh --fallback: unchanged via wayback, the stored copy ({out}): {err[-300:]}")
    return printed


def check_history(rows, printed, name):
    want = [("ok", "live"), ("deleted", "live"), ("ok", "wayback")]
    check([(r[1], r[3]) for r in rows if r[0] == f"{BIZ}:106:1"] == want,
          f"{name}: status_history of the article: ok -> deleted -> ok via wayback ({rows})")
    shas = [r[2] for r in rows if r[0] == f"{BIZ}:106:1"]
    check(len(set(shas)) == 3 and all(len(s) == 64 for s in shas), f"{name}: each row has its bytes' sha256")
    check([(r[1], r[3]) for r in rows if r[0] == f"{BIZ}:107:1"] == [("ok", "live")],
          f"{name}: an article that did not change has one row ({rows})")
    check(printed == [[("106", "ok", "html"), ("107", "ok", "html")], [("106", "deleted", "html")],
                      [("106", "ok", "wayback")], [], []],
          f"{name}: run --changes prints only what changed since the previous run: {printed}")


def test_history_sqlite(base, tmp):
    path = os.path.join(tmp, "h.db")
    printed = history_runs(base, tmp, "sqlite:" + path, "sqlite")
    con = sqlite3.connect(path)
    rows = con.execute("SELECT article_id, status, sha256, via FROM status_history ORDER BY seq").fetchall()
    fmt = con.execute(f"SELECT status, input_format FROM articles WHERE id = '{BIZ}:106:1'").fetchone()
    # the README's query: what was deleted in the last 7 days
    readme = con.execute("""
        SELECT article_id FROM (
          SELECT article_id, seen_at, status,
                 lag(status) OVER (PARTITION BY article_id ORDER BY seq) AS before
          FROM status_history)
        WHERE status = 'deleted' AND before IS NOT 'deleted'
          AND seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')""").fetchall()
    con.close()
    check_history(rows, printed, "sqlite")
    check(fmt == ("ok", "wayback"), f"sqlite: the article row is the wayback copy ({fmt})")
    check(readme == [(f"{BIZ}:106:1",)], f"sqlite: the README's 'deleted since last week' query ({readme})")


def test_history_postgres(base, tmp):
    if os.environ.get("WX_NO_POSTGRES") == "1":
        print("fallback: PostgreSQL status_history SKIPPED because WX_NO_POSTGRES=1 is set")
        return
    import shutil
    import db_test      # its throwaway cluster
    shutil.rmtree(db_test.TMP, ignore_errors=True)   # made on import, used by db_test's own tests only
    try:
        pg = db_test.Postgres()
    except (OSError, subprocess.CalledProcessError, KeyError) as e:
        check(False, f"PostgreSQL status_history needs a server: {e}")
        return
    try:
        url = pg.createdb("history")
        printed = history_runs(base, tmp, url, "postgres")
        out = pg.sql("history", "SELECT article_id, status, sha256, via FROM status_history ORDER BY seq")
        rows = [tuple(ln.split("|")) for ln in out.splitlines()]
        readme = pg.sql("history", """
            SELECT article_id FROM (
              SELECT article_id, seen_at, status,
                     lag(status) OVER (PARTITION BY article_id ORDER BY seq) AS before
              FROM status_history) h
            WHERE status = 'deleted' AND before IS DISTINCT FROM 'deleted'
              AND seen_at >= now() - interval '7 days'""").split()
        check_history(rows, printed, "postgres")
        check(readme == [f"{BIZ}:106:1"], f"postgres: the README's 'deleted since last week' query ({readme})")
    finally:
        pg.stop()


def test_changes_file(base, tmp):
    """--changes -o FILE keeps its state in FILE.changes."""
    store, out = os.path.join(tmp, "chf"), os.path.join(tmp, "changes.jsonl")
    LIVE.pop("108", None)
    for step in (1, 2):
        code, _, err = run(base, store, [art(108)], "--refresh", "--changes", "-o", out)
        with open(out, encoding="utf-8") as f:
            n = len(f.read().splitlines())
        check(code == 0 and n == (1 if step == 1 else 0), f"--changes -o FILE: run {step} wrote {n} records: {err[-300:]}")
    check(os.path.exists(out + ".changes"), "--changes -o FILE: state kept in FILE.changes")


def test_shard_auto(base, tmp):
    urls = [art(1000 + i) for i in range(30)]
    lst = os.path.join(tmp, "urls.txt")
    with open(lst, "w") as f:
        f.write("\n".join(urls) + "\n")

    def shard_urls(env_extra, *shard):
        env = dict(ENV, **env_extra)
        code, out, err = wx(["fetch", "--base-url", base, "--rate", "0", "-j", "8", "--store",
                             os.path.join(tmp, "shards"), "-i", lst, "--shard", *shard], env=env)
        return code, [json.loads(ln)["url"] for ln in out.splitlines()], err

    ref = [shard_urls({}, f"{k}/3")[1] for k in range(3)]
    cases = {
        "kubernetes": [{"JOB_COMPLETION_INDEX": str(k), "JOB_COMPLETIONS": "3"} for k in range(3)],
        "slurm": [{"SLURM_ARRAY_TASK_ID": str(k + 1), "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"}
                  for k in range(3)],
        "slurm min/max": [{"SLURM_ARRAY_TASK_ID": str(k + 5), "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "7"}
                          for k in range(3)],
    }
    for name, envs in cases.items():
        got = []
        for env in envs:
            code, part, err = shard_urls(env, "auto")
            check(code == 0, f"--shard auto ({name} {env}): exit 0 ({code}): {err[-300:]}")
            got.append(part)
        flat = [u for part in got for u in part]
        check(sorted(flat) == sorted(urls) and len(flat) == len(set(flat)) and all(got),
              f"--shard auto ({name}): disjoint shards covering every URL ({[len(p) for p in got]})")
        check(got == ref, f"--shard auto ({name}): the shards of --shard K/3")
    for env, what in (({}, "neither"), ({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"}, "index >= count"),
                      ({"JOB_COMPLETION_INDEX": "0"}, "no count")):
        code, out, err = shard_urls(env, "auto")
        check(code == 64 and not out and "--shard auto" in err, f"--shard auto, {what}: usage error 64 ({code}: {err})")
    code, _, err = shard_urls({}, "auto")
    check("JOB_COMPLETION_INDEX" in err and "SLURM_ARRAY_TASK_ID" in err, f"--shard auto: the message names the variables: {err}")


def test_usage(base, tmp):
    for args in (["fetch", "--fallback", "archive", art(1)], ["fetch", "--fallback", "wayback", "--via", "wayback", art(1)],
                 ["fetch", "--changes", art(1)]):
        code, out, err = wx(args + ["--store", os.path.join(tmp, "usage")])
        check(code == 64 and not out, f"{args}: usage error 64 ({code}: {err.strip()})")
    code, out, _ = wx(["--help"])
    check(all(w in out for w in ("--fallback wayback", "--changes", "--shard auto")), "--help documents the new options")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="wxfallback") as tmp:
        for t in (test_fallback, test_closest_date, test_history_sqlite, test_history_postgres, test_changes_file,
                  test_shard_auto, test_usage):
            try:
                t(base, tmp)
            except Exception as e:  # one test's crash must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    srv.shutdown()
    return summary("fallback")


if __name__ == "__main__":
    sys.exit(main())
