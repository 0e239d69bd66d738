"""``python -m ingest simulate``: a live feed for demos, written into the inbox like a real one.

About every second (``TICK_S``) it writes the rows that "happened" since the last tick: about
``rate`` rows per second, a fifth of them seizures, the rest shipments, and now and then a
partner's referral events: new referrals of seizures it reported earlier and the next step of
open cases (``partner_updates``). Each table's rows go to their own file, written under
a hidden ``.tmp`` name and renamed into place, so the watcher never sees half a file. With
``--bad-share`` some rows are spoilt (negative quantities, unknown ports, future dates...) to show
the quarantine at work.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ingest.live import partner_updates
from ingest.live.paths import inbox_dir
from ingest.live.synth import corrupt, make_ids, synth_seizures, synth_shipments
from lake.layout import ensure_dir

TICK_S = 1.0
SEIZURE_SHARE = 0.2
REFERRAL_CHANCE = 0.3  # per tick
FORMATS = ("csv", "jsonl", "parquet")


def port_context(data_dir: Path | None):
    """Real land-port traffic from the lake when it has BTS data; plain weights otherwise."""
    from ingest.generate import port_context as from_lake
    from ingest.generate.seizures import PortContext
    from lake import reference
    from queries.gateway import Gateway

    try:
        return from_lake(Gateway(data_dir))
    except Exception:  # no lake yet: the simulator still runs, with flat land-port weights
        return PortContext(reference.ports(), {}, {})


def write_atomically(frame: pl.DataFrame, folder: Path, name: str, fmt: str) -> Path:
    """Write ``frame`` as ``name`` in ``folder`` via a hidden temporary file and a rename."""
    target = folder / name
    tmp = folder / f".{name}.tmp"
    if fmt == "csv":
        frame.write_csv(tmp)
    elif fmt == "jsonl":
        frame.write_ndjson(tmp)
    else:
        frame.write_parquet(tmp)
    os.replace(tmp, target)
    return target


class Simulator:
    def __init__(
        self,
        rate: float = 50.0,
        bad_share: float = 0.0,
        file_format: str = "csv",
        seed: int | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.rate, self.bad_share, self.file_format = rate, bad_share, file_format
        self.rng = np.random.default_rng(seed)
        self.inbox = ensure_dir(inbox_dir(data_dir))
        self.ctx = port_context(data_dir)
        self.recent: deque[str] = deque(maxlen=500)
        self.ticks = 0
        self.rows = {"seizures": 0, "shipments": 0, "referral_events": 0}
        self.cases = partner_updates.open_cases(data_dir, self.rng)

    def _format(self) -> str:
        if self.file_format != "mixed":
            return self.file_format
        return FORMATS[self.ticks % len(FORMATS)]

    def _write(self, table: str, frame: pl.DataFrame, stamp: str, now: datetime) -> Path | None:
        if frame.is_empty():
            return None
        if self.bad_share > 0:
            frame = corrupt(frame, table, self.rng, self.bad_share, now)
        fmt = self._format()
        self.rows[table] += frame.height
        name = f"{table}-{stamp}-{os.getpid()}.{fmt}"
        return write_atomically(frame, self.inbox, name, fmt)

    def _partner_events(self, now: datetime, tick_us: int) -> pl.DataFrame:
        """New referrals of recently reported seizures and the next step of open cases."""
        today = now.date()
        k = min(len(self.recent), int(self.rng.integers(0, 3)))
        seizure_ids = [self.recent.popleft() for _ in range(k)]
        rows = partner_updates.new_referrals(
            self.rng, seizure_ids, make_ids("RFL", tick_us, k), today, self.cases
        )
        steps = int(self.rng.integers(1, 4))
        rows += partner_updates.next_steps(self.rng, self.cases, steps, today, tick_us)
        return partner_updates.events_frame(rows, make_ids("EVL", tick_us, len(rows)))

    def tick(self, seconds: float = TICK_S) -> list[Path]:
        """Write the files of one tick (``seconds`` worth of rows); returns their paths."""
        now = datetime.now(UTC).replace(tzinfo=None)
        tick_us = int(now.timestamp() * 1_000_000)
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        n = int(self.rng.poisson(self.rate * seconds))
        n_seizures = int(self.rng.binomial(n, SEIZURE_SHARE))
        seizures = synth_seizures(self.rng, n_seizures, now, self.ctx, tick_us)
        shipments = synth_shipments(self.rng, n - n_seizures, now, tick_us, seizures.clear())
        written = [
            self._write("seizures", seizures, stamp, now),
            self._write("shipments", shipments, stamp, now),
        ]
        if self.rng.random() < REFERRAL_CHANCE:
            written.append(
                self._write("referral_events", self._partner_events(now, tick_us), stamp, now)
            )
        self.recent.extend(seizures["seizure_id"].to_list())
        self.ticks += 1
        return [p for p in written if p is not None]


def simulate(
    rate: float = 50.0,
    seconds: float | None = None,
    bad_share: float = 0.0,
    file_format: str = "csv",
    seed: int | None = None,
    data_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> Simulator:
    """Write ticks until ``seconds`` have passed (forever if None) or SIGTERM/SIGINT."""
    log = log or (lambda line: print(line, flush=True))
    sim = Simulator(rate, bad_share, file_format, seed, data_dir)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    log(f"simulating {rate:g} rows/s into {sim.inbox}" + (f" for {seconds:g} s" if seconds else ""))
    while not stop.is_set():
        if seconds is not None and time.monotonic() - started >= seconds:
            break
        sim.tick()
        next_tick = started + sim.ticks * TICK_S
        stop.wait(max(0.0, next_tick - time.monotonic()))  # pacing of a feed, not a test wait
    log(f"wrote {sim.ticks} ticks: " + ", ".join(f"{v:,} {k}" for k, v in sim.rows.items()))
    return sim
