"""`bantin run` and `bantin send` over SMTP, against a real aiosmtpd server
on 127.0.0.1 started by the test: one message per subscriber with its
Message-ID, a refused recipient does not stop the others, a 5xx to RCPT TO
or to the end of DATA refuses a delivery for good (exit 67, never tried
again) while a 4xx or a broken session fails it (exit 75, sent by a later
`send`), and nothing is ever sent twice."""

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
    """refuse: address -> the reply to its RCPT TO; after_data: address ->
    the reply to the end of its DATA; mail_reply: the reply to MAIL FROM.
    rcpts counts the RCPT TO of each address (contacts, taken or not)."""

    def __init__(self):
        self.msgs = []
        self.refuse = {}
        self.after_data = {}
        self.mail_reply = None
        self.rcpts = {}

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        self.rcpts[address] = self.rcpts.get(address, 0) + 1
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.after_data:
                return self.after_data[rcpt]
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


def refused_line(addr, reply):
    return "bantin: subscriber %s: refused by 127.0.0.1: %s; not retried" % (
        addr, reply)


def test_refused_recipient_is_not_retried(bantin, tmp_path, http_server,
                                          smtp_server):
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.refuse[A] = "550 5.1.1 <%s>: no such user" % A
    r = run(bantin, conf, "run")
    err = r.stderr.decode()
    assert r.returncode == 67, err
    assert err.splitlines() == [
        refused_line(A, "550 5.1.1 <%s>: no such user" % A)]
    # The other subscriber gets the mail.
    assert sorted(by_rcpt(sink)) == [B]
    dl = deliveries(tmp_path)
    assert dl[B][:2] == ("sent", 1)
    state, attempts, _, last_error = dl[A]
    assert (state, attempts) == ("refused", 1)
    assert last_error == "SMTP RCPT TO: 550 5.1.1 <%s>: no such user" % A
    assert sink.rcpts == {A: 1, B: 1}
    # Even once the server would take it: not tried again, and quiet.
    sink.refuse.clear()
    for cmd in ("send", "run"):
        r = run(bantin, conf, cmd)
        assert r.returncode == 0, r.stderr.decode()
        assert r.stderr == b""
    assert sink.rcpts == {A: 1, B: 1}
    assert len(sink.msgs) == 1
    assert deliveries(tmp_path)[A][:2] == ("refused", 1)


def test_temporary_refusal_is_retried(bantin, tmp_path, http_server,
                                      smtp_server):
    """450 fails A (retried); B refused with 550 in the same run: 75 wins
    over 67, since something will still go out."""
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.refuse[A] = "450 4.2.1 <%s>: mailbox busy, try later" % A
    sink.refuse[B] = "550 5.1.1 <%s>: no such user" % B
    r = run(bantin, conf, "run")
    err = r.stderr.decode()
    assert r.returncode == 75, err
    assert ("delivery %s to %s failed: SMTP RCPT TO: 450 4.2.1 <%s>: "
            "mailbox busy, try later" % (today_vn(), A, A)) in err
    assert refused_line(B, "550 5.1.1 <%s>: no such user" % B) in err
    assert sink.msgs == []
    dl = deliveries(tmp_path)
    assert dl[A][:2] == ("failed", 1) and "450" in dl[A][3]
    assert dl[B][:2] == ("refused", 1)
    # The server now accepts both: send delivers A once, never B.
    sink.refuse.clear()
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    got = by_rcpt(sink)
    assert sorted(got) == [A] and len(got[A]) == 1
    dl = deliveries(tmp_path)
    assert dl[A][0] == "sent" and dl[A][1] == 2 and dl[A][3] is None
    assert dl[B][:2] == ("refused", 1)
    assert sink.rcpts == {A: 2, B: 1}


def test_relay_denied_at_rcpt_is_retried_not_refused(bantin, tmp_path,
                                                     http_server, smtp_server):
    """550 5.7.1 at RCPT TO (relaying denied: a session or config problem,
    RFC 3463 class X.7) would refuse every subscriber for good; it fails
    and is retried instead."""
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    for a in (A, B):
        sink.refuse[a] = "550 5.7.1 <%s>: Relay access denied" % a
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    assert b"not retried" not in r.stderr
    dl = deliveries(tmp_path)
    assert [dl[a][0] for a in (A, B)] == ["failed", "failed"]
    sink.refuse.clear()
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(by_rcpt(sink)) == [A, B]


class CountingSink(Sink):
    """A Sink that counts the sessions (EHLO) the client opened."""

    def __init__(self):
        super().__init__()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        self.sessions += 1
        session.host_name = hostname
        return responses


def test_server_limit_per_session_opens_another(bantin, tmp_path,
                                                http_server):
    """A server that takes one message per connection, then answers the
    next MAIL with 421 and closes (aiosmtpd's command_call_limit, like
    Exchange's or Postfix's limits): bantin opens a new session and the
    other subscriber is served the same morning, not a day late."""
    sink = CountingSink()
    ctl = aiosmtpd_controller.Controller(
        sink, hostname="127.0.0.1", port=free_port(),
        command_call_limit={"MAIL": 1, "*": 50})
    ctl.start()
    try:
        conf = write_conf(tmp_path / "bantin.conf",
                          http_server.url("").rstrip("/"), ctl.port)
        r = run(bantin, conf, "-v", "run")
        err = r.stderr.decode()
        assert r.returncode == 0, err
        assert sorted(by_rcpt(sink)) == [A, B]
        assert "closed the session after 1 message" in err
        assert sink.sessions == 2
        dl = deliveries(tmp_path)
        assert [dl[a][:2] for a in (A, B)] == [("sent", 1), ("sent", 1)]
    finally:
        ctl.stop()


def test_refused_after_data(bantin, tmp_path, http_server, smtp_server):
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.after_data[A] = "554 5.7.1 message content rejected"
    r = run(bantin, conf, "run")
    err = r.stderr.decode()
    assert r.returncode == 67, err
    assert err.splitlines() == [
        refused_line(A, "554 5.7.1 message content rejected")]
    assert sorted(by_rcpt(sink)) == [B]
    dl = deliveries(tmp_path)
    assert dl[A][0] == "refused"
    assert dl[A][3] == "SMTP end of DATA: 554 5.7.1 message content rejected"
    assert dl[B][0] == "sent"
    sink.after_data.clear()
    r = run(bantin, conf, "send")
    assert r.returncode == 0 and r.stderr == b""
    assert sink.rcpts == {A: 1, B: 1}


def test_refused_sender_is_not_a_refused_subscriber(bantin, tmp_path,
                                                    http_server, smtp_server):
    """A 5xx to MAIL FROM names the sender, the same for every delivery
    (the admin's config): each fails and is retried, none is refused."""
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.mail_reply = "553 5.7.1 <bantin@example.vn>: sender not owned by user"
    r = run(bantin, conf, "run")
    assert r.returncode == 75, r.stderr.decode()
    assert b"not retried" not in r.stderr
    dl = deliveries(tmp_path)
    assert [dl[a][0] for a in (A, B)] == ["failed", "failed"]
    assert all("SMTP MAIL FROM: 553" in dl[a][3] for a in (A, B))
    sink.mail_reply = None
    r = run(bantin, conf, "send")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(by_rcpt(sink)) == [A, B]


def test_server_reply_is_stored_clean_and_bounded(bantin, tmp_path,
                                                  http_server, smtp_server):
    """The reply is network text: controls (a terminal escape, a bell, DEL)
    removed, a multi-line reply on one line, 10 KB cut to ~512 bytes."""
    ctl, sink = smtp_server
    conf = write_conf(tmp_path / "bantin.conf",
                      http_server.url("").rstrip("/"), ctl.port)
    sink.refuse[A] = ("550-5.1.1 first \x1b[2J\x1b[31mline\x07\r\n"
                      "550 5.1.1 second\x7f line\x1b]0;owned\x07")
    sink.refuse[B] = "550 5.1.1 " + "x" * 10240
    r = run(bantin, conf, "run")
    err = r.stderr.decode()
    assert r.returncode == 67, err
    dl = deliveries(tmp_path)
    assert dl[A][0] == "refused" and dl[B][0] == "refused"
    assert dl[A][3] == ("SMTP RCPT TO: 550 5.1.1 first [2J[31mline "
                        "5.1.1 second line]0;owned")
    assert dl[B][3].startswith("SMTP RCPT TO: 550 5.1.1 xxxx")
    assert dl[B][3].endswith("x…")
    assert len(dl[B][3].encode()) <= len("SMTP RCPT TO: ") + 512
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0] == refused_line(
        A, "550 5.1.1 first [2J[31mline 5.1.1 second line]0;owned")
    assert lines[1].startswith("bantin: subscriber %s: refused by "
                               "127.0.0.1: 550 5.1.1 xxx" % B)
    assert len(lines[1]) < 700
    for text in [dl[A][3], dl[B][3], err.replace("\n", "")]:
        assert not any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in text)


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
