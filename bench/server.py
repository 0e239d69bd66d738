"""The real internal app under gunicorn, for benchmarks that go through HTTP like a browser does.

``serve(data_dir)`` starts gunicorn as ``make run`` does (``app.gunicorn_command``; no
``--preload``: DuckDB is not fork-safe, so each worker builds its own app and opens its own
database after the fork), with the benchmark's account in the lake (``bench/signin.py``), waits
until an analyst would actually see numbers, and yields a ``Served`` with the base URL, the
master's pid, the cold-start time and a reader of each worker's peak memory.

Cold start is measured to the first answer of ``GET /`` *and* of one real data callback (the
Overview's KPI cards): a page shell without figures is not "up" for the person waiting on it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.public_load import ROOT, free_port, stop, wait_until_up

# The Overview's KPI cards: the first numbers an analyst sees on opening the app.
FIRST_NUMBERS = "overview-events-value"


@dataclass(frozen=True)
class Served:
    """A running gunicorn serving the internal app."""

    base: str  # http://127.0.0.1:<port>
    master_pid: int
    started_s: float  # Popen -> GET / answered 200 and one data callback answered 200

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        return worker_pids(self.master_pid)

    def worker_peak_rss_mb(self) -> dict[int, float]:
        """Peak resident memory (VmHWM) of each worker, in MiB, keyed by pid.

        The peak, not the current RSS: DuckDB and Plotly release memory after a request, and a
        capacity plan has to fit the high-water mark of every worker at once.
        """
        out = {}
        for pid in self.worker_pids():
            kib = _status_kib(pid, "VmHWM")
            if kib is not None:
                out[pid] = round(kib / 1024, 1)
        return out


def worker_pids(master_pid: int) -> list[int]:
    """Children of ``master_pid``, read from ``/proc`` (Linux only)."""
    children: set[int] = set()
    for children_file in Path(f"/proc/{master_pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children.update(int(p) for p in children_file.read_text().split())
    if children:
        return sorted(children)
    for status in Path("/proc").glob("[0-9]*/status"):  # kernels without the children file
        with contextlib.suppress(OSError, ValueError):
            if _status_field(status.read_text(), "PPid") == str(master_pid):
                children.add(int(status.parent.name))
    return sorted(children)


def _status_field(text: str, name: str) -> str | None:
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == name:
            return value.strip()
    return None


def _status_kib(pid: int, name: str) -> int | None:
    try:
        value = _status_field(Path(f"/proc/{pid}/status").read_text(), name)
    except OSError:
        return None
    return int(value.split()[0]) if value else None


def _first_numbers_payload(deps: list[dict]) -> bytes | None:
    """The KPI cards' callback as the browser posts it for the unfiltered Overview; None when
    the dependencies do not list it yet (see ``wait_for_numbers``)."""
    from bench.callbacks import _payload

    dep = next((d for d in deps if d["output"].startswith(f"..{FIRST_NUMBERS}.")), None)
    return None if dep is None else json.dumps(_payload(dep, "", "/")).encode()


def _numbers_once(conn: http.client.HTTPConnection) -> str | None:
    """One try at what a browser does to show the first numbers (signed in); what went wrong,
    or None."""
    from bench.signin import Cookies

    cookies = Cookies()
    cookies.sign_in(conn.host, conn.port, conn.timeout or 120.0)
    for path in ("/", "/_dash-dependencies"):
        conn.request("GET", path, headers=cookies.headers())
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            return f"GET {path}: HTTP {response.status}"
    payload = _first_numbers_payload(json.loads(body))
    if payload is None:
        return f"the KPI callback is not among the {len(json.loads(body))} dependencies listed"
    conn.request(
        "POST",
        "/_dash-update-component",
        body=payload,
        headers={"Content-Type": "application/json", **cookies.headers()},
    )
    response = conn.getresponse()
    answer = response.read()
    if response.status != 200:
        return f"KPI callback: HTTP {response.status}: {answer[:200]!r}"
    return None


def wait_for_numbers(base: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until ``GET /`` answers, then until the KPI callback answers 200 (bounded).

    Retried like an analyst reloading the page: Dash sets up a worker on its first request
    (``Dash._setup_server``) and marks it done *before* the callbacks are registered, so a
    request that arrives on another thread meanwhile can be served an incomplete dependency
    list or a callback that does not exist yet. That happens when a slow first request (a cold
    worker opening the lake on a loaded machine) outlives ``wait_until_up``'s 5 s timeout and
    is retried on a second thread.
    """
    deadline = time.monotonic() + timeout
    wait_until_up(base, proc, timeout, path="/login")
    host, port = base.split("//", 1)[1].split(":")
    problem = "not tried"
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            problem = _numbers_once(conn)
        except (OSError, http.client.HTTPException) as exc:
            problem = repr(exc)
        finally:
            conn.close()
        if problem is None:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"no numbers from {base} within {timeout:.0f} s: {problem}")


@contextlib.contextmanager
def serve(data_dir: Path, workers: int = 2, threads: int = 4) -> Iterator[Served]:
    """The internal app over ``data_dir`` under gunicorn (gthread) on a free loopback port.

    ``--keep-alive 30``: a benchmark client, like a browser, reuses one connection, and gunicorn
    keeps a keep-alive connection on the worker that accepted it. A short server keep-alive
    would drop idle analysts onto another worker and blur what "warm" means.
    """
    from app import gunicorn_command
    from bench.signin import ensure_user

    port = free_port()
    env = {**os.environ, "CHOKEPOINT_DATA": str(data_dir)}
    ensure_user(data_dir)
    cmd = gunicorn_command(False, "127.0.0.1", port, workers, threads, log_level="warning")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_numbers(base, proc)
        yield Served(base, proc.pid, round(time.perf_counter() - started, 2))
    finally:
        stop(proc)
