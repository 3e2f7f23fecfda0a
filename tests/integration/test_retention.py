"""`bantin run` prunes history older than [bantin] keep (default 180 days)
at its end: the test runs it against the local HTTP server, ages the
database by rewriting its times with sqlite3, and runs again. A settled old
digest goes with the items no feed lists any more; an item a feed still
lists stays and is neither stored nor sent again; a digest with a delivery
still to send stays until it is sent."""

import datetime
import os
import sqlite3
import subprocess

import pytest

from aging import age  # noqa: E402  (tests/integration is on sys.path)

AGE_DAYS = 200      # past keep (180 days), so the first run's data is old


def write_conf(path, base, doi_items=3, outbox="outbox"):
    path.write_text("""[bantin]
database = state.db
timezone = +07:00

[digest]
from = Bản tin Dân vận <bantin@example.vn>

[outbox]
dir = %s

[feed "giu"]
url = %s/feed/giu?items=2

[feed "doi"]
url = %s/feed/doi?items=%d

[subscriber "nguyen.van.a@example.vn"]

[subscriber "tran.thi.b@example.vn"]
""" % (outbox, base, base, doi_items))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, env=env, timeout=120)


def db(d):
    return sqlite3.connect(str(d / "state.db"))


def titles(c, where="1"):
    return sorted(t for (t,) in c.execute(
        "SELECT title FROM items WHERE %s" % where))


def new_files(d):
    p = d / "outbox" / "new"
    return {n: (p / n).read_bytes() for n in os.listdir(p)} if p.exists() else {}


@pytest.fixture
def site(tmp_path, http_server):
    base = http_server.url("").rstrip("/")
    return tmp_path, write_conf(tmp_path / "bantin.conf", base), base


def test_old_history_pruned_carried_items_stay(bantin, site):
    d, conf, base = site
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    c = db(d)
    assert len(titles(c)) == 5
    assert c.execute("SELECT count(*) FROM items WHERE story_id IS NULL"
                     ).fetchone() == (0,)
    first_day = c.execute("SELECT day FROM digests").fetchone()[0]
    c.close()
    age(d, AGE_DAYS)
    # "doi" now lists only its first item; "giu" still lists both of its
    write_conf(conf, base, doi_items=1)
    r = run(bantin, conf, "-v", "run")
    assert r.returncode == 0, r.stderr.decode()
    assert (b"bantin: pruned 1 digest, 2 items older than 180 days"
            in r.stderr), r.stderr.decode()

    c = db(d)
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    kept = titles(c)
    assert len(kept) == 3
    assert all("(giu " in t or "(doi 1)" in t for t in kept), kept
    assert c.execute("SELECT count(*) FROM item_sources").fetchone() == (3,)
    # the old digest went with its list and deliveries; today's is new
    days = [r[0] for r in c.execute("SELECT day FROM digests")]
    old_day = (datetime.date.fromisoformat(first_day)
               - datetime.timedelta(days=AGE_DAYS)).isoformat()
    assert old_day not in days and len(days) == 1
    assert c.execute("SELECT count(*) FROM deliveries WHERE day <> ?",
                     (days[0],)).fetchone() == (0,)
    # the kept items are still marked as sent once: not re-stored, not in
    # today's digest
    assert c.execute("SELECT count(*) FROM items WHERE story_id IS NULL"
                     ).fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM digest_stories").fetchone() == (0,)
    ids = c.execute("SELECT max(id) FROM items").fetchone()
    c.close()
    outbox = new_files(d)

    # Again the same day, without -v: nothing to prune, nothing said,
    # nothing stored or sent again.
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    c = db(d)
    assert c.execute("SELECT max(id) FROM items").fetchone() == ids
    assert len(titles(c)) == 3
    assert c.execute("SELECT count(*) FROM digest_stories").fetchone() == (0,)
    assert new_files(d) == outbox
    r = run(bantin, conf, "-v", "run")
    assert b"bantin: pruned 0 digests, 0 items older than 180 days" in r.stderr


def test_unsent_digest_stays_until_sent(bantin, site):
    d, conf, base = site
    (d / "blocked").write_text("a file where the outbox should be\n")
    write_conf(conf, base, outbox="blocked")
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    age(d, AGE_DAYS)
    write_conf(conf, base, doi_items=1, outbox="blocked")
    # Still blocked: the old digest's deliveries fail again, it stays with
    # all its items; the status is the deliveries' 75, not a prune error.
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    c = db(d)
    assert c.execute("SELECT count(*) FROM digests").fetchone() == (2,)
    assert len(titles(c)) == 5
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    c.close()
    # Unblocked: every delivery is written, then the settled old digest and
    # its dropped items go in the same run.
    write_conf(conf, base, doi_items=1)
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    assert len(new_files(d)) == 4
    c = db(d)
    assert c.execute("SELECT count(*) FROM digests").fetchone() == (1,)
    assert c.execute("SELECT count(*) FROM deliveries WHERE state <> 'sent'"
                     ).fetchone() == (0,)
    assert len(titles(c)) == 3
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
