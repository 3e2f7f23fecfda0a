"""Limits the config overrides ([bantin] items_max) reach the parsers."""
import sqlite3
import subprocess


def run_fetch(bantin, tmp_path, body):
    conf = tmp_path / "bantin.conf"
    conf.write_text("[bantin]\ndatabase = bantin.db\n" + body, encoding="utf-8")
    r = subprocess.run([bantin, "-c", str(conf), "fetch"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(tmp_path / "bantin.db")
    return dict(db.execute("SELECT feed_id, count(*) FROM item_sources "
                           "WHERE item_id IS NOT NULL GROUP BY feed_id"))


def test_items_max_caps_feeds_and_html_lists(bantin, http_server, tmp_path):
    counts = run_fetch(bantin, tmp_path,
                       "items_max = 2\n[digest]\nbackfill = 3650d\n"
                       "[feed \"rss\"]\nurl = %s\n"
                       "[feed \"html\"]\nurl = %s\ntype = html\n"
                       "item = //div[@class='news-item']\nitem_title = .//h3/a\n"
                       "item_link = .//h3/a/@href\nitem_date = .//span[@class='date']\n"
                       % (http_server.url("/feed/many?items=10"),
                          http_server.url("/list.html")))
    assert counts == {"rss": 2, "html": 2}


def test_without_items_max_everything_is_kept(bantin, http_server, tmp_path):
    counts = run_fetch(bantin, tmp_path,
                       "[digest]\nbackfill = 3650d\n[feed \"rss\"]\nurl = %s\n"
                       % http_server.url("/feed/many?items=10"))
    assert counts == {"rss": 10}


def test_parse_warning_names_the_limit_applied(bantin, tmp_path):
    items = "".join("<item><title>Tin %d</title><link>http://x.vn/%d</link></item>"
                    % (i, i) for i in range(2005))
    doc = tmp_path / "big.xml"
    doc.write_text("<rss version=\"2.0\"><channel><title>t</title>%s</channel></rss>"
                   % items, encoding="utf-8")
    r = subprocess.run([bantin, "parse", str(doc)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0
    assert "5 item(s) past the limit of 2000 dropped" in r.stderr
