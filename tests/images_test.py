#!/usr/bin/python3
"""Image archiving: `fetch --images` / `run --images [--ocr]` against a
loopback image server (127.0.0.1 only), and the records' images[] filled
from the store (`parse STORE/objects`, `run`) and from a saved page's
NAME_files/ folder.

The server (tests/httpd.py's Server with its own handler) serves article
pages at /s/NAME and images at WeChat's CDN paths, which --base-url sends
here: originals only at /0 (a /640 request is a 404), a placeholder picture
for any request without Referer: https://mp.weixin.qq.com/, and one route
per fault (404, redirect, oversize, a non-image body, a stall, three URLs
that always answer with the same placeholder).  The images are tiny real
JPEG/PNG/GIF/WebP files made with ImageMagick at test time.

Usage: images_test.py PATH/TO/wxingest    Ends with "images: N passed, N failed".
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402
import httpd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "wxingest"))
TABLE = os.path.join(ROOT, "tests", "ocr", "fixtures", "table-plain.jpg")
REFERER = "https://mp.weixin.qq.com/"
CDN = "https://mmbiz.qpic.cn"

SRV = None
ENV = None
TMP = None
IMG = {}            # key -> (bytes, content type, format, width, height)
PAGES = {}          # name -> html bytes
PLACEHOLDER = None


def make_image(name, fmt, w, h, colour, extra=()):
    """A real image file made by ImageMagick; returns its bytes."""
    path = os.path.join(TMP, f"{name}.{fmt}")
    subprocess.run(["convert", "-size", f"{w}x{h}", f"xc:{colour}", *extra, path], check=True)
    with open(path, "rb") as f:
        return f.read()


def page_html(title, images, cover=None):
    """A minimal article page whose body holds the given <img> tags."""
    og = f'<meta property="og:image" content="{cover}">' if cover else ""
    body = "".join(f"<p>{tag}</p>" for tag in images)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}">{og}</head><body><div id="img-content">'
            f'<h1 id="activity-name">{title}</h1><div class="rich_media_content" id="js_content">'
            f'<p>正文第一段。</p>{body}<p>正文第二段。</p></div></div></body></html>').encode("utf-8")


class ImageHandler(httpd.Handler):
    """Pages at /s/NAME; images at /mmbiz_*/KEY/SEG and /mmhead/KEY/0."""

    def route(self, path, entry):
        u = urllib.parse.urlsplit(path)
        parts = u.path.strip("/").split("/")
        if parts[0] == "s" and len(parts) == 2 and parts[1] in PAGES:
            return self.send(200, PAGES[parts[1]])
        if self.headers.get("Referer") != REFERER:
            return self.send(200, PLACEHOLDER, "image/png")          # hotlink protection
        if parts[0] == "img" and parts[1:] == ["moved"]:
            data = IMG["moved"]
            return self.send(200, data[0], data[1])
        if len(parts) != 3 or not (parts[0].startswith("mmbiz_") or parts[0] == "mmhead"):
            return self.send(404, b"no")
        key, seg = parts[1], parts[2]
        if seg != "0":
            return self.send(404, b"originals only at /0")
        if key == "missing":
            return self.send(404, b"<html>gone</html>")
        if key == "redir":
            return self.send(302, b"", None, [("Location", "/img/moved")])
        if key == "big":
            return self.send(200, b"\xff\xd8\xff\xe0" + b"\0" * (2 << 20), "image/jpeg")
        if key == "html":
            return self.send(200, b"<html><body>not a picture</body></html>", "image/jpeg")
        if key.startswith("ph"):
            return self.send(200, PLACEHOLDER, "image/png")
        if key == "stall":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"\xff\xd8\xff\xe0")
            self.wfile.flush()
            return self.sleep(8)
        if key in IMG:
            return self.send(200, IMG[key][0], IMG[key][1])
        return self.send(404, b"unknown")


def image_requests():
    return [r for r in SRV.log if not r["path"].startswith("/s/")]


def run(cmd, args, store=None, timeout=60):
    argv = [BIN, cmd]
    if store:
        argv += ["--store", store, "--rate", "0", "--backoff", "0.05", "--base-url", SRV.base]
    p = subprocess.run(argv + args, capture_output=True, timeout=timeout, env=ENV)
    err = p.stderr.decode("utf-8", "replace")
    check("Sanitizer" not in err and "runtime error:" not in err, f"{cmd}: sanitizer report:\n{err[-2000:]}")
    return p.returncode, p.stdout, err


def index(store):
    out = []
    with open(os.path.join(store, "index.jsonl"), "rb") as f:
        for line in f.read().split(b"\n"):
            if line.strip():
                out.append(json.loads(line))
    return out


def summary(err, what):
    """The numbers of the "images:" summary line."""
    m = re.search(r"images: stored=(\d+) skipped=(\d+) failed=(\d+) placeholder=(\d+)", err)
    check(m is not None, f"{what}: an images: summary line", [err[-800:]])
    return tuple(int(x) for x in m.groups()) if m else None


def records(out):
    return [r for _, r in checks.jsonl_records(out, "records")]


def images_by_url(recs):
    return {im["url"]: im for r in recs for im in r.get("images", [])}


FETCH_OPTS = ["--max-bytes", "1M", "--timeout", "5,4,1", "--retries", "1"]


def test_fetch_images():
    """fetch --images: what is stored, the index, the failures, a second run."""
    store = os.path.join(TMP, "store1")
    urls = ["https://mp.weixin.qq.com/s/p1", "https://mp.weixin.qq.com/s/p2"]
    code, out, err = run("fetch", ["--images"] + FETCH_OPTS + urls, store)
    check(code == 0, f"image failures do not fail the pages: exit {code}", [err[-1500:]])
    lines = [json.loads(x) for x in out.decode().splitlines()]
    check([x["status"] for x in lines] == ["stored", "stored"], f"pages stored: {lines}")
    check(summary(err, "first run") == (7, 0, 7, 3), f"stored 7 (jpg png gif webp webp-lossless redir cover), "
          f"failed 7 (missing big html stall ph1-3), placeholder 3: {summary(err, 'x')}", [err[-1500:]])

    reqs = image_requests()
    check(reqs and all(r["headers"].get("referer") == REFERER for r in reqs),
          "every image request (redirects too) sent Referer: https://mp.weixin.qq.com/",
          [(r["path"], r["headers"].get("referer")) for r in reqs if r["headers"].get("referer") != REFERER])
    widths = [r["path"] for r in reqs if re.search(r"/mmbiz_[a-z]+/[^/]+/(640|300)", r["path"])]
    check(not widths, "width URLs are asked for at /0", widths)
    jpg = [r["path"] for r in reqs if "/jpg1/" in r["path"]]
    check(jpg == ["/mmbiz_jpg/jpg1/0?wx_fmt=jpeg"], f"/640 -> /0 keeping wx_fmt, once for two pages: {jpg}")
    check(all(r["headers"].get("accept", "").startswith("image/") for r in reqs), "images are asked for as images")
    check(not [r for r in reqs if "/avatar1/" in r["path"]], "avatars are not fetched by default")

    entries = [e for e in index(store) if e.get("kind") == "image"]
    by_url = {e["url"]: e for e in entries}
    check(len(entries) == 7, f"7 image index lines: {sorted(by_url)}")
    want = {"jpg1/640?wx_fmt=jpeg": ("jpeg", "p1", "jpg"), "png1/300?wx_fmt=png": ("png", "p1", "png"),
            "gif1/0?wx_fmt=gif": ("gif", "p1", "gif"), "webp1/640?wx_fmt=webp": ("webp", "p1", "webp"),
            "webp2/640": ("webp", "p2", "webpl"), "redir/640?wx_fmt=png": ("png", "p2", "moved"),
            "cover1/0?wx_fmt=jpeg": ("jpeg", "p1", "cover1")}
    for tail, (fmt, page, key) in want.items():
        e = next((v for k, v in by_url.items() if k.endswith(tail)), None)
        if not check(e is not None, f"index has {tail}"):
            continue
        body = IMG[key][0]
        sha = hashlib.sha256(body).hexdigest()
        ext = {"jpeg": "jpg"}.get(fmt, fmt)
        path = os.path.join(store, "objects", sha[:2], sha[2:] + "." + ext)
        check(e["format"] == fmt and e["sha256"] == sha and e["bytes"] == len(body),
              f"{tail}: format {e['format']} (from the bytes), sha256, bytes")
        check(e["page"] == "https://mp.weixin.qq.com/s/" + page, f"{tail}: the page it came from: {e['page']}")
        check(os.path.isfile(path) and open(path, "rb").read() == body, f"{tail}: object {path}")
    moved = next((v for k, v in by_url.items() if "redir" in k), {})
    check(str(moved.get("final_url", "")).endswith("/img/moved"), f"redirect: final_url {moved.get('final_url')}")
    # the gif is served as image/png: the format comes from the bytes
    gif = next((v for k, v in by_url.items() if "gif1" in k), {})
    check(gif.get("content_type") == "image/png" and gif.get("format") == "gif", "format sniffed, not the Content-Type")

    for key, word in (("missing", "http: HTTP 404"), ("big", "too_large"), ("html", "not_image"),
                      ("stall", "timeout"), ("ph1", "placeholder"), ("ph2", "placeholder"), ("ph3", "placeholder")):
        line = [x for x in err.splitlines() if f"/{key}/" in x]
        check(line and word in line[0] and "image of https://mp.weixin.qq.com/s/" in line[0],
              f"{key}: one log line with '{word}' and the page", line or [err[-600:]])
        check(not [u for u in by_url if f"/{key}/" in u], f"{key}: no index line")
    ph = hashlib.sha256(PLACEHOLDER).hexdigest()
    check(not os.path.exists(os.path.join(store, "objects", ph[:2], ph[2:] + ".png")), "the placeholder is not stored")
    objs = sorted(os.path.relpath(os.path.join(d, f), store) for d, _, fs in os.walk(os.path.join(store, "objects")) for f in fs)
    check(len([o for o in objs if not o.endswith(".html")]) == 7, f"7 image objects: {objs}")

    # a second run asks for nothing.  It and the --images all run below ask
    # again for the images that failed; --retries 0 gives the stall one
    # attempt, not two of a second each (the retry is not what they check).
    once = FETCH_OPTS[:-1] + ["0"]
    before = len(image_requests())
    code, out, err = run("fetch", ["--images"] + once + urls, store)
    again = image_requests()[before:]
    ok_or_failed = {r["path"].split("/")[2] for r in again}
    check(not (ok_or_failed & {"jpg1", "png1", "gif1", "webp1", "webp2", "redir", "cover1"}),
          f"second run: stored images not requested again: {sorted(ok_or_failed)}")
    s = summary(err, "second run")
    check(s is not None and s[0] == 0 and s[1] == 7, f"second run: stored=0 skipped=7: {s}")

    # --images all adds the avatar (and only it is new)
    before = len(image_requests())
    code, out, err = run("fetch", ["--images", "all"] + once + urls, store)
    new = [r["path"] for r in image_requests()[before:]]
    check("/mmhead/avatar1/0" in new, f"--images all fetches the avatar: {new}")
    s = summary(err, "--images all")
    check(s is not None and s[0] == 1, f"--images all: one new image: {s}")
    return store


def test_records_from_store(store):
    """parse STORE/objects and run: local, sha256, bytes, real width/height."""
    shutil.rmtree(os.path.join(store, "tmp"))
    with open(os.path.join(store, "index.jsonl"), "rb") as f:
        idx = f.read()
    code, out, err = run("parse", [os.path.join(store, "objects")])
    with open(os.path.join(store, "index.jsonl"), "rb") as f:
        check(f.read() == idx and not os.path.exists(os.path.join(store, "tmp")),
              "parse of a store reads it only (no tmp/ made, index unchanged)")
    recs = records(out)
    check(code == 0 and len(recs) == 2, f"parse of the store: exit {code}, {len(recs)} records", [err[-500:]])
    ims = images_by_url(recs)
    jpg = next((v for k, v in ims.items() if "/jpg1/" in k), {})
    sha = hashlib.sha256(IMG["jpg"][0]).hexdigest()
    check(jpg.get("sha256") == sha and jpg.get("bytes") == len(IMG["jpg"][0]), f"jpg sha256/bytes: {jpg}")
    check(jpg.get("local") == os.path.join(store, "objects", sha[:2], sha[2:] + ".jpg"), f"jpg local: {jpg.get('local')}")
    check((jpg.get("width"), jpg.get("height")) == (IMG["jpg"][3], IMG["jpg"][4]),
          f"the stored image's size beats the markup's 640x480: {jpg.get('width')}x{jpg.get('height')}")
    for key, frag in (("png", "/png1/"), ("gif", "/gif1/"), ("webp", "/webp1/"), ("webpl", "/webp2/"), ("moved", "/redir/")):
        im = next((v for k, v in ims.items() if frag in k), {})
        check((im.get("width"), im.get("height"), im.get("bytes")) == (IMG[key][3], IMG[key][4], len(IMG[key][0])),
              f"{key}: size from the header {im.get('width')}x{im.get('height')}, bytes {im.get('bytes')}")
    missing = next((v for k, v in ims.items() if "/missing/" in k), {})
    check(missing.get("sha256") is None and missing.get("bytes") is None and missing.get("local") is None,
          f"a failed image keeps nulls: {missing}")
    ph = next((v for k, v in ims.items() if "/ph1/" in k), {})
    check(ph.get("sha256") is None, "a placeholder is not used for the record")

    out_path = os.path.join(TMP, "run.jsonl")
    code, out, err = run("run", ["-o", out_path, "https://mp.weixin.qq.com/s/p1"], store)
    with open(out_path, "rb") as f:
        recs = records(f.read())
    im = images_by_url(recs)
    jpg2 = next((v for k, v in im.items() if "/jpg1/" in k), {})
    check(code == 0 and jpg2.get("sha256") == sha and jpg2.get("local") == jpg.get("local"),
          f"run fills the same fields as parse of the store: {jpg2}", [err[-500:]])


def test_run_images_ocr():
    """run --images --ocr: the table image's text; a second run reads nothing."""
    store = os.path.join(TMP, "store-ocr")
    out_path = os.path.join(TMP, "ocr.jsonl")
    url = "https://mp.weixin.qq.com/s/p3"
    code, out, err = run("run", ["--images", "--ocr", "-o", out_path, url], store, timeout=300)
    with open(out_path, "rb") as f:
        recs = records(f.read())
    im = next((v for k, v in images_by_url(recs).items() if "/table/" in k), {})
    with open(TABLE.replace(".jpg", ".txt"), encoding="utf-8") as f:
        truth = f.read()
    first_row = truth.splitlines()[0].split("\t")
    text = im.get("text") or ""
    check(code == 0 and im.get("sha256") == hashlib.sha256(IMG["table"][0]).hexdigest(),
          f"run --images --ocr: the table image stored and filled (exit {code})", [err[-800:]])
    check(all(cell.strip() in text for cell in first_row[:2]), f"text holds the header row {first_row[:2]}: {text[:200]!r}")
    check(isinstance(im.get("text_confidence"), int), f"text_confidence: {im.get('text_confidence')}")
    check(os.path.isdir(os.path.join(store, "ocr")), "the OCR cache is kept in the store (STORE/ocr)")
    before = len(image_requests())
    code, out, err = run("run", ["--images", "--ocr", "-o", out_path, url], store, timeout=300)
    check(len(image_requests()) == before, "second run: no image requested")
    check("ocr images: read=0 cached=1" in err, "second run: OCR from the cache", [err[-500:]])


def test_loose_saved_page():
    """parse of a "Save as, complete" page: sha256/bytes/size from NAME_files/, no symlink out."""
    d = os.path.join(TMP, "saved")
    os.makedirs(os.path.join(d, "page_files"))
    with open(os.path.join(d, "page_files", "a.png"), "wb") as f:
        f.write(IMG["png"][0])
    outside = os.path.join(TMP, "outside.gif")
    with open(outside, "wb") as f:
        f.write(IMG["gif"][0])
    os.symlink(outside, os.path.join(d, "page_files", "b.gif"))
    html = page_html("存档页", [f'<img data-src="{CDN}/mmbiz_png/loose/640?wx_fmt=png" src="page_files/a.png">',
                                 f'<img data-src="{CDN}/mmbiz_gif/link/640?wx_fmt=gif" src="page_files/b.gif">'])
    with open(os.path.join(d, "page.html"), "wb") as f:
        f.write(html)
    code, out, err = run("parse", [os.path.join(d, "page.html")])
    ims = images_by_url(records(out))
    a = next((v for k, v in ims.items() if "/loose/" in k), {})
    b = next((v for k, v in ims.items() if "/link/" in k), {})
    check(a.get("local") == "page_files/a.png" and a.get("sha256") == hashlib.sha256(IMG["png"][0]).hexdigest()
          and a.get("bytes") == len(IMG["png"][0]) and (a.get("width"), a.get("height")) == (IMG["png"][3], IMG["png"][4]),
          f"saved page: the NAME_files/ copy fills sha256, bytes, size: {a}")
    check(b.get("sha256") is None and b.get("bytes") is None, f"a symbolic link out of the folder is not read: {b}")


def test_usage():
    code, out, err = run("fetch", ["--images", "--store", os.path.join(TMP, "u"), "--images=bogus", "https://x/s/y"])
    check(code == 64 and "bad --images" in err, f"--images=bogus: exit {code}: {err[:200]}")
    code, out, err = run("fetch", ["--ocr", "--store", os.path.join(TMP, "u"), "https://x/s/y"])
    check(code == 64, f"fetch --ocr is a usage error: exit {code}")
    code, out, err = run("--help", [])
    check("--images" in out.decode(), "--help names --images")


def setup_content():
    global PLACEHOLDER
    PLACEHOLDER = make_image("placeholder", "png", 7, 5, "gray")
    specs = {"jpg": ("jpg", 40, 30, "red", "image/jpeg", "jpeg"), "png": ("png", 21, 13, "green", "image/png", "png"),
             "gif": ("gif", 17, 9, "blue", "image/png", "gif"), "webp": ("webp", 33, 21, "orange", "image/webp", "webp"),
             "moved": ("png", 12, 34, "purple", "image/png", "png"), "cover1": ("jpg", 90, 50, "cyan", "image/jpeg", "jpeg"),
             "avatar1": ("jpg", 20, 20, "pink", "image/jpeg", "jpeg")}
    for key, (ext, w, h, colour, ctype, fmt) in specs.items():
        IMG[key] = (make_image(key, ext, w, h, colour), ctype, fmt, w, h)
    IMG["webpl"] = (make_image("webpl", "webp", 45, 23, "yellow", ["-define", "webp:lossless=true"]),
                    "image/webp", "webp", 45, 23)
    with open(TABLE, "rb") as f:
        IMG["table"] = (f.read(), "image/jpeg", "jpeg", None, None)
    # route keys -> images
    for key, src in (("jpg1", "jpg"), ("png1", "png"), ("gif1", "gif"), ("webp1", "webp"), ("webp2", "webpl"),
                     ("table", "table")):
        IMG[key] = IMG[src]
    PAGES["p1"] = page_html("第一篇", [
        f'<img data-src="{CDN}/mmbiz_jpg/jpg1/640?wx_fmt=jpeg" data-w="640" data-ratio="0.75">',
        f'<img data-src="{CDN}/mmbiz_png/png1/300?wx_fmt=png">',
        f'<img data-src="{CDN}/mmbiz_gif/gif1/0?wx_fmt=gif">',
        f'<img data-src="{CDN}/mmbiz_webp/webp1/640?wx_fmt=webp">',
        f'<img data-src="{CDN}/mmbiz_jpg/missing/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_jpg/big/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_jpg/ph1/640?wx_fmt=jpeg">',
        '<img data-src="http://wx.qlogo.cn/mmhead/avatar1/0">'],
        cover=f"{CDN}/mmbiz_jpg/cover1/0?wx_fmt=jpeg")
    PAGES["p2"] = page_html("第二篇", [
        f'<img data-src="{CDN}/mmbiz_jpg/jpg1/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_webp/webp2/640">',
        f'<img data-src="{CDN}/mmbiz_png/redir/640?wx_fmt=png">',
        f'<img data-src="{CDN}/mmbiz_jpg/html/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_jpg/stall/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_jpg/ph2/640?wx_fmt=jpeg">',
        f'<img data-src="{CDN}/mmbiz_png/ph3/640?wx_fmt=png">'])
    PAGES["p3"] = page_html("表格", [f'<img data-src="{CDN}/mmbiz_jpg/table/640?wx_fmt=jpeg">'])


def main():
    global SRV, ENV, TMP
    if not shutil.which("convert"):
        check(False, "ImageMagick's convert is needed to make the test images (make deps)")
        return checks.summary("images")
    SRV = httpd.Server()
    SRV.RequestHandlerClass = ImageHandler
    SRV.start(lifetime=600)
    ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        ENV[k] = SRV.base                 # anything not meant for 127.0.0.1 lands here
    ENV["no_proxy"] = ENV["NO_PROXY"] = "127.0.0.1"
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wximages") as d:
        TMP = d
        setup_content()
        for t in (test_fetch_images, test_run_images_ocr, test_loose_saved_page, test_usage):
            try:
                res = t()
                if t is test_fetch_images and res:
                    test_records_from_store(res)
            except Exception as e:  # a crash in one test must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
    check(not [x for x in SRV.log if x["proxied"]], "nothing went through the proxy")
    SRV.stop()
    print(f"images: suite took {time.monotonic() - t0:.1f} s")
    return checks.summary("images")


if __name__ == "__main__":
    sys.exit(main())
