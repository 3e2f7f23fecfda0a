"""`bantin check`: the shipped example passes, a broken file gets every
problem as FILE:LINE: message (exit 78), a missing file exits 66, and the
config path follows -c, then $BANTIN_CONFIG, then ./bantin.conf, then
/etc/bantin/bantin.conf (DESIGN.md "Command line")."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANTIN = os.path.abspath(os.environ.get("BANTIN",
                                        ROOT / "build" / "san" / "bantin"))
DATA = ROOT / "tests" / "data" / "config"
EXAMPLE = ROOT / "config" / "bantin.conf.example"
LINE_RE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<msg>\S.*)$")


def run(*args, cwd=None, env_config=None):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    if env_config is not None:
        env["BANTIN_CONFIG"] = env_config
    return subprocess.run([BANTIN, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def one_feed(url="https://nhandan.vn/rss/home.rss", feeds=1):
    """feeds sections f0, f1, ...; each after the first gets its own query,
    since two feeds of one URL are a problem check reports."""
    return "".join(f'[feed "f{i}"]\nurl = {url}{"?n=%d" % i if i else ""}\n'
                   for i in range(feeds))


def test_example_passes():
    r = run("-c", str(EXAMPLE), "check")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    m = re.fullmatch(r"(\d+) feeds \((\d+) disabled\), 12 topics, "
                     r"2 subscribers\n", r.stdout)
    assert m, r.stdout
    assert int(m.group(1)) >= 8
    # Every feed of the example is counted: compare with the file itself.
    assert int(m.group(1)) == EXAMPLE.read_text().count('\n[feed "')


def test_minimal_uses_default_topics():
    r = run("-c", str(DATA / "minimal.conf"), "check")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1 feed, 12 topics (default topics), 0 subscribers\n"


def test_broken_reports_every_problem():
    conf = DATA / "broken.conf"
    r = run("-c", str(conf), "check")
    assert r.returncode == 78
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    for line in lines:
        m = LINE_RE.match(line)
        assert m, line
        assert m.group("file") == str(conf)
    numbers = [int(LINE_RE.match(x).group("line")) for x in lines]
    assert numbers == sorted(numbers)
    want = (DATA / "broken.expected").read_text().replace("FILE:", f"{conf}:")
    assert r.stderr == want
    assert len(lines) >= 15


def test_problem_kinds_named_in_issue(tmp_path):
    """One file with each problem the issue lists; each at its own line."""
    pw = tmp_path / "smtp.pass"
    pw.write_text("secret\n")
    pw.chmod(0o644)
    conf = tmp_path / "bantin.conf"
    conf.write_text(
        "[smtp]\n"                                   # 1
        "url = smtp://mail.example.vn\n"             # 2
        "user = bantin\n"                            # 3
        "password_file = smtp.pass\n"                # 4
        "[digest]\n"                                 # 5
        "from = a@example.vn\n"                      # 6
        "backfill = 36x\n"                           # 7
        "[feed \"a\"]\n"                             # 8
        "url = file:///etc/passwd\n"                 # 9
        "[topic \"t\"]\n"                            # 10
        "title = T\n"                                # 11
        "keywords = a\n"                             # 12
        "[subscriber \"not-an-address\"]\n"          # 13
        "topics = t, nope\n"                         # 14
        "[topic \"t\"]\n"                            # 15
        "[feed \"h\"]\n"                             # 16
        "url = https://a.vn/\n"                      # 17
        "type = html\n"                              # 18
        "item = //li[\n"                             # 19
        "item_title = a\n"                           # 20
        "item_link = a/@href\n")                     # 21
    r = run("-c", str(conf), "check")
    assert r.returncode == 78
    got = {}
    for line in r.stderr.splitlines():
        m = LINE_RE.match(line)
        assert m and m.group("file") == str(conf), line
        got.setdefault(int(m.group("line")), []).append(m.group("msg"))
    assert got[4] == [f"smtp.password_file '{pw}' can be read by group or "
                      "others (mode 0644); run chmod 600 on it"]
    assert got[7] == ["bad duration '36x' for 'digest.backfill': unknown unit "
                      "'x'; use s, m, h, d or w"]
    assert got[9] == ["feed 'a': url 'file:///etc/passwd' is not http or https"]
    assert got[13] == ["subscriber 'not-an-address' is not an email address "
                       "(expected name@domain)"]
    assert got[14] == ["subscriber 'not-an-address': unknown topic 'nope'"]
    assert got[15] == ["duplicate topic 't' (first defined at line 10)"]
    assert got[19][0].startswith("feed 'h': bad XPath for 'item': ")
    assert sorted(got) == [4, 7, 9, 13, 14, 15, 19]

    # Fixing the mode fixes that line, and only that line.
    pw.chmod(0o600)
    r2 = run("-c", str(conf), "check")
    assert r2.returncode == 78
    assert f"{conf}:4:" not in r2.stderr
    assert len(r2.stderr.splitlines()) == len(r.stderr.splitlines()) - 1


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.conf"
    r = run("-c", str(missing), "check")
    assert r.returncode == 66
    assert r.stdout == ""
    assert r.stderr == (f"bantin: {missing}: cannot read config: "
                        "No such file or directory\n")


def test_unreadable_is_not_a_config_error(tmp_path):
    r = run("-c", str(tmp_path), "check")
    assert r.returncode == 66
    assert "Is a directory" in r.stderr


def test_path_precedence(tmp_path):
    a = tmp_path / "a.conf"
    b = tmp_path / "b.conf"
    a.write_text(one_feed(feeds=2))
    b.write_text(one_feed(feeds=3))
    (tmp_path / "bantin.conf").write_text(one_feed(feeds=4))
    summary = "{} feeds, 12 topics (default topics), 0 subscribers\n"

    # -c wins over $BANTIN_CONFIG and ./bantin.conf.
    r = run("-c", str(a), "check", cwd=tmp_path, env_config=str(b))
    assert (r.returncode, r.stdout) == (0, summary.format(2))
    # $BANTIN_CONFIG wins over ./bantin.conf.
    r = run("check", cwd=tmp_path, env_config=str(b))
    assert (r.returncode, r.stdout) == (0, summary.format(3))
    # Then ./bantin.conf in the working directory; an empty variable is unset.
    r = run("check", cwd=tmp_path, env_config="")
    assert (r.returncode, r.stdout) == (0, summary.format(4))
    r = run("check", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, summary.format(4))
    # A missing -c file is an error, not a reason to fall back.
    r = run("-c", str(tmp_path / "none.conf"), "check", cwd=tmp_path,
            env_config=str(b))
    assert r.returncode == 66


def test_falls_back_to_etc(tmp_path):
    if Path("/etc/bantin/bantin.conf").exists():
        pytest.skip("a system config is installed on this machine")
    r = run("check", cwd=tmp_path)
    assert r.returncode == 66
    assert r.stderr.startswith("bantin: /etc/bantin/bantin.conf: cannot read")


def test_relative_database_needs_no_cwd(tmp_path):
    """Relative paths resolve against the config's folder, so the check
    passes from any working directory."""
    d = tmp_path / "conf"
    d.mkdir()
    (d / "smtp.pass").write_text("x\n")
    (d / "smtp.pass").chmod(0o600)
    (d / "bantin.conf").write_text(
        "[bantin]\ndatabase = state/bantin.db\n"
        "[smtp]\nurl = smtps://mail.example.vn\nuser = u\n"
        "password_file = smtp.pass\n" + one_feed())
    r = run("-c", "conf/bantin.conf", "check", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("-c", str(d / "bantin.conf"), "check", cwd="/")
    assert r.returncode == 0, r.stderr


def test_quiet_and_usage(tmp_path):
    conf = tmp_path / "bantin.conf"
    conf.write_text(one_feed())
    r = run("-q", "-c", str(conf), "check")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = run("-c", str(conf), "check", "extra")
    assert r.returncode == 64
    # -q never hides problems.
    conf.write_text("[feed \"x\"]\n")
    r = run("-q", "-c", str(conf), "check")
    assert r.returncode == 78
    assert r.stderr == f"{conf}:1: feed 'x' has no 'url'\n"
