"""`make run` as a newcomer meets it: `python app.py` on a data folder with no accounts prints
the first administrator's password once and serves sign-in under gunicorn; that password signs
in; the next start prints none.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.public_helpers import free_port
from tests.repo import REPO

PASSWORD_LINE = re.compile(r"^\s{6}(\S{12,})\s*$", re.M)


def _start(data_dir: Path, port: int, log: Path, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "CHOKEPOINT_DATA": str(data_dir),
        "CHOKEPOINT_SERVER_WORKERS": "1",
        "CHOKEPOINT_SERVER_THREADS": "2",
    }
    with open(log, "wb") as sink:
        return subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), *extra],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _until_up(port: int, proc: subprocess.Popen, log: Path) -> http.client.HTTPResponse:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            answer = conn.getresponse()
            answer.read()
            if answer.status == 200:
                return answer
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not up: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def test_srv001_a_fresh_run_prints_the_admin_password_once_and_serves_sign_in(tiny_lake, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(tiny_lake, data_dir)
    port, log = free_port(), tmp_path / "first.log"
    proc = _start(data_dir, port, log)
    try:
        answer = _until_up(port, proc, log)
        assert answer.getheader("Server") == "gunicorn"  # the production server, no version
        printed = log.read_text()
        assert "created user 'admin'" in printed
        password = PASSWORD_LINE.search(printed).group(1)
        assert "development server" not in printed.lower()
    finally:
        _stop(proc)

    from accounts import service

    assert service.authenticate("admin", password, data_dir=data_dir).role == "admin"

    port, log = free_port(), tmp_path / "second.log"
    proc = _start(data_dir, port, log)
    try:
        _until_up(port, proc, log)
        assert "created user" not in log.read_text()
        assert password not in log.read_text()
    finally:
        _stop(proc)


def test_srv002_the_development_server_starts_and_serves_sign_in(tiny_lake, tmp_path):
    """``python app.py --debug``, the one-process server a developer runs, must start too."""
    data_dir = tmp_path / "data"
    shutil.copytree(tiny_lake, data_dir)
    port, log = free_port(), tmp_path / "debug.log"
    proc = _start(data_dir, port, log, "--debug")
    try:
        answer = _until_up(port, proc, log)
        assert answer.getheader("Server") != "gunicorn"
        assert "development server" in log.read_text()
    finally:
        _stop(proc)
