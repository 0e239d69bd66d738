"""One thread per process that stops queries running past their time limit.

A ``threading.Timer`` per query started a thread for every query and waited for it to come up,
a cost of the same order as most of the queries themselves (more under load). This keeps the
deadlines of the queries in flight in a heap and sleeps until the earliest one; a query that
ends in time is simply forgotten.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


class Watchdog:
    """Interrupts each watched cursor whose deadline passes before its query ends."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._watched: dict[int, Interruptible] = {}
        self._serial = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def limit(self, cursor: Interruptible, seconds: float) -> Iterator[None]:
        """Interrupt ``cursor`` if the block is still running after ``seconds``."""
        token = next(self._serial)
        with self._wake:
            self._watched[token] = cursor
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="query-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][1] == token:
                self._wake.notify()  # an earlier deadline than the one it sleeps towards
        try:
            yield
        finally:
            with self._wake:
                self._watched.pop(token, None)

    def watching(self) -> int:
        """Queries under watch now (for tests and the log)."""
        with self._wake:
            return len(self._watched)

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][1] not in self._watched:
                    heapq.heappop(self._heap)  # ended in time
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                cursor = self._watched.pop(token)
                cursor.interrupt()  # the query raises InterruptException in its own thread


watchdog = Watchdog()
