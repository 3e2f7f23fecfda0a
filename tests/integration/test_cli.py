"""The command line itself: help, version, usage errors, option order."""
import os
import subprocess

import pytest

BANTIN = os.environ.get("BANTIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "san", "bantin"))
DATA = os.path.join(os.path.dirname(__file__), "..", "data")
CAFEF = os.path.join(DATA, "feeds", "cafef_2026-10-09.xml")


def run(*args, **kw):
    return subprocess.run([BANTIN, *args], capture_output=True, text=True, timeout=30, **kw)


def test_help_lists_every_command_on_stdout():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("parse", "check", "fetch", "feeds", "opml", "discover", "test-feed",
                "digest"):
        assert f"\n  {cmd}" in r.stdout, cmd
    assert r.stderr == ""


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("bantin ")


@pytest.mark.parametrize("args,msg", [
    ((), "no command given"),
    (("frobnicate",), "unknown command 'frobnicate'"),
    (("-x", "parse"), "bad option"),
    (("parse",), "parse: expected one FILE or -"),
    (("parse", "--nope", CAFEF), "parse"),
])
def test_usage_errors_exit_64(args, msg):
    r = run(*args)
    assert r.returncode == 64
    assert msg in r.stderr
    assert "try 'bantin --help'" in r.stderr
    assert r.stdout == ""


def test_parse_options_may_follow_the_file():
    before = run("parse", "--base", "http://example.vn/", CAFEF)
    after = run("parse", CAFEF, "--base", "http://example.vn/")
    assert before.returncode == 0 and after.returncode == 0
    assert before.stdout == after.stdout


def test_parse_reads_stdin():
    with open(CAFEF, "rb") as f:
        r = subprocess.run([BANTIN, "parse", "-"], stdin=f, capture_output=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout == run("parse", CAFEF).stdout.encode()
