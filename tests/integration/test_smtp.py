"""`bantin run` and `bantin send` over SMTP, against a real aiosmtpd server
on 127.0.0.1 started by the test: one message per subscriber with its
Message-ID, a refused recipient does not stop the others, a failed delivery
is sent by a later `send`, and nothing is ever sent twice."""

import email
import fcntl
import email.policy
import os
import socket
import sqlite3
import subprocess
import time

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

A = "nguyen.van.a@example.vn"
B = "tran.thi.b@example.vn"


def today_vn():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    def __init__(self):
        self.msgs = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.msgs.append((envelope.mail_from, list(envelope.rcpt_tos),
                          envelope.content))
        return "250 2.0.0 queued"


@pytest.fixture
def smtp_server():
    sink = Sink()
    ctl = aiosmtpd_controller.Controller(sink, hostname="127.0.0.1",
                                         port=free_port())
    ctl.start()
    yield ctl, sink
    ctl.stop()


def write_conf(path, base, port):
    path.write_text("""[bantin]
database = state.db
timezone = +07:00

[digest]
title = Bản tin Dân vận
from = Bản tin Dân vận <bantin@example.vn>

[smtp]
url = smtp://127.0.0.1:%d
tls = none
timeout = 5s

[feed "tinh-c"]
url = %s/feed/tinh-c?items=2

[subscriber "%s"]
name = Nguyễn Văn A

[subscriber "%s"]
name = Trần Thị B
""" % (port, base, A, B))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, env=env, timeout=120)


def deliveries(d):
    con = sqlite3.connect(str(d / "state.db"))
    rows = con.execute("SELECT subscriber, state, attempts, message_id, "
                       "last_error FROM deliveries ORDER BY subscriber")
    out = {r[0]: r[1:] for r in rows}
    con.close()
    return out


def by_rcpt(sink):
    out = {}
    for mail_from, rcpts, content in sink.msgs:
        assert len(rcpts) == 1
        # CRLF line ends, once each: no bare LF, no doubled CR.
        assert b"\r\r" not in content
        assert content.count(b"\n") == content.count(b"\r\n")
        out.setdefault(rcpts[0], []).append(
            (mail_from, email.message_from_bytes(content,
                                                 policy=email.policy.default)))
    return out


def test_run_sends_one_message_per_subscriber(bantin, tmp_path, http_server,
                                              smtp_server):
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    got = by_rcpt(sink)
    assert sorted(got) == [A, B]
    dl = deliveries(tmp_path)
    for addr in (A, B):
        (mail_from, msg), = got[addr]
        assert mail_from == "bantin@example.vn"
        assert msg["To"].addresses[0].addr_spec == addr
        state, attempts, message_id, _ = dl[addr]
        assert state == "sent" and attempts == 1
        assert msg["Message-ID"] == "<%s>" % message_id
        assert "Bản tin Dân vận" in msg["Subject"]
    assert not (tmp_path / "outbox" / "new").exists()
    # A second run the same day sends nothing more.
    r = run(bantin, conf, "run")
    assert r.returncode == 0, r.stderr.decode()
    assert len(sink.msgs) == 2
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert len(sink.msgs) == 2


def test_refused_recipient_does_not_stop_the_others(bantin, tmp_path,
                                                    http_server, smtp_server):
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.refuse.add(A)
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    err = r.stderr.decode()
    assert A in err and "550" in err
    assert sorted(by_rcpt(sink)) == [B]
    dl = deliveries(tmp_path)
    assert dl[B][0] == "sent"
    state, attempts, _, last_error = dl[A]
    assert state == "failed" and attempts == 1
    assert "550" in last_error and "mailbox unavailable" in last_error
    # The server now accepts A: send delivers it, and B is not sent again.
    sink.refuse.clear()
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    got = by_rcpt(sink)
    assert len(got[A]) == 1 and len(got[B]) == 1
    dl = deliveries(tmp_path)
    assert dl[A][0] == "sent" and dl[A][1] == 2
    assert dl[B][0] == "sent" and dl[B][1] == 1


def test_server_down_fails_all_then_send_delivers(bantin, tmp_path,
                                                  http_server, smtp_server):
    ctl, sink = smtp_server
    dead = free_port()
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), dead)
    t0 = time.monotonic()
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    assert time.monotonic() - t0 < 30
    dl = deliveries(tmp_path)
    assert [dl[a][0] for a in (A, B)] == ["failed", "failed"]
    assert all("connect" in dl[a][3] for a in (A, B))
    assert sink.msgs == []
    # The same frozen digest goes out once the server is reachable.
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(by_rcpt(sink)) == [A, B]
    dl = deliveries(tmp_path)
    assert [dl[a][:2] for a in (A, B)] == [("sent", 2), ("sent", 2)]


def test_silent_server_times_out(bantin, tmp_path, http_server):
    """A server that accepts and never greets: the timeout, not 300 s."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), srv.getsockname()[1])
    text = conf.read_text().replace("timeout = 5s", "timeout = 2s")
    conf.write_text(text)
    try:
        t0 = time.monotonic()
        r = run(bantin, conf, "run")
        took = time.monotonic() - t0
    finally:
        srv.close()
    assert r.returncode == 75, r.stderr.decode()
    assert took < 20
    dl = deliveries(tmp_path)
    assert [dl[a][0] for a in (A, B)] == ["failed", "failed"]


def test_send_waits_for_the_run_lock(bantin, tmp_path, http_server,
                                     smtp_server):
    ctl, sink = smtp_server
    dead = free_port()
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), dead)
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    with open(tmp_path / "state.db.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run(bantin, conf, "send")
        assert r.returncode == 75
        assert b"lock" in r.stderr
        assert sink.msgs == []
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(by_rcpt(sink)) == [A, B]


def test_terminal_summary_names_the_server(bantin, tmp_path, http_server,
                                           smtp_server):
    import pty
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    master, slave = pty.openpty()
    try:
        p = subprocess.run([bantin, "-c", str(conf), "run"], stderr=slave,
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
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0, out.decode()
    assert ("2 deliveries sent to smtp://127.0.0.1:%d" % ctl.port
            in out.decode())
    assert len(sink.msgs) == 2


def test_send_without_smtp_writes_the_outbox(bantin, tmp_path, http_server):
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), 25)
    text = conf.read_text()
    start = text.index("[smtp]")
    end = text.index("[feed")
    conf.write_text(text[:start] + "[outbox]\ndir = outbox\n\n" + text[end:])
    (tmp_path / "outbox").write_text("a file where the folder should be")
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    assert [v[0] for v in deliveries(tmp_path).values()] == ["failed"] * 2
    (tmp_path / "outbox").unlink()
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert len(os.listdir(tmp_path / "outbox" / "new")) == 2
    assert [v[0] for v in deliveries(tmp_path).values()] == ["sent"] * 2
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert len(os.listdir(tmp_path / "outbox" / "new")) == 2
