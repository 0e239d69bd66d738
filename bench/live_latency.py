"""Drop-to-screen latency: a batch file dropped in the inbox until a page's callback output changes.

The inbox watcher runs as a subprocess; this process plays the browser of an open page: it calls
the app's version-poll callback every ``dashboard_poll_s`` (2 s by default, starting at a random
phase, as a real tab would) and, once a table version changed, the card callback that shows new
shipments (the navbar's "arrived since you opened this page" counter). The time from the file's
rename into the inbox to that callback's new output is one sample. The baseline in the same run
is the poll interval itself: a page can never be faster than its next poll.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import settings
from bench.callbacks import _payload
from bench.ingest import LATENCY_ROWS, _encode, _frames, _relabel, _watcher, pct


def _deps(client) -> tuple[dict, dict]:
    deps = json.loads(client.get("/_dash-dependencies").get_data())
    poll = next(
        d
        for d in deps
        if "live-version-seizures.data" in d["output"]
        and any(i["id"] == "live-interval" for i in d["inputs"])
    )
    counter = next(d for d in deps if d["output"].startswith("..live-badge.title"))
    return poll, counter


def _poll(client, dep: dict, known: dict[str, str], n: int) -> dict[str, str]:
    """One version poll; returns the tables whose version changed (and updates ``known``)."""
    payload = {
        "output": dep["output"],
        "outputs": [
            {"id": part.rpartition(".")[0], "property": part.rpartition(".")[2]}
            for part in dep["output"].strip(".").split("...")
        ],
        "inputs": [{"id": "live-interval", "property": "n_intervals", "value": n}],
        "changedPropIds": ["live-interval.n_intervals"],
        "state": [
            {"id": s["id"], "property": "data", "value": known.get(s["id"], "")}
            for s in dep["state"]
        ],
    }
    body = client.post("/_dash-update-component", json=payload)
    if body.status_code == 204:
        return {}
    changed = {}
    for ident, props in json.loads(body.get_data())["response"].items():
        if ident.startswith("live-version-"):
            changed[ident] = props["data"]
    known.update(changed)
    return changed


def _counter(client, dep: dict, opened: str) -> str:
    payload = _payload(dep, "", "/")
    payload["state"] = [{"id": "live-opened", "property": "data", "value": {"at": opened}}]
    response = json.loads(client.post("/_dash-update-component", json=payload).get_data())
    return response["response"]["live-badge"]["title"]


def measure(batches: int = 10) -> dict:
    poll_s = settings.get("dashboard_poll_s")
    frame = _frames(LATENCY_ROWS)["shipments"]
    rng = random.Random(7)
    samples = []
    with tempfile.TemporaryDirectory(prefix="chokepoint-live-") as tmp:
        data_dir = Path(tmp)
        (data_dir / "inbox").mkdir()
        os.environ["CHOKEPOINT_DATA"] = str(data_dir)
        proc = _watcher(data_dir, None, None)
        try:
            from app import create_app
            from bench.signin import ensure_user, sign_in_test_client

            ensure_user(data_dir)
            client = create_app().server.test_client()
            sign_in_test_client(client)
            poll, counter = _deps(client)
            opened = "2000-01-01T00:00:00"
            known: dict[str, str] = {}
            _poll(client, poll, known, 0)
            before = _counter(client, counter, opened)
            for i in range(batches):
                rows = _relabel(frame, "shipments", f"E{i}-")
                tmp_file = _encode(rows, "csv", data_dir / "inbox" / f".shipments-e{i}.csv.tmp")
                started = time.perf_counter()
                os.replace(tmp_file, tmp_file.with_name(f"shipments-e{i}.csv"))
                next_tick = started + rng.uniform(0, poll_s)
                n = 0
                while True:
                    time.sleep(max(0.0, next_tick - time.perf_counter()))
                    n += 1
                    if _poll(client, poll, known, n):
                        after = _counter(client, counter, opened)
                        if after != before:
                            samples.append(time.perf_counter() - started)
                            before = after
                            break
                    next_tick += poll_s
                    if time.perf_counter() - started > 60:
                        raise TimeoutError("batch never reached the page")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {
        "dashboard_poll_s": poll_s,
        "file_settle_s": settings.get("file_settle_s"),
        "batches": batches,
        "rows_per_batch": LATENCY_ROWS,
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": round(pct(samples, 0.95), 3),
        "max_s": round(max(samples), 3),
        "baseline_poll_interval_s": poll_s,
        "x_baseline": round(statistics.median(samples) / poll_s, 2),
    }
