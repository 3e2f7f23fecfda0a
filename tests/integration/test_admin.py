"""The admin views: `bantin feeds [--json]`, `bantin opml export|import` and
`bantin discover URL`, against the local server of httpserver.py."""

import calendar
import email.utils
import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

FEED_KEYS = ["id", "url", "title", "state", "last_ok", "last_error",
             "items", "items_7d", "next_attempt", "id_mode", "disabled"]


def write_conf(path, feeds, head="[bantin]\ndatabase = state.db\n"):
    """feeds: list of (id, url) or (id, url, "more = lines")."""
    lines = [head]
    for f in feeds:
        lines.append('[feed "%s"]' % f[0])
        lines.append("url = %s" % f[1])
        if len(f) > 2:
            lines.append(f[2])
        lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(bantin, cwd, *args, conf=None, **kw):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    cmd = [bantin] + (["-c", str(conf)] if conf else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=str(cwd), timeout=120, **kw)


def feeds_json(bantin, tmp_path, conf):
    r = run(bantin, tmp_path, "feeds", "--json", conf=conf)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data, list)
    for o in data:
        assert list(o) == FEED_KEYS, o
    return data


def utc(s):
    """RFC 3339 UTC "2026-11-23T01:15:00Z" to epoch seconds."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s), s
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def local(t):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t + 7 * 3600))


def table_rows(stdout):
    """The table as {id: line}, after checking the header."""
    lines = stdout.splitlines()
    assert lines[0].split()[:2] == ["ID", "STATE"], lines[0]
    return {l.split()[0]: l for l in lines[1:]}


# ---- feeds -----------------------------------------------------------------

def test_feeds_fresh_config_all_new(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", [
        ("danvan-tw", "https://danvan.vn/rss", "title = Ban Dân vận Trung ương"),
        ("nghean", "https://nghean.dcs.vn/rss"),
        ("off", "https://off.example.vn/rss", "enabled = false"),
    ])
    data = feeds_json(bantin, tmp_path, conf)
    assert [o["id"] for o in data] == ["danvan-tw", "nghean", "off"]
    for o in data:
        assert o["state"] == "new"
        assert (o["last_ok"], o["last_error"], o["next_attempt"]) == \
            (None, None, None)
        assert (o["items"], o["items_7d"], o["id_mode"]) == (0, 0, "guid")
    assert data[0]["title"] == "Ban Dân vận Trung ương"
    assert data[0]["url"] == "https://danvan.vn/rss"
    assert data[1]["title"] is None
    assert [o["disabled"] for o in data] == [False, False, True]
    # looking does not create the database
    assert not (tmp_path / "state.db").exists()

    r = run(bantin, tmp_path, "feeds", conf=conf)
    assert r.returncode == 0, r.stderr
    rows = table_rows(r.stdout)
    assert list(rows) == ["danvan-tw", "nghean", "off"]
    for fid, line in rows.items():
        assert line.split()[1] == "new", line
    assert "Ban Dân vận Trung ương" in rows["danvan-tw"]
    assert "disabled" in rows["off"]
    assert not (tmp_path / "state.db").exists()


def test_feeds_after_fetch(bantin, http_server, tmp_path):
    feeds = [
        ("good", http_server.url("/feed/good"), "title = Tin tốt & mới"),
        ("busy", http_server.url("/503")),
        ("dead", http_server.url("/status/410")),
        ("later", http_server.url("/feed/later")),
    ]
    conf = write_conf(tmp_path / "bantin.conf", feeds)
    t0 = time.time()
    r = run(bantin, tmp_path, "fetch", "good", "busy", "dead", conf=conf)
    assert r.returncode == 75, r.stderr
    t1 = time.time()

    data = {o["id"]: o for o in feeds_json(bantin, tmp_path, conf)}
    assert list(data) == ["good", "busy", "dead", "later"]

    good = data["good"]
    assert good["state"] == "ok"
    assert good["title"] == "Tin tốt & mới"
    assert good["items"] == 3 and good["items_7d"] == 3
    assert good["last_error"] is None and good["next_attempt"] is None
    assert t0 - 1 <= utc(good["last_ok"]) <= t1 + 1

    busy = data["busy"]
    assert busy["state"] == "failing"
    assert busy["last_error"] == "HTTP 503"
    assert busy["last_ok"] is None
    assert busy["items"] == 0 and busy["items_7d"] == 0
    # the server's Retry-After is an hour ahead
    assert busy["next_attempt"] is not None
    assert t0 + 3600 - 5 <= utc(busy["next_attempt"]) <= t1 + 3600 + 5

    dead = data["dead"]
    assert dead["state"] == "gone"
    assert dead["last_error"] == "HTTP 410"
    assert dead["next_attempt"] is None and dead["items"] == 0

    later = data["later"]
    assert later["state"] == "new" and later["last_ok"] is None

    r = run(bantin, tmp_path, "feeds", conf=conf)
    assert r.returncode == 0, r.stderr
    rows = table_rows(r.stdout)
    assert list(rows) == ["good", "busy", "dead", "later"]
    states = {fid: line.split()[1] for fid, line in rows.items()}
    assert states == {"good": "ok", "busy": "failing", "dead": "gone",
                      "later": "new"}
    # times in +07:00 as "YYYY-MM-DD HH:MM"
    assert local(utc(good["last_ok"])) in rows["good"]
    assert local(utc(busy["next_attempt"])) in rows["busy"]
    assert "HTTP 503" in rows["busy"]
    assert "HTTP 410" in rows["dead"]
    assert "'bantin fetch dead'" in rows["dead"]
    assert re.search(r"\b3\s+3\b", rows["good"]), rows["good"]

    # a feed the store knows but the config dropped is not listed; a
    # changed URL starts afresh, keeping the item counts
    write_conf(tmp_path / "bantin.conf", [
        ("later", http_server.url("/feed/later")),
        ("good", http_server.url("/feed/good2")),
    ])
    data = feeds_json(bantin, tmp_path, conf)
    assert [o["id"] for o in data] == ["later", "good"]
    assert data[1]["state"] == "new" and data[1]["last_ok"] is None
    assert data[1]["items"] == 3


def test_feeds_usage_and_missing_config(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", [("a", "https://a.vn/rss")])
    r = run(bantin, tmp_path, "feeds", "--jsn", conf=conf)
    assert r.returncode == 64 and "--jsn" in r.stderr
    r = run(bantin, tmp_path, "feeds", conf=tmp_path / "none.conf")
    assert r.returncode == 66


# ---- opml ------------------------------------------------------------------

def test_opml_export(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", [
        ("danvan-tw", "https://danvan.vn/rss?a=1&b=2",
         'title = Ban Dân vận Trung ương & "Tin mới" <1>'),
        ("bare", "https://bare.example.vn/feed.xml"),
        ("nghean", "https://nghean.dcs.vn/tin-tuc",
         "title = Ban Dân vận Tỉnh ủy Nghệ An\ntype = html\n"
         "item = //div[@class='news-item']\nitem_title = .//h3/a\n"
         "item_link = .//h3/a/@href"),
    ], head="[bantin]\ndatabase = state.db\n[digest]\n"
            "title = Bản tin Dân vận & Mặt trận\n")
    t0 = time.time()
    r = run(bantin, tmp_path, "opml", "export", conf=conf)
    assert r.returncode == 0, r.stderr
    root = ET.fromstring(r.stdout.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title").text == "Bản tin Dân vận & Mặt trận"
    created = email.utils.parsedate_to_datetime(
        root.find("head/dateCreated").text)
    assert abs(created.timestamp() - t0) < 60
    outs = root.findall("body/outline")
    assert len(outs) == 3
    title = 'Ban Dân vận Trung ương & "Tin mới" <1>'
    assert outs[0].attrib == {"type": "rss", "text": title, "title": title,
                              "xmlUrl": "https://danvan.vn/rss?a=1&b=2"}
    # no configured title: the id names it
    assert outs[1].get("text") == "bare"
    assert outs[1].get("xmlUrl") == "https://bare.example.vn/feed.xml"
    # a list page is a link, not a feed other readers should subscribe to
    assert outs[2].get("type") == "link"
    assert outs[2].get("url") == "https://nghean.dcs.vn/tin-tuc"
    assert outs[2].get("xmlUrl") is None
    assert "&amp;" in r.stdout and "<1>" not in r.stdout

    # read back by import: everything is already configured
    (tmp_path / "out.opml").write_text(r.stdout)
    r = run(bantin, tmp_path, "opml", "import", "out.opml", conf=conf)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "already configured as feed 'danvan-tw'" in r.stderr
    assert "already configured as feed 'bare'" in r.stderr
    assert "a web page, not a feed" in r.stderr


NESTED_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
<head><title>Nguồn tin</title></head>
<body>
  <outline text="Miền Bắc">
    <outline text="Hà Nội &amp; lân cận">
      <outline type="rss" text="Ban Dân vận Thành ủy Hà Nội"
               xmlUrl="https://dvhanoi.vn/rss/tin-moi.rss"/>
      <outline type="rss" text="Lưu tệp" xmlUrl="file:///etc/passwd"/>
    </outline>
    <outline type="rss" text="Trùng" title="Trùng"
             xmlUrl="HTTPS://DanVan.vn:443/rss?utm_source=zalo#top"/>
  </outline>
  <outline text="Tây Nguyên">
    <outline type="rss" text="Ban Dân vận Tỉnh ủy Đắk Lắk; tin #1"
             xmlUrl="https://daklak.vn/rss"/>
    <outline type="rss" text="ĐẢNG ỦY Hòa Thuỷ khoẻ"
             xmlUrl="https://hoathuy.vn/feed"/>
    <outline type="rss" text="Ban Dân vận Thành ủy Hà Nội"
             xmlUrl="https://khac.vn/rss"/>
    <outline type="rss" text="DanVan TW" xmlUrl="https://tw2.vn/rss"/>
    <outline type="rss" text="" xmlUrl="https://www.baogialai.com.vn/rss"/>
    <outline type="rss" text="Lặp" xmlUrl="https://daklak.vn/rss"/>
  </outline>
</body>
</opml>
"""


def test_opml_import_nested(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", [
        ("danvan-tw", "https://danvan.vn/rss", "title = Ban Dân vận TW"),
    ])
    before = conf.read_bytes()
    (tmp_path / "in.opml").write_text(NESTED_OPML)
    r = run(bantin, tmp_path, "opml", "import", "in.opml", conf=conf)
    assert r.returncode == 0, r.stderr
    assert conf.read_bytes() == before          # never rewritten

    sections = re.findall(r'^\[feed "([^"]+)"\]\nurl   = (.*)\n'
                          r'(?:title = (.*)\n)?', r.stdout, re.M)
    assert sections == [
        ("ban-dan-van-thanh-uy-ha-noi", "https://dvhanoi.vn/rss/tin-moi.rss",
         "Ban Dân vận Thành ủy Hà Nội"),
        ("ban-dan-van-tinh-uy-dak-lak-tin-1", "https://daklak.vn/rss",
         '"Ban Dân vận Tỉnh ủy Đắk Lắk; tin #1"'),
        ("dang-uy-hoa-thuy-khoe", "https://hoathuy.vn/feed",
         "ĐẢNG ỦY Hòa Thuỷ khoẻ"),
        ("ban-dan-van-thanh-uy-ha-noi-2", "https://khac.vn/rss",
         "Ban Dân vận Thành ủy Hà Nội"),
        ("danvan-tw-2", "https://tw2.vn/rss", "DanVan TW"),
        ("baogialai-com-vn", "https://www.baogialai.com.vn/rss", ""),
    ], r.stdout
    assert "; category: Miền Bắc / Hà Nội & lân cận\n" in r.stdout
    assert "; category: Tây Nguyên\n" in r.stdout

    err = r.stderr
    assert re.search(r"skipped file:///etc/passwd: .*not http or https", err)
    assert "already configured as feed 'danvan-tw'" in err
    assert re.search(r"skipped https://daklak.vn/rss: already in this file "
                     r"as feed 'ban-dan-van-tinh-uy-dak-lak-tin-1'", err)
    assert "6 feeds to add" in err

    # the sections are a valid config once appended
    merged = tmp_path / "merged.conf"
    merged.write_text(before.decode("utf-8") + "\n" + r.stdout)
    c = run(bantin, tmp_path, "check", conf=merged)
    assert c.returncode == 0, c.stdout + c.stderr
    assert c.stdout.startswith("7 feeds"), c.stdout
    data = feeds_json(bantin, tmp_path, merged)
    by_id = {o["id"]: o for o in data}
    # quoted values come back exactly, ';' and '#' included
    assert by_id["ban-dan-van-tinh-uy-dak-lak-tin-1"]["title"] == \
        "Ban Dân vận Tỉnh ủy Đắk Lắk; tin #1"
    assert by_id["baogialai-com-vn"]["title"] is None

    # importing again into the merged config adds nothing
    r = run(bantin, tmp_path, "opml", "import", "in.opml", conf=merged)
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert "no new feeds to add" in r.stderr


def test_opml_import_without_config(bantin, tmp_path):
    """No -c, no $BANTIN_CONFIG, no ./bantin.conf: a first setup."""
    (tmp_path / "in.opml").write_text(
        '<opml version="1.0"><body><outline text="Tin" '
        'xmlUrl="http://a.vn/rss"/></body></opml>')
    r = run(bantin, tmp_path, "opml", "import", "in.opml")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '[feed "tin"]\nurl   = http://a.vn/rss\ntitle = Tin\n'


def test_opml_import_refusals(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", [("a", "https://a.vn/rss")])
    cases = {
        "rss.xml": ('<rss version="2.0"><channel/></rss>', "root element <rss>"),
        "nobody.opml": ('<opml version="2.0"><head/></opml>', "no <body>"),
        "broken.opml": ('<opml><body><outline xmlUrl="http://a&b"/></body>',
                        "not well-formed"),
        "empty.opml": ("", "not well-formed"),
        "bomb.opml": ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aa">'
                      '<!ENTITY b "&a;&a;&a;&a;">]><opml><body>'
                      '<outline text="&b;" xmlUrl="http://b.vn/"/></body>'
                      '</opml>', "declares entities"),
        "xxe.opml": ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM '
                     '"file:///etc/passwd">]><opml><body><outline text="&x;" '
                     'xmlUrl="http://b.vn/"/></body></opml>',
                     "declares entities"),
    }
    for name, (text, why) in cases.items():
        (tmp_path / name).write_text(text)
        r = run(bantin, tmp_path, "opml", "import", name, conf=conf)
        assert r.returncode == 65, (name, r.stderr)
        assert why in r.stderr, (name, r.stderr)
        assert r.stdout == "" and "root:" not in r.stderr, name
    r = run(bantin, tmp_path, "opml", "import", "missing.opml", conf=conf)
    assert r.returncode == 66, r.stderr
    r = run(bantin, tmp_path, "opml", "import", conf=conf)
    assert r.returncode == 64
    r = run(bantin, tmp_path, "opml", "sync", conf=conf)
    assert r.returncode == 64


# ---- discover --------------------------------------------------------------

def test_discover_page(bantin, http_server, tmp_path):
    r = run(bantin, tmp_path, "discover", http_server.url("/site/index.html"))
    assert r.returncode == 0, r.stderr
    lines = [l.split("\t") for l in r.stdout.splitlines()]
    assert lines == [
        [http_server.url("/site/rss/tin-moi.rss"), "application/rss+xml",
         "Tin mới & nổi bật"],
        [http_server.url("/feed/atom"), "application/atom+xml", "Atom"],
    ]
    assert r.stderr == ""
    assert http_server.stats.snapshot()["requests"] == {"/site/index.html": 1}


def test_discover_url_is_a_feed(bantin, http_server, tmp_path):
    url = http_server.url("/feed/self")
    r = run(bantin, tmp_path, "discover", url)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s\tapplication/rss+xml\tBan Dân vận – self\n" % url
    assert "is itself a feed" in r.stderr


def test_discover_failures(bantin, http_server, dead_url, tmp_path):
    r = run(bantin, tmp_path, "discover", http_server.url("/status/404"))
    assert r.returncode == 66, r.stderr
    assert r.stdout == ""
    assert r.stderr == "bantin: discover %s: HTTP 404\n" % \
        http_server.url("/status/404")

    r = run(bantin, tmp_path, "discover", http_server.url("/status/503"))
    assert r.returncode == 75 and "HTTP 503" in r.stderr
    r = run(bantin, tmp_path, "discover", dead_url)
    assert r.returncode == 75 and r.stdout == ""

    # a page that declares no feed (its <a> links are not declarations)
    r = run(bantin, tmp_path, "discover", http_server.url("/list.html"))
    assert r.returncode == 65 and r.stdout == ""
    assert "no feeds declared" in r.stderr

    r = run(bantin, tmp_path, "discover", http_server.url("/tofile"))
    assert r.returncode == 65 and r.stdout == ""

    r = run(bantin, tmp_path, "discover", "file:///etc/passwd")
    assert r.returncode == 64
    r = run(bantin, tmp_path, "discover")
    assert r.returncode == 64


def test_feeds_notes(bantin, http_server, tmp_path):
    """What the NOTES column says: moved by permanent redirects, ids by
    link, recovery mode (state degraded)."""
    import sqlite3
    conf = write_conf(tmp_path / "bantin.conf", [
        ("moved", http_server.url("/perm/a")),
        ("links", http_server.url("/feed/links")),
    ])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(tmp_path / "state.db") as c:
        c.execute("UPDATE feeds SET id_mode = 'link', degraded = 1 "
                  "WHERE id = 'links'")
    data = {o["id"]: o for o in feeds_json(bantin, tmp_path, conf)}
    assert data["moved"]["state"] == "ok" and data["moved"]["items"] == 3
    assert data["moved"]["url"] == http_server.url("/perm/a")
    assert data["moved"]["id_mode"] == "guid"
    assert data["links"]["state"] == "degraded"
    assert data["links"]["id_mode"] == "link"

    r = run(bantin, tmp_path, "feeds", conf=conf)
    rows = table_rows(r.stdout)
    assert "moved to %s" % http_server.url("/feed/moved") in rows["moved"]
    assert "ids: link (guids unstable)" in rows["links"]
    assert "recovery mode" in rows["links"]
    assert rows["links"].split()[1] == "degraded"
