#!/usr/bin/python3
"""Tests of `wxingest discover` (offline: every request goes to 127.0.0.1).

A loopback server answers like the services discover reads: the Wayback
Machine's CDX API (a JSON array with a header row, case-folded SURT url
keys, duplicate and non-200 captures, paging by resume key, from/to),
its raw captures (/web/TSid_/URL), WeChat's album JSON (paged by
begin_msgid/begin_itemidx, a last page whose article_list is one object)
and live article pages.  Saved pages link to each other to depth 3 with a
cycle, through a --follow-in directory and the store.  The end-to-end
check is the README's pipeline: discover --urls | run -i -.

Usage: discover_test.py PATH/TO/wxingest    Ends with "discover: N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "wxingest"))
BIZ = "MzA3NjBiZA=="
OTHER = "mZa3nJbIzA=="          # another account whose case-folded url key is the same
ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


def art(biz, mid, idx=1, sn=None, scheme="https", extra=""):
    sn = sn or f"sn{mid}"
    return f"{scheme}://mp.weixin.qq.com/s?__biz={biz}&mid={mid}&idx={idx}&sn={sn}{extra}"


def canon(biz, mid, idx=1):
    return art(biz, mid, idx)


# ---------- the CDX index ----------
# (timestamp, original, statuscode); the account's 7 articles (mids 100-106)
# with a duplicate capture, a tracking-parameter variant, an http and a :80
# form, plus captures that must not come out.
CAPTURES = [
    ("20190101000000", art(BIZ, 100), "200"),
    ("20200101000000", art(BIZ, 100), "200"),                     # same url key: collapsed
    ("20190505000000", art(BIZ, 100, extra="&chksm=abc#rd"), "200"),  # same article, another key
    ("20190202000000", art(BIZ, 101, scheme="http"), "200"),
    ("20190303000000", art(BIZ, 102).replace("mp.weixin.qq.com", "mp.weixin.qq.com:80"), "200"),
    ("20200404000000", art(BIZ, 103), "200"),
    ("20210505000000", art(BIZ, 104), "200"),
    ("20210606000000", art(BIZ, 105), "200"),
    ("20220707000000", art(BIZ, 106), "200"),
    ("20190101000000", art(BIZ, 200), "404"),                     # never a 200
    ("20190102000000", art(BIZ, 201), "302"),
    ("20190103000000", art(OTHER, 300), "200"),                   # the other account
]
WANT_WAYBACK = {f"{BIZ}:{m}:1" for m in range(100, 107)}


def surt(url):
    """The CDX url key: host reversed, scheme and :80 dropped, query
    parameters sorted, everything case-folded."""
    u = urllib.parse.urlsplit(url.lower())
    host = u.hostname or ""
    q = "&".join(sorted(p for p in u.query.split("&") if p))
    return ",".join(reversed(host.split("."))) + ")" + u.path + ("?" + q if q else "")


def cdx_rows():
    rows = sorted((surt(o), ts, o, st) for ts, o, st in CAPTURES)
    return rows


def cdx_answer(q):
    need = {"matchType": "prefix", "collapse": "urlkey", "filter": "statuscode:200", "output": "json"}
    for k, v in need.items():
        if q.get(k) != v:
            return 400, "text/plain", f"missing {k}={v}\n"
    if "fault400" in q["url"]:
        return 400, "text/plain", "bad request\n"
    if q["url"].endswith("&retry") and not FLAKY.get(q["url"]):
        FLAKY[q["url"]] = 1
        return 503, "text/plain", "busy\n"
    prefix = surt("http://" + q["url"])
    lo = q.get("from", "").ljust(14, "0")
    hi = q.get("to", "").ljust(14, "9") if q.get("to") else "99999999999999"
    rows, last_key = [], None
    for key, ts, orig, st in cdx_rows():
        if not key.startswith(prefix) or st != "200" or not (lo <= ts <= hi):
            continue
        if key == last_key:
            continue                       # collapse=urlkey keeps the first capture
        last_key = key
        rows.append([key, ts, orig, st])
    start = 0
    if q.get("resumeKey"):
        k, ts = urllib.parse.unquote(q["resumeKey"]).rsplit(" ", 1)
        start = next((i + 1 for i, r in enumerate(rows) if r[0] == k and r[1] == ts), len(rows))
    limit = int(q.get("limit", "100000"))
    page = rows[start:start + limit]
    fields = q.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length").split(",")
    full = {"mimetype": "text/html", "digest": "X", "length": "100"}
    out = [fields]
    for r in page:
        d = dict(zip(["urlkey", "timestamp", "original", "statuscode"], r), **full)
        out.append([d[f] for f in fields])
    if q.get("showResumeKey") == "true" and start + limit < len(rows):
        last = page[-1]
        out += [[], [urllib.parse.quote(f"{last[0]} {last[1]}")]]
    # the real server writes one row a line
    return 200, "text/plain", "[" + ",\n".join(json.dumps(r) for r in out) + "]\n"


FLAKY = {}     # CDX prefixes that already got their one 503


# ---------- albums ----------
ALBUM = [(f"{3000 + i}", "1") for i in range(5)]    # (msgid, itemidx); the article is mid msgid
ALBUM_URL = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&action=getalbum&album_id=77#wechat_redirect"
ALBUM_PAGE = 2


def album_answer(q):
    if q.get("action") != "getalbum" or q.get("f") != "json" or q.get("album_id") != "77" or q.get("__biz") != BIZ:
        return 400, "application/json", json.dumps({"base_resp": {"ret": -2}})
    start = 0
    if q.get("begin_msgid"):
        start = ALBUM.index((q["begin_msgid"], q["begin_itemidx"])) + 1
    page = ALBUM[start:start + min(int(q.get("count", "10")), ALBUM_PAGE)]
    items = [{"url": art(BIZ, m, i, extra="&chksm=1#rd").replace("&", "&amp;") if m == "3001" else art(BIZ, m, i, extra="#rd"),
              "msgid": m, "itemidx": i, "title": f"album {m}", "create_time": "1700000000"} for m, i in page]
    more = start + len(page) < len(ALBUM)
    body = {"base_resp": {"ret": 0},
            "getalbum_resp": {"article_list": items[0] if len(items) == 1 else items,
                              "continue_flag": "1" if more else "0"}}
    return 200, "application/json", json.dumps(body, ensure_ascii=False)


# ---------- pages ----------
def page_html(biz, mid, links_body=(), links_script=(), idx=1):
    """A small article page: identity in script variables, links in the body
    and in script data (written with \\/ escapes, as cgiData is)."""
    body = "".join(f'<p><a href="{u.replace("&", "&amp;")}">link</a></p>' for u in links_body)
    script = ",".join('"' + u.replace("/", "\\/").replace("&", "\\x26") + '"' for u in links_script)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{mid}</title>
<script>var biz = "{biz}" || ""; var mid = "{mid}" || ""; var idx = "{idx}" || ""; var sn = "sn{mid}" || "";
var msg_title = "Article {mid}"; var msg_link = "{art(biz, mid, idx).replace('&', '&amp;')}";
var related = [{script}];</script></head>
<body><h1 id="activity-name">Article {mid}</h1><div id="js_content"><p>往期推荐</p>{body}</div></body></html>"""


def article_for(url):
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return page_html(q.get("__biz", BIZ), q.get("mid", "0"), idx=q.get("idx", "1"))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        SERVER_LOG.append((time.monotonic(), self.path))
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        if u.path == "/cdx/search/cdx":
            code, ctype, body = cdx_answer(q)
        elif u.path == "/mp/appmsgalbum" and q.get("album_id") == "verify":
            self.send_response(302)
            self.send_header("Location", "/mp/wappoc_appmsgcaptcha?poc_token=x")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif u.path == "/mp/wappoc_appmsgcaptcha":
            code, ctype, body = 200, "text/html; charset=utf-8", "<html><body>环境异常 去验证</body></html>"
        elif u.path == "/mp/appmsgalbum":
            code, ctype, body = album_answer(q)
        elif u.path.startswith("/web/") and "id_/" in u.path:
            target = self.path.split("id_/", 1)[1]
            code, ctype, body = 200, "text/html; charset=utf-8", article_for(target)
        elif u.path == "/s":
            code, ctype, body = 200, "text/html; charset=utf-8", article_for(self.path)
        else:
            code, ctype, body = 404, "text/plain", "not here\n"
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


SERVER_LOG = []


def discover(args, timeout=60):
    p = subprocess.run([BIN, "discover", "--rate", "0", "--backoff", "0.05"] + args,
                       capture_output=True, timeout=timeout, env=ENV)
    err = p.stderr.decode("utf-8", "replace")
    check("Sanitizer" not in err and "runtime error:" not in err, f"discover {args}: sanitizer report: {err[-1500:]}")
    lines = []
    for ln in p.stdout.decode("utf-8").splitlines():
        try:
            lines.append(json.loads(ln) if not ("--urls" in args) else ln)
        except ValueError:
            check(False, f"discover {args}: not a JSON line: {ln[:200]}")
    if "--urls" not in args:
        for ln in lines:
            check(set(ln) == {"url", "id", "biz", "found_in", "source", "captured_at"},
                  f"discover line has the documented keys: {sorted(ln)}")
    return p.returncode, lines, err


def ids(lines):
    return [ln["id"] for ln in lines]


def test_wayback(base):
    n0 = len(SERVER_LOG)
    code, lines, err = discover(["--wayback", BIZ, "--base-url", base, "--limit", "3"])
    check(code == 0, f"wayback: exit 0, got {code}: {err}")
    check(sorted(ids(lines)) == sorted(WANT_WAYBACK), "wayback: the account's 7 articles, each once, "
          "without the other account's, the 404 and the 302", [sorted(ids(lines))])
    check(len(ids(lines)) == len(set(ids(lines))), "wayback: no article twice (duplicate captures, chksm variant)")
    by = {ln["id"]: ln for ln in lines}
    first = by.get(f"{BIZ}:100:1", {})
    # the article's first capture in url-key order (the chksm variant sorts first)
    ts = next(r[1] for r in cdx_rows() if r[3] == "200" and "mid=100&" in r[0] and r[2].find(BIZ) > 0)
    check(first.get("captured_at") == f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T00:00:00Z" and ts == "20190505000000",
          f"wayback: the time of the first capture listed: {first}")
    check(first.get("url") == canon(BIZ, 100), f"wayback: canonical URL: {first.get('url')}")
    check(by.get(f"{BIZ}:102:1", {}).get("url") == canon(BIZ, 102), "wayback: the :80 capture's URL is canonical")
    check(all(ln["source"] == "wayback" and ln["biz"] == BIZ for ln in lines), "wayback: source and biz")
    cdx = [p for _, p in SERVER_LOG[n0:] if p.startswith("/cdx/")]
    # 8 distinct url keys of the account under the folded prefix + the other account = 9 rows, 3 a page
    check(len(cdx) == 3, f"wayback: three CDX pages by resume key, got {len(cdx)}: {cdx}")
    check(all("resumeKey=" in p for p in cdx[1:]) and "resumeKey=" not in cdx[0], "wayback: resume keys passed back")

    code, lines, err = discover(["--wayback", BIZ, "--base-url", base, "--from", "2020", "--to", "2021"])
    check(sorted(ids(lines)) == sorted(f"{BIZ}:{m}:1" for m in (100, 103, 104, 105)),
          f"wayback --from 2020 --to 2021: captures in those years: {sorted(ids(lines))}")
    check({ln["id"]: ln["captured_at"] for ln in lines}.get(f"{BIZ}:100:1") == "2020-01-01T00:00:00Z",
          "wayback --from: the capture's own time")

    code, lines, err = discover(["--wayback", BIZ, "--base-url", base, "--urls"])
    check(sorted(lines) == sorted(canon(BIZ, m) for m in range(100, 107)), f"wayback --urls: bare canonical URLs: {lines}")

    # the host's rate holds across the paged requests
    t0 = time.monotonic()
    p = subprocess.run([BIN, "discover", "--wayback", BIZ, "--base-url", base, "--limit", "3", "--rate", "4"],
                       capture_output=True, timeout=60, env=ENV)
    secs = time.monotonic() - t0
    check(p.returncode == 0 and secs >= 0.45, f"wayback --rate 4: three requests take at least 0.5 s, took {secs:.2f}")


def test_wayback_failures(base):
    code, lines, err = discover(["--wayback", BIZ, "--base-url", "http://127.0.0.1:1", "--retries", "1"])
    check(code == 65 and not lines and "network" in err, f"unreachable CDX: exit 65, a network error: {code} {err}")
    code, lines, err = discover(["--wayback", "mp.weixin.qq.com/fault400", "--base-url", base])
    check(code == 65 and "http: HTTP 400" in err, f"CDX 400: exit 65 with the HTTP status: {code} {err}")


def test_politeness(base):
    """The fetcher's rules hold for discover's requests: a 503 is retried,
    WeChat's verification page is a failure that names it."""
    code, lines, err = discover(["--wayback", f"https://mp.weixin.qq.com/s?__biz={BIZ}&retry", "--base-url", base])
    check(code == 0 and not err.strip() and len(FLAKY) == 1, f"CDX 503 once: retried, exit 0 ({code} {err})")
    code, lines, err = discover(["--album", f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&album_id=verify",
                                 "--base-url", base])
    check(code == 65 and "verify:" in err and not lines, f"album behind the verification page: exit 65, verify ({code} {err})")


def test_album(base):
    n0 = len(SERVER_LOG)
    code, lines, err = discover(["--album", ALBUM_URL, "--base-url", base])
    check(code == 0, f"album: exit 0: {err}")
    check(ids(lines) == [f"{BIZ}:{m}:1" for m, _ in ALBUM], f"album: every article in order: {ids(lines)}")
    check(all(ln["url"] == canon(BIZ, ln["id"].split(":")[1]) for ln in lines), "album: canonical URLs (no &amp;, chksm, #rd)")
    check(all(ln["source"] == "album" and ln["found_in"] == ALBUM_URL for ln in lines), "album: source and found_in")
    reqs = [p for _, p in SERVER_LOG[n0:] if p.startswith("/mp/appmsgalbum")]
    check(len(reqs) == 3, f"album: three pages, got {reqs}")
    check("begin_msgid=3001&begin_itemidx=1" in reqs[1] if len(reqs) > 1 else False, f"album: cursor of the last article: {reqs}")
    code, lines, err = discover(["--album", "https://mp.weixin.qq.com/mp/appmsgalbum?album_id=1", "--base-url", base])
    check(code == 65 and "album" in err and not lines, f"album URL without __biz: exit 65: {code} {err}")


def test_history(tmp):
    code, lines, err = discover(["--history", os.path.join(ROOT, "samples", "profile-history.html.gz")])
    check(code == 0 and len(lines) == 64, f"saved history page: its 64 articles, got {len(lines)} ({code} {err})")
    check(all(ln["url"].startswith("https://mp.weixin.qq.com/s?") and "&amp;" not in ln["url"] for ln in lines),
          "history: absolute URLs, entities undone")
    check(all(ln["source"] == "history" for ln in lines), "history: source")
    # profile_ext getmsg JSON, and a page with msgList as an HTML-escaped string
    msgs = {"list": [{"comm_msg_info": {"id": 1}, "app_msg_ext_info": {
        "content_url": art(BIZ, 500, 1, extra="&chksm=z#rd").replace("&", "&amp;"),
        "multi_app_msg_item_list": [{"content_url": art(BIZ, 500, 2).replace("&", "&amp;")}]}},
        {"comm_msg_info": {"id": 2}, "app_msg_ext_info": {"content_url": art(BIZ, 501, 1)}}]}
    getmsg = os.path.join(tmp, "getmsg.json")
    with open(getmsg, "w") as f:
        json.dump({"ret": 0, "general_msg_list": json.dumps(msgs)}, f)
    escaped = json.dumps(msgs).replace("&", "&amp;").replace('"', "&quot;")
    prof = os.path.join(tmp, "profile_ext.html")
    with open(prof, "w") as f:
        f.write(f"<html><script>var msgList = '{escaped}';\nvar x = 1;</script></html>")
    want = [f"{BIZ}:500:1", f"{BIZ}:500:2", f"{BIZ}:501:1"]
    for path in (getmsg, prof):
        code, lines, err = discover(["--history", path])
        check(code == 0 and ids(lines) == want, f"history {os.path.basename(path)}: {ids(lines)} {err}")
    code, lines, err = discover(["--history", os.path.join(tmp, "getmsg.json"), "--history", prof])
    check(ids(lines) == want, "two history files: each article once")
    code, lines, err = discover(["--history", os.path.join(ROOT, "samples", "article-01.html.gz")])
    check(code == 65 and not lines, f"history from a page without a message list: exit 65 ({code})")


SHORT = "https://mp.weixin.qq.com/s/Sh0rt-Link_1"


def test_pages(base, tmp):
    """A -> B (held in --follow-in), B -> C (in the store; link in script data)
    and A (cycle), C -> D (held nowhere) and B.  A also names another
    account's article X and a short link (whose account is unknown)."""
    mids = {"A": 400, "B": 401, "C": 402, "D": 403}
    url = {k: art(BIZ, m, extra="&chksm=q#rd") for k, m in mids.items()}
    x = art(OTHER, 999)
    given, follow = os.path.join(tmp, "given"), os.path.join(tmp, "follow")
    os.makedirs(given)
    os.makedirs(follow)
    with open(os.path.join(given, "a.html"), "w") as f:
        f.write(page_html(BIZ, mids["A"], links_body=[url["B"], x, SHORT + "?scene=1#rd"]))
    with open(os.path.join(follow, "b.html"), "w") as f:
        f.write(page_html(BIZ, mids["B"], links_body=[url["A"]], links_script=[url["C"]]))
    store = os.path.join(tmp, "store")
    # C reaches the store the way users' pages do: fetched
    c_page = page_html(BIZ, mids["C"], links_body=[url["D"], url["B"]])
    PAGES_OVERRIDE[str(mids["C"])] = c_page
    p = subprocess.run([BIN, "fetch", "--store", store, "--base-url", base, "--rate", "0", canon(BIZ, mids["C"])],
                       capture_output=True, timeout=60, env=ENV)
    check(p.returncode == 0, f"pages: C stored by fetch: {p.stdout} {p.stderr}")
    common = ["--from-pages", given, "--follow-in", follow, "--store", store]
    expect = {1: ["B"], 2: ["B", "A", "C"], 3: ["B", "A", "C", "D"]}
    for depth, names in expect.items():
        code, lines, err = discover(common + ["--depth", str(depth)])
        short = [ln for ln in lines if ln["id"] is None]
        check([(ln["url"], ln["biz"]) for ln in short] == [(SHORT, None)],
              f"pages --depth {depth}: a short link (no account to tell) is kept once, canonical: {short}")
        lines = [ln for ln in lines if ln["id"] is not None]
        got = ids(lines)
        check(code == 0 and sorted(got) == sorted(f"{BIZ}:{mids[n]}:1" for n in names),
              f"pages --depth {depth}: {names}, got {got} ({code} {err})")
        check(all(ln["source"] == "pages" and ln["url"] == canon(BIZ, int(ln["id"].split(":")[1])) for ln in lines),
              f"pages --depth {depth}: canonical URLs")
        if depth == 3:
            where = {ln["id"]: ln["found_in"] for ln in lines}
            check(where.get(f"{BIZ}:{mids['C']}:1", "").endswith("b.html"), f"pages: C found in b.html: {where}")
            check("/objects/" in where.get(f"{BIZ}:{mids['D']}:1", ""), f"pages: D found in the stored C: {where}")
    code, lines, err = discover(common + ["--depth", "1", "--any-account"])
    lines = [ln for ln in lines if ln["id"] is not None]
    check(sorted(ids(lines)) == sorted([f"{BIZ}:{mids['B']}:1", f"{OTHER}:999:1"]), f"pages --any-account: X too: {ids(lines)}")
    code, lines, err = discover(["--from-pages", "--store", store])
    check(code == 0 and sorted(ids(lines)) == sorted(f"{BIZ}:{mids[n]}:1" for n in "DB"),
          f"--from-pages without PATH: the store's pages: {ids(lines)} {err}")
    p = subprocess.run([BIN, "discover", "--from-pages"], capture_output=True, timeout=20, env=ENV, cwd=given)
    check(p.returncode == 66 and b"store" in p.stderr and not p.stdout,
          f"--from-pages without PATH and without a store: exit 66 ({p.returncode} {p.stderr})")
    code, lines, err = discover(["--from-pages", os.path.join(tmp, "missing")])
    check(code == 66, f"--from-pages of a missing path: exit 66, got {code}")


PAGES_OVERRIDE = {}
_article_for = article_for


def article_for(url):  # noqa: F811  (pages a test placed on the server win)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return PAGES_OVERRIDE.get(q.get("mid", ""), None) or _article_for(url)


def test_pipeline(base, tmp):
    """The README's pipeline: the URLs discover prints are what run reads."""
    out = os.path.join(tmp, "out.jsonl")
    store = os.path.join(tmp, "pipe-store")
    cmd = (f"'{BIN}' discover --wayback '{BIZ}' --base-url {base} --rate 0 --urls | "
           f"'{BIN}' run -i - --via wayback --base-url {base} --rate 0 --store '{store}' -o '{out}'")
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=120, env=ENV)
    check(p.returncode == 0, f"pipeline: exit 0: {p.stderr.decode(errors='replace')[-800:]}")
    recs = [json.loads(x) for x in open(out, encoding="utf-8")] if os.path.exists(out) else []
    check(sorted(r["id"] for r in recs) == sorted(WANT_WAYBACK), f"pipeline: one record per article: {[r['id'] for r in recs]}")
    check(all(r["status"] == "ok" and r["source"]["url"] == canon(*r["id"].split(":")[:2]) for r in recs),
          "pipeline: every record ok, its source.url the discovered URL")
    raw = [p for _, p in SERVER_LOG if p.startswith("/web/2id_/https://mp.weixin.qq.com/s?__biz=")]
    check(len(raw) >= 7, f"pipeline: the raw (id_) captures were requested: {len(raw)}")


def test_pipeline_live(base, tmp):
    """The issue's pipeline as written: discover's URLs fetched live by run
    (--base-url stands for mp.weixin.qq.com), parsed into out.jsonl."""
    out = os.path.join(tmp, "live-out.jsonl")
    store = os.path.join(tmp, "live-store")
    del SERVER_LOG[:]
    cmd = (f"'{BIN}' discover --wayback '{BIZ}' --base-url {base} --rate 0 --urls | "
           f"'{BIN}' run -i - --base-url {base} --rate 0 --store '{store}' -o '{out}'")
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=120, env=ENV)
    check(p.returncode == 0, f"live pipeline: exit 0: {p.stderr.decode(errors='replace')[-800:]}")
    recs = [json.loads(x) for x in open(out, encoding="utf-8")] if os.path.exists(out) else []
    check(sorted(r["id"] for r in recs) == sorted(WANT_WAYBACK),
          f"live pipeline: one record per discovered article: {[r['id'] for r in recs]}")
    check(all(r["status"] == "ok" and r["source"]["format"] == "html" and r["source"]["captured_at"] is None
              and r["source"]["url"] == canon(*r["id"].split(":")[:2]) for r in recs),
          "live pipeline: every record ok, a live copy (format html), its source.url the discovered URL")
    live = [p for _, p in SERVER_LOG if p.startswith(f"/s?__biz={BIZ}&")]
    check(len(live) == len(WANT_WAYBACK) and not any(p.startswith("/web/") for _, p in SERVER_LOG),
          f"live pipeline: each article fetched live once, no capture fetched ({len(live)} live requests)")


def test_usage():
    for args in ([], ["--wayback", BIZ, "--from", "20x"], ["--depth", "0", "--from-pages", "."], ["some/path"]):
        p = subprocess.run([BIN, "discover"] + args, capture_output=True, timeout=20, env=ENV)
        check(p.returncode == 64 and not p.stdout, f"discover {args}: usage error 64, got {p.returncode}")
    p = subprocess.run([BIN, "--help"], capture_output=True, timeout=20)
    check(b"discover" in p.stdout and b"--wayback" in p.stdout, "usage text documents discover")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="wxdiscover") as tmp:
        for t, args in ((test_wayback, (base,)), (test_wayback_failures, (base,)), (test_politeness, (base,)), (test_album, (base,)),
                        (test_history, (tmp,)), (test_pages, (base, tmp)), (test_pipeline, (base, tmp)),
                        (test_pipeline_live, (base, tmp)), (test_usage, ())):
            try:
                t(*args)
            except Exception as e:  # one test's crash must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    srv.shutdown()
    return summary("discover")


if __name__ == "__main__":
    sys.exit(main())
