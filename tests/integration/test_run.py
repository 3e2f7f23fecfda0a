"""`bantin run` with no [smtp]: fetch, freeze today's digest once, write
one .eml per subscriber into the outbox (Maildir-like tmp/ + new/), and
keep DESIGN.md's invariants: idempotent, locked, never mails twice, never
loses an item."""

import email
import email.policy
import fcntl
import os
import pty
import sqlite3
import subprocess
import time

import pytest


def today_vn():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))


def write_conf(path, base, items_c=2, outbox="outbox"):
    path.write_text("""[bantin]
database = state.db
timezone = +07:00

[digest]
title = Bản tin Dân vận
from = Bản tin Dân vận <bantin@example.vn>

[outbox]
dir = %s

[feed "tinh-a"]
url = %s/dup/a
title = Ban Dân vận Tỉnh ủy A

[feed "tinh-c"]
url = %s/feed/tinh-c?items=%d

[subscriber "nguyen.van.a@example.vn"]
name = Nguyễn Văn A
topics = dan-van-kheo

[subscriber "tran.thi.b@example.vn"]
name = Trần Thị B
""" % (outbox, base, base, items_c))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, env=env, timeout=120)


def new_files(d):
    p = d / "outbox" / "new"
    return sorted(os.listdir(p)) if p.exists() else []


def db(d):
    return sqlite3.connect(str(d / "state.db"))


@pytest.fixture
def site(tmp_path, http_server):
    conf = write_conf(tmp_path / "bantin.conf", http_server.url("").rstrip("/"))
    return tmp_path, conf, http_server


def test_run_writes_one_message_per_subscriber(bantin, site):
    d, conf, _ = site
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b"" and r.stdout == b""    # quiet under cron
    day = today_vn()
    files = new_files(d)
    assert files == ["%s_nguyen.van.a_example.vn.eml" % day,
                     "%s_tran.thi.b_example.vn.eml" % day]
    assert os.listdir(d / "outbox" / "tmp") == []
    msgs = {}
    for name in files:
        raw = (d / "outbox" / "new" / name).read_bytes()
        m = email.message_from_bytes(raw, policy=email.policy.default)
        assert m.defects == []
        for part in m.walk():
            assert part.defects == []
        y, mo, da = day.split("-")
        assert "%s/%s/%s" % (da, mo, y) in m["Subject"]
        assert m["Message-ID"] == "<%s>" % m["Message-ID"].strip("<>")
        msgs[name.split("_")[1]] = m.get_body(("plain",)).get_content()
    # the filtered subscriber gets only dan-van-kheo; the other gets more
    assert "Dân vận khéo" in msgs["nguyen.van.a"]
    assert "Lịch công tác tuần" not in msgs["nguyen.van.a"]
    assert "Lịch công tác tuần" in msgs["tran.thi.b"]
    c = db(d)
    assert c.execute("SELECT day FROM digests").fetchall() == [(day,)]
    rows = c.execute("SELECT subscriber, state, attempts, message_id, sent_at"
                     " FROM deliveries ORDER BY subscriber").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("nguyen.van.a@example.vn", "sent", 1),
        ("tran.thi.b@example.vn", "sent", 1)]
    assert all(r[3].startswith("bantin.%s." % day) and r[4] for r in rows)
    # every stored item is in the frozen digest, in one story each
    assert c.execute("SELECT count(*) FROM items WHERE story_id IS NULL"
                     ).fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM digest_stories").fetchone()[0] > 0


def test_second_run_same_day_delivers_nothing_new(bantin, site):
    d, conf, srv = site
    assert run(bantin, conf, "run").returncode == 0
    before = {n: (d / "outbox" / "new" / n).read_bytes() for n in new_files(d)}
    c = db(d)
    listed = c.execute("SELECT story_id, position FROM digest_stories"
                       " ORDER BY position").fetchall()
    # a new item appears on a feed after the first run
    write_conf(conf, srv.url("").rstrip("/"), items_c=3)
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    after = {n: (d / "outbox" / "new" / n).read_bytes() for n in new_files(d)}
    assert after == before
    assert c.execute("SELECT count(*) FROM digests").fetchone() == (1,)
    assert c.execute("SELECT story_id, position FROM digest_stories"
                     " ORDER BY position").fetchall() == listed
    # fetched after the freeze: stored, in no digest, waiting for the next
    late = c.execute("SELECT title FROM items WHERE story_id IS NULL"
                     ).fetchall()
    assert len(late) == 1 and "(tinh-c 3)" in late[0][0]
    assert c.execute("SELECT count(*) FROM deliveries WHERE state = 'sent'"
                     ).fetchone() == (2,)


def test_unwritable_outbox_fails_then_next_run_delivers(bantin, site):
    d, conf, srv = site
    blocker = d / "blocked"
    blocker.write_text("a file where the outbox dir should be\n")
    write_conf(conf, srv.url("").rstrip("/"), outbox="blocked")
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    assert b"failed" in r.stderr
    c = db(d)
    rows = c.execute("SELECT state, attempts, last_error FROM deliveries"
                     ).fetchall()
    assert len(rows) == 2
    assert all(s == "failed" and a == 1 and e for s, a, e in rows)
    write_conf(conf, srv.url("").rstrip("/"), outbox="outbox")
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    assert len(new_files(d)) == 2
    assert c.execute("SELECT state, attempts FROM deliveries").fetchall() == [
        ("sent", 2), ("sent", 2)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_readonly_outbox_new_fails(bantin, site):
    d, conf, _ = site
    (d / "outbox" / "new").mkdir(parents=True)
    (d / "outbox" / "tmp").mkdir()
    os.chmod(d / "outbox" / "new", 0o500)
    try:
        r = run(bantin, conf, "run")
    finally:
        os.chmod(d / "outbox" / "new", 0o700)
    assert r.returncode == 75
    assert db(d).execute("SELECT count(*) FROM deliveries WHERE state ="
                         " 'failed'").fetchone() == (2,)
    r = run(bantin, conf, "run")
    assert r.returncode == 0
    assert len(new_files(d)) == 2


def test_delivered_file_is_not_written_twice(bantin, site):
    """A crash between the write and the commit: the next run finds the
    file and marks it sent without writing another."""
    d, conf, _ = site
    assert run(bantin, conf, "run").returncode == 0
    path = d / "outbox" / "new" / new_files(d)[0]
    first = path.read_bytes()
    c = db(d)
    c.execute("UPDATE deliveries SET state = 'pending'")
    c.commit()
    r = run(bantin, conf, "run")
    assert r.returncode == 0
    assert path.read_bytes() == first
    assert len(new_files(d)) == 2
    assert c.execute("SELECT count(*) FROM deliveries WHERE state = 'sent'"
                     ).fetchone() == (2,)


def test_run_lock_held(bantin, site):
    d, conf, _ = site
    with open(d / "state.db.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run(bantin, conf, "run")
    assert r.returncode == 75
    assert b"lock" in r.stderr
    assert new_files(d) == []


def test_run_rejects_arguments(bantin, site):
    _, conf, _ = site
    assert run(bantin, conf, "run", "extra").returncode == 64


def test_summary_on_a_terminal(bantin, site):
    d, conf, _ = site
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)

    def on_tty(*args):
        master, slave = pty.openpty()
        try:
            p = subprocess.run([bantin, "-c", str(conf), *args], stderr=slave,
                               stdout=subprocess.PIPE, env=env, timeout=120)
            os.close(slave)
            slave = None
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            return p.returncode, out.decode()
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)

    rc, err = on_tty("-q", "run")
    assert rc == 0 and "digest " not in err
    c = db(d)
    c.execute("UPDATE deliveries SET state = 'pending'")
    c.commit()
    os.remove(d / "outbox" / "new" / new_files(d)[0])
    rc, err = on_tty("run")
    assert rc == 0
    n = c.execute("SELECT count(*) FROM digest_stories").fetchone()[0]
    assert ("digest %s: %d stories in " % (today_vn(), n)) in err
    assert ("1 delivery written to %s" % (d / "outbox" / "new")) in err
    # not a terminal: quiet, as under cron; -v asks for the summary anyway
    r = run(bantin, conf, "run")
    assert r.returncode == 0 and r.stderr == b""
    r = run(bantin, conf, "-v", "run")
    assert r.returncode == 0
    assert ("0 deliveries written to %s" % (d / "outbox" / "new")
            ) in r.stderr.decode()


def digest_titles(bantin, conf, *args):
    r = run(bantin, conf, "digest", "--format", "json", *args)
    assert r.returncode == 0, r.stderr.decode()
    import json
    j = json.loads(r.stdout)
    return sorted(st["title"] for t in j["topics"] for st in t["stories"])


def test_digest_preview_shows_what_run_froze_not_later_items(bantin, site):
    d, conf, srv = site
    assert run(bantin, conf, "fetch").returncode == 0
    preview = digest_titles(bantin, conf)       # before the run: what it would freeze
    assert run(bantin, conf, "run").returncode == 0
    frozen = digest_titles(bantin, conf)
    assert frozen == preview and frozen
    # an item fetched after the freeze waits for tomorrow: today's preview
    # keeps showing what subscribers got, not a third selection
    write_conf(conf, srv.url("").rstrip("/"), items_c=3)
    assert run(bantin, conf, "fetch").returncode == 0
    assert digest_titles(bantin, conf) == frozen
    assert digest_titles(bantin, conf, "--date", today_vn()) == frozen
    assert not any("(tinh-c 3)" in t for t in frozen)


def test_digest_preview_today_includes_items_waiting_from_yesterday(bantin, site):
    d, conf, _ = site
    assert run(bantin, conf, "fetch").returncode == 0
    c = db(d)
    # stored yesterday and never frozen (no run yesterday): today's run
    # takes them, so today's preview shows them
    c.execute("UPDATE items SET first_seen = first_seen - 86400")
    c.commit()
    c.close()
    titles = digest_titles(bantin, conf)
    assert titles, "items waiting since yesterday belong to today's digest"
    assert run(bantin, conf, "run").returncode == 0
    assert digest_titles(bantin, conf) == titles
