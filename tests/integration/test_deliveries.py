"""`bantin deliveries [--json] [--days N]`: the deliveries of the last days
and how each went, read-only. Deliveries come from `bantin run` into the
outbox (no SMTP) and from rows written with sqlite3 for the failed,
refused and pending states, their times and errors."""

import calendar
import datetime
import json
import os
import sqlite3
import subprocess
import time

import pytest

KEYS = ["day", "subscriber", "state", "attempts", "last_attempt", "sent_at",
        "last_error", "message_id", "in_config"]
HEADER = ["DAY", "SUBSCRIBER", "STATE", "ATTEMPTS", "WHEN", "ERROR", "NOTES"]
A = "nguyen.van.a@example.vn"
B = "tran.thi.b@example.vn"
GONE = "cu.dan@example.vn"      # a subscriber removed from the config

# 95 columns, every character one column wide (NFC Vietnamese), with an
# escape sequence a hand-edited file could hold; cut at 80 with an ellipsis
LONG_ERROR = ("connect smtp.example.vn:587: \x1b[31mKhông thể kết nối tới máy "
              "chủ thư: hết thời gian chờ sau 30 giây (lần 2)")
REFUSED_ERROR = ("550 5.1.1 <tran.thi.b@example.vn>: Recipient address "
                 "rejected: User unknown\nsecond line, not shown")


def write_conf(path, base, database="state.db"):
    path.write_text("""[bantin]
database = %s
timezone = +07:00

[digest]
title = Bản tin Dân vận
from = Bản tin Dân vận <bantin@example.vn>

[outbox]
dir = outbox

[feed "tinh-a"]
url = %s/dup/a

[subscriber "%s"]
name = Nguyễn Văn A

[subscriber "%s"]
name = Trần Thị B
""" % (database, base, A, B))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, text=True, env=env,
                          cwd=str(conf.parent), timeout=120)


def today_vn():
    return datetime.datetime.fromtimestamp(time.time() + 7 * 3600,
                                           datetime.timezone.utc).date()


def day(n):
    """The day n days before today in Vietnam, as YYYY-MM-DD."""
    return (today_vn() - datetime.timedelta(days=n)).isoformat()


def local(t):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t + 7 * 3600))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def add_delivery(c, d, subscriber, state, attempts=0, last_attempt=None,
                 sent_at=None, last_error=None, message_id=None):
    c.execute("INSERT OR IGNORE INTO digests (day, created, title)"
              " VALUES (?, ?, 'Bản tin')", (d, int(time.time())))
    c.execute("INSERT INTO deliveries (day, subscriber, state, attempts,"
              " last_attempt, last_error, message_id, sent_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              (d, subscriber, state, attempts, last_attempt, last_error,
               message_id, sent_at))


def table(stdout):
    """(header cells, rows as lists of lines, footer line)."""
    lines = stdout.splitlines()
    assert lines[0].split() == HEADER, lines[0]
    return lines[0], lines[1:-1], lines[-1]


def rows_json(bantin, conf, *args):
    r = run(bantin, conf, "deliveries", "--json", *args)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data, list)
    for o in data:
        assert list(o) == KEYS, o
    return data


@pytest.fixture
def history(bantin, tmp_path, http_server):
    """A run today (A and B sent), then by hand: yesterday A failed, B
    refused and a pending delivery to an address the config dropped; 3
    days ago A sent (with an earlier attempt's error); 10 days ago B sent."""
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"))
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr
    now = int(time.time()) // 60 * 60
    times = {"failed": now - 86400 + 120, "refused": now - 86400 + 60,
             "sent3": now - 3 * 86400, "sent10": now - 10 * 86400}
    with sqlite3.connect(tmp_path / "state.db") as c:
        add_delivery(c, day(1), A, "failed", 2, times["failed"],
                     last_error=LONG_ERROR)
        add_delivery(c, day(1), B, "refused", 1, times["refused"],
                     last_error=REFUSED_ERROR, message_id="m1@example.vn")
        add_delivery(c, day(1), GONE, "pending")
        add_delivery(c, day(3), A, "sent", 3, times["sent3"], times["sent3"],
                     last_error="421 try again later")
        add_delivery(c, day(10), B, "sent", 1, times["sent10"],
                     times["sent10"])
    c.close()
    return tmp_path, conf, times


def test_table(bantin, history):
    d, conf, times = history
    with sqlite3.connect(d / "state.db") as c:
        before = c.execute("SELECT * FROM deliveries ORDER BY day, subscriber"
                           ).fetchall()
        sent_at = dict(c.execute("SELECT subscriber, sent_at FROM deliveries"
                                 " WHERE day = ?", (day(0),)).fetchall())
    c.close()
    files = sorted(os.listdir(d))

    r = run(bantin, conf, "deliveries")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    header, rows, footer = table(r.stdout)
    # newest day first, then by address; 10 days ago is outside the week
    assert [l.split()[:3] for l in rows] == [
        [day(0), A, "sent"], [day(0), B, "sent"],
        [day(1), GONE, "pending"], [day(1), A, "failed"],
        [day(1), B, "refused"],
        [day(3), A, "sent"]]
    assert [l.split()[3] for l in rows] == ["1", "1", "0", "2", "1", "3"]
    # columns line up under the header; ATTEMPTS is right-aligned
    for col in ("STATE", "WHEN", "ERROR"):
        at = header.index(col)
        for l in rows:
            assert l[at - 2:at] == "  " and l[at] != " ", (col, l)
    end = header.index("ATTEMPTS") + len("ATTEMPTS")
    assert all(l[end - 1] != " " and l[end:end + 2] == "  " for l in rows)

    # WHEN: sent_at when sent, else the last attempt, at +07:00; "-": never
    assert local(sent_at[A]) in rows[0] and local(sent_at[B]) in rows[1]
    assert rows[2].split()[4] == "-"
    assert local(times["failed"]) in rows[3]
    assert local(times["refused"]) in rows[4]
    assert local(times["sent3"]) in rows[5]

    # ERROR: one line, cut to 80 columns with an ellipsis, controls blanked
    at = header.index("ERROR")
    clean = LONG_ERROR.replace("\x1b", " ")
    assert rows[3][at:] == clean[:79] + "\u2026"
    assert "\x1b" not in r.stdout
    assert rows[4][at:] == REFUSED_ERROR.split("\n")[0]
    assert "second line" not in r.stdout
    # a sent delivery shows no error, not even an earlier attempt's
    assert rows[5][at:] == "-" and "421" not in r.stdout
    assert rows[0][at:] == "-"

    # the address the config no longer names is marked, the others not
    assert rows[2].endswith("  (not in config)"), rows[2]
    assert rows[2][header.index("NOTES"):] == "(not in config)"
    assert sum("not in config" in l for l in rows) == 1

    assert footer == ("6 deliveries: 3 sent, 1 pending, 1 failed (retried by "
                      "the next run), 1 refused (not retried); 1 to an "
                      "address no longer in the config (dropped by the "
                      "next run)")

    # looking changes nothing
    with sqlite3.connect(d / "state.db") as c:
        assert c.execute("SELECT * FROM deliveries ORDER BY day, subscriber"
                         ).fetchall() == before
    c.close()
    assert sorted(os.listdir(d)) == files


def test_days_window(bantin, history):
    d, conf, _ = history

    def listed(*args):
        r = run(bantin, conf, "deliveries", *args)
        assert r.returncode == 0, r.stderr
        _, rows, footer = table(r.stdout)
        return [(l.split()[0], l.split()[1]) for l in rows], footer

    rows, footer = listed("--days", "1")
    assert rows == [(day(0), A), (day(0), B)]
    assert footer == "2 deliveries: 2 sent"
    # N days end with today: 3 stops before the day 3 days ago, 4 has it
    rows, _ = listed("--days=3")
    assert [r[0] for r in rows] == [day(0)] * 2 + [day(1)] * 3
    rows, footer = listed("--days", "4")
    assert rows[-1] == (day(3), A) and len(rows) == 6
    rows, footer = listed("--days", "3650")
    assert rows[-1] == (day(10), B) and len(rows) == 7
    assert footer.startswith("7 deliveries: 4 sent, ")
    # the JSON follows the same window
    assert [o["day"] for o in rows_json(bantin, conf, "--days", "2")] == \
        [day(0)] * 2 + [day(1)] * 3


def test_json(bantin, history):
    d, conf, times = history
    with sqlite3.connect(d / "state.db") as c:
        mine = {r[0]: r[1:] for r in c.execute(
            "SELECT subscriber, message_id, sent_at, last_attempt"
            " FROM deliveries WHERE day = ?", (day(0),))}
    c.close()
    data = rows_json(bantin, conf)
    assert [(o["day"], o["subscriber"]) for o in data] == [
        (day(0), A), (day(0), B), (day(1), GONE), (day(1), A), (day(1), B),
        (day(3), A)]
    for o in data[:2]:
        mid, sent_at, last = mine[o["subscriber"]]
        assert o["state"] == "sent" and o["attempts"] == 1
        assert o["sent_at"] == rfc3339(sent_at)
        assert o["last_attempt"] == rfc3339(last)
        assert o["message_id"] == mid and mid.startswith("bantin.")
        assert o["last_error"] is None and o["in_config"] is True
    assert data[2] == {"day": day(1), "subscriber": GONE, "state": "pending",
                       "attempts": 0, "last_attempt": None, "sent_at": None,
                       "last_error": None, "message_id": None,
                       "in_config": False}
    assert data[3] == {"day": day(1), "subscriber": A, "state": "failed",
                       "attempts": 2,
                       "last_attempt": rfc3339(times["failed"]),
                       "sent_at": None, "last_error": LONG_ERROR,
                       "message_id": None, "in_config": True}
    assert utc(data[3]["last_attempt"]) == times["failed"]
    assert data[4]["state"] == "refused" and data[4]["attempts"] == 1
    assert data[4]["last_error"] == REFUSED_ERROR      # whole, as stored
    assert data[4]["message_id"] == "m1@example.vn"
    assert data[5]["sent_at"] == data[5]["last_attempt"] == \
        rfc3339(times["sent3"])

    assert rows_json(bantin, conf, "--days", "1")[1]["subscriber"] == B


def test_removed_subscriber_is_dropped_once(bantin, history):
    """A delivery whose subscriber the config no longer names: the view
    says the next run drops it; `bantin send` then marks it refused with
    the reason and one line, once, and never again (so it does not nag
    every morning, and its digest can be pruned)."""
    d, conf, _ = history
    with sqlite3.connect(d / "state.db") as c:
        c.execute("DELETE FROM deliveries WHERE state <> 'sent' OR day <> ?",
                  (day(0),))
        add_delivery(c, day(0), GONE, "pending")
    c.close()
    r = run(bantin, conf, "deliveries")
    _, rows, footer = table(r.stdout)
    assert rows[0].split()[1] == GONE and rows[0].endswith("(not in config)")
    assert footer.endswith("; 1 to an address no longer in the config "
                           "(dropped by the next run)")
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr
    assert ("delivery %s to %s dropped: no longer a subscriber in %s" %
            (day(0), GONE, conf)) in r.stderr
    r = run(bantin, conf, "send")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    gone = [o for o in rows_json(bantin, conf) if o["subscriber"] == GONE]
    assert [(o["state"], o["in_config"]) for o in gone] == [("refused", False)]
    assert gone[0]["last_error"] == (
        "not sent: no longer a subscriber in %s" % conf)
    r = run(bantin, conf, "deliveries")
    _, rows, footer = table(r.stdout)
    assert "no longer in the config" not in footer

    # no delivery in the window at all: the header and a count of 0
    with sqlite3.connect(d / "state.db") as c:
        c.execute("UPDATE deliveries SET day = '2001-01-01'")
    c.close()
    r = run(bantin, conf, "deliveries")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1:] == ["0 deliveries"]
    assert run(bantin, conf, "deliveries", "--json").stdout == "[]\n"


def test_missing_database(bantin, tmp_path):
    conf = write_conf(tmp_path / "bantin.conf", "https://a.example.vn")
    for args in ((), ("--json",), ("--days", "3650")):
        r = run(bantin, conf, "deliveries", *args)
        assert r.returncode == 66, (args, r.stderr)
        # digest's message, naming the database as the config resolves it
        assert r.stderr == ("bantin: %s: no database yet: run 'bantin "
                            "fetch' first\n" % (tmp_path / "state.db")), \
            r.stderr
        assert r.stdout == ""
    # looking does not create it
    assert not any(n.startswith("state.db") for n in os.listdir(tmp_path))


@pytest.mark.parametrize("args", [
    ("--days", "0"), ("--days", "3651"), ("--days", "-1"), ("--days", "+7"),
    ("--days", "7x"), ("--days", ""), ("--days", " 7"), ("--days=abc",),
    ("--days", "99999999999999999999"), ("--days",), ("--jsn",), ("7",)])
def test_usage_errors(bantin, tmp_path, args):
    conf = write_conf(tmp_path / "bantin.conf", "https://a.example.vn")
    r = run(bantin, conf, "deliveries", *args)
    assert r.returncode == 64, (args, r.stderr)
    assert r.stderr.startswith("bantin: deliveries: "), r.stderr
    assert r.stdout == ""


def test_config_and_database_errors(bantin, tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[bantin]\ndatabase = state.db\ntimezone = Hanoi\n")
    r = run(bantin, bad, "deliveries")
    assert r.returncode == 78, r.stderr
    assert "bad.conf:3" in r.stderr

    r = run(bantin, tmp_path / "none.conf", "deliveries")
    assert r.returncode == 66

    conf = write_conf(tmp_path / "bantin.conf", "https://a.example.vn",
                      database="junk.db")
    (tmp_path / "junk.db").write_text("not a database\n" * 100)
    r = run(bantin, conf, "deliveries")
    assert r.returncode == 70, r.stderr
    assert "junk.db" in r.stderr and r.stdout == ""
