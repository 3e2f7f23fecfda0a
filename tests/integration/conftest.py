"""pytest fixtures shared by the integration tests.

bantin        absolute path of the binary under test ($BANTIN, default
              build/san/bantin from the repository root)
http_server   the hostile server of httpserver.py on a free 127.0.0.1 port,
              one per session, its counters zeroed for each test:
              http_server.url("/feed/x"), http_server.stats.snapshot()
dead_url      an http URL on a 127.0.0.1 port where nothing listens
"""

import os
import socket
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import httpserver  # noqa: E402


@pytest.fixture(scope="session")
def bantin():
    path = os.path.abspath(os.environ.get("BANTIN",
                                          str(ROOT / "build/san/bantin")))
    if not os.access(path, os.X_OK):
        pytest.fail("no bantin binary at %s (make build/san/bantin)" % path)
    return path


@pytest.fixture(scope="session")
def _server_session():
    srv = httpserver.start_in_thread()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def http_server(_server_session):
    _server_session.stats.reset()
    return _server_session


@pytest.fixture
def dead_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/feed" % port
