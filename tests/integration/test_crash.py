"""`bantin run` killed with SIGKILL (no cleanup, no atexit) at many points,
then run again without a kill: DESIGN.md "State" says its invariants hold
"whatever kills it and whenever". After each kill the next run must exit 0
and leave:
  (1) PRAGMA integrity_check ok, foreign_key_check empty (also on a copy
      of the database exactly as the kill left it);
  (2) every stored item in at most one digest, and every item the served
      feeds carry (all within max_age) in exactly one;
  (3) one delivery per subscriber per digest day, all sent; in the outbox
      one .eml per (day, subscriber), whole, and nothing left in tmp/;
  (4) over SMTP one message per subscriber per day, or two with the same
      Message-ID only when the kill fell between the server's 250 and the
      commit (the window DESIGN.md allows);
  (5) the run lock free at once (the kernel drops a dead process's flock);
  (6) exit status 0, for `run` and for the `send` after it.

The kill points are reached by hooks, not by luck:
  - a feed server of our own whose feeds hold their reply (all of it, or
    after half the body) until the test lets them go, and tell the test
    when a request arrived or half a body went out;
  - the test's own SQLite connection taking the write lock (BEGIN
    IMMEDIATE), so bantin waits at its next commit, with the busy timeout
    (5 s) to spare;
  - an SMTP server that never greets, one that holds a message in
    handle_DATA, and one that holds its 250 until the test says;
  - strace's syscall tampering (-e inject=SYSCALL:signal=SIGKILL:when=N),
    which kills bantin at the Nth renameat2, fsync, mkdir or openat, or
    inside a SQLite commit or checkpoint at the Nth pwrite64 of the WAL or
    the database file (counted once by a traced calibration run). Skipped
    where strace is missing or ptrace is not allowed.
A short sweep of plain timed kills adds spread on top.
"""

import asyncio
import email
import email.policy
import fcntl
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

import httpserver

try:
    from aiosmtpd.controller import Controller
except ImportError:         # the outbox tests run without it
    Controller = None

needs_aiosmtpd = pytest.mark.skipif(Controller is None,
                                    reason="aiosmtpd is not installed")

SUBSCRIBERS = ["an.nguyen@example.vn", "binh.tran@example.vn",
               "chi.le@example.vn"]
ITEMS_PER_FEED = 3
HOLD_MAX = 20           # seconds a held reply waits at most
WAIT = 15               # seconds a hook may take to be reached

_test_ids = itertools.count(1)


# --------------------------------------------------------------------------
# The feed server: /crash/N/NAME is an RSS feed NAME of ITEMS_PER_FEED items
# (guids NAME-1..), N keeping one test's requests apart from another's.


class CrashHandler(httpserver.Handler):

    def route(self, path, q):
        m = re.fullmatch(r"/crash/(\d+)/([a-z-]+)", path)
        if not m:
            return super().route(path, q)
        srv = self.server
        test, name = int(m.group(1)), m.group(2)
        plan = srv.plan.get((test, name), {})
        body = httpserver.rss(name, self.base(), ITEMS_PER_FEED).encode()
        srv.flag(test, name, "arrived")
        gate = srv.event(test, name, "go")
        if not plan.get("split"):
            gate.wait(plan.get("hold", 0))
            self.reply(200, body)
        else:
            self.send_response(200)
            self.send_header("Content-Type",
                             "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            srv.flag(test, name, "half")
            gate.wait(plan.get("hold", 0))
            self.wfile.write(body[len(body) // 2:])
            self.wfile.flush()
        srv.flag(test, name, "sent")


@pytest.fixture(scope="module")
def feed_server():
    srv = httpserver.Server()
    srv.RequestHandlerClass = CrashHandler
    srv.plan = {}
    srv.events = {}
    lock = threading.Lock()

    def event(test, name, what):
        with lock:
            return srv.events.setdefault((test, name, what),
                                         threading.Event())

    srv.event = event
    srv.flag = lambda test, name, what: event(test, name, what).set()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    for e in list(srv.events.values()):
        e.set()
    srv.shutdown()
    srv.server_close()


# --------------------------------------------------------------------------
# The SMTP side.


class Sink:
    """Takes every message, remembering (recipient, Message-ID). hold: the
    recipient whose message the server keeps in handle_DATA without an
    answer; a client that goes away cancels the handler and the message
    is dropped (RFC 5321 3.8: a closed connection resets the transaction).
    gate: the recipient whose message is taken, and then its 250 waits for
    the test's gate event."""

    def __init__(self):
        self.lock = threading.Lock()
        self.msgs = []
        self.hold = None
        self.gate_rcpt = None
        self.holding = threading.Event()
        self.dropped = threading.Event()
        self.taken = threading.Event()
        self.gate = threading.Event()
        self.acked = threading.Event()

    def take(self, rcpt, content):
        m = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            self.msgs.append((rcpt, m["Message-ID"]))

    async def handle_DATA(self, server, session, envelope):
        rcpt, = envelope.rcpt_tos
        if rcpt == self.hold:
            self.holding.set()
            try:
                await asyncio.sleep(HOLD_MAX)
            except asyncio.CancelledError:
                self.dropped.set()
                raise
        self.take(rcpt, envelope.content)
        if rcpt == self.gate_rcpt:
            self.taken.set()
            while not self.gate.is_set():
                await asyncio.sleep(0.005)
            self.acked.set()
        return "250 2.0.0 queued"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def smtp_sink():
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl.port, sink
    sink.gate.set()
    ctl.stop()


# --------------------------------------------------------------------------
# One bantin home: config, database, outbox.


class Site:

    def __init__(self, bantin, tmp_path, feed_server, feeds):
        self.bantin = bantin
        self.dir = tmp_path.resolve()
        self.conf = self.dir / "bantin.conf"
        self.db = self.dir / "state.db"
        self.outbox = self.dir / "outbox"
        self.server = feed_server
        self.test = next(_test_ids)
        self.feeds = list(feeds)
        self.smtp_port = None
        self.sink = None            # the SMTP server's Sink, if any
        self.write_conf()

    def write_conf(self, smtp_port=None, sink=None):
        self.smtp_port = smtp_port
        self.sink = sink
        base = self.server.url("/crash/%d" % self.test)
        out = ["[bantin]", "database = state.db", "timezone = +07:00", "",
               "[digest]", "title = Bản tin Dân vận",
               "from = Bản tin Dân vận <bantin@example.vn>", ""]
        if smtp_port:
            out += ["[smtp]", "url = smtp://127.0.0.1:%d" % smtp_port,
                    "tls = none", "timeout = 10s", ""]
        else:
            out += ["[outbox]", "dir = outbox", ""]
        for name in self.feeds:
            out += ['[feed "%s"]' % name, "url = %s/%s" % (base, name), ""]
        for i, addr in enumerate(SUBSCRIBERS):
            out += ['[subscriber "%s"]' % addr, "name = Người nhận %d" % i,
                    ""]
        self.conf.write_text("\n".join(out))

    def plan(self, name, **kw):
        self.server.plan[(self.test, name)] = kw

    def event(self, name, what):
        return self.server.event(self.test, name, what)

    def release(self, name):
        self.event(name, "go").set()

    def release_all(self):
        for name in self.feeds:
            self.server.plan.pop((self.test, name), None)
            self.release(name)

    def env(self, **extra):
        env = dict(os.environ)
        env.pop("BANTIN_CONFIG", None)
        env.update(extra)
        return env

    def argv(self, *args):
        return [self.bantin, "-c", str(self.conf), *args]

    def start(self, prefix=(), env=None):
        self.err = open(self.dir / "killed.err", "ab")
        return subprocess.Popen([*prefix, *self.argv("run")], cwd=self.dir,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=self.err,
                                env=env or self.env())

    def kill(self, p):
        """SIGKILL p, which must still be running: the kill point was
        reached, not passed."""
        assert p.poll() is None, "bantin ended before the kill point: %s" % (
            self.killed_err())
        p.send_signal(signal.SIGKILL)
        assert p.wait(timeout=WAIT) == -signal.SIGKILL
        self.after_kill()

    def after_kill(self):
        self.err.close()
        lock_is_free(self.dir)
        self.image = check_crash_image(self)

    def killed_err(self):
        self.err.flush()
        return (self.dir / "killed.err").read_text(errors="replace")

    def run(self, *args):
        r = subprocess.run(self.argv(*args), cwd=self.dir,
                           capture_output=True, env=self.env(), timeout=120)
        return r.returncode, r.stderr.decode(errors="replace")

    def served(self):
        return {(f, "%s-%d" % (f, i + 1)) for f in self.feeds
                for i in range(ITEMS_PER_FEED)}

    def outbox_files(self, sub):
        p = self.outbox / sub
        return sorted(os.listdir(p)) if p.is_dir() else []


def wait_until(p, what, cond, timeout=WAIT):
    """Poll cond() until true; fail if bantin ended first or on timeout."""
    end = time.monotonic() + timeout
    while True:
        if cond():
            return
        if p is not None and p.poll() is not None:
            pytest.fail("bantin ended (status %s) before %s" % (p.returncode,
                                                                 what))
        if time.monotonic() > end:
            pytest.fail("timed out waiting for %s" % what)
        time.sleep(0.002)


def wait_event(p, what, ev, timeout=WAIT):
    wait_until(p, what, ev.is_set, timeout)


class Reader:
    """A read-only look at the database while bantin runs. Read-only, so
    that closing it can never checkpoint the WAL a kill left behind."""

    def __init__(self, path):
        self.path = path
        self.con = None

    def __call__(self, sql, *args):
        try:
            if self.con is None:
                if not os.path.exists(self.path):
                    return None
                self.con = sqlite3.connect("file:%s?mode=ro" % self.path,
                                           uri=True, timeout=0.05)
            return self.con.execute(sql, args).fetchall()
        except sqlite3.Error:
            return None

    def one(self, sql, *args):
        rows = self(sql, *args)
        return rows[0][0] if rows else None

    def close(self):
        if self.con is not None:
            self.con.close()


class WriteLock:
    """The database's write lock, held by the test: bantin's next write
    waits on its busy timeout (5 s) until released. Kept open until the
    end of the test so that closing it does not checkpoint a crash's WAL
    before bantin's next run meets it."""

    def __init__(self, path):
        self.path = path
        self.con = None

    def take(self):
        # connected only now: the database is bantin's to create
        self.con = sqlite3.connect(str(self.path), isolation_level=None,
                                   timeout=5)
        self.con.execute("BEGIN IMMEDIATE")

    def release(self):
        if self.con is not None and self.con.in_transaction:
            self.con.execute("ROLLBACK")

    def close(self):
        if self.con is not None:
            self.release()
            self.con.close()


@pytest.fixture
def site_factory(bantin, tmp_path, feed_server):
    made = []
    closers = []

    def make(feeds=("nhanh", "cham")):
        s = Site(bantin, tmp_path, feed_server, feeds)
        s.closers = closers
        made.append(s)
        return s

    yield make
    for c in closers:
        c()
    for s in made:
        s.release_all()


def reader(site):
    r = Reader(site.db)
    site.closers.append(r.close)
    return r


def write_lock(site):
    w = WriteLock(site.db)
    site.closers.append(w.close)
    return w


# --------------------------------------------------------------------------
# The checks.


def lock_is_free(d):
    """(5) A dead run's flock is gone: a new holder gets it at once. (No
    lock file: killed before it took the lock, only a timed kill can.)"""
    path = d / "state.db.lock"
    if not path.exists():
        return
    with open(path, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(f, fcntl.LOCK_UN)


def outbox_name(day, sub):
    return "%s_%s.eml" % (day, re.sub(r"[^A-Za-z0-9._-]", "_", sub))


def check_structure(con):
    """(1), and the 'at most' halves of (2) and (3), on any state."""
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "items" not in tables:
        return False            # killed before the schema was committed
    # an item's story is listed in at most one digest; a story id on an
    # item that no digest lists would keep it out of every digest forever
    bad = con.execute(
        "SELECT i.id, count(ds.day) FROM items i LEFT JOIN digest_stories ds"
        " ON ds.story_id = i.story_id WHERE i.story_id IS NOT NULL"
        " GROUP BY i.id HAVING count(ds.day) <> 1").fetchall()
    assert bad == [], "items in no digest or in several despite a story"
    assert con.execute(
        "SELECT day, subscriber FROM deliveries GROUP BY day, subscriber"
        " HAVING count(*) > 1").fetchall() == []
    return True


def check_crash_image(site):
    """The database exactly as the kill left it (file and WAL, copied so
    that checking it changes nothing bantin will find), must already be
    whole; what it says was sent must be out."""
    img = site.dir / "crash-image"
    if img.exists():
        shutil.rmtree(img)
    img.mkdir()
    state = {"schema": False, "items": 0, "digests": 0, "sent": set(),
             "pending": set()}
    if not site.db.exists():
        return state
    for suffix in ("", "-wal"):
        src = site.dir / ("state.db" + suffix)
        if src.exists():
            shutil.copyfile(src, img / ("state.db" + suffix))
    con = sqlite3.connect(str(img / "state.db"))
    try:
        state["schema"] = check_structure(con)
        if state["schema"]:
            state["items"] = con.execute(
                "SELECT count(*) FROM items").fetchone()[0]
            state["digests"] = con.execute(
                "SELECT count(*) FROM digests").fetchone()[0]
            for day, sub, st, mid in con.execute(
                    "SELECT day, subscriber, state, message_id"
                    " FROM deliveries"):
                state["sent" if st == "sent" else "pending"].add((day, sub))
                if st == "sent" and site.sink is not None:
                    with site.sink.lock:
                        assert (sub, "<%s>" % mid) in site.sink.msgs
    finally:
        con.close()
    if site.smtp_port is None:
        # marked sent only once its file is in new/
        files = set(site.outbox_files("new"))
        for day, sub in state["sent"]:
            assert outbox_name(day, sub) in files
    state["new"] = site.outbox_files("new")
    state["tmp"] = site.outbox_files("tmp")
    return state


def check_final(site, sink=None, repeat_ok=()):
    """(1)-(4) after the last run."""
    con = sqlite3.connect(str(site.db))
    try:
        assert check_structure(con)
        # (2) every served item is stored once and is in exactly one digest
        rows = con.execute(
            "SELECT s.feed_id, s.guid, s.item_id, count(ds.day)"
            " FROM item_sources s LEFT JOIN items i ON i.id = s.item_id"
            " LEFT JOIN digest_stories ds ON ds.story_id = i.story_id"
            " GROUP BY s.feed_id, s.guid").fetchall()
        assert {(f, g) for f, g, _, _ in rows} == site.served()
        for feed, guid, item, ndigests in rows:
            assert item is not None, "%s %s not stored" % (feed, guid)
            assert ndigests == 1, "%s %s in %d digests" % (feed, guid,
                                                          ndigests)
        assert con.execute("SELECT count(*) FROM items WHERE story_id IS"
                           " NULL").fetchone() == (0,)
        # (3) one delivery per subscriber per digest day, each sent
        days = [r[0] for r in con.execute("SELECT day FROM digests")]
        assert days, "no digest"
        dl = {(d, s): (st, mid) for d, s, st, mid in con.execute(
            "SELECT day, subscriber, state, message_id FROM deliveries")}
        assert set(dl) == {(d, s) for d in days for s in SUBSCRIBERS}
        assert {st for st, _ in dl.values()} == {"sent"}
    finally:
        con.close()
    if sink is None:
        assert site.outbox_files("new") == sorted(
            outbox_name(d, s) for d, s in dl)
        assert site.outbox_files("tmp") == [], "stray files in outbox/tmp"
        for (d, s), (_, mid) in dl.items():
            raw = (site.outbox / "new" / outbox_name(d, s)).read_bytes()
            m = email.message_from_bytes(raw, policy=email.policy.default)
            assert all(part.defects == [] for part in m.walk())
            assert m.get_body(("plain",)) is not None
            assert m["Message-ID"] == "<%s>" % mid
            assert m["To"].addresses[0].addr_spec == s
    else:
        # (4) per delivery: its Message-ID once, twice only in the window
        with sink.lock:
            got = list(sink.msgs)
        for (d, s), (_, mid) in dl.items():
            n = sum(1 for r, m in got if r == s and m == "<%s>" % mid)
            if s in repeat_ok:
                assert n in (1, 2), "%s got %d copies" % (s, n)
            else:
                assert n == 1, "%s got %d copies of %s" % (s, n, mid)
        expected = {"<%s>" % mid for _, mid in dl.values()}
        assert {m for _, m in got} == expected
        assert not site.outbox.exists()


def recover(site, sink=None, repeat_ok=(), first="run"):
    """(6) The later runs without a kill, then every check."""
    second = "send" if first == "run" else "run"
    for cmd in (first, second):
        rc, err = site.run(cmd)
        assert "holds the lock" not in err, err
        assert rc == 0, "%s after the kill: %d\n%s" % (cmd, rc, err)
    check_final(site, sink, repeat_ok)


def feeds_done(r, *names):
    return lambda: all(r.one("SELECT count(*) FROM item_sources WHERE"
                             " feed_id = ?", n) == ITEMS_PER_FEED
                       for n in names)


# --------------------------------------------------------------------------
# Kills during the fetch.


def test_kill_while_every_feed_is_in_flight(site_factory):
    s = site_factory()
    s.plan("nhanh", hold=HOLD_MAX)
    s.plan("cham", hold=HOLD_MAX, split=True)
    p = s.start()
    wait_event(p, "nhanh's request", s.event("nhanh", "arrived"))
    wait_event(p, "half of cham's body", s.event("cham", "half"))
    s.kill(p)
    s.release_all()
    recover(s)
    assert s.image["items"] == 0 and s.image["digests"] == 0


def test_kill_between_two_feeds(site_factory):
    s = site_factory()
    s.plan("cham", hold=HOLD_MAX)
    r = reader(s)
    p = s.start()
    wait_event(p, "cham's request", s.event("cham", "arrived"))
    wait_until(p, "nhanh saved", feeds_done(r, "nhanh"))
    s.kill(p)
    s.release_all()
    recover(s)
    assert s.image["items"] == ITEMS_PER_FEED and s.image["digests"] == 0


def test_kill_mid_body_after_one_feed_is_saved(site_factory):
    s = site_factory()
    s.plan("cham", hold=HOLD_MAX, split=True)
    r = reader(s)
    p = s.start()
    wait_event(p, "half of cham's body", s.event("cham", "half"))
    wait_until(p, "nhanh saved", feeds_done(r, "nhanh"))
    s.kill(p)
    s.release_all()
    recover(s)
    assert s.image["items"] == ITEMS_PER_FEED


def test_kill_with_a_feed_read_but_not_saved(site_factory):
    """cham's whole reply is in, its save waits on the write lock."""
    s = site_factory()
    s.plan("cham", hold=HOLD_MAX)
    r = reader(s)
    w = write_lock(s)
    p = s.start()
    wait_event(p, "cham's request", s.event("cham", "arrived"))
    wait_until(p, "nhanh saved", feeds_done(r, "nhanh"))
    w.take()
    s.release("cham")
    wait_event(p, "cham's reply sent", s.event("cham", "sent"))
    time.sleep(0.3)             # parsed and waiting, well within 5 s
    s.kill(p)
    w.release()
    recover(s)
    assert s.image["items"] == ITEMS_PER_FEED and s.image["digests"] == 0


@pytest.mark.parametrize("after", [0.15, 0.35, 0.37, 0.39, 0.45])
def test_kill_after_a_delay(site_factory, after):
    """Plain timed kills over a run whose slow feed answers after 0.3 s:
    they land in the fetch, the freeze or the deliveries, or after the end
    (then the kill is a no-op); the invariants hold wherever."""
    s = site_factory()
    s.plan("cham", hold=0.3)
    p = s.start()
    time.sleep(after)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=WAIT)
    s.after_kill()
    recover(s)


# --------------------------------------------------------------------------
# Kills over SMTP.


@needs_aiosmtpd
def test_kill_between_freeze_and_smtp_delivery(site_factory, smtp_sink):
    """The server accepts the connection and never greets: bantin froze
    the digest and waits for the greeting."""
    port, sink = smtp_sink
    s = site_factory()
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(4)
    s.write_conf(smtp_port=mute.getsockname()[1])
    try:
        p = s.start()
        mute.settimeout(WAIT)
        conn, _ = mute.accept()
        s.kill(p)
        conn.close()
    finally:
        mute.close()
    s.write_conf(smtp_port=port, sink=sink)
    recover(s, sink, first="send")
    assert s.image["digests"] == 1 and s.image["sent"] == set()
    assert len(s.image["pending"]) == len(SUBSCRIBERS)


@needs_aiosmtpd
def test_kill_while_the_server_holds_a_message(site_factory, smtp_sink):
    """The first subscriber is sent and committed; the server has the whole
    second message and has not answered the final dot."""
    port, sink = smtp_sink
    sink.hold = SUBSCRIBERS[1]
    s = site_factory()
    s.write_conf(smtp_port=port, sink=sink)
    p = s.start()
    wait_event(p, "the server holding a message", sink.holding)
    s.kill(p)
    wait_event(None, "the server dropping it", sink.dropped)
    sink.hold = None
    recover(s, sink)
    assert {sub for _, sub in s.image["sent"]} == {SUBSCRIBERS[0]}


@needs_aiosmtpd
def test_kill_after_the_servers_250_before_the_commit(site_factory,
                                                     smtp_sink):
    """DESIGN.md's narrow window: the server took the message and said 250,
    bantin's commit waits on the write lock and the kill comes first. The
    next run sends it again with the same Message-ID; nobody else gets a
    second copy."""
    port, sink = smtp_sink
    sink.gate_rcpt = SUBSCRIBERS[1]
    s = site_factory()
    s.write_conf(smtp_port=port, sink=sink)
    w = write_lock(s)
    p = s.start()
    wait_event(p, "the server taking the message", sink.taken)
    w.take()
    sink.gate.set()
    wait_event(p, "the 250", sink.acked)
    time.sleep(0.3)             # bantin reads the 250 and waits to commit
    s.kill(p)
    w.release()
    recover(s, sink, repeat_ok={SUBSCRIBERS[1]})
    assert {sub for _, sub in s.image["sent"]} == {SUBSCRIBERS[0]}


# --------------------------------------------------------------------------
# Kills at a chosen syscall, with strace.


def _strace_usable():
    if not shutil.which("strace"):
        return False
    try:
        r = subprocess.run(["strace", "-qq", "-o", os.devnull, "-P",
                            os.devnull, "-e", "trace=openat", "-e",
                            "inject=openat:signal=SIGKILL:when=1", "cat",
                            os.devnull], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == -signal.SIGKILL


STRACE = _strace_usable()
needs_strace = pytest.mark.skipif(not STRACE,
                                  reason="strace missing or ptrace denied")


def strace_env(site):
    # LeakSanitizer cannot run under ptrace; a killed run leaks anyway.
    asan = os.environ.get("ASAN_OPTIONS", "")
    return site.env(ASAN_OPTIONS=(asan + ":" if asan else "") +
                    "detect_leaks=0")


def kill_at(site, syscall, when, path=None):
    """Run bantin under strace, which sends it SIGKILL as it enters its
    when-th call of syscall (on path only, when given)."""
    cmd = ["strace", "-qq", "-f", "-o", os.devnull]
    if path:
        cmd += ["-P", str(path)]
    cmd += ["-e", "trace=" + syscall,
            "-e", "inject=%s:signal=SIGKILL:when=%d" % (syscall, when)]
    p = site.start(cmd, strace_env(site))
    rc = p.wait(timeout=120)
    assert rc == -signal.SIGKILL, (
        "bantin was not killed at %s #%d (status %d): %s"
        % (syscall, when, rc, site.killed_err()))
    site.after_kill()


SYSCALL_POINTS = {
    # name: (syscall, when, path relative to the site, or None)
    "fetch done, before the freeze": ("openat", 2, "state.db"),
    "frozen, before the first delivery": ("mkdir", 1, "outbox"),
    "first message in tmp/, not moved": ("renameat2", 1, None),
    "two delivered, the third in tmp/": ("renameat2", 3, None),
    "first message in new/, not committed": ("fsync", 1, "outbox/new"),
}


@needs_strace
@pytest.mark.parametrize("point", list(SYSCALL_POINTS))
def test_kill_at_a_syscall(site_factory, point):
    syscall, when, rel = SYSCALL_POINTS[point]
    s = site_factory(feeds=("nhanh",))
    kill_at(s, syscall, when, s.dir / rel if rel else None)
    recover(s)
    img = s.image
    # the kill landed where its name says
    new, tmp = len(img["new"]), len(img["tmp"])
    if point.startswith("fetch done"):
        assert img["items"] == ITEMS_PER_FEED and img["digests"] == 0
    elif point.startswith("frozen"):
        assert img["digests"] == 1 and (new, tmp) == (0, 0)
    elif point.startswith("first message in tmp"):
        assert (new, tmp, len(img["sent"])) == (0, 1, 0)
    elif point.startswith("two delivered"):
        assert (new, tmp, len(img["sent"])) == (2, 1, 2)
    else:
        assert (new, tmp, len(img["sent"])) == (1, 0, 0)


def _calibrate(bantin, tmp_path, feed_server):
    """Trace one clean run (one feed, the three subscribers) and number its
    pwrite64 calls on the WAL and on the database file as strace's when=N
    will count them:
      - the fetch's WAL (the first): its last transaction, the feed's save,
        ends with a commit frame (a frame header with a non-zero database
        size, then its page);
      - the second WAL, up to the first message's fsync of outbox/new: the
        freeze; after each such fsync: that delivery's commit;
      - database writes while a WAL is in use: its checkpoint.
    The kill runs repeat this run exactly: same feed, same sizes."""
    s = Site(bantin, tmp_path, feed_server, ("nhanh",))
    trace = s.dir / "calibration.trace"
    cmd = ["strace", "-f", "-xx", "-y", "-o", str(trace),
           "-P", str(s.db), "-P", str(s.db) + "-wal",
           "-P", str(s.outbox / "new"), "-e", "trace=pwrite64,fsync"]
    p = s.start(cmd, strace_env(s))
    assert p.wait(timeout=120) == 0, s.killed_err()
    s.err.close()
    nwal = ndb = 0              # pwrite64 calls on the WAL, on the database
    wal_files = 0               # WAL files begun (a header at offset 0)
    fsyncs = 0                  # of outbox/new: messages moved in
    fetch_commit = None         # the fetch's last commit frame header
    header_commits = False
    ckpt = {}                   # WAL n: database writes while it is in use
    after = {}                  # fsyncs so far: WAL writes of the 2nd WAL
    call = re.compile(r'pwrite64\(\d+<([^>]*)>, "((?:\\x[0-9a-f]{2})*)"'
                      r'(?:\.\.\.)?, (\d+), (\d+)\)')
    for line in trace.read_text().splitlines():
        if " fsync(" in line:
            fsyncs += 1
            continue
        m = call.search(line)
        if not m:
            continue
        # -xx writes every byte as \xNN, the path of the fd (-y) too
        path, data = (bytes.fromhex(g.replace("\\x", "")) for g in
                      m.group(1, 2))
        size, off = int(m.group(3)), int(m.group(4))
        if not path.endswith(b"-wal"):
            ndb += 1
            if wal_files:
                ckpt.setdefault(wal_files, []).append(ndb)
            continue
        nwal += 1
        if size == 32 and off == 0:
            wal_files += 1          # a new WAL: the fetch's was closed
        if wal_files == 1 and size == 24:
            header_commits = int.from_bytes(data[4:8], "big") != 0
            if header_commits:
                fetch_commit = nwal
        if wal_files == 2:
            after.setdefault(fsyncs, []).append(nwal)
    assert wal_files == 2 and fsyncs == len(SUBSCRIBERS), (
        "unexpected run: %s" % trace)
    freeze = after.get(0)
    assert fetch_commit and freeze and after.get(1) and after.get(2), after
    first, last = ckpt.get(1), ckpt.get(2)
    assert first and last, ckpt
    return {
        "the feed's save, its commit frame not written": (
            "wal", fetch_commit),
        "the freeze, half written": ("wal", freeze[len(freeze) // 2]),
        "the freeze, its last page not written": ("wal", freeze[-1]),
        "the first delivery's commit, begun": ("wal", after[1][0]),
        "the second delivery's commit, its last page not written": (
            "wal", after[2][-1]),
        "the checkpoint after the fetch, half done": (
            "db", first[len(first) // 2]),
        "the last checkpoint, half done": ("db", last[len(last) // 2]),
    }


SQLITE_POINTS = [
    "the feed's save, its commit frame not written",
    "the freeze, half written",
    "the freeze, its last page not written",
    "the first delivery's commit, begun",
    "the second delivery's commit, its last page not written",
    "the checkpoint after the fetch, half done",
    "the last checkpoint, half done",
]


@pytest.fixture(scope="module")
def sqlite_points(bantin, tmp_path_factory, feed_server):
    if not STRACE:
        pytest.skip("strace missing or ptrace denied")
    return _calibrate(bantin, tmp_path_factory.mktemp("calibration"),
                      feed_server)


@needs_strace
@pytest.mark.parametrize("point", SQLITE_POINTS)
def test_kill_inside_sqlite_writes(site_factory, sqlite_points, point):
    which, when = sqlite_points[point]
    s = site_factory(feeds=("nhanh",))
    path = s.db if which == "db" else str(s.db) + "-wal"
    kill_at(s, "pwrite64", when, path)
    recover(s)
    img = s.image          # the kill landed where its name says
    if point.startswith("the feed's save"):
        assert img["schema"] and img["items"] == 0
    elif point.startswith("the freeze") or "after the fetch" in point:
        assert img["items"] == ITEMS_PER_FEED and img["digests"] == 0
    elif point.startswith("the first delivery"):
        assert img["digests"] == 1 and img["sent"] == set()
        assert len(img["new"]) == 1
    elif point.startswith("the second delivery"):
        assert len(img["sent"]) == 1 and len(img["new"]) == 2
    else:
        assert len(img["sent"]) == len(SUBSCRIBERS)


# --------------------------------------------------------------------------
# What the next write removes from outbox/tmp/, and what it must not.


def test_next_write_removes_only_dead_writers_leftovers(site_factory):
    """A killed writer's file goes; one a live writer may still move (a
    live pid of this host, another host's, a name not ours) stays until it
    is 36 hours old, Maildir's rule."""
    s = site_factory(feeds=("nhanh",))
    tmp = s.outbox / "tmp"
    tmp.mkdir(parents=True)
    host = re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname())[:64] or "_"
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    now = int(time.time())

    def name(pid, host_part):
        return "%d.%d.%016x%s.tmp" % (now, pid, 0x1234abcd, host_part)

    old = now - 37 * 3600
    files = {   # name: (modified, kept)
        name(dead.pid, "." + host): (now, False),       # its writer died
        name(os.getpid(), "." + host): (now, True),     # alive
        name(dead.pid, ".autre-may"): (now, True),      # another host's
        name(dead.pid, ""): (now, True),                # bantin before hosts
        name(os.getpid(), ".autre-may"): (old, False),  # 37 h old
        name(os.getpid(), ""): (old, False),
        "%d.M1P%d.%s" % (old, dead.pid, host): (old, True),   # not ours
        "notes.txt": (old, True),
    }
    for f, (mtime, _) in files.items():
        (tmp / f).write_text("From: a half-written message\n")
        os.utime(tmp / f, (mtime, mtime))
    rc, err = s.run("run")
    assert rc == 0, err
    assert sorted(os.listdir(tmp)) == sorted(
        f for f, (_, kept) in files.items() if kept)
    assert len(s.outbox_files("new")) == len(SUBSCRIBERS)
