"""Sites with no feed (issue 4): `bantin test-feed` on the HTML fixtures of
tests/data/html/, and `bantin fetch` of a `type = html` feed whose items'
article pages are the seed articles, against a local server.

The server is httpserver.py's, with these paths added by a handler of our
own (so httpserver.py stays as it is):
  /html/NAME                    the fixture tests/data/html/NAME, text/html
                                (?charset=CS adds a charset to the header)
  /site/NAME/list.html          a NukeViet-like list page of N items, newest
                                first, linking to /site/NAME/art/K.html; K =
                                N-1 .. 0, dated K hours ago (or undated)
  /site/NAME/art/K.html         the seed article article_00{K % 5}.html, or
                                404 for the K set as missing
  /site-control/NAME?items=N&missing=K,K&nodate=1   set the site up
  /biglist?n=N                  a list page of N items (N up to 20 000)
"""

import json
import os
import re
import sqlite3
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

import httpserver

ROOT = Path(__file__).resolve().parent.parent.parent
HTML = ROOT / "tests/data/html"

# The first words of each seed article's first paragraph (article_00K.html),
# and lines around the articles that must never reach a summary.
SEED_START = [
    "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy tổ chức lớp Bồi dưỡng",
    "Chiều ngày 14/9, Ban Dân vận Tỉnh ủy tổ chức Hội thảo",
    "LSO-Chiều nay (25/12), Ban Dân vận Tỉnh ủy tổ chức hội nghị",
    "Nằm trong khuôn khổ Hội nghị tổng kết công tác dân vận",
    "Ngày 15/10/2020, Ban Dân vận Huyện ủy phối hợp",
]
BOILERPLATE = ["Tin cùng chuyên mục", "Thống kê truy cập", "Bài viết khác",
               "Các bài mới nhất", "Trực tuyến", "Giấy phép"]
# One rule for the five CMSs of the seeds (test_article.c has each alone).
ARTICLE_RULE = ("//div[contains(@class,'news-content')] | "
                "//div[@id='news-bodyhtml'] | //div[@class='news_sapo'] | "
                "//div[@id='divNoiDung'] | //td[@class='cot-giua'] | "
                "//div[contains(@id,'RichHtmlField')]")

LIST_RULES = {
    "item": "//div[@class='news-item']",
    "item_title": ".//h3/a",
    "item_link": ".//h3/a/@href",
    "item_date": ".//span[@class='date']",
    "item_summary": ".//p[@class='sapo']",
}

NV_RULES = [
    "--item", "//div[@class='news_column']",
    "--item-title", ".//h3/a",
    "--item-link", ".//h3/a/@href",
    "--item-date", ".//ul[contains(@class,'list-inline')]/li[1]",
    "--item-summary", ".//div[contains(@class,'text-justify')]",
]
NV_BASE = "https://bdvtu.nghean.dcs.vn/vi/news/dan-van-kheo/"

SP_RULES = [
    "--item", "//tr[@class='news-row']",
    "--item-title", ".//a[contains(@id,'_hplTitle')]",
    "--item-link", ".//a[contains(@id,'_hplTitle')]/@href",
    "--item-date", ".//span[contains(@id,'_lblDate')]",
    "--item-summary", ".//div[contains(@id,'_divSummary')]",
]


def site_list(name, site, now):
    out = ['<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
           "<title>Tin hoạt động - %s</title></head><body>"
           '<div class="menu"><a href="/">Trang chủ</a></div>'
           '<div class="list-news">' % name]
    for k in range(site["items"] - 1, -1, -1):
        date = ""
        if not site["nodate"]:
            date = ('<span class="date">%s</span>' % time.strftime(
                "%d/%m/%Y %H:%M", time.gmtime(now - 3600 * (k + 1) + 7 * 3600)))
        out.append(
            '<div class="news-item"><h3><a href="art/%d.html">Tin số %d của '
            "%s</a></h3>%s<p class=\"sapo\">Tóm tắt trên trang danh sách, "
            "tin %d.</p></div>" % (k, k, name, date, k))
    out.append('</div><div class="footer">Thống kê truy cập: 386677</div>'
               "</body></html>")
    return "".join(out)


def big_list(n):
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>Lớn'
             "</title></head><body><ul class=\"list\">"]
    for i in range(n):
        parts.append('<li><a href="/tin/%d.html">Tin dân vận số %d</a>'
                     "<span>15/10/2020 | 13:50</span></li>" % (i, i))
    parts.append("</ul></body></html>")
    return "".join(parts)


class Handler(httpserver.Handler):
    def route(self, path, q):
        srv = self.server
        if path.startswith("/html/"):
            f = HTML / path[6:]
            if "/" in path[6:] or not f.is_file():
                return self.reply(404, "not found", ctype="text/plain")
            ctype = "text/html"
            if "charset" in q:
                ctype += "; charset=" + q["charset"][0]
            return self.reply(200, f.read_bytes(), ctype=ctype)
        m = re.fullmatch(r"/site/([a-z0-9]+)/(list\.html|art/(\d+)\.html)", path)
        if m:
            site = srv.sites.setdefault(m.group(1), dict(items=3, missing=set(),
                                                         nodate=False))
            if m.group(3) is None:
                return self.reply(200, site_list(m.group(1), site, time.time()),
                                  ctype="text/html; charset=utf-8")
            k = int(m.group(3))
            if k in site.get("huge", ()):
                # a valid page past the article cap (4 MiB): padding in a comment
                body = (HTML / "article_000.html").read_bytes()
                pad = b"<!-- " + b"x" * (5 * 1024 * 1024) + b" -->"
                return self.reply(200, body.replace(b"</body>", pad + b"</body>"),
                                  ctype="text/html; charset=utf-8")
            if k in site["missing"] or k >= site["items"]:
                return self.reply(404, "<html><body>Không tìm thấy</body></html>",
                                  ctype="text/html")
            body = (HTML / ("article_%03d.html" % (k % 5))).read_bytes()
            return self.reply(200, body, ctype="text/html; charset=utf-8")
        if path.startswith("/site-control/"):
            site = srv.sites.setdefault(path[14:], dict(items=3, missing=set(),
                                                        nodate=False))
            site["items"] = int(q.get("items", [site["items"]])[0])
            if "missing" in q:
                site["missing"] = {int(x) for x in q["missing"][0].split(",") if x}
            if "huge" in q:
                site["huge"] = {int(x) for x in q["huge"][0].split(",") if x}
            site["nodate"] = q.get("nodate", ["0"])[0] == "1"
            return self.reply(200, "ok", ctype="text/plain")
        if path == "/biglist":
            n = min(int(q.get("n", ["10000"])[0]), 20000)
            return self.reply(200, big_list(n), ctype="text/html; charset=utf-8")
        return super().route(path, q)


@pytest.fixture(scope="module")
def _server():
    srv = httpserver.Server()
    srv.RequestHandlerClass = Handler
    srv.sites = {}
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def server(_server):
    _server.stats.reset()
    _server.sites.clear()
    return _server


def control(srv, name, **kw):
    q = "&".join("%s=%s" % (k, v) for k, v in kw.items())
    with urllib.request.urlopen(srv.url("/site-control/%s?%s" % (name, q))) as r:
        assert r.read() == b"ok"


def requests(srv, prefix):
    return sum(n for p, n in srv.stats.snapshot()["requests"].items()
               if p.startswith(prefix))


def run(bantin, cwd, *args, conf=None):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    cmd = [bantin] + (["-c", str(conf)] if conf else []) + list(args)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def write_conf(tmp_path, feeds, head=""):
    """feeds: list of (id, url, {key: value})."""
    lines = ["[bantin]", "database = state.db", head, "",
             "[digest]", "backfill = 3650d", ""]
    for fid, url, keys in feeds:
        lines += ['[feed "%s"]' % fid, "url = %s" % url]
        lines += ["%s = %s" % kv for kv in keys.items()]
        lines.append("")
    path = tmp_path / "bantin.conf"
    path.write_text("\n".join(lines))
    return path


def html_feed(article=None, limit=None, **more):
    keys = {"type": "html"}
    keys.update(LIST_RULES)
    if article:
        keys["article"] = article
    if limit is not None:
        keys["article_limit"] = str(limit)
    keys.update(more)
    return keys


def items(tmp_path, fid):
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.row_factory = sqlite3.Row
    with conn:
        rows = [dict(r) for r in conn.execute(
            "SELECT items.* FROM items JOIN item_sources s ON s.item_id = "
            "items.id WHERE s.feed_id = ? ORDER BY items.link", (fid,))]
    conn.close()
    return rows


def blocks(stdout):
    """The item blocks of a test-feed report: {title, link, date, summary}."""
    out = []
    for m in re.finditer(r"^\d+\. (.*)\n   link: (.*)\n   date: (.*)\n"
                         r"   summary(?: \(article page\))?: (.*)$", stdout, re.M):
        out.append(dict(title=m.group(1), link=m.group(2), date=m.group(3),
                        summary=m.group(4)))
    return out


def warnings(stdout):
    m = re.search(r"^warnings:\n((?:  - .*\n)*)", stdout, re.M)
    assert m, stdout
    return [l[4:] for l in m.group(1).splitlines()]


# ---- bantin test-feed on the fixtures ---------------------------------------

def test_nukeviet_fixture(bantin, server, tmp_path):
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/html/nukeviet_list.html"), "--type", "html",
            *NV_RULES, "--item-author", ".//span[@class='tac-gia']")
    assert r.returncode == 0, r.stderr
    b = blocks(r.stdout)
    assert [x["title"] for x in b] == [
        "Kết quả phong trào “Dân vận khéo” ở huyện Yên Thành",
        "Chủ tịch Hội nông dân làm dân vận khéo",
        "Mô hình dân vận khéo về dạy tiếng Việt cho dân Lào ở vùng biên giới",
        "Sự lan tỏa của phong trào thi đua “Dân vận khéo” ở huyện Tương Dương",
        "Kết quả bước đầu thực hiện “năm dân vận khéo” 2020 ở Con Cuông"]
    # <base href> makes the relative links absolute on the real site
    assert b[0]["link"] == (NV_BASE + "ket-qua-phong-trao-dan-van-kheo-o-"
                            "huyen-yen-thanh-2261.html")
    assert b[4]["link"].endswith("Con%20Cu%C3%B4ng-2239.html")
    assert all(x["link"].startswith("https://bdvtu.nghean.dcs.vn/") for x in b)
    # "Thứ năm - 15/09/2022 10:22" in +07:00
    assert b[0]["date"] == "2022-09-15 10:22 +07:00 (parsed)"
    assert all(x["date"].endswith("(parsed)") for x in b)
    assert b[1]["summary"].startswith("Ông Nguyễn Văn Hải, Chủ tịch Hội Nông dân")
    # the first words only
    assert len(b[0]["summary"].split()) == 20 and b[0]["summary"].endswith("…")
    w = warnings(r.stdout)
    assert "item_author matched nothing in 5 items" in w
    assert any("with neither a title nor a link" in x for x in w)
    assert r.stdout.rstrip().splitlines()[-1] == \
        "5 items, 5 with a link; dates: 5 parsed"
    # nothing stored, no database anywhere
    assert list(tmp_path.iterdir()) == []


def test_sharepoint_fixture(bantin, server, tmp_path):
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/html/sharepoint_list.html?charset=utf-8"), *SP_RULES)
    assert r.returncode == 0, r.stderr
    assert "(html, UTF-8," in r.stdout
    assert "title: Văn phòng Chính phủ" in r.stdout   # entity-encoded meta
    b = blocks(r.stdout)
    assert len(b) == 4
    # root-relative links resolve against the page's own URL
    assert b[0]["link"] == server.url("/Pages/chi-tiet-tin.aspx"
                                      "?ItemID=4512&CateID=5")
    assert b[0]["date"] == "2020-10-15 13:50 +07:00 (parsed)"
    # "Đăng ngày: 20/01/2020 - 8:28:04 AM"
    assert b[2]["date"] == "2020-01-20 08:28 +07:00 (parsed)"
    assert b[3]["link"] == "(none)"       # a javascript: postback
    assert b[2]["summary"] == "(none)"
    w = warnings(r.stdout)
    assert "1 item without a link" in w
    assert "item_summary found in only 3 of 4 items" in w


def test_guessed_and_relative_dates(bantin, server, tmp_path):
    # item_date pointing at nothing: every date is the fetch time, flagged
    rules = [x if x != ".//ul[contains(@class,'list-inline')]/li[1]"
             else ".//time[@class='khong-co']" for x in NV_RULES]
    t0 = time.time()
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/html/nukeviet_list.html"), *rules)
    assert r.returncode == 0, r.stderr
    b = blocks(r.stdout)
    assert len(b) == 5
    for x in b:
        assert x["date"].endswith("(guessed = first seen)")
        shown = time.strptime(x["date"][:16], "%Y-%m-%d %H:%M")
        when = time.mktime(shown) - time.mktime(time.gmtime(0)) - 7 * 3600
        assert t0 - 120 <= when <= time.time() + 60
    w = warnings(r.stdout)
    assert "item_date matched nothing in 5 items" in w
    assert "5 items without a usable date: the fetch time is used" in w
    assert "dates: 5 guessed" in r.stdout
    assert "note: undated items are dated when first seen" in r.stdout

    # the modern list: relative dates ("15 giờ trước") and a future one
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/html/modern_list.html"),
            "--item", "//article[contains(@class,'story')]",
            "--item-title", ".//h2/a", "--item-link", ".//h2/a/@href",
            "--item-date", ".//*[contains(@class,'story__time')]")
    assert r.returncode == 0, r.stderr
    dates = [x["date"] for x in blocks(r.stdout)]
    assert any(d.endswith("(relative, from the fetch time)") for d in dates), dates
    assert any(d.endswith("(parsed)") for d in dates), dates


@pytest.mark.parametrize("header", ["", "windows-1258", "utf-8"])
def test_legacy_charset_over_http(bantin, server, tmp_path, header):
    # The page declares windows-1258 in <meta>; the server says nothing, the
    # same, or (wrongly) UTF-8: the page's own declaration wins each time.
    url = server.url("/html/list_cp1258.html" +
                     ("?charset=" + header if header else ""))
    r = run(bantin, tmp_path, "test-feed", "--url", url,
            "--item", "//td[@class='tieude']", "--item-title", "a",
            "--item-link", "a/@href", "--item-date", "span[@class='ngay']")
    assert r.returncode == 0, r.stderr
    assert "(html, windows-1258," in r.stdout
    b = blocks(r.stdout)
    assert [x["title"] for x in b] == [
        "Hội nghị tổng kết công tác dân vận năm 2019",
        "Quy chế dân chủ ở cơ sở: những chuyển biến tích cực",
        "Phong trào thi đua “Dân vận khéo” ở huyện Khoái Châu"]
    assert b[0]["link"] == server.url("/html/chitiet.asp?id=101&cat=2")
    assert b[0]["date"] == "2020-01-20 00:00 +07:00 (parsed)"


def test_meta_charset_beats_http_header(bantin, server, tmp_path):
    # <meta charset="utf-8">, served as windows-1258: still UTF-8
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/html/meta_vs_http.html?charset=windows-1258"),
            "--item", "//div[@class='item']", "--item-date", "p[@class='date']")
    assert r.returncode == 0, r.stderr
    b = blocks(r.stdout)
    assert [x["title"] for x in b] == [
        "Ban Dân vận Huyện ủy sơ kết công tác 9 tháng",
        "Khai mạc lớp tập huấn về công tác Dân vận"]
    assert b[1]["date"] == "2020-10-15 00:00 +07:00 (parsed)"
    # --charset stands in for the header: the <meta> still wins
    r2 = run(bantin, tmp_path, "test-feed", "--url",
             server.url("/html/meta_vs_http.html"), "--charset", "windows-1258",
             "--item", "//div[@class='item']", "--item-date", "p[@class='date']")
    assert r2.returncode == 0 and blocks(r2.stdout) == b


def test_configured_feed_with_articles(bantin, server, tmp_path):
    control(server, "cfg", items=5)
    conf = write_conf(tmp_path, [("cfg", server.url("/site/cfg/list.html"),
                                  html_feed(ARTICLE_RULE))])
    r = run(bantin, tmp_path, "test-feed", "cfg", conf=conf)
    assert r.returncode == 0, r.stderr
    # three article pages by default, the first three items (K = 4, 3, 2)
    assert requests(server, "/site/cfg/art/") == 3
    b = blocks(r.stdout)
    assert len(b) == 5
    assert r.stdout.count("   summary (article page): ") == 3
    for i, k in enumerate((4, 3, 2)):
        assert b[i]["summary"].startswith(" ".join(SEED_START[k].split()[:8])), b[i]
    assert b[3]["summary"].startswith("Tóm tắt trên trang danh sách")
    for bad in BOILERPLATE:
        assert bad not in "\n".join(x["summary"] for x in b)
    assert "3 article pages read, 0 failed" in r.stdout
    assert not (tmp_path / "state.db").exists()

    # --articles 0 fetches none; an override rule applies
    server.stats.reset()
    r = run(bantin, tmp_path, "test-feed", "cfg", "--articles", "0",
            "--item-summary", ".//p[@class='khong']", conf=conf)
    assert r.returncode == 0, r.stderr
    assert requests(server, "/site/cfg/art/") == 0
    assert "item_summary matched nothing in 5 items" in warnings(r.stdout)


def test_exit_statuses(bantin, server, tmp_path, dead_url):
    conf = write_conf(tmp_path, [
        ("ok", server.url("/site/ok/list.html"), html_feed()),
        ("nothing", server.url("/site/ok/list.html"),
         html_feed(item="//div[@class='khong-co']")),
        ("runtime", server.url("/site/ok/list.html"),
         html_feed(item_date=".//span[@class=$lop]")),
        ("gone", server.url("/status/404"), html_feed()),
        ("down", dead_url, html_feed()),
    ])
    assert run(bantin, tmp_path, "test-feed", "ok", conf=conf).returncode == 0
    r = run(bantin, tmp_path, "test-feed", "nothing", conf=conf)
    assert r.returncode == 65
    assert "item matched nothing" in warnings(r.stdout)
    assert "bantin: feed nothing: nothing found" in r.stderr
    r = run(bantin, tmp_path, "test-feed", "runtime", conf=conf)
    assert r.returncode == 65
    assert re.search(r"^bantin: feed runtime: .*: item_date: XPath evaluation "
                     r"failed: .*variable", r.stderr, re.M), r.stderr
    r = run(bantin, tmp_path, "test-feed", "gone", conf=conf)
    assert r.returncode == 75 and "feed gone: " in r.stderr
    assert "HTTP 404" in r.stderr
    r = run(bantin, tmp_path, "test-feed", "down", conf=conf)
    assert r.returncode == 75 and "connection refused" in r.stderr
    r = run(bantin, tmp_path, "test-feed", "nosuch", conf=conf)
    assert r.returncode == 64 and "no feed 'nosuch'" in r.stderr
    r = run(bantin, tmp_path, "test-feed", "ok", "--item-date", "//span[",
            conf=conf)
    assert r.returncode == 64
    assert "item_date: XPath does not compile" in r.stderr
    r = run(bantin, tmp_path, "test-feed", "--url", "ftp://x/")
    assert r.returncode == 64
    r = run(bantin, tmp_path, "test-feed")
    assert r.returncode == 64
    assert not (tmp_path / "state.db").exists()


def test_file_and_article_file(bantin, tmp_path):
    r = run(bantin, tmp_path, "test-feed", "--url", NV_BASE, "--file",
            str(HTML / "nukeviet_list.html"), "--file",
            str(HTML / "nukeviet_list.html"), *NV_RULES)
    assert r.returncode == 0, r.stderr
    assert len(blocks(r.stdout)) == 10
    assert blocks(r.stdout)[0]["link"].startswith(NV_BASE)
    assert r.stdout.rstrip().splitlines()[-1].startswith("10 items, 10 with a link")

    r = run(bantin, tmp_path, "test-feed", "--article", "auto",
            *sum((["--article-file", str(HTML / ("article_%03d.html" % k))]
                  for k in range(5)), []))
    assert r.returncode == 0, r.stderr
    sums = re.findall(r"^   summary: (.*)$", r.stdout, re.M)
    assert len(sums) == 5
    for k in range(5):
        assert sums[k].startswith(" ".join(SEED_START[k].split()[:6])), sums[k]
        for bad in BOILERPLATE:
            assert bad not in sums[k]
    assert "5 article pages read, 0 failed" in r.stdout
    r = run(bantin, tmp_path, "test-feed", "--file", str(tmp_path / "none.html"),
            *NV_RULES)
    assert r.returncode == 66


def test_ten_thousand_items_stop_at_the_limit(bantin, server, tmp_path):
    t0 = time.time()
    r = run(bantin, tmp_path, "test-feed", "--url",
            server.url("/biglist?n=10000"), "--item", "//ul[@class='list']/li",
            "--item-date", "span")
    took = time.time() - t0
    assert r.returncode == 0, r.stderr
    assert "8000 items past the limit of 2000 were dropped" in warnings(r.stdout)
    assert r.stdout.rstrip().splitlines()[-1].startswith(
        "2000 items, 2000 with a link; dates: 2000 parsed")
    assert len(blocks(r.stdout)) == 2000
    assert took < 60, took

    conf = write_conf(tmp_path, [("big", server.url("/biglist?n=10000"), {
        "type": "html", "item": "//ul[@class='list']/li", "item_title": "a",
        "item_link": "a/@href", "item_date": "span"})])
    t0 = time.time()
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert time.time() - t0 < 60
    assert len(items(tmp_path, "big")) == 2000


# ---- bantin fetch with article pages ----------------------------------------

def test_fetch_summaries_from_article_pages(bantin, server, tmp_path):
    control(server, "a", items=5)
    conf = write_conf(tmp_path, [
        ("a", server.url("/site/a/list.html"), html_feed(ARTICLE_RULE, 3)),
        ("plain", server.url("/feed/plain"), {}),
    ])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    its = {int(re.search(r"/art/(\d+)\.html", i["link"]).group(1)): i
           for i in items(tmp_path, "a")}
    assert sorted(its) == [0, 1, 2, 3, 4]
    # article_limit = 3: the first three items of the page (K = 4, 3, 2)
    assert requests(server, "/site/a/art/") == 3
    for k in (4, 3, 2):
        s = its[k]["summary"]
        assert s.startswith(SEED_START[k % 5]), (k, s)
        for bad in BOILERPLATE:
            assert bad not in s, (k, bad, s)
        assert "\n" not in s and len(s.encode()) <= 4096
    for k in (1, 0):
        assert its[k]["summary"] == "Tóm tắt trên trang danh sách, tin %d." % k
    # the list's dates stay (minute precision, K + 1 hours ago)
    assert abs(its[4]["published"] - (time.time() - 5 * 3600)) < 120
    assert len(items(tmp_path, "plain")) == 3

    # a re-fetch: no new item, no article page
    server.stats.reset()
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert requests(server, "/site/a/list.html") == 1
    assert requests(server, "/site/a/art/") == 0
    # two new items: their two pages only
    control(server, "a", items=7)
    server.stats.reset()
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert requests(server, "/site/a/art/") == 2
    its = {int(re.search(r"/art/(\d+)\.html", i["link"]).group(1)): i
           for i in items(tmp_path, "a")}
    assert its[6]["summary"].startswith(SEED_START[1])
    assert its[5]["summary"].startswith(SEED_START[0])
    assert its[1]["summary"].startswith("Tóm tắt trên trang danh sách")


def test_fetch_article_auto(bantin, server, tmp_path):
    control(server, "g", items=5)
    conf = write_conf(tmp_path, [("g", server.url("/site/g/list.html"),
                                  html_feed("auto"))])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert requests(server, "/site/g/art/") == 5   # article_limit 20
    for i in items(tmp_path, "g"):
        k = int(re.search(r"/art/(\d+)\.html", i["link"]).group(1))
        assert i["summary"].startswith(" ".join(SEED_START[k].split()[:6])), i
        for bad in BOILERPLATE:
            assert bad not in i["summary"]


def test_failing_article_page_keeps_list_summary(bantin, server, tmp_path):
    control(server, "m", items=4, missing="2")
    conf = write_conf(tmp_path, [("m", server.url("/site/m/list.html"),
                                  html_feed(ARTICLE_RULE))])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    its = {int(re.search(r"/art/(\d+)\.html", i["link"]).group(1)): i
           for i in items(tmp_path, "m")}
    assert sorted(its) == [0, 1, 2, 3]
    assert its[2]["summary"] == "Tóm tắt trên trang danh sách, tin 2."
    assert its[3]["summary"].startswith(SEED_START[3])
    assert re.search(r"^bantin: warning: feed m: 1 of 4 article pages failed, "
                     r"their items keep the list's summary \(first: "
                     r"http://.*/site/m/art/2\.html: HTTP 404\)$", r.stderr,
                     re.M), r.stderr
    # the feed itself is healthy
    conn = sqlite3.connect(tmp_path / "state.db")
    row = conn.execute("SELECT last_error, fail_count FROM feeds "
                       "WHERE id = 'm'").fetchone()
    conn.close()
    assert row == (None, 0)
    # a rule that matches nothing on a page: the automatic text, a warning
    control(server, "n", items=2)
    conf = write_conf(tmp_path, [("n", server.url("/site/n/list.html"),
                                  html_feed("//div[@id='khong-co']"))])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert "feed n: the article rule matched no text on 2 of 2 pages" in r.stderr
    for i in items(tmp_path, "n"):
        assert not i["summary"].startswith("Tóm tắt trên trang danh sách")


def test_article_page_past_its_cap(bantin, server, tmp_path):
    """An article page is capped at 4 MiB, under body_max (10 MB): its
    link comes from the feed. Past it, that page fails like a missing one
    and its item keeps the list's summary; the list itself (under
    body_max) and the other pages are fine."""
    control(server, "h", items=3, huge="1")
    conf = write_conf(tmp_path, [("h", server.url("/site/h/list.html"),
                                  html_feed(ARTICLE_RULE))])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    its = {int(re.search(r"/art/(\d+)\.html", i["link"]).group(1)): i
           for i in items(tmp_path, "h")}
    assert sorted(its) == [0, 1, 2]
    assert its[1]["summary"] == "Tóm tắt trên trang danh sách, tin 1."
    assert its[0]["summary"].startswith(SEED_START[0])
    assert re.search(r"feed h: 1 of 3 article pages failed, .*"
                     r"/site/h/art/1\.html: body larger than 4194304 bytes",
                     r.stderr), r.stderr


def test_undated_items_dated_by_their_article(bantin, server, tmp_path):
    control(server, "u", items=2, nodate=1)
    conf = write_conf(tmp_path, [("u", server.url("/site/u/list.html"),
                                  html_feed(ARTICLE_RULE))])
    # first fetch: undated items count as old, remembered, not stored
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert items(tmp_path, "u") == []
    assert requests(server, "/site/u/art/") == 0
    # later ones are stored, dated when first seen unless their article page
    # has a date: K = 5 is article_000 (JSON-LD datePublished), K = 4
    # article_004 (article:published_time); article_002 and _003 have none
    control(server, "u", items=6, nodate=1)
    t0 = time.time()
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    its = {int(re.search(r"/art/(\d+)\.html", i["link"]).group(1)): i
           for i in items(tmp_path, "u")}
    assert sorted(its) == [2, 3, 4, 5]
    assert requests(server, "/site/u/art/") == 4
    assert its[5]["published"] == 1600331400    # 2020-09-17T15:30:00+07:00
    assert its[4]["published"] == 1602744600    # 2020-10-15T13:50:00+07:00
    for k in (2, 3):
        assert int(t0) - 1 <= its[k]["first_seen"] <= time.time() + 1
        assert its[k]["published"] == its[k]["first_seen"], its[k]
    # the guess is recorded, and the digest says the date is unknown rather
    # than showing the time bantin first saw them (4 and 5, from 2020, are
    # past max_age and left out)
    conn = sqlite3.connect(tmp_path / "state.db")
    guessed = {int(re.search(r"/art/(\d+)\.html", link).group(1)): g
               for link, g in conn.execute(
                   "SELECT link, published_guessed FROM items")}
    conn.close()
    assert guessed == {2: 1, 3: 1, 4: 0, 5: 0}
    r = run(bantin, tmp_path, "digest", "--format", "json", conf=conf)
    assert r.returncode == 0, r.stderr
    stories = [st for t in json.loads(r.stdout)["topics"] for st in t["stories"]]
    assert len(stories) == 2
    assert all(st["published"] is None for st in stories)
    r = run(bantin, tmp_path, "digest", conf=conf)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("Không rõ ngày đăng") == 2


def test_runtime_rule_error_is_per_feed(bantin, server, tmp_path):
    control(server, "ok", items=3)
    conf = write_conf(tmp_path, [
        ("bad", server.url("/site/ok/list.html"),
         html_feed(item_date=".//span[@class=$lop]")),
        ("good", server.url("/site/ok/list.html"), html_feed()),
        ("rss", server.url("/feed/rss"), {}),
    ])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 75
    lines = [l for l in r.stderr.splitlines() if l.startswith("bantin: feed ")]
    assert len(lines) == 1, r.stderr
    assert re.match(r"bantin: feed bad: item_date: XPath evaluation failed: "
                    r".*variable.*, retry", lines[0]), lines
    assert len(items(tmp_path, "good")) == 3
    assert len(items(tmp_path, "rss")) == 3
    assert items(tmp_path, "bad") == []
