#!/usr/bin/python3
"""Test HTTP server for the fetch tests (Python standard library only).

It listens on 127.0.0.1 only, on a port the OS picks, serves the corpus
pages of samples/ (decompressed) and injects faults chosen by the request
path.  It never connects anywhere itself.  fetch_test.py imports it and runs
it in a thread; `httpd.py [SECONDS]` runs it alone and prints its port.

Routes (KEY is any word: each test uses its own, so counters do not mix):
  /s/NAME[?delay=S[&once=1]]  the sample samples/NAME.html.gz, with ETag and
                            Last-Modified (after S seconds, at most 10; with
                            once, only the first request of the path waits);
                            answers If-None-Match and If-Modified-Since with 304
  /web/TSid_/URL            a Wayback "raw capture": the sample named by the
                            URL's last path segment (article-2018-post if none)
  /mp/wappoc_appmsgcaptcha  where WeChat sends clients it wants to verify
  /fault/slow/KEY?delay=S   nothing for S seconds (at most 10), then the page
  /fault/stall/KEY?for=S&bytes=N   headers and the first N bytes of the page
                            (default 64), then silence (at most 10 s)
  /fault/reset/KEY?n=N      connection reset (RST) for the first N requests
                            of KEY (all of them without n), then the page
  /fault/500/KEY?n=N        HTTP 500 for the first N requests (all without n)
  /fault/429/KEY?after=S    429 with Retry-After: S once, then the page
  /fault/status/CODE/KEY    always HTTP CODE (404, 403, 408, ...)
  /fault/loop/KEY           302 to itself, forever
  /fault/redirect/KEY?to=U  302 to U (relative, or file:///etc/passwd)
  /fault/big/KEY?bytes=N&chunked=1   an N-byte page, with or without length
  /fault/gzip/KEY[?bytes=N] the page (or an N-byte page) gzip-encoded when
                            the client accepts gzip
  /fault/type/KEY?type=T    the page sent as Content-Type T
  /fault/verify/KEY         WeChat's verification page (环境异常)
  /fault/changing/KEY       a different small page on every request
  /fault/nocache/KEY        the page with no ETag/Last-Modified, ignoring
                            conditional headers
  /fault/lastmod/KEY        the page with Last-Modified only
  /fault/empty/KEY          200 with an empty body
  /fault/http09/KEY         an HTTP/0.9 reply: the body alone, no status line

Absolute-form request lines (a client using this server as its HTTP proxy)
are served like the path they name and logged with proxied=True; CONNECT is
refused and logged.  Every request is appended to Server.log.
"""
import gzip
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
DEFAULT_PAGE = "article-2018-post"
VERIFY_PAGE = "verify-2026"
MAX_SLEEP = 10.0          # no handler waits longer than this
MAX_REQUESTS = 5000       # then the server stops itself
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


def load_page(name):
    """Bytes of samples/NAME.html.gz, or None for anything else (no paths)."""
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        return None
    for ext in (".html.gz", ".mhtml.gz"):
        p = os.path.join(SAMPLES, name + ext)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                return gzip.decompress(f.read())
    return None


def filler_page(size, tag=b""):
    """An HTML page of exactly size bytes (for the body-size limits)."""
    head = b"<!DOCTYPE html><html><head><title>big</title></head><body><div id=\"js_content\">" + tag
    tail = b"</div></body></html>"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, tls_cert=None, tls_key=None):
        super().__init__(("127.0.0.1", 0), Handler)
        if tls_cert:   # HTTPS with the given (self-signed) certificate
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
        self.port = self.server_address[1]
        self.base = f"{'https' if tls_cert else 'http'}://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.log = []              # one dict per request
        self.counts = {}           # KEY -> requests so far
        self.pages = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()
        self.thread = None
        self.watchdog = None

    # quiet: resets and client aborts are the point of this server
    def handle_error(self, request, client_address):
        pass

    def page(self, name):
        with self.lock:
            if name not in self.pages:
                self.pages[name] = load_page(name)
            return self.pages[name]

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def requests(self, prefix):
        """Logged requests whose path starts with prefix."""
        with self.lock:
            return [r for r in self.log if r["path"].startswith(prefix)]

    def start(self, lifetime=300.0):
        """Serve in a background thread; stop by itself after lifetime seconds."""
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.watchdog = threading.Timer(lifetime, self.stop)
        self.watchdog.daemon = True
        self.watchdog.start()
        return self

    def stop(self):
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self.watchdog:
            self.watchdog.cancel()
        if self.thread:
            self.shutdown()   # from a handler or the watchdog thread, never the serving one
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wxtest/1"
    sys_version = ""

    def log_message(self, *args):
        pass

    # ---- plumbing ----

    def sleep(self, seconds):
        """Bounded, and cut short when the server stops."""
        self.server.stopping.wait(min(max(seconds, 0.0), MAX_SLEEP))

    def send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def reset(self):
        """Abort the connection with a TCP RST (SO_LINGER 0, then close)."""
        self.close_connection = True
        s = self.connection
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            s.close()
        except OSError:
            pass

    def page_response(self, name=DEFAULT_PAGE, validators=True, ctype="text/html; charset=utf-8"):
        body = self.server.page(name)
        if body is None:
            return self.send(404, b"<html><body>no such page</body></html>")
        headers = []
        if validators:
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
            headers = [("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if (inm and inm == etag) or (not inm and ims == LAST_MODIFIED):
                return self.send(304, b"", ctype=None, headers=headers)
        self.send(200, body, ctype, headers)

    # ---- dispatch ----

    def do_CONNECT(self):
        self.record(proxied=True)
        self.send(405, b"", ctype=None)
        self.close_connection = True

    def do_GET(self):
        srv = self.server
        path = self.path
        proxied = not path.startswith("/")
        if proxied:   # absolute-form: we are being used as a proxy
            u = urllib.parse.urlsplit(path)
            path = u.path + ("?" + u.query if u.query else "")
        entry = self.record(proxied=proxied, path=path)
        with srv.lock:
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        try:
            if len(srv.log) > MAX_REQUESTS:
                self.send(503, b"too many requests for a test server")
                srv.stop()
                return
            self.route(path, entry)
        except (BrokenPipeError, ConnectionResetError, ValueError, OSError):
            self.close_connection = True
        finally:
            with srv.lock:
                srv.in_flight -= 1
                entry["t_end"] = time.monotonic()

    def record(self, proxied=False, path=None):
        e = {"path": path or self.path, "raw_path": self.path, "method": self.command,
             "headers": {k.lower(): v for k, v in self.headers.items()},
             "t": time.monotonic(), "client": self.client_address[1], "proxied": proxied}
        with self.server.lock:
            self.server.log.append(e)
        return e

    def route(self, path, entry):
        u = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(u.query))
        parts = [p for p in u.path.split("/") if p]
        srv = self.server
        if not parts:
            return self.send(404, b"")
        if parts[0] == "s" and len(parts) == 2:
            if "delay" in q and ("once" not in q or srv.count("once " + path) == 1):
                self.sleep(float(q["delay"]))
            return self.page_response(parts[1])
        if parts[0] == "web" and len(parts) >= 2 and parts[1].endswith("id_"):
            target = path.split("id_/", 1)[1] if "id_/" in path else ""
            name = urllib.parse.urlsplit(target).path.rstrip("/").rsplit("/", 1)[-1] or DEFAULT_PAGE
            return self.page_response(name if load_page(name) else DEFAULT_PAGE)
        if parts[0] == "mp" and len(parts) >= 2 and parts[1] == "wappoc_appmsgcaptcha":
            return self.send(200, b"<html><head><title>verify</title></head><body>captcha</body></html>")
        if parts[0] != "fault" or len(parts) < 3:
            return self.send(404, b"<html><body>not found</body></html>")
        kind = parts[1]
        key = "/".join(parts[1:])
        n = srv.count(key)
        entry["n"] = n
        if kind == "slow":
            self.sleep(float(q.get("delay", "5")))
            return self.page_response()
        if kind == "stall":
            body = srv.page(DEFAULT_PAGE)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: int(q.get("bytes", "64"))])
            self.wfile.flush()
            self.sleep(float(q.get("for", "10")))
            self.close_connection = True
            return None
        if kind == "reset":
            if "n" not in q or n <= int(q["n"]):
                return self.reset()
            return self.page_response()
        if kind == "500":
            if "n" not in q or n <= int(q["n"]):
                return self.send(500, b"<html><body>server error</body></html>")
            return self.page_response()
        if kind == "429":
            if n == 1:
                return self.send(429, b"<html><body>slow down</body></html>", headers=[("Retry-After", q.get("after", "1"))])
            return self.page_response()
        if kind == "status" and len(parts) >= 4:
            return self.send(int(parts[2]), b"<html><body>status</body></html>")
        if kind == "loop":
            return self.send(302, b"", headers=[("Location", "/" + "/".join(parts) + "?hop=%d" % n)])
        if kind == "redirect":
            return self.send(302, b"", headers=[("Location", q.get("to", "/s/" + DEFAULT_PAGE))])
        if kind == "big":
            body = filler_page(int(q.get("bytes", "1000")))
            if q.get("chunked") != "1":
                return self.send(200, body)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 16384):
                chunk = body[i:i + 16384]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return None
        if kind == "gzip":
            body = filler_page(int(q["bytes"])) if "bytes" in q else srv.page(DEFAULT_PAGE)
            accepts = "gzip" in self.headers.get("Accept-Encoding", "")
            entry["sent_gzip"] = accepts
            if not accepts:
                return self.send(200, body)
            return self.send(200, gzip.compress(body), headers=[("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
        if kind == "type":
            return self.page_response(ctype=q.get("type", "image/png"))
        if kind == "verify":
            return self.page_response(VERIFY_PAGE, validators=False)
        if kind == "changing":
            body = ("<!DOCTYPE html><html><head><title>v%d</title></head><body>"
                    "<div id=\"js_content\"><p>version %d</p></div></body></html>" % (n, n)).encode()
            return self.send(200, body, headers=[("ETag", '"v%d"' % n)])
        if kind == "nocache":
            return self.page_response(validators=False)
        if kind == "lastmod":
            body = srv.page(DEFAULT_PAGE)
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                return self.send(304, b"", ctype=None, headers=[("Last-Modified", LAST_MODIFIED)])
            return self.send(200, body, headers=[("Last-Modified", LAST_MODIFIED)])
        if kind == "empty":
            return self.send(200, b"")
        if kind == "http09":                        # a body with no status line or headers
            self.wfile.write(b"<html><body>HTTP/0.9 reply</body></html>\n")
            self.wfile.flush()
            self.close_connection = True
            return None
        return self.send(404, b"<html><body>unknown fault</body></html>")


def main():
    lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    srv = Server().start(lifetime)
    print(srv.base, flush=True)
    try:
        srv.stopping.wait(lifetime + 1)
    except KeyboardInterrupt:
        pass
    srv.stop()


if __name__ == "__main__":
    main()
