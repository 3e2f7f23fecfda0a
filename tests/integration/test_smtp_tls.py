"""`bantin run` over STARTTLS against aiosmtpd with a certificate signed by
a CA made here with openssl: trusted through [smtp] ca_file (or
$BANTIN_SMTP_CA_FILE, which wins over it) the digest goes out after AUTH
PLAIN; not trusted (the system store, another CA), or a server without
STARTTLS, and nothing is sent, no credentials either."""

import os
import shutil
import socket
import sqlite3
import ssl
import subprocess

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

if not shutil.which("openssl"):
    pytest.skip("no openssl command", allow_module_level=True)

A = "nguyen.van.a@example.vn"
B = "tran.thi.b@example.vn"
PASSWORD = "mật-khẩu s3cret"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")

    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True,
                       capture_output=True, timeout=60)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
         "-out", "ca.pem", "-days", "2", "-subj", "/CN=bantin test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key",
         "-out", "srv.csr", "-subj", "/CN=localhost")
    (d / "ext").write_text("subjectAltName=DNS:localhost\n"
                           "extendedKeyUsage=serverAuth\n")
    ossl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey",
         "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "2",
         "-extfile", "ext")
    # A CA that signed nothing the server has.
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
         "other.key", "-out", "other.pem", "-days", "2", "-subj",
         "/CN=another CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign")
    return d


class Sink:
    def __init__(self):
        self.msgs = []

    async def handle_DATA(self, server, session, envelope):
        self.msgs.append((list(envelope.rcpt_tos),
                          session.ssl is not None))
        return "250 2.0.0 queued"


class Auth:
    def __init__(self):
        self.calls = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.calls.append((mechanism, auth_data.login, auth_data.password))
        ok = (auth_data.login == b"digest" and
              auth_data.password == PASSWORD.encode())
        # handled=False: aiosmtpd answers a failure with its 535 5.7.8
        # (with the default, True, it sends no reply at all).
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


def start(pki, starttls=True, implicit=False):
    sink, auth = Sink(), Auth()
    kw = {}
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(pki / "srv.pem"), str(pki / "srv.key"))
    if implicit:
        kw = dict(ssl_context=ctx)
    elif starttls:
        kw = dict(tls_context=ctx, require_starttls=True)
    ctl = aiosmtpd_controller.Controller(
        sink, hostname="127.0.0.1", port=free_port(), authenticator=auth,
        # aiosmtpd 1.4 offers AUTH after STARTTLS only, not on implicit
        # TLS, when auth_require_tls is set.
        auth_require_tls=starttls, **kw)
    ctl.start()
    return ctl, sink, auth


def write_conf(d, base, port, url="smtp://localhost:%d", ca=None):
    """ca: the [smtp] ca_file, or None for none (the system store)."""
    pw = d / "smtp.pass"
    pw.write_text(PASSWORD + "\n")
    os.chmod(pw, 0o600)
    conf = d / "bantin.conf"
    ca_line = "ca_file = %s\n" % ca if ca else ""
    conf.write_text("""[bantin]
database = state.db
timezone = +07:00

[digest]
title = Bản tin Dân vận
from = Bản tin Dân vận <bantin@example.vn>

[smtp]
url = %s
user = digest
password_file = %s
timeout = 5s
%s
[feed "tinh-c"]
url = %s/feed/tinh-c?items=2

[subscriber "%s"]
[subscriber "%s"]
""" % (url % port, pw, ca_line, base, A, B))
    return conf


def run(bantin, conf, *args, env_ca=None):
    """env_ca: $BANTIN_SMTP_CA_FILE, else it is unset."""
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    env.pop("BANTIN_SMTP_CA_FILE", None)
    if env_ca:
        env["BANTIN_SMTP_CA_FILE"] = str(env_ca)
    return subprocess.run([bantin, "-c", str(conf), *(args or ("run",))],
                          capture_output=True, env=env, timeout=120)


def states(d):
    con = sqlite3.connect(str(d / "state.db"))
    out = dict(con.execute("SELECT subscriber, state || ' ' || "
                           "coalesce(last_error, '') FROM deliveries"))
    con.close()
    return out


def test_starttls_trusted_ca_sends_after_auth(bantin, tmp_path, http_server,
                                              pki):
    ctl, sink, auth = start(pki)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"), ctl.port,
                          ca=pki / "ca.pem")
        r = run(bantin, conf)
    finally:
        ctl.stop()
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(m[0][0] for m in sink.msgs) == [A, B]
    assert all(tls for _, tls in sink.msgs)
    assert auth.calls == [("PLAIN", b"digest", PASSWORD.encode())]
    assert PASSWORD.encode() not in r.stderr
    assert all(v.startswith("sent") for v in states(tmp_path).values())


def test_environment_ca_file_wins_over_the_config(bantin, tmp_path,
                                                  http_server, pki):
    """ca_file names another CA: refused; $BANTIN_SMTP_CA_FILE names the
    right one: trusted, whatever the config says (bantin.conf(5))."""
    ctl, sink, auth = start(pki)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"), ctl.port,
                          ca=pki / "other.pem")
        r1 = run(bantin, conf)
        before = (list(sink.msgs), list(auth.calls))
        r2 = run(bantin, conf, "send", env_ca=pki / "ca.pem")
    finally:
        ctl.stop()
    assert r1.returncode == 75, r1.stderr.decode()
    assert before == ([], [])
    assert b"not trusted" in r1.stderr
    assert r2.returncode == 0, r2.stderr.decode()
    assert sorted(m[0][0] for m in sink.msgs) == [A, B]
    assert auth.calls == [("PLAIN", b"digest", PASSWORD.encode())]
    assert all(v.startswith("sent") for v in states(tmp_path).values())


def test_missing_ca_file_is_reported_by_check(bantin, tmp_path, http_server):
    conf = write_conf(tmp_path, http_server.url("").rstrip("/"), 25,
                      ca="no-such-ca.pem")
    line = conf.read_text().splitlines().index("ca_file = no-such-ca.pem") + 1
    r = run(bantin, conf, "check")
    assert r.returncode == 78, r.stderr.decode()
    assert ("%s:%d: smtp.ca_file '%s' does not exist"
            % (conf, line, tmp_path / "no-such-ca.pem")) in r.stderr.decode()
    # run stops there too: nothing frozen, nothing sent
    r = run(bantin, conf)
    assert r.returncode == 78
    assert not (tmp_path / "state.db").exists()


def test_untrusted_certificate_refused_before_auth(bantin, tmp_path,
                                                   http_server, pki):
    ctl, sink, auth = start(pki)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"), ctl.port)
        r = run(bantin, conf)           # the system store: CA unknown
    finally:
        ctl.stop()
    assert r.returncode == 75, r.stderr.decode()
    assert sink.msgs == [] and auth.calls == []
    st = states(tmp_path)
    assert sorted(st) == [A, B]
    for v in st.values():
        assert v.startswith("failed ") and "not trusted" in v, v


def test_no_starttls_offered_is_not_a_downgrade(bantin, tmp_path,
                                                http_server, pki):
    ctl, sink, auth = start(pki, starttls=False)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"), ctl.port,
                          ca=pki / "ca.pem")
        r = run(bantin, conf)
    finally:
        ctl.stop()
    assert r.returncode == 75, r.stderr.decode()
    assert sink.msgs == [] and auth.calls == []
    for v in states(tmp_path).values():
        assert v.startswith("failed ") and "STARTTLS" in v, v


def test_certificate_for_another_name_is_refused(bantin, tmp_path,
                                                 http_server, pki):
    ctl, sink, auth = start(pki)
    try:
        # 127.0.0.1 is loopback, but the certificate names only localhost.
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"),
                          ctl.port, "smtp://127.0.0.1:%d", ca=pki / "ca.pem")
        r = run(bantin, conf)
    finally:
        ctl.stop()
    assert r.returncode == 75, r.stderr.decode()
    assert sink.msgs == [] and auth.calls == []
    for v in states(tmp_path).values():
        assert v.startswith("failed ") and "not trusted" in v, v


def test_implicit_tls(bantin, tmp_path, http_server, pki):
    ctl, sink, auth = start(pki, starttls=False, implicit=True)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"),
                          ctl.port, "smtps://localhost:%d", ca=pki / "ca.pem")
        r = run(bantin, conf)
    finally:
        ctl.stop()
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(m[0][0] for m in sink.msgs) == [A, B]
    assert auth.calls == [("PLAIN", b"digest", PASSWORD.encode())]


def test_wrong_password_fails_every_delivery(bantin, tmp_path, http_server,
                                             pki):
    """535 to AUTH is about the session, not a subscriber: every delivery
    fails (never refused) and goes out once the password is fixed."""
    ctl, sink, auth = start(pki)
    try:
        conf = write_conf(tmp_path, http_server.url("").rstrip("/"), ctl.port,
                          ca=pki / "ca.pem")
        (tmp_path / "smtp.pass").write_text("wrong-password\n")
        r = run(bantin, conf)
        st = states(tmp_path)
        (tmp_path / "smtp.pass").write_text(PASSWORD + "\n")
        r2 = run(bantin, conf, "send")
    finally:
        ctl.stop()
    assert r.returncode == 75, r.stderr.decode()
    assert b"not retried" not in r.stderr
    assert auth.calls[0] == ("PLAIN", b"digest", b"wrong-password")
    assert b"wrong-password" not in r.stderr
    for v in st.values():
        assert v.startswith("failed SMTP AUTH PLAIN: 535 5.7.8 "), v
        assert "wrong-password" not in v, v
    assert r2.returncode == 0, r2.stderr.decode()
    assert sorted(m[0][0] for m in sink.msgs) == [A, B]
    assert all(v.startswith("sent") for v in states(tmp_path).values())
