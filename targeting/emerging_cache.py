"""Emerging threats, computed in the background and served while a newer answer is computed.

The signals compare the last 90 days with the year before over every shipment and score in that
window: seconds of work at tens of millions of shipments. A batch that lands every few seconds
hardly moves a 90-day rate, so the card does not recompute per batch: it serves the last answer,
and recomputes in the background once the answer is older than ``emerging_refresh_s`` or the
lake's latest day has moved on. Only the very first answer of a process is computed while the
caller waits, and the app's keep-warm thread asks for it at start-up (``prime``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

import settings
from queries.gateway import Gateway, QueryError
from targeting import emerging


@dataclass(frozen=True, eq=False)
class Answer:
    """One computed answer; compared and hashed by identity (a frame has no value hash)."""

    frame: pl.DataFrame
    as_of: date
    computed_at: datetime  # wall clock (UTC), shown on the card
    monotonic: float


class EmergingCache:
    """One answer per data folder, refreshed in the background."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Path, Answer] = {}
        self._running: set[Path] = set()
        self._first = threading.Lock()  # the first answer is computed once, not per caller

    def get(self, gateway: Gateway, as_of: datetime | date) -> Answer:
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        folder = gateway.data_dir
        answer = self._answers.get(folder)
        if answer is None:
            with self._first:
                answer = self._answers.get(folder) or self._compute(gateway, day)
            return answer
        max_age = settings.get("emerging_refresh_s")
        if answer.as_of != day or time.monotonic() - answer.monotonic > max_age:
            self._refresh_in_background(gateway, day)
        return answer

    def prime(self, gateway: Gateway, as_of: datetime | date | None) -> None:
        if as_of is not None:
            self.get(gateway, as_of)

    def _compute(self, gateway: Gateway, day: date) -> Answer:
        frame = emerging.signals(gateway, day)
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        answer = Answer(frame, day, now, time.monotonic())
        with self._lock:
            self._answers[gateway.data_dir] = answer
        return answer

    def _refresh_in_background(self, gateway: Gateway, day: date) -> None:
        with self._lock:
            if gateway.data_dir in self._running:
                return
            self._running.add(gateway.data_dir)

        def work() -> None:
            try:
                self._compute(gateway, day)
            except QueryError as exc:
                logging.getLogger(__name__).warning("emerging threats not refreshed: %s", exc)
            finally:
                with self._lock:
                    self._running.discard(gateway.data_dir)

        threading.Thread(target=work, name="emerging-refresh", daemon=True).start()


cache = EmergingCache()
