import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server import FIXTURES, Answer, TestServer  # noqa: F401  (re-exported for tests)

# Tests never wait for real backoff, and never reach past this machine.
os.environ.setdefault("ARCHIVER_BACKOFF", "0.01")
os.environ["ARCHIVER_OFFLINE"] = "1"
# The local server plays every platform: their polite rate limits would only slow the tests down
# (tests/test_ratelimits.py sets its own).
os.environ.setdefault("ARCHIVER_RATES", "*=none")


@pytest.fixture
def server():
    srv = TestServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "archive.db"


def run_archiver(*args, env=None, timeout=120):
    """Run the real command line in a child process; returns CompletedProcess (text)."""
    full_env = {**os.environ, "ARCHIVER_BACKOFF": "0.01", "ARCHIVER_RETRIES": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "archiver", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=Path(__file__).parent.parent)


@pytest.fixture
def archiver_cli():
    return run_archiver


def datasette_request(datasette, method, path, **kwargs):
    """One request through Datasette's in-process test client."""
    async def go():
        return await getattr(datasette.client, method)(path, **kwargs)
    return asyncio.run(go())


def datasette_get(datasette, path, **kwargs):
    return datasette_request(datasette, "get", path, **kwargs)
