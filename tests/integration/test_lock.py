"""The run lock: one bantin fetch per database at a time (exit 75 otherwise)."""
import fcntl
import os
import sqlite3
import subprocess


def write_conf(tmp_path, url):
    conf = tmp_path / "bantin.conf"
    conf.write_text("[bantin]\ndatabase = bantin.db\n[digest]\nbackfill = 3650d\n"
                    "[feed \"a\"]\nurl = %s\n" % url, encoding="utf-8")
    return conf


def fetch(bantin, conf):
    return subprocess.run([bantin, "-c", str(conf), "fetch"], capture_output=True,
                          text=True, timeout=60)


def test_second_run_exits_75_and_fetches_nothing(bantin, http_server, tmp_path):
    conf = write_conf(tmp_path, http_server.url("/feed/lock"))
    lockfile = tmp_path / "bantin.db.lock"
    with open(lockfile, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        r = fetch(bantin, conf)
        assert r.returncode == 75
        assert "another bantin run holds the lock '%s' (pid 4242)" % lockfile in r.stderr
        assert sum(http_server.stats.snapshot()["requests"].values()) == 0
        assert not (tmp_path / "bantin.db").exists()
    # Released: the next run fetches and stores.
    r = fetch(bantin, conf)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(tmp_path / "bantin.db")
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] > 0
    # The lock is free again after the run, and names the last holder.
    with open(lockfile) as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert f.read().strip().isdigit()


def test_lock_file_in_a_missing_folder_is_a_clear_error(bantin, tmp_path):
    conf = tmp_path / "bantin.conf"
    conf.write_text("[bantin]\ndatabase = nowhere/bantin.db\n"
                    "[feed \"a\"]\nurl = http://127.0.0.1:9/feed\n", encoding="utf-8")
    r = fetch(bantin, conf)
    assert r.returncode == 70
    assert "cannot open lock file '%s'" % (tmp_path / "nowhere" / "bantin.db.lock") in r.stderr
    assert "No such file or directory" in r.stderr
