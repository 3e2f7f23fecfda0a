#!/usr/bin/python3
"""A hostile little HTTP/1.1 server on 127.0.0.1 for the fetcher's tests.

Run alone:   httpserver.py --port 0 --port-file /tmp/port   (prints nothing;
             writes the port it got to the file once it listens)
             [--tls-cert CERT --tls-key KEY]  to serve HTTPS instead
Or import:   srv = start_in_thread(); srv.url("/feed/x"); srv.stats.snapshot()

Paths (every one also counted in /stats):
  /feed[/NAME][?delay=MS&items=N]  200 RSS 2.0 in Vietnamese, UTF-8
  /dup/a, /dup/b        two RSS feeds carrying the same stories for the digest
                        tests: one link with other utm_* params, and one
                        story re-posted under a retouched title and link
  /etag                 ETag + Last-Modified; 304 when either comes back verbatim
  /gzip                 gzip-encoded 200 when the client accepts gzip
  /perm/a               301 -> /perm/b 308 -> /perm/c 301 -> /feed/moved
  /mixed/a              301 -> /mixed/b 302 -> /feed/mixed
  /tofile               302 -> file:///etc/passwd
  /loop/a               302 -> /loop/b 302 -> /loop/a ...
  /redirect?to=URL      302 -> URL (any host: the SSRF guard's tests)
  /status/CODE          that status with a small HTML body
  /429                  429 with Retry-After: 120
  /503                  503 with Retry-After as an HTTP-date one hour ahead
  /trickle              200, Content-Length 100000, 10 bytes per second
  /chunked50m           200, chunked, 50 MB without Content-Length, lazily
  /bigcl                200 announcing Content-Length 20 MB
  /gzbomb               ~50 KB of gzip that inflates to 50 MB
  /charset              RSS in windows-1258 (Content-Type charset only)
  /empty                200 with no body
  /page.html            HTML declaring RSS and Atom <link rel="alternate">
  /site/index.html      HTML for discover: a relative RSS link (rel in upper
                        case with a second token, type with a parameter,
                        declared twice), an absolute Atom link, and links
                        that are not feeds (stylesheet, text/html alternate,
                        an <a> to an .rss file)
  /list.html            a NukeViet-style list page with no feed: 3 items in
                        div.news-item (h3/a relative link, span.date
                        "dd/mm/yyyy HH:MM" in +07:00, 1-3 hours ago)
  /switch/NAME          RSS, or the status last set by /control/NAME?status=N
  /echo                 JSON of the request headers
  /stats                JSON counters; /reset zeroes them

With --proxy (or start_proxy_in_thread()), a minimal forward proxy instead,
for the fetcher's [bantin] proxy (see ProxyHandler): absolute-form GET of
http URLs and CONNECT tunnels, each counted in its /stats under
"GET http://host:port/path?query" or "CONNECT host:port".
"""

import argparse
import http.client
import email.utils
import gzip
import json
import os
import select
import socket
import sys
import threading
import time
import unicodedata
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ETAG = '"v1-5f3a9c"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
MB = 1024 * 1024

ITEMS = [
    ("Ban Dân vận Tỉnh ủy tổng kết công tác dân vận năm 2024",
     "Hội nghị đánh giá kết quả thực hiện Quy chế dân chủ ở cơ sở và phong "
     "trào thi đua “Dân vận khéo”."),
    ("Mô hình “Dân vận khéo” giúp đồng bào Thái xóa đói giảm nghèo",
     "Từ những việc làm nhỏ, cán bộ xã đã vận động bà con chuyển đổi cơ cấu "
     "cây trồng, vật nuôi."),
    ("Phát huy vai trò của Mặt trận Tổ quốc trong xây dựng nông thôn mới",
     "Ủy ban MTTQ Việt Nam tỉnh phối hợp các đoàn thể chính trị - xã hội "
     "triển khai cuộc vận động."),
    ("Hội Nông dân xã Diễn Châu ra quân làm đường giao thông nông thôn",
     "Hơn 300 hội viên tham gia hiến đất, góp ngày công làm 2 km đường "
     "bê tông."),
    ("Đối thoại giữa người đứng đầu cấp ủy với Nhân dân về giải phóng "
     "mặt bằng", "Bí thư Huyện ủy trực tiếp lắng nghe, giải đáp kiến nghị "
     "của cử tri."),
]


def rss(name, base, n_items=3, now=None):
    """An RSS 2.0 document for feed NAME as text (no XML declaration of
    encoding, so the HTTP charset decides)."""
    now = time.time() if now is None else now
    out = ['<?xml version="1.0"?>\n<rss version="2.0"><channel>',
           "<title>Ban Dân vận – %s</title>" % name,
           "<link>%s/</link>" % base,
           "<description>Tin tức công tác dân vận</description>"]
    for i in range(n_items):
        title, summary = ITEMS[i % len(ITEMS)]
        date = email.utils.formatdate(now - 3600 * (i + 1), localtime=False)
        out.append(
            "<item><title>%s (%s %d)</title>"
            "<link>%s/tin-tuc/%s-%d.html</link>"
            "<guid isPermaLink=\"false\">%s-%d</guid>"
            "<pubDate>%s</pubDate><description>%s</description></item>"
            % (title, name, i + 1, base, name, i + 1, name, i + 1, date,
               summary))
    out.append("</channel></rss>\n")
    return "\n".join(out)


# /dup/NAME: (title, path, summary, hours ago). The first story is on both
# feeds under one link (tracking parameters differ); the second is re-posted
# by b under a retouched title at its own link, an hour later.
DUP_ITEMS = {
    "a": [
        ("Mô hình “Dân vận khéo” giúp đồng bào Thái thoát nghèo",
         "/bai/dan-van-kheo.html?utm_source=a",
         "Từ những việc làm nhỏ, cán bộ xã đã vận động bà con chuyển đổi cơ "
         "cấu cây trồng, vật nuôi.", 3),
        ("Đối thoại giữa người đứng đầu cấp ủy với Nhân dân về giải phóng "
         "mặt bằng", "/a/doi-thoai.html",
         "Bí thư Huyện ủy trực tiếp lắng nghe, giải đáp kiến nghị.", 2),
        ("Lịch công tác tuần của Thường trực Ban", "/a/lich.html",
         None, 5),
    ],
    "b": [
        ("Mô hình “Dân vận khéo” giúp đồng bào Thái thoát nghèo",
         "/bai/dan-van-kheo.html?utm_source=b&utm_medium=rss",
         "Từ những việc làm nhỏ, cán bộ xã đã vận động bà con chuyển đổi cơ "
         "cấu cây trồng, vật nuôi.", 3),
        ("Huyện Diễn Châu: Đối thoại giữa người đứng đầu cấp ủy với Nhân dân "
         "về giải phóng mặt bằng", "/b/doi-thoai-gpmb.html",
         "Bí thư Huyện ủy lắng nghe, giải đáp kiến nghị của Nhân dân.", 1),
        ("Hội Nông dân & Đoàn Thanh niên ra quân làm đường",
         "/b/lam-duong.html", "Hơn 300 hội viên tham gia hiến đất.", 4),
    ],
}


def dup_rss(name, base, now=None):
    now = time.time() if now is None else now
    out = ['<?xml version="1.0"?>\n<rss version="2.0"><channel>',
           "<title>Trang tin %s</title><link>%s/</link>" % (name, base)]
    for title, path, summary, hours in DUP_ITEMS[name]:
        esc = (title.replace("&", "&amp;").replace("<", "&lt;")
               .replace(">", "&gt;"))
        out.append("<item><title>%s</title><link>%s%s</link>"
                   "<pubDate>%s</pubDate>%s</item>"
                   % (esc, base, path.replace("&", "&amp;"),
                      email.utils.formatdate(now - 3600 * hours),
                      "<description>%s</description>" % summary
                      if summary else ""))
    out.append("</channel></rss>\n")
    return "\n".join(out)


def to_cp1258(text):
    """Vietnamese text in windows-1258: letters with a shape mark (â ă ê ô
    ơ ư đ) are single bytes, tone marks are combining characters."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        shapes = "".join(m for m in d[1:] if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in d[1:] if m not in shapes)
        out += (unicodedata.normalize("NFC", d[0] + shapes) + tones).encode(
            "cp1258")
    return bytes(out)


def list_page(now=None):
    now = time.time() if now is None else now
    out = ["<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
           "<title>Tin tức - Ban Dân vận Tỉnh ủy</title></head><body>"
           "<div class=\"menu\"><a href=\"/\">Trang chủ</a></div>"
           "<div class=\"list-news\">"]
    for i in range(3):
        title = ITEMS[i][0]
        when = time.strftime("%d/%m/%Y %H:%M",
                             time.gmtime(now - 3600 * (i + 1) + 7 * 3600))
        out.append(
            "<div class=\"news-item\"><h3><a href=\"/tin-tuc/list-%d.html\">"
            "%s</a></h3><span class=\"date\">%s</span>"
            "<p class=\"sapo\">%s</p></div>" % (i + 1, title, when,
                                               ITEMS[i][1]))
    out.append("</div><div class=\"footer\">Thống kê truy cập</div>"
               "</body></html>")
    return "".join(out)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        """Zero the counters. Requests and connections that began before
        (the /reset request itself, a slow handler of an earlier test still
        sleeping) belong to the old epoch and are not counted any more."""
        with self.lock:
            self.epoch = getattr(self, "epoch", 0) + 1
            self.requests = {}
            self.bytes_sent = {}
            self.headers = {}
            self.connections = 0
            self.open_connections = 0
            self.peak_connections = 0
            self.active = 0
            self.peak_active = 0

    # Called under the lock, with the epoch the thing began in.
    def begin(self, kind, peak, epoch):
        if epoch == self.epoch:
            n = getattr(self, kind) + 1
            setattr(self, kind, n)
            setattr(self, peak, max(getattr(self, peak), n))

    def end(self, kind, epoch):
        if epoch == self.epoch:
            setattr(self, kind, getattr(self, kind) - 1)

    def snapshot(self):
        with self.lock:
            return {
                "requests": dict(self.requests),
                "bytes_sent": dict(self.bytes_sent),
                "headers": dict(self.headers),
                "connections": self.connections,
                "open_connections": self.open_connections,
                "peak_connections": self.peak_connections,
                "active": self.active,
                "peak_active": self.peak_active,
            }


_bomb = None
_bomb_lock = threading.Lock()


def gzip_bomb():
    """50 MB of an RSS prologue plus spaces, gzip'd once (about 50 KB).
    Compressed a megabyte at a time: the 50 MB never exist at once, so the
    process (pytest itself, when imported) does not grow by them, and the
    children it forks do not inherit that peak in their ru_maxrss."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)   # 31: gzip wrapper
            parts = [z.compress(b"<rss version=\"2.0\"><channel><title>")]
            spaces = b" " * MB
            for _ in range(50):
                parts.append(z.compress(spaces))
            parts.append(z.flush())
            _bomb = b"".join(parts)
        return _bomb


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1.0"
    # Headers and body go out in separate writes: without this, Nagle and
    # the client's delayed ACK add 40 ms to every reused connection.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    # One handler instance per connection.
    def setup(self):
        super().setup()
        st = self.server.stats
        with st.lock:
            self.conn_epoch = st.epoch
            st.connections += 1
            st.begin("open_connections", "peak_connections", self.conn_epoch)

    def finish(self):
        st = self.server.stats
        with st.lock:
            st.end("open_connections", self.conn_epoch)
        try:
            super().finish()
        except OSError:
            pass

    def base(self):
        return "%s://%s" % (self.server.scheme, self.headers.get("Host") or
                            "127.0.0.1:%d" % self.server.server_port)

    def sent(self, path, n):
        st = self.server.stats
        with st.lock:
            st.bytes_sent[path] = st.bytes_sent.get(path, 0) + n

    def reply(self, code, body=b"", ctype="application/rss+xml; charset=utf-8",
              headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(code)
        if ctype and body:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.sent(self.path_only, len(body))

    def redirect(self, code, location):
        self.reply(code, "<a href=\"%s\">moved</a>" % location,
                   ctype="text/html", headers=[("Location", location)])

    def do_GET(self):
        st = self.server.stats
        u = urlsplit(self.path)
        self.path_only = u.path
        q = parse_qs(u.query)
        with st.lock:
            st.requests[u.path] = st.requests.get(u.path, 0) + 1
            st.headers[u.path] = {k: v for k, v in self.headers.items()}
            epoch = st.epoch
            st.begin("active", "peak_active", epoch)
        try:
            self.route(u.path, q)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            with st.lock:
                st.end("active", epoch)

    def route(self, path, q):
        delay = int(q.get("delay", ["0"])[0])
        if delay:
            time.sleep(delay / 1000.0)
        if path == "/feed" or path.startswith("/feed/"):
            name = path[6:] or "feed"
            items = int(q.get("items", ["3"])[0])
            return self.reply(200, rss(name, self.base(), items))
        if path in ("/dup/a", "/dup/b"):
            return self.reply(200, dup_rss(path[5:], self.base()))
        if path.startswith("/switch/"):
            code = self.server.switches.get(path[8:], 200)
            if code == 200:
                return self.reply(200, rss(path[8:], self.base()))
            return self.reply(code, "switched off", ctype="text/plain")
        if path.startswith("/control/"):
            self.server.switches[path[9:]] = int(q.get("status", ["200"])[0])
            return self.reply(200, "ok", ctype="text/plain")
        if path == "/etag":
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            hdrs = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)]
            if inm == ETAG or (inm is None and ims == LAST_MODIFIED):
                return self.reply(304, headers=hdrs)
            return self.reply(200, rss("etag", self.base()), headers=hdrs)
        if path == "/gzip":
            body = rss("gzip", self.base(), 5).encode("utf-8")
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                return self.reply(200, gzip.compress(body),
                                  headers=[("Content-Encoding", "gzip")])
            return self.reply(200, body)
        if path == "/perm/a":
            return self.redirect(301, "/perm/b")
        if path == "/perm/b":
            return self.redirect(308, self.base() + "/perm/c")
        if path == "/perm/c":
            return self.redirect(301, "/feed/moved")
        if path == "/mixed/a":
            return self.redirect(301, "/mixed/b")
        if path == "/mixed/b":
            return self.redirect(302, "/feed/mixed")
        if path == "/tofile":
            return self.redirect(302, "file:///etc/passwd")
        if path == "/redirect":
            return self.redirect(302, q.get("to", ["/"])[0])
        if path == "/loop/a":
            return self.redirect(302, "/loop/b")
        if path == "/loop/b":
            return self.redirect(302, "/loop/a")
        if path.startswith("/status/"):
            code = int(path[8:])
            return self.reply(code, "<html><body>%d</body></html>" % code,
                              ctype="text/html")
        if path == "/429":
            return self.reply(429, "slow down", ctype="text/plain",
                              headers=[("Retry-After", "120")])
        if path == "/503":
            when = email.utils.formatdate(time.time() + 3600, usegmt=True)
            return self.reply(503, "maintenance", ctype="text/plain",
                              headers=[("Retry-After", when)])
        if path == "/trickle":
            return self.trickle()
        if path == "/chunked50m":
            return self.chunked(50 * MB)
        if path == "/bigcl":
            return self.big_content_length(20 * MB)
        if path == "/gzbomb":
            return self.reply(200, gzip_bomb(),
                              headers=[("Content-Encoding", "gzip")])
        if path == "/charset":
            body = to_cp1258(rss("charset", self.base()))
            return self.reply(200, body,
                              ctype="application/rss+xml; charset=windows-1258")
        if path == "/empty":
            return self.reply(200, b"")
        if path == "/page.html":
            b = self.base()
            return self.reply(200, (
                "<!doctype html><html><head><title>Ban Dân vận</title>"
                "<link rel=\"alternate\" type=\"application/rss+xml\" "
                "title=\"Tin mới\" href=\"/feed/page\">"
                "<link rel=\"alternate\" type=\"application/atom+xml\" "
                "href=\"%s/feed/atom\"></head><body>Trang chủ</body></html>"
                % b), ctype="text/html; charset=utf-8")
        if path == "/site/index.html":
            return self.reply(200, (
                "<!doctype html><html><head><meta charset=\"utf-8\">"
                "<title>Ban Dân vận Tỉnh ủy</title>"
                "<link rel=\"stylesheet\" type=\"text/css\" href=\"/s.css\">"
                "<link rel=\"alternate\" hreflang=\"en\" type=\"text/html\" "
                "href=\"/en/\">"
                "<link rel=\"ALTERNATE home\" type=\"Application/RSS+XML; "
                "charset=utf-8\" title=\"Tin mới &amp; nổi bật\" "
                "href=\"rss/tin-moi.rss\">"
                "<link rel=\"alternate\" type=\"application/atom+xml\" "
                "title=\"Atom\" href=\"%s/feed/atom\">"
                "<link rel=\"alternate\" type=\"application/rss+xml\" "
                "href=\"/site/rss/tin-moi.rss\">"
                "</head><body><a href=\"/rss/khac.rss\">RSS</a></body></html>"
                % self.base()), ctype="text/html; charset=utf-8")
        if path == "/list.html":
            return self.reply(200, list_page(),
                              ctype="text/html; charset=utf-8")
        if path == "/echo":
            return self.reply(200, json.dumps(dict(self.headers.items())),
                              ctype="application/json")
        if path == "/stats":
            return self.reply(200, json.dumps(self.server.stats.snapshot()),
                              ctype="application/json")
        if path == "/reset":
            self.server.stats.reset()
            return self.reply(200, "ok", ctype="text/plain")
        return self.reply(404, "not found", ctype="text/plain")

    def trickle(self):
        total = 100000
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        chunk = b"<rss>     "
        deadline = time.time() + 120
        sent = 0
        while sent < total and time.time() < deadline:
            self.wfile.write(chunk)
            self.wfile.flush()
            sent += len(chunk)
            self.sent("/trickle", len(chunk))
            time.sleep(1)
        self.close_connection = True

    def chunked(self, total):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = (b"<item><title>Tin d\xc3\xa2n v\xe1\xba\xadn</title></item>\n"
                 * 1500)[:64 * 1024]
        self.wfile.write(b"%x\r\n<rss><channel>\r\n" % len(b"<rss><channel>"))
        sent = 0
        while sent < total:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
            self.sent("/chunked50m", len(piece))
        self.wfile.write(b"0\r\n\r\n")

    def big_content_length(self, total):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        piece = b" " * (64 * 1024)
        sent = 0
        while sent < total:
            self.wfile.write(piece)
            sent += len(piece)
            self.sent("/bigcl", len(piece))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, port=0, tls=None, host="127.0.0.1"):
        # host: another loopback address ("127.0.0.2", "::1") for a server
        # that only a guarded-against URL reaches
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)
        self.stats = Stats()
        self.switches = {}
        self.scheme = "http"
        if tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.server_port, path)

    def handle_error(self, request, client_address):
        # A client that hangs up (the fetcher aborting a bomb) is expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def start_in_thread(port=0, tls=None, host="127.0.0.1"):
    """Start a server in a daemon thread; returns it (call .shutdown()).
    tls: (certfile, keyfile) to serve HTTPS; host: the address to listen on."""
    srv = Server(port, tls, host)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv

# ---- a forward proxy, for [bantin] proxy ----------------------------------

# Not forwarded: they are about one hop (RFC 9110 7.6.1), or rewritten here.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection",
              "proxy-authorization", "proxy-authenticate", "te", "trailer",
              "transfer-encoding", "upgrade", "content-length"}


def proxy_resolves(host):
    """The proxy's own DNS, without any DNS: IP literals and localhost.
    Any other name is unknown (502), so a test never reaches the network."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, host)
            return True
        except OSError:
            pass
    return False


class ProxyHandler(BaseHTTPRequestHandler):
    """A forward proxy as bantin meets one (squid, a government gateway):
      GET http://HOST:PORT/PATH  absolute form: fetched from the origin and
                                 relayed (body read whole, Content-Length)
      CONNECT HOST:PORT          200, then bytes both ways (https targets)
    Each counted in /stats (the proxy's own origin-form paths, as the
    server's: /stats, /reset) before anything else is done with it.
    GET /mode/NAME sets how the proxy answers from then on:
      open     the default: forwards what it can resolve (proxy_resolves),
               502 for any other host
      auth     407 Proxy Authentication Required to every GET and CONNECT
      deny     403 to every CONNECT, GETs forwarded
      hangup   closes the connection of a CONNECT without a word
      mute     never answers a CONNECT (until the client gives up)"""
    protocol_version = "HTTP/1.1"
    server_version = "proxy/1.0"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        st = self.server.stats
        with st.lock:
            self.conn_epoch = st.epoch
            st.connections += 1
            st.begin("open_connections", "peak_connections", self.conn_epoch)

    def finish(self):
        st = self.server.stats
        with st.lock:
            st.end("open_connections", self.conn_epoch)
        try:
            super().finish()
        except OSError:
            pass

    def count(self, what):
        st = self.server.stats
        with st.lock:
            st.requests[what] = st.requests.get(what, 0) + 1
            st.headers[what] = {k: v for k, v in self.headers.items()}

    def answer(self, code, text, headers=()):
        body = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def auth_required(self):
        self.answer(407, "proxy authentication required",
                    [("Proxy-Authenticate", 'Basic realm="test"')])

    def do_GET(self):
        if not self.path.startswith("http://"):
            return self.own(self.path)
        what = "GET " + self.path
        self.count(what)
        st = self.server.stats
        with st.lock:
            epoch = st.epoch
            st.begin("active", "peak_active", epoch)
        try:
            if self.server.mode == "auth":
                return self.auth_required()
            self.forward(urlsplit(self.path))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            with st.lock:
                st.end("active", epoch)

    def forward(self, u):
        if not u.hostname or not proxy_resolves(u.hostname):
            return self.answer(502, "unknown host %s" % u.hostname)
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP}
        origin = http.client.HTTPConnection(u.hostname, u.port or 80,
                                            timeout=30)
        try:
            origin.request("GET", path, headers=headers)
            resp = origin.getresponse()
            body = resp.read()
        except OSError as e:
            return self.answer(502, "origin: %s" % e)
        finally:
            origin.close()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self):
        self.count("CONNECT " + self.path)
        mode = self.server.mode
        if mode == "auth":
            return self.auth_required()
        if mode == "deny":
            return self.answer(403, "tunnels are not allowed")
        if mode == "hangup":
            self.close_connection = True
            return
        if mode == "mute":
            self.close_connection = True
            self.connection.settimeout(30)
            try:
                while self.connection.recv(4096):
                    pass
            except OSError:
                pass
            return
        host, _, port = self.path.rpartition(":")
        if not proxy_resolves(host):
            return self.answer(502, "unknown host %s" % host)
        try:
            origin = socket.create_connection((host.strip("[]"), int(port)),
                                              timeout=30)
        except (OSError, ValueError) as e:
            return self.answer(502, "origin: %s" % e)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        pair = [self.connection, origin]
        try:
            while True:
                ready, _, _ = select.select(pair, [], [], 30)
                if not ready:
                    break
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (origin if s is self.connection
                     else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            origin.close()

    def own(self, path):
        st = self.server.stats
        if path == "/stats":
            return self.answer(200, json.dumps(st.snapshot()))
        if path == "/reset":
            st.reset()
            self.server.mode = "open"
            return self.answer(200, "ok")
        if path.startswith("/mode/"):
            self.server.mode = path[6:]
            return self.answer(200, "ok")
        return self.answer(404, "not a proxy request")


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), ProxyHandler)
        self.stats = Stats()
        self.mode = "open"

    def url(self):
        """The value of [bantin] proxy that names this proxy."""
        return "http://127.0.0.1:%d" % self.server_port

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def start_proxy_in_thread(port=0):
    """Start a ProxyServer in a daemon thread; returns it (call .shutdown())."""
    srv = ProxyServer(port)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key")
    ap.add_argument("--proxy", action="store_true",
                    help="be a forward proxy (ProxyHandler), not a server")
    args = ap.parse_args()
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    srv = ProxyServer(args.port) if args.proxy else Server(args.port, tls)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_port)
        os.rename(tmp, args.port_file)
    else:
        print(srv.server_port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
