"""`bantin fetch` against the hostile local server (httpserver.py): after
each scenario, the SQLite state (items, validators, health, back-off) and
that the healthy feeds of the same run were all stored."""

import os
import pty
import re
import sqlite3
import subprocess
import time

import pytest

HEALTHY = ("good1", "good2", "good3")


def write_conf(tmp_path, feeds, bantin_section="", extra=""):
    """feeds: list of (id, url) or (id, url, "more = lines")."""
    lines = ["[bantin]", "database = state.db", bantin_section, ""]
    for f in feeds:
        lines.append('[feed "%s"]' % f[0])
        lines.append("url = %s" % f[1])
        if len(f) > 2:
            lines.append(f[2])
    lines.append(extra)
    path = tmp_path / "bantin.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(bantin, conf, *args, **kw):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, text=True, env=env,
                          timeout=120, **kw)


def fetch(bantin, conf, *ids):
    return run(bantin, conf, "fetch", *ids)


def db(tmp_path):
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.row_factory = sqlite3.Row
    return conn


def feed(tmp_path, fid):
    with db(tmp_path) as c:
        return dict(c.execute("SELECT * FROM feeds WHERE id = ?",
                              (fid,)).fetchone())


def items_of(tmp_path, fid):
    with db(tmp_path) as c:
        return [dict(r) for r in c.execute(
            "SELECT items.* FROM items JOIN item_sources s ON s.item_id = "
            "items.id WHERE s.feed_id = ? ORDER BY items.published DESC",
            (fid,))]


def healthy(srv):
    return [(h, srv.url("/feed/" + h)) for h in HEALTHY]


def assert_healthy_stored(tmp_path):
    for h in HEALTHY:
        f = feed(tmp_path, h)
        assert f["last_status"] == 200 and f["fail_count"] == 0, f
        assert f["last_error"] is None and f["last_ok"] is not None
        its = items_of(tmp_path, h)
        assert len(its) == 3, (h, its)
        assert all(i["link"].startswith("http://127.0.0.1:") for i in its)


def assert_failed(tmp_path, fid, error, status=0, backoff=(600, 600)):
    """One failure recorded: error, status, a back-off of about 600 s
    (+-20 % jitter), nothing stored, validators untouched."""
    f = feed(tmp_path, fid)
    if isinstance(error, re.Pattern):
        assert error.fullmatch(f["last_error"]), f
    else:
        assert f["last_error"] == error, f
    assert f["last_status"] == status, f
    assert f["fail_count"] == 1
    assert f["last_ok"] is None
    lo, hi = backoff[0] * 0.8 - 2, backoff[1] * 1.2 + 2
    wait = f["next_attempt"] - f["last_attempt"]
    assert lo <= wait <= hi, (wait, f)
    assert f["etag"] is None and f["last_modified"] is None
    assert items_of(tmp_path, fid) == []
    return f


def local_when(t):
    """How bantin names time t in +07:00: "HH:MM" today, else with the date."""
    lt, ln = time.gmtime(t + 7 * 3600), time.gmtime(time.time() + 7 * 3600)
    if (lt.tm_year, lt.tm_yday) == (ln.tm_year, ln.tm_yday):
        return time.strftime("%H:%M", lt)
    return time.strftime("%Y-%m-%d %H:%M", lt)


def failure_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("bantin: feed ")]


# ---- scenarios ---------------------------------------------------------------

def test_plain_feeds_stored_and_refetched(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout == ""   # cron: silence
    assert_healthy_stored(tmp_path)
    its = items_of(tmp_path, "good1")
    assert its[0]["title"] == ("Ban Dân vận Tỉnh ủy tổng kết công tác dân vận "
                               "năm 2024 (good1 1)")
    assert its[0]["link"] == http_server.url("/tin-tuc/good1-1.html")
    assert abs(its[0]["published"] - (time.time() - 3600)) < 120
    f = feed(tmp_path, "good1")
    assert f["next_attempt"] is None and f["first_fetch"] is not None

    # Unchanged feed fetched again: nothing new, still healthy.
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    assert_healthy_stored(tmp_path)
    with db(tmp_path) as c:
        assert c.execute("SELECT count(*) FROM items").fetchone()[0] == 9
    st = http_server.stats.snapshot()
    assert st["requests"]["/feed/good1"] == 2
    ua = st["headers"]["/feed/good1"]["User-Agent"]
    assert re.match(r"bantin/\d+\.\d+\.\d+ ", ua), ua


def test_conditional_get_304(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("etag", http_server.url("/etag"))])
    assert fetch(bantin, conf).returncode == 0
    f = feed(tmp_path, "etag")
    assert f["etag"] == '"v1-5f3a9c"'
    assert f["last_modified"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert len(items_of(tmp_path, "etag")) == 3
    first_ok = f["last_ok"]

    http_server.stats.reset()
    time.sleep(1.1)
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    st = http_server.stats.snapshot()
    h = st["headers"]["/etag"]
    # Sent back verbatim, not reformatted.
    assert h["If-None-Match"] == '"v1-5f3a9c"'
    assert h["If-Modified-Since"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert st["bytes_sent"]["/etag"] == 0      # 304: no body
    f = feed(tmp_path, "etag")
    assert f["last_status"] == 304 and f["fail_count"] == 0
    assert f["last_ok"] > first_ok
    assert f["etag"] == '"v1-5f3a9c"'
    assert len(items_of(tmp_path, "etag")) == 3


def test_gzip(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("gz", http_server.url("/gzip"))])
    assert fetch(bantin, conf).returncode == 0
    assert len(items_of(tmp_path, "gz")) == 5
    ae = http_server.stats.snapshot()["headers"]["/gzip"]["Accept-Encoding"]
    assert "gzip" in ae and "br" in ae


def test_permanent_redirect_updates_url(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("moved", http_server.url("/perm/a"))])
    assert fetch(bantin, conf).returncode == 0
    f = feed(tmp_path, "moved")
    assert f["stored_url"] == http_server.url("/feed/moved")
    assert f["url"] == http_server.url("/perm/a")
    assert len(items_of(tmp_path, "moved")) == 3
    # The next fetch goes straight to the new URL.
    http_server.stats.reset()
    assert fetch(bantin, conf).returncode == 0
    req = http_server.stats.snapshot()["requests"]
    assert req.get("/perm/a", 0) == 0 and req["/feed/moved"] == 1


def test_mixed_redirect_keeps_url(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("mixed", http_server.url("/mixed/a"))])
    assert fetch(bantin, conf).returncode == 0
    f = feed(tmp_path, "mixed")
    assert f["stored_url"] is None
    its = items_of(tmp_path, "mixed")
    # The final URL is the base: links point at the server that served it.
    assert its[0]["link"] == http_server.url("/tin-tuc/mixed-1.html")
    http_server.stats.reset()
    assert fetch(bantin, conf).returncode == 0
    assert http_server.stats.snapshot()["requests"]["/mixed/a"] == 1


@pytest.mark.parametrize("path,error,status", [
    ("/tofile", "redirect to a scheme other than http/https", 0),
    ("/loop/a", "too many redirects (more than 5)", 0),
    ("/status/404", "HTTP 404", 404),
    ("/status/500", "HTTP 500", 500),
    ("/chunked50m", "body larger than 10485760 bytes", 0),
    ("/gzbomb", "body larger than 10485760 bytes", 0),
    # The parser's words; what matters is that it is a failure.
    ("/page.html", re.compile(r"not a feed.*"), 200),
])
def test_failure_with_backoff(bantin, http_server, tmp_path, path, error,
                              status):
    conf = write_conf(tmp_path, [("bad", http_server.url(path))] +
                      healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 75, r.stderr
    f = assert_failed(tmp_path, "bad", error, status)
    assert_healthy_stored(tmp_path)
    lines = failure_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    assert lines == ["bantin: feed bad: %s, retry after %s"
                     % (f["last_error"], local_when(f["next_attempt"]))]
    # Backing off: the next run leaves it alone but fetches the others.
    http_server.stats.reset()
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    req = http_server.stats.snapshot()["requests"]
    assert req.get(path, 0) == 0
    assert all(req["/feed/" + h] == 1 for h in HEALTHY)


def test_file_redirect_reads_nothing(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("tofile", http_server.url("/tofile"))])
    fetch(bantin, conf)
    with db(tmp_path) as c:
        for row in c.execute("SELECT title, summary, link FROM items"):
            assert "root:" not in " ".join(str(v) for v in row)
        assert c.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_gone_410(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("gone", http_server.url("/status/410"))] +
                      healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 75
    f = feed(tmp_path, "gone")
    assert f["gone"] == 1 and f["last_status"] == 410
    assert f["last_error"] == "HTTP 410"
    assert failure_lines(r.stderr) == [
        "bantin: feed gone: HTTP 410, gone: no longer fetched (fix its url, "
        "or 'bantin fetch gone' to retry)"]
    assert_healthy_stored(tmp_path)
    # No longer fetched by a plain run...
    http_server.stats.reset()
    assert fetch(bantin, conf).returncode == 0
    assert "/status/410" not in http_server.stats.snapshot()["requests"]
    # ...but an admin may name it.
    r = fetch(bantin, conf, "gone")
    assert r.returncode == 75
    assert http_server.stats.snapshot()["requests"]["/status/410"] == 1


@pytest.mark.parametrize("path,wait", [("/429", 120), ("/503", 3600)])
def test_retry_after(bantin, http_server, tmp_path, path, wait):
    conf = write_conf(tmp_path, [("busy", http_server.url(path))] +
                      healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 75
    f = feed(tmp_path, "busy")
    assert f["last_status"] == int(path[1:])
    assert f["fail_count"] == 1
    assert abs(f["next_attempt"] - (f["last_attempt"] + wait)) <= 3, f
    assert failure_lines(r.stderr) == [
        "bantin: feed busy: HTTP %s, retry after %s"
        % (path[1:], local_when(f["next_attempt"]))]
    assert_healthy_stored(tmp_path)


def test_trickle_times_out(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("slow", http_server.url("/trickle"))] +
                      healthy(http_server), bantin_section="timeout = 2s")
    t0 = time.time()
    r = fetch(bantin, conf)
    took = time.time() - t0
    assert r.returncode == 75
    assert took < 10
    assert_failed(tmp_path, "slow", "timed out after 2 s")
    assert_healthy_stored(tmp_path)


def test_refused_and_unresolvable(bantin, http_server, dead_url, tmp_path):
    conf = write_conf(tmp_path, [("refused", dead_url),
                                 ("nxdomain", "http://x.invalid/rss")] +
                      healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 75
    assert_failed(tmp_path, "refused", "connection refused")
    assert_failed(tmp_path, "nxdomain", "could not resolve host 'x.invalid'")
    lines = failure_lines(r.stderr)
    assert [l.split(":")[1] for l in lines] == [" feed refused",
                                                " feed nxdomain"]
    assert_healthy_stored(tmp_path)


def test_charset_from_http(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("cp", http_server.url("/charset"))])
    assert fetch(bantin, conf).returncode == 0
    titles = [i["title"] for i in items_of(tmp_path, "cp")]
    assert "Ban Dân vận Tỉnh ủy tổng kết công tác dân vận năm 2024 " \
        "(charset 1)" in titles


def test_everything_at_once(bantin, http_server, dead_url, tmp_path):
    bad = ["/tofile", "/loop/a", "/status/404", "/status/410", "/429",
           "/503", "/status/500", "/chunked50m", "/gzbomb"]
    feeds = [("bad%d" % i, http_server.url(p)) for i, p in enumerate(bad)]
    feeds += [("refused", dead_url), ("nx", "http://x.invalid/")]
    feeds += healthy(http_server)
    feeds += [("etag", http_server.url("/etag")),
              ("gz", http_server.url("/gzip")),
              ("moved", http_server.url("/perm/a"))]
    conf = write_conf(tmp_path, feeds)
    r = fetch(bantin, conf)
    assert r.returncode == 75
    lines = failure_lines(r.stderr)
    # One line per failed feed, in the config's order.
    assert [l.split(":")[1].split()[1] for l in lines] == \
        ["bad%d" % i for i in range(len(bad))] + ["refused", "nx"]
    assert_healthy_stored(tmp_path)
    assert len(items_of(tmp_path, "etag")) == 3
    assert len(items_of(tmp_path, "gz")) == 5
    assert len(items_of(tmp_path, "moved")) == 3
    with db(tmp_path) as c:
        n = c.execute("SELECT count(*) FROM feeds WHERE fail_count > 0")
        assert n.fetchone()[0] == len(bad) + 2


def test_failure_keeps_items_and_success_resets(bantin, http_server,
                                                tmp_path):
    u = http_server.url("/switch/flaky")
    http_server.switches["flaky"] = 200
    conf = write_conf(tmp_path, [("flaky", u)])
    assert fetch(bantin, conf).returncode == 0
    assert len(items_of(tmp_path, "flaky")) == 3

    http_server.switches["flaky"] = 500
    assert fetch(bantin, conf).returncode == 75
    f = feed(tmp_path, "flaky")
    assert f["fail_count"] == 1 and f["last_error"] == "HTTP 500"
    assert len(items_of(tmp_path, "flaky")) == 3      # never pruned
    # Named explicitly: fetched despite the back-off; failures double it.
    assert fetch(bantin, conf, "flaky").returncode == 75
    f = feed(tmp_path, "flaky")
    assert f["fail_count"] == 2
    wait = f["next_attempt"] - f["last_attempt"]
    assert 1200 * 0.8 - 2 <= wait <= 1200 * 1.2 + 2, wait

    http_server.switches["flaky"] = 200
    assert fetch(bantin, conf, "flaky").returncode == 0
    f = feed(tmp_path, "flaky")
    assert f["fail_count"] == 0 and f["last_error"] is None
    assert f["next_attempt"] is None and f["last_status"] == 200
    assert len(items_of(tmp_path, "flaky")) == 3


def test_backfill_per_feed(bantin, http_server, tmp_path):
    # Items are 1 h, 2 h, ... 5 h old; a 150 min backfill keeps two.
    conf = write_conf(tmp_path, [("new", http_server.url("/feed/new?items=5"),
                                  "backfill = 150m")])
    assert fetch(bantin, conf).returncode == 0
    assert len(items_of(tmp_path, "new")) == 2


def test_html_list_page(bantin, http_server, tmp_path):
    rules = "\n".join([
        "type = html",
        "item = //div[@class='news-item']",
        "item_title = .//h3/a",
        "item_link = .//h3/a/@href",
        "item_date = .//span[@class='date']",
        "item_summary = .//p[@class='sapo']"])
    conf = write_conf(tmp_path, [("nghean", http_server.url("/list.html"),
                                  rules)] + healthy(http_server))
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    its = items_of(tmp_path, "nghean")
    assert [i["link"] for i in its] == [
        http_server.url("/tin-tuc/list-%d.html" % n) for n in (1, 2, 3)]
    assert its[0]["title"] == ("Ban Dân vận Tỉnh ủy tổng kết công tác dân "
                               "vận năm 2024")
    # "dd/mm/yyyy HH:MM" read as +07:00 (minute precision).
    assert abs(its[0]["published"] - (time.time() - 3600)) < 120
    assert its[1]["summary"].startswith("Từ những việc làm nhỏ")
    assert_healthy_stored(tmp_path)


def test_disabled_and_named(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, [("off", http_server.url("/feed/off"),
                                  "enabled = false")] + healthy(http_server))
    assert fetch(bantin, conf).returncode == 0
    assert "/feed/off" not in http_server.stats.snapshot()["requests"]
    assert items_of(tmp_path, "off") == []
    # Only the named feeds are fetched.
    http_server.stats.reset()
    assert fetch(bantin, conf, "good2").returncode == 0
    assert http_server.stats.snapshot()["requests"] == {"/feed/good2": 1}


def test_unknown_id_is_a_usage_error(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, healthy(http_server))
    r = fetch(bantin, conf, "good1", "nope")
    assert r.returncode == 64
    assert "no feed 'nope' in the config" in r.stderr
    assert http_server.stats.snapshot()["requests"] == {}
    r = fetch(bantin, conf, "--bad")
    assert r.returncode == 64


def test_many_feeds_one_host(bantin, http_server, tmp_path):
    feeds = [("f%03d" % i, http_server.url("/feed/f%03d?delay=20" % i))
             for i in range(120)]
    conf = write_conf(tmp_path, feeds)
    t0 = time.time()
    r = fetch(bantin, conf)
    took = time.time() - t0
    assert r.returncode == 0, r.stderr
    st = http_server.stats.snapshot()
    assert st["peak_active"] <= 6          # per-host politeness
    assert st["connections"] <= 12         # keep-alive reuse
    with db(tmp_path) as c:
        assert c.execute("SELECT count(*) FROM items").fetchone()[0] == 360
        assert c.execute("SELECT count(*) FROM feeds WHERE last_status = 200"
                         ).fetchone()[0] == 120
    assert took < 20


def run_on_tty(bantin, conf, *args):
    """Run with stderr on a pseudo-terminal; returns (status, stderr)."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100")
    p = subprocess.Popen([bantin, "-c", str(conf), *args],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=60), out.decode("utf-8", "replace")


def test_progress_bar_on_terminal(bantin, http_server, dead_url, tmp_path):
    conf = write_conf(tmp_path, healthy(http_server) + [("refused", dead_url)])
    status, err = run_on_tty(bantin, conf, "fetch")
    assert status == 75
    assert "\rfetch [" in err
    assert re.search(r"fetch \[=+\] 4/4 feeds, 9 new, 1 failed", err), err
    # Cleared before the messages, which start on a clean line.
    assert re.search(r"\r +\rbantin: feed refused: connection refused", err)
    assert "bantin: 4 feeds in " in err
    # -q: no bar, errors only.
    http_server.stats.reset()
    status, err = run_on_tty(bantin, conf, "-q", "fetch", "refused")
    assert "fetch [" not in err
    assert "bantin: feed refused: connection refused" in err


def test_vietnamese_host_name(bantin, http_server, tmp_path):
    """A host written in Vietnamese (IDN) is fetched under cron's "C"
    locale: libcurl needs UTF-8 to turn it into its ASCII form, and the
    non-public guard still trusts it as the configured host. *.localhost
    resolves to loopback inside libcurl, so no DNS is needed."""
    url = http_server.url("/feed/idn").replace("127.0.0.1", "dânvận.localhost")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    r = subprocess.run([bantin, "test-feed", "--url", url],
                       capture_output=True, text=True, env=env, timeout=60,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "(idn 1)" in r.stdout
    host = http_server.stats.snapshot()["headers"]["/feed/idn"]["Host"]
    assert host.startswith("xn--dnvn-boa8786b.localhost:")
