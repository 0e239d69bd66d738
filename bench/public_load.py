"""Load test of the public app under gunicorn, on loopback: N concurrent clients for S seconds.

Each client keeps one HTTP/1.1 connection and loops over what a browser asks of the public app
while someone reads it: a page render through Dash's page router (a random page and random
filters), a CSV download, the layout and the dependencies. Any non-2xx answer or socket error is
an error. ``python -m bench --public-load`` runs 50 clients for 60 s and writes
``bench/results/public-load-<timestamp>.json``; the test suite runs a short smoke version.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "/": ("fy", "region"),
    "/trends": ("region", "drug"),
    "/map": ("fy", "region", "drug"),
    "/doses": ("region",),
    "/modes": ("fy",),
    "/methods": (),
}
REGIONS = ("southwest-border", "northern-border", "coastal-interior")
DRUGS = ("fentanyl", "methamphetamine", "cocaine", "heroin", "marijuana", "other-drugs")
YEARS = tuple(range(2019, 2027))
DOWNLOADS = ("headline", "drug-mix", "monthly", "areas", "area-months", "doses", "modes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def route_payload(path: str, search: str) -> bytes:
    """The request Dash's page router sends when the browser opens ``path + search``."""
    return json.dumps(
        {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": search},
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [],
        }
    ).encode()


def random_query(rng: random.Random, keys: tuple[str, ...]) -> str:
    choices = {"fy": YEARS, "region": REGIONS, "drug": DRUGS}
    query = {k: str(rng.choice(choices[k])) for k in keys if rng.random() < 0.7}
    return f"?{urlencode(query)}" if query else ""


def _request(rng: random.Random) -> tuple[str, str, bytes | None]:
    roll = rng.random()
    if roll < 0.6:
        path = rng.choice(list(PAGES))
        return (
            "POST",
            "/_dash-update-component",
            route_payload(path, random_query(rng, PAGES[path])),
        )
    if roll < 0.85:
        name = rng.choice(DOWNLOADS)
        return "GET", f"/download/{name}.csv" + random_query(rng, ("fy", "region", "drug")), None
    return "GET", rng.choice(("/_dash-layout", "/_dash-dependencies", "/")), None


def _client(host: str, port: int, stop: float, seed: int, out: list, errors: list) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    while time.monotonic() < stop:
        method, path, body = _request(rng)
        headers = {"Content-Type": "application/json"} if body else {}
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{method} {path}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        out.append((time.perf_counter() - started) * 1000)
        if status >= 300:
            errors.append(f"{method} {path}: HTTP {status}")
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def run(base: str, clients: int = 50, seconds: float = 60.0, seed: int = 1) -> dict:
    """Drive ``clients`` concurrent clients against ``base`` (``http://host:port``)."""
    host, port = base.split("//", 1)[1].split(":")
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client, args=(host, int(port), stop, seed + i, latencies[i], errors)
        )
        for i in range(clients)
    ]
    elapsed = run_threads(threads)
    every = [v for part in latencies for v in part]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "errors": len(errors),
        "error_samples": errors[:5],
        "rps": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 0.50), 1),
        "p95_ms": round(percentile(every, 0.95), 1),
        "p99_ms": round(percentile(every, 0.99), 1),
        "max_ms": round(max(every, default=0.0), 1),
    }


@contextlib.contextmanager
def gunicorn(data_dir: Path, workers: int | None = None, threads: int = 8) -> Iterator[str]:
    """The public app under gunicorn on a free loopback port; yields its base URL."""
    port = free_port()
    workers = workers or max(2, os.cpu_count() or 1)  # CPU-bound Python: one worker per CPU
    env = {**os.environ, "CHOKEPOINT_DATA": str(data_dir)}
    from app import gunicorn_command

    cmd = gunicorn_command(True, "127.0.0.1", port, workers, threads, log_level="warning")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        yield base
    finally:
        stop(proc)


def run_threads(threads: list[threading.Thread]) -> float:
    """Start every thread, wait for all; the seconds it took (the load test's wall time)."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop, and make sure it has after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until_up(
    base: str, proc: subprocess.Popen, timeout: float = 90.0, path: str = "/_dash-layout"
) -> None:
    """Poll until the app answers ``path`` (the public layout; the internal app's sign-in page,
    all it shows before sign-in), bounded: raise after ``timeout`` seconds."""
    host, port = base.split("//", 1)[1].split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not answer within {timeout:.0f} s")
