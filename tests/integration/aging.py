"""Shared by the integration tests that need "days later" without waiting:
move every time a bantin database holds into the past, as if the runs so
far had happened then."""

import datetime
import os
import sqlite3


def db(d):
    return sqlite3.connect(str(d / "state.db"))


def age(d, days):
    """Move every time in the database `days` into the past, as if the
    runs so far had happened then (digest days included)."""
    s = days * 86400
    c = db(d)    # foreign keys are off on this connection: days move freely
    cols = {
        "feeds": ["first_fetch", "last_attempt", "last_ok", "next_attempt",
                  "created"],
        "items": ["published", "updated", "first_seen"],
        "item_sources": ["first_seen", "last_seen"],
        "stories": ["first_seen"],
        "digests": ["created"],
        "deliveries": ["last_attempt", "sent_at"],
    }
    for table, names in cols.items():
        c.execute("UPDATE %s SET %s" % (
            table, ", ".join("%s = %s - %d" % (n, n, s) for n in names)))
    for (day,) in c.execute("SELECT day FROM digests").fetchall():
        old = (datetime.date.fromisoformat(day)
               - datetime.timedelta(days=days)).isoformat()
        for table in ("digests", "digest_stories", "deliveries"):
            c.execute("UPDATE %s SET day = ? WHERE day = ?" % table,
                      (old, day))
        # the Message-ID and the outbox file name carry the day too
        c.execute("UPDATE deliveries SET message_id ="
                  " replace(message_id, ?, ?) WHERE day = ?", (day, old, old))
        box = d / "outbox" / "new"
        for name in os.listdir(box) if box.exists() else []:
            if name.startswith(day):
                os.rename(box / name, box / (old + name[len(day):]))
    c.commit()
    c.close()
