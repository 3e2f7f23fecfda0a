#!/usr/bin/python3
"""The feed server of the fetch benchmark: many small Vietnamese RSS feeds
behind a fixed latency, on many loopback addresses, counting what it sends.

Run alone:  fetch_server.py [--feeds 1000] [--delay-ms 100] [--port 0]
                            [--port-file FILE]
It listens on 0.0.0.0:PORT, so every loopback address 127.0.0.0/8 reaches it
and each 127.0.0.N can stand for a different site. It writes the port to
--port-file (or prints it) once it listens, and runs until killed.

  GET /f/NNNN.xml    feed NNNN (0 <= NNNN < --feeds): after sleeping
                     --delay-ms, 200 with the RSS, an ETag and a
                     Last-Modified; 304 with no body when If-None-Match
                     holds the ETag, or (without If-None-Match) when
                     If-Modified-Since is not before Last-Modified (RFC 9110
                     13.1.1, 13.1.3). Anything else under /f/: 404.
  GET /_ctl/stats    JSON counters since the last reset (no delay, not
                     counted): requests, statuses, conditional requests,
                     body bytes, connections opened, peak open connections,
                     peak requests in service, distinct host addresses,
                     first request and last response (CLOCK_MONOTONIC
                     seconds, comparable with time.monotonic() elsewhere).
  GET /_ctl/reset    zero the counters (a phase starts).
Control requests go to 127.0.0.1 and are not counted; feeds are asked
for on the other addresses.

HTTP/1.1 with keep-alive (Content-Length on every response), as a real site
would; an asyncio Protocol with a timer per request, so that a thousand
concurrent waits cost nothing and the server's own work per request (about
50 us of CPU) stays far below the client's. No gzip: every client gets the
same identity bytes. Standard library only.
"""

import argparse
import asyncio
import email.utils
import json
import os
import sys
import time
from xml.sax.saxutils import escape

TITLES = [
    "Ban Dân vận Tỉnh ủy tổng kết công tác dân vận năm 2024",
    "Mô hình “Dân vận khéo” giúp đồng bào Thái xóa đói giảm nghèo",
    "Phát huy vai trò của Mặt trận Tổ quốc trong xây dựng nông thôn mới",
    "Hội Nông dân xã Diễn Châu ra quân làm đường giao thông nông thôn",
    "Đối thoại giữa người đứng đầu cấp ủy với Nhân dân về giải phóng mặt bằng",
    "Thực hiện Quy chế dân chủ ở cơ sở gắn với cải cách hành chính",
    "Hội Liên hiệp Phụ nữ huyện trao 50 con bò giống cho hộ nghèo",
    "Công tác dân vận trong đồng bào có đạo ở các xã vùng biên giới",
    "Tuổi trẻ Quảng Ninh chung tay xây dựng nông thôn mới kiểu mẫu",
    "Gương sáng “Dân vận khéo”: người trưởng bản hiến đất mở trường học",
    "Sơ kết 5 năm thực hiện Chỉ thị về tăng cường công tác dân vận",
    "Lực lượng vũ trang tỉnh giúp dân khắc phục hậu quả mưa lũ",
]
SUMMARIES = [
    "Hội nghị đánh giá kết quả thực hiện Quy chế dân chủ ở cơ sở và phong trào "
    "thi đua “Dân vận khéo” trên địa bàn tỉnh.",
    "Từ những việc làm nhỏ, cán bộ xã đã vận động bà con chuyển đổi cơ cấu cây "
    "trồng, vật nuôi, nâng cao thu nhập.",
    "Ủy ban MTTQ Việt Nam tỉnh phối hợp các đoàn thể chính trị - xã hội triển "
    "khai cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”.",
    "Hơn 300 hội viên tham gia hiến đất, góp ngày công làm 2 km đường bê tông "
    "liên thôn.",
    "Bí thư Huyện ủy trực tiếp lắng nghe, giải đáp kiến nghị của cử tri về "
    "bồi thường, tái định cư.",
]
PROVINCES = ["Nghệ An", "Thanh Hóa", "Quảng Ninh", "Hà Tĩnh", "Sơn La",
             "Điện Biên", "Gia Lai", "Đắk Lắk", "Cà Mau", "An Giang"]
ITEMS_PER_FEED = 10


def feed_path(i):
    return "/f/%04d.xml" % i


def etag_of(i):
    return '"bench-%04d-v1"' % i


def rss(i, now):
    """Feed i as UTF-8 bytes: ITEMS_PER_FEED items of the last day, each
    with a guid, a link of its own, an HTML description and an RFC 822 date
    in +0700."""
    prov = PROVINCES[i % len(PROVINCES)]
    base = "https://site%02d.danvan.example.vn/tin" % (i % 100)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
           '<channel>\n'
           '<title>Ban Dân vận Tỉnh ủy %s - nguồn %d</title>\n'
           '<link>%s/</link>\n'
           '<description>Tin hoạt động công tác dân vận</description>\n'
           '<language>vi</language>\n' % (escape(prov), i, base)]
    for k in range(ITEMS_PER_FEED):
        title = "%s (%s, tin %d-%d)" % (TITLES[(i + k) % len(TITLES)], prov, i, k)
        summary = SUMMARIES[(i * 7 + k) % len(SUMMARIES)]
        link = "%s/%04d-%02d.html" % (base, i, k)
        # Vietnam time, as the provincial sites write it.
        when = email.utils.formatdate(now - 1800 - k * 5400 - i * 13 + 7 * 3600,
                                      usegmt=True).replace("GMT", "+0700")
        out.append(
            "<item>\n<title>%s</title>\n<link>%s</link>\n"
            "<guid isPermaLink=\"false\">bench-%04d-%02d</guid>\n"
            "<description><![CDATA[<p><strong>%s</strong> - %s</p>]]></description>\n"
            "<dc:creator>Phóng viên</dc:creator>\n<category>Dân vận</category>\n"
            "<pubDate>%s</pubDate>\n</item>\n"
            % (escape(title), link, i, k, escape(prov), summary, when))
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


class Stats:
    def __init__(self):
        self.reset()
        self.open = 0
        self.active = 0

    def reset(self):
        self.requests = 0
        self.status = {}
        self.conditional = 0
        self.body_bytes = 0
        self.peak_open = 0
        self.peak_active = 0
        self.connections = 0
        self.hosts = set()
        self.first = None
        self.last = None

    def snapshot(self):
        return {"requests": self.requests,
                "status": {str(k): v for k, v in sorted(self.status.items())},
                "conditional": self.conditional,
                "body_bytes": self.body_bytes,
                "connections": self.connections,
                "peak_open": self.peak_open,
                "peak_active": self.peak_active,
                "hosts": len(self.hosts),
                "first": self.first, "last": self.last}


class FeedServer:
    def __init__(self, feeds, delay):
        self.feeds = feeds
        self.delay = delay
        self.stats = Stats()
        self.now = time.time()
        # One Last-Modified for all: the time the server started, so that
        # every item date is earlier and a re-fetch finds nothing changed.
        self.last_modified = email.utils.formatdate(self.now, usegmt=True)
        # Made before the port is announced, so no phase pays for it.
        self.bodies = [rss(i, self.now) for i in range(feeds)]
        self._date_t, self._date = 0, ""

    def not_modified(self, i, headers):
        inm = headers.get("if-none-match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag_of(i) in tags or ("W/" + etag_of(i)) in tags
        ims = headers.get("if-modified-since")
        if ims is not None:
            try:
                t = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return int(t) >= int(self.now)
        return False

    def date(self):
        """The Date header value, formatted once a second."""
        t = int(time.time())
        if t != self._date_t:
            self._date_t, self._date = t, email.utils.formatdate(t, usegmt=True)
        return self._date

    def control(self, target):
        if target == "/_ctl/reset":
            self.stats.reset()
            return 200, ["Content-Type: text/plain"], b"ok\n"
        if target == "/_ctl/stats":
            return 200, ["Content-Type: application/json"], \
                json.dumps(self.stats.snapshot()).encode()
        return 404, [], b"no such control\n"

    def begin(self, headers):
        """A feed request arrived: count it (the sleep starts now)."""
        st = self.stats
        st.requests += 1
        if st.first is None:
            st.first = time.monotonic()
        st.hosts.add(headers.get("host", "").rsplit(":", 1)[0])
        st.conditional += "if-none-match" in headers or "if-modified-since" in headers
        st.active += 1
        st.peak_active = max(st.peak_active, st.active)

    def answer(self, method, target, headers):
        """The response to a feed request whose sleep is over."""
        st = self.stats
        path = target.split("?", 1)[0]
        i = -1
        if path.startswith("/f/") and path.endswith(".xml"):
            digits = path[3:-4]
            if digits.isdigit():
                i = int(digits)
        if method not in ("GET", "HEAD"):
            status, extra, body = 405, [], b""
        elif not 0 <= i < self.feeds:
            status, extra, body = 404, ["Content-Type: text/plain"], b"not found\n"
        else:
            extra = ["ETag: " + etag_of(i), "Last-Modified: " + self.last_modified,
                     "Cache-Control: max-age=0"]
            if self.not_modified(i, headers):
                status, body = 304, b""
            else:
                status, body = 200, self.bodies[i]
                extra.append("Content-Type: application/rss+xml; charset=utf-8")
        st.status[status] = st.status.get(status, 0) + 1
        if method == "GET":
            st.body_bytes += len(body)
        return status, extra, body


REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed"}
MAX_HEAD = 64 * 1024


class Connection(asyncio.Protocol):
    """One client connection: requests answered in order, one at a time
    (a pipelined request waits for the one before). A Protocol rather than
    streams: the server's own cost per request must stay far below the
    client's, or the benchmark measures Python."""

    def __init__(self, srv):
        self.srv = srv
        self.buf = b""
        self.busy = False
        self.timer = None
        self.transport = None
        self.counted = False

    def connection_made(self, transport):
        self.transport = transport
        # Feeds live on 127.0.0.2 and up; 127.0.0.1 is the control line,
        # kept out of the connection counts.
        sock = transport.get_extra_info("sockname")
        self.counted = not sock or sock[0] != "127.0.0.1"
        if self.counted:
            st = self.srv.stats
            st.open += 1
            st.connections += 1
            st.peak_open = max(st.peak_open, st.open)

    def connection_lost(self, exc):
        if self.counted:
            self.srv.stats.open -= 1
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            self.srv.stats.active -= 1
        self.transport = None

    def data_received(self, data):
        self.buf += data
        self.next_request()

    def next_request(self):
        while not self.busy and self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self.transport.close()
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            self.buf = self.buf[end + 4:]
            parts = head[0].split()
            if len(parts) != 3:
                self.respond("GET", 400, [], b"bad request\n", True)
                return
            method, target, version = parts
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            conn = headers.get("connection", "").lower()
            close = conn == "close" or (version == "HTTP/1.0" and conn != "keep-alive")
            if target.startswith("/_ctl/"):
                status, extra, body = self.srv.control(target)
                self.respond(method, status, extra, body, close)
                continue
            self.busy = True
            self.srv.begin(headers)
            self.timer = asyncio.get_running_loop().call_later(
                self.srv.delay, self.finish, method, target, headers, close)

    def finish(self, method, target, headers, close):
        self.timer = None
        self.srv.stats.active -= 1
        status, extra, body = self.srv.answer(method, target, headers)
        self.respond(method, status, extra, body, close)
        self.srv.stats.last = time.monotonic()
        self.busy = False
        self.next_request()

    def respond(self, method, status, extra, body, close):
        if self.transport is None:
            return
        head = ["HTTP/1.1 %d %s" % (status, REASONS[status]),
                "Date: " + self.srv.date(), "Server: bantin-bench"] + extra
        if status != 304:
            head.append("Content-Length: %d" % len(body))
        if close:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if method != "HEAD":
            data += body
        self.transport.write(data)
        if close:
            self.transport.close()
            self.transport = None


async def serve(feeds, delay_ms, port, port_file):
    srv = FeedServer(feeds, delay_ms / 1000.0)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(srv), "0.0.0.0", port,
                                      backlog=4096, reuse_address=True)
    got = server.sockets[0].getsockname()[1]
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % got)
        os.replace(tmp, port_file)
    else:
        print(got, flush=True)
    async with server:
        await server.serve_forever()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--delay-ms", type=float, default=100.0)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    a = ap.parse_args(argv)
    try:
        asyncio.run(serve(a.feeds, a.delay_ms, a.port, a.port_file))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
