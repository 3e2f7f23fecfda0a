"""[bantin] proxy, end to end: `bantin fetch` goes through the proxy the
admin names (httpserver.py's forward proxy here), whatever the environment's
proxy variables say; the SSRF guard still refuses a redirect to another
non-public host before the proxy hears of it; and a proxy that is down fails
every feed with an error that names the proxy, shown by `bantin feeds`.
"""

import json
import os
import sqlite3
import subprocess

import pytest

import httpserver

ONLY = "a non-public address (only the configured host may)"


@pytest.fixture(scope="module")
def _proxy_module():
    px = httpserver.start_proxy_in_thread()
    yield px
    px.shutdown()
    px.server_close()


@pytest.fixture
def proxy(_proxy_module):
    _proxy_module.stats.reset()
    _proxy_module.mode = "open"
    return _proxy_module


def write_conf(tmp_path, proxy_url, feeds):
    """feeds: list of (id, url)."""
    lines = ["[bantin]", "database = state.db", "proxy = %s" % proxy_url, "",
             "[digest]", "backfill = 3650d", ""]
    for fid, url in feeds:
        lines += ['[feed "%s"]' % fid, "url = %s" % url, ""]
    path = tmp_path / "bantin.conf"
    path.write_text("\n".join(lines))
    return path


def run(bantin, cwd, conf, *args, env_extra=None):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    env.update(env_extra or {})
    return subprocess.run([bantin, "-c", str(conf)] + list(args), cwd=cwd,
                          capture_output=True, text=True, env=env,
                          timeout=120)


def item_count(tmp_path, fid):
    conn = sqlite3.connect(tmp_path / "state.db")
    with conn:
        n = conn.execute("SELECT count(*) FROM item_sources WHERE feed_id = ?",
                         (fid,)).fetchone()[0]
    conn.close()
    return n


def asked(proxy):
    return proxy.stats.snapshot()["requests"]


def test_fetch_through_proxy(bantin, http_server, proxy, tmp_path, dead_url):
    a, b = http_server.url("/feed/pa"), http_server.url("/feed/pb")
    conf = write_conf(tmp_path, proxy.url(), [("a", a), ("b", b)])
    # the environment's proxy (nothing listens there) and no_proxy are
    # ignored: the configured proxy carries every request
    r = run(bantin, tmp_path, conf, "fetch",
            env_extra={"http_proxy": dead_url.rsplit("/", 1)[0],
                       "no_proxy": "*", "NO_PROXY": "*"})
    assert r.returncode == 0, r.stderr
    assert item_count(tmp_path, "a") == 3
    assert item_count(tmp_path, "b") == 3
    assert asked(proxy) == {"GET " + a: 1, "GET " + b: 1}
    assert http_server.stats.snapshot()["requests"] == {"/feed/pa": 1,
                                                        "/feed/pb": 1}


def test_redirect_refused_through_proxy(bantin, http_server, proxy,
                                        tmp_path):
    port = http_server.server_port
    hop = http_server.url("/redirect?to=http://127.0.0.2:%d/feed/far" % port)
    conf = write_conf(tmp_path, proxy.url(), [("hop", hop)])
    r = run(bantin, tmp_path, conf, "fetch")
    assert r.returncode == 75, r.stderr
    assert ("bantin: feed hop: refused: 127.0.0.2 is %s" % ONLY) in r.stderr
    assert item_count(tmp_path, "hop") == 0
    # the proxy was asked for the first hop only
    assert asked(proxy) == {"GET " + hop: 1}


def test_proxy_down_names_the_proxy(bantin, http_server, tmp_path, dead_url):
    down = dead_url.rsplit("/", 1)[0]      # http://127.0.0.1:PORT
    feeds = [("a", http_server.url("/feed/da")),
             ("b", http_server.url("/feed/db")),
             ("c", "https://127.0.0.1:%d/feed/dc" % http_server.server_port)]
    # credentials in the proxy URL never show in an error
    with_password = down.replace("http://", "http://bantin:s3cret@")
    conf = write_conf(tmp_path, with_password, feeds)
    want = "proxy %s: connection refused" % down
    r = run(bantin, tmp_path, conf, "fetch")
    assert r.returncode == 75, r.stderr
    for fid, _ in feeds:
        assert "bantin: feed %s: %s" % (fid, want) in r.stderr, r.stderr
    assert "s3cret" not in r.stderr
    assert http_server.stats.snapshot()["requests"] == {}

    r = run(bantin, tmp_path, conf, "feeds", "--json")
    assert r.returncode == 0, r.stderr
    data = {o["id"]: o for o in json.loads(r.stdout)}
    for fid, _ in feeds:
        assert data[fid]["state"] == "failing"
        assert data[fid]["last_error"] == want
    r = run(bantin, tmp_path, conf, "feeds")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(want) == 3, r.stdout
    assert "s3cret" not in r.stdout


def test_discover_and_test_feed_through_proxy(bantin, http_server, proxy,
                                              tmp_path):
    """The admin's one-off commands use the configured proxy too: on a
    network that needs one, they could not reach a site otherwise."""
    page = http_server.url("/page.html")
    feed = http_server.url("/feed/pt")
    conf = write_conf(tmp_path, proxy.url(), [("t", feed)])
    r = run(bantin, tmp_path, conf, "discover", page)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    r = run(bantin, tmp_path, conf, "test-feed", "t")
    assert r.returncode == 0, r.stderr
    assert asked(proxy) == {"GET " + page: 1, "GET " + feed: 1}
