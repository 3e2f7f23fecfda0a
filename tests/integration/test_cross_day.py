"""A story re-posted a day later is not sent again: `bantin run` attaches
the copy (another link, a retouched title) to the story an earlier digest
listed, in the freeze of today's digest. The day changes by rewriting the
database's times with sqlite3, as test_retention.py does: the first run's
digest becomes yesterday's, then a second feed brings the re-post."""

import datetime
import email
import email.policy
import json
import os
import sqlite3
import subprocess
import time

import pytest

from aging import age  # noqa: E402  (tests/integration is on sys.path)

COPY_LINK = "/b/doi-thoai-gpmb.html"          # httpserver.DUP_ITEMS["b"][1]
ORIG_LINK = "/a/doi-thoai.html"
OTHER_TITLE = "Hội Nông dân & Đoàn Thanh niên ra quân làm đường"


def today_vn():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))


def write_conf(path, base, with_b=False, outbox="outbox"):
    feed_b = ("[feed \"tinh-b\"]\nurl = %s/dup/b\n" % base) if with_b else ""
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

%s
[subscriber "tran.thi.b@example.vn"]
name = Trần Thị B
""" % (outbox, base, feed_b))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, env=env, timeout=120)


def db(d):
    return sqlite3.connect(str(d / "state.db"))


def eml_text(d, day):
    raw = (d / "outbox" / "new" / ("%s_tran.thi.b_example.vn.eml" % day)
           ).read_bytes()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    return (m.get_body(("plain",)).get_content()
            + m.get_body(("html",)).get_content())


def digest_json(bantin, conf, *args):
    r = run(bantin, conf, "digest", "--format", "json", *args)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def stories(j):
    return [st for t in j["topics"] for st in t["stories"]]


def story_of(c, path):
    rows = c.execute("SELECT story_id FROM items WHERE link LIKE ?",
                     ("%" + path,)).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


@pytest.fixture
def site(tmp_path, http_server):
    base = http_server.url("").rstrip("/")
    return tmp_path, write_conf(tmp_path / "bantin.conf", base), base


def test_repost_next_day_joins_yesterdays_story(bantin, site):
    d, conf, base = site
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    age(d, 1)
    yesterday = (datetime.date.fromisoformat(today_vn())
                 - datetime.timedelta(days=1)).isoformat()
    c = db(d)
    assert c.execute("SELECT day FROM digests").fetchall() == [(yesterday,)]
    c.close()

    # Day 2: feed b re-posts yesterday's "Đối thoại" story at its own link
    # under a retouched title, and brings one story of its own.
    write_conf(conf, base, with_b=True)
    assert run(bantin, conf, "fetch").returncode == 0
    preview = [st["title"] for st in stories(digest_json(bantin, conf))]
    assert preview == [OTHER_TITLE]
    c = db(d)       # the preview wrote nothing
    assert c.execute("SELECT count(*) FROM items WHERE story_id IS NULL"
                     ).fetchone() == (1 + 1,)
    c.close()

    r = run(bantin, conf, "-v", "run")
    assert r.returncode == 0, r.stderr.decode()
    assert (b"bantin: 1 re-post of stories already sent attached to them"
            in r.stderr), r.stderr.decode()
    today = today_vn()
    text = eml_text(d, today)
    assert OTHER_TITLE in text
    assert "Diễn Châu" not in text and COPY_LINK not in text
    assert "Đối thoại" not in text
    assert [st["title"] for st in stories(digest_json(bantin, conf))] == \
        preview

    c = db(d)
    assert c.execute("SELECT count(*) FROM items WHERE story_id IS NULL"
                     ).fetchone() == (0,)
    orig = story_of(c, ORIG_LINK)
    assert story_of(c, COPY_LINK) == orig
    assert c.execute("SELECT day FROM digest_stories WHERE story_id = ?",
                     (orig,)).fetchall() == [(yesterday,)]
    assert c.execute("SELECT count(*) FROM digest_stories WHERE day = ?",
                     (today,)).fetchone() == (1,)
    # every item in exactly one digest, through its story
    assert c.execute(
        "SELECT count(*) FROM items i LEFT JOIN digest_stories ds"
        " ON ds.story_id = i.story_id WHERE ds.day IS NULL").fetchone() == (0,)
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    c.close()

    # Yesterday's digest read again shows the second source of the story.
    old = [st for st in stories(digest_json(bantin, conf, "--date", yesterday))
           if st["link"].endswith(ORIG_LINK)]
    assert len(old) == 1
    assert [s["link"][len(base):] for s in old[0]["sources"]] == \
        [ORIG_LINK, COPY_LINK]


def test_retried_delivery_of_yesterday_shows_the_repost(bantin, site):
    """Yesterday's delivery failed; today's run sends it with the copy as
    a second source of its story, and today's digest without it."""
    d, conf, base = site
    (d / "blocked").write_text("a file where the outbox should be\n")
    write_conf(conf, base, outbox="blocked")
    assert run(bantin, conf, "run").returncode == 75
    age(d, 1)
    yesterday = (datetime.date.fromisoformat(today_vn())
                 - datetime.timedelta(days=1)).isoformat()
    write_conf(conf, base, with_b=True)
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    old = eml_text(d, yesterday)
    assert COPY_LINK in old and ORIG_LINK in old
    new = eml_text(d, today_vn())
    assert COPY_LINK not in new and ORIG_LINK not in new
    assert OTHER_TITLE in new
