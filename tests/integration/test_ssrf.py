"""The guard against server-side request forgery (fetch/fetch.h), end to
end: bantin connects to a non-public address only for the host the admin
wrote (a feed's configured URL, the URL given to discover or test-feed),
never for a redirect to another host, an article link from a feed or a
link discovered on a page.

Linux routes all of 127/8 to lo, so besides httpserver.py's server on
127.0.0.1:PORT this module starts decoys on 127.0.0.2:PORT and [::1]:PORT
(same handler, their own counters): a URL the guard lets through reaches
one of them and shows in its counters, so "no connection, no request" is
read off them. Paths added by the handler of this module:
  /ssrf/NAME.xml        RSS whose items link to the URLs of server.links[NAME]
                        (item K: title "Tin K", summary "Tóm tắt tin K.")
  /ssrf/art/NAME.html   an article page (the seed article_000.html)
  /ssrf/page.html       HTML declaring feeds at server.links["page"]
"""

import os
import re
import socket
import sqlite3
import subprocess
import threading
import time
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

import httpserver

ROOT = Path(__file__).resolve().parent.parent.parent
ARTICLE = (ROOT / "tests/data/html/article_000.html").read_bytes()
ARTICLE_START = "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy tổ chức lớp Bồi dưỡng"
ONLY = "a non-public address (only the configured host may)"


class Handler(httpserver.Handler):
    def route(self, path, q):
        m = re.fullmatch(r"/ssrf/([a-z0-9]+)\.xml", path)
        if m:
            links = self.server.links.get(m.group(1), [])
            out = ['<?xml version="1.0"?><rss version="2.0"><channel>'
                   "<title>SSRF %s</title><link>%s/</link>"
                   % (m.group(1), self.base())]
            for k, link in enumerate(links):
                out.append("<item><title>Tin %d</title><link>%s</link>"
                           "<pubDate>%s</pubDate><description>Tóm tắt tin "
                           "%d.</description></item>"
                           % (k, escape(link), formatdate(time.time() -
                                                          3600 * (k + 1)), k))
            out.append("</channel></rss>")
            return self.reply(200, "".join(out))
        if path.startswith("/ssrf/art/"):
            return self.reply(200, ARTICLE, ctype="text/html; charset=utf-8")
        if path == "/ssrf/page.html":
            links = "".join('<link rel="alternate" type="application/rss+xml" '
                            'href="%s">' % escape(u)
                            for u in self.server.links.get("page", []))
            return self.reply(200, "<!doctype html><html><head><title>Trang"
                              "</title>%s</head><body>x</body></html>" % links,
                              ctype="text/html; charset=utf-8")
        return super().route(path, q)


def start(host, port):
    srv = httpserver.Server(port, host=host)
    srv.RequestHandlerClass = Handler
    srv.links = {}
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def servers():
    main = start("127.0.0.1", 0)
    port = main.server_port
    two = start("127.0.0.2", port)
    try:
        six = start("::1", port)
    except OSError:     # no IPv6 here: its cases are left out
        six = None
    yield main, two, six
    for s in (main, two, six):
        if s:
            s.shutdown()
            s.server_close()


@pytest.fixture
def srv(servers):
    for s in servers:
        if s:
            s.stats.reset()
            s.links.clear()
    return servers


def untouched(decoy):
    """The decoy saw no connection and no request."""
    st = decoy.stats.snapshot()
    assert st["connections"] == 0 and st["requests"] == {}, st


def write_conf(tmp_path, feeds):
    """feeds: list of (id, url, {key: value})."""
    lines = ["[bantin]", "database = state.db", "",
             "[digest]", "backfill = 3650d", ""]
    for fid, url, keys in feeds:
        lines += ['[feed "%s"]' % fid, "url = %s" % url]
        lines += ["%s = %s" % kv for kv in keys.items()]
        lines.append("")
    path = tmp_path / "bantin.conf"
    path.write_text("\n".join(lines))
    return path


def run(bantin, cwd, *args, conf=None, env_extra=None):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    env.update(env_extra or {})
    cmd = [bantin] + (["-c", str(conf)] if conf else []) + list(args)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def items(tmp_path, fid):
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.row_factory = sqlite3.Row
    with conn:
        rows = {r["link"]: dict(r) for r in conn.execute(
            "SELECT items.* FROM items JOIN item_sources s ON s.item_id = "
            "items.id WHERE s.feed_id = ?", (fid,))}
    conn.close()
    return rows


def feed_row(tmp_path, fid):
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.row_factory = sqlite3.Row
    with conn:
        row = dict(conn.execute("SELECT * FROM feeds WHERE id = ?",
                                (fid,)).fetchone())
    conn.close()
    return row


def test_configured_non_public_feeds_are_fetched(bantin, srv, tmp_path):
    main, two, _ = srv
    port = main.server_port
    conf = write_conf(tmp_path, [
        ("local", "http://127.0.0.1:%d/feed/local" % port, {}),
        ("intranet", "http://127.0.0.2:%d/feed/intranet" % port, {}),
    ])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 0, r.stderr
    assert len(items(tmp_path, "local")) == 3
    assert len(items(tmp_path, "intranet")) == 3
    # the decoy is reachable: the other tests' silence means something
    assert two.stats.snapshot()["requests"] == {"/feed/intranet": 1}


def test_redirect_to_another_host_refused(bantin, srv, tmp_path):
    main, two, _ = srv
    port = main.server_port
    conf = write_conf(tmp_path, [
        ("hop", "http://localhost:%d/redirect?to=http://127.0.0.2:%d/feed/hop"
         % (port, port), {}),
        ("near", "http://localhost:%d/redirect?to=http://localhost:%d/feed/near"
         % (port, port), {}),
    ])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    assert r.returncode == 75, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("bantin: feed ")]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("bantin: feed hop: refused: 127.0.0.2 is %s, "
                               "retry" % ONLY), lines
    assert items(tmp_path, "hop") == {}
    assert "refused: 127.0.0.2" in feed_row(tmp_path, "hop")["last_error"]
    # a redirect to the same host is the configured host still
    assert len(items(tmp_path, "near")) == 3
    assert main.stats.snapshot()["requests"]["/redirect"] == 2
    untouched(two)


def test_article_links_to_other_non_public_hosts_refused(bantin, srv,
                                                         tmp_path):
    main, two, six = srv
    port = main.server_port
    same = "http://127.0.0.1:%d/ssrf/art/same.html" % port
    refused = ["http://127.0.0.2:%d/ssrf/art/two.html" % port,
               "http://0x7f.0.0.2:%d/ssrf/art/hex.html" % port,
               "http://LOCALHOST:%d/ssrf/art/name.html" % port]
    if six:
        refused += ["http://[::1]:%d/ssrf/art/six.html" % port,
                    "http://[::ffff:127.0.0.2]:%d/ssrf/art/mapped.html" % port]
    main.links["arts"] = refused + [same]
    conf = write_conf(tmp_path, [
        ("arts", "http://127.0.0.1:%d/ssrf/arts.xml" % port,
         {"article": "auto"})])
    r = run(bantin, tmp_path, "fetch", conf=conf)
    # article pages that fail are warnings, never a failed feed
    assert r.returncode == 0, r.stderr
    n = len(refused) + 1
    assert re.search(
        r"^bantin: warning: feed arts: %d of %d article pages failed, their "
        r"items keep the list's summary \(first: http://\S+: refused: \S+ "
        r"(is|resolves to \S+,) %s\)$" % (n - 1, n, re.escape(ONLY)),
        r.stderr, re.M), r.stderr
    its = items(tmp_path, "arts")
    assert len(its) == n, its
    for link, it in its.items():
        if link == same:
            assert it["summary"].startswith(ARTICLE_START), it
        else:
            assert re.fullmatch(r"Tóm tắt tin \d\.", it["summary"]), it
    assert feed_row(tmp_path, "arts")["last_error"] is None
    # the same host's page was read; localhost (127.0.0.1 too) was not
    req = main.stats.snapshot()["requests"]
    assert req.get("/ssrf/art/same.html") == 1
    assert "/ssrf/art/name.html" not in req
    untouched(two)
    if six:
        untouched(six)


def test_test_feed_articles_refused(bantin, srv, tmp_path):
    main, two, _ = srv
    port = main.server_port
    main.links["tf"] = ["http://127.0.0.2:%d/ssrf/art/tf.html" % port,
                        "http://127.0.0.1:%d/ssrf/art/tf.html" % port]
    r = run(bantin, tmp_path, "test-feed", "--url",
            "http://127.0.0.1:%d/ssrf/tf.xml" % port, "--article", "auto")
    assert r.returncode == 0, r.stderr
    assert ("   article page: failed: refused: 127.0.0.2 is %s (the list's "
            "summary is kept)" % ONLY) in r.stdout, r.stdout
    assert r.stdout.count("   summary (article page): ") == 1
    assert "1 article page read, 1 failed" in r.stdout
    untouched(two)


def test_discover_lists_without_fetching(bantin, srv, tmp_path):
    main, two, _ = srv
    port = main.server_port
    far = "http://127.0.0.2:%d/feed/far" % port
    near = "http://127.0.0.1:%d/feed/near" % port
    main.links["page"] = [far, near]
    r = run(bantin, tmp_path, "discover",
            "http://127.0.0.1:%d/ssrf/page.html" % port)
    assert r.returncode == 0, r.stderr
    assert [l.split("\t")[0] for l in r.stdout.splitlines()] == [far, near]
    assert "/feed/near" not in main.stats.snapshot()["requests"]
    untouched(two)

    # the page behind a redirect to another non-public host: refused, and
    # for good (65, not 75: trying later will not help)
    url = ("http://localhost:%d/redirect?to=http://127.0.0.2:%d/ssrf/page.html"
           % (port, port))
    r = run(bantin, tmp_path, "discover", url)
    assert r.returncode == 65, (r.returncode, r.stderr)
    assert r.stderr == ("bantin: discover %s: refused: 127.0.0.2 is %s\n"
                        % (url, ONLY))
    untouched(two)


def test_environment_proxy_ignored(bantin, srv, tmp_path, dead_url):
    """A proxy would connect for bantin, out of the guard's sight: the
    proxy variables are not followed (here one points where nothing
    listens, and the feed is fetched directly all the same)."""
    main, _, _ = srv
    proxy = dead_url.rsplit("/", 1)[0]
    conf = write_conf(tmp_path, [("p", main.url("/feed/p"), {})])
    r = run(bantin, tmp_path, "fetch", conf=conf,
            env_extra={"http_proxy": proxy, "https_proxy": proxy,
                       "ALL_PROXY": proxy, "no_proxy": ""})
    assert r.returncode == 0, r.stderr
    assert len(items(tmp_path, "p")) == 3
