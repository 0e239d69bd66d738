"""Query results kept per process until the tables they read change.

Most of what a dashboard asks is asked again: the default Overview, a link a team shares, the same
filters re-applied after a detour, twenty analysts opening the morning view. A result is keyed by
its SQL text, its bound parameters and the version of every lake table the SQL names, so a new
batch in ``seizures`` invalidates the seizure cards and nothing else, and no stale figure can
survive a data change (no time-based expiry to guess).

Identical queries that arrive together run once ("single flight"): the first caller computes, the
others wait for its result, so a burst of analysts opening the same view costs one query. Only
small results are kept (``max_rows``), and the least recently used entry goes first. An entry is
any sized answer (a frame, the executor's ``Rows``), so the module needs no engine of its own.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any, Generic, TypeVar

Key = tuple[str, str, tuple[tuple[str, str], ...]]
V = TypeVar("V", bound=Sized)


def tables_named(sql: str, tables: Iterable[str]) -> tuple[str, ...]:
    """The lake tables a statement names, as whole words (``seizures`` but not ``seizures_x``)."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql))
    return tuple(sorted(t for t in tables if t in words))


class _Flight(Generic[V]):
    """One computation in progress that other threads may wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: V | None = None
        self.error: BaseException | None = None


class ResultCache(Generic[V]):
    """A thread-safe LRU of query results (``len`` is their rows) with single-flight
    computation."""

    def __init__(self, max_entries: int = 1024, max_rows: int = 20_000) -> None:
        self.max_entries = max_entries
        self.max_rows = max_rows
        self._entries: OrderedDict[Key, V] = OrderedDict()
        self._asked: dict[Key, Any] = {}  # what recomputes each kept entry (its parameters)
        self._used: dict[Key, float] = {}  # when each kept entry was last asked for
        self._flights: dict[Key, _Flight[V]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(sql: str, params: Any, versions: Mapping[str, str], everything: str) -> Key:
        """A statement naming no versioned table (a catalogue query, say) is keyed on
        ``everything``, the version of the whole data folder, to stay on the safe side."""
        named = tables_named(sql, versions)
        if not named:
            return sql, repr(params), (("*", everything),)
        return sql, repr(params), tuple((t, versions[t]) for t in named)

    def get_or_compute(self, key: Key, compute: Callable[[], V], params: Any = None) -> V:
        """The cached answer for ``key``, or ``compute()`` run once however many threads ask.
        ``params`` is kept with the entry and handed back by ``prune``, with the SQL, so the
        caller can ask again."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self._used[key] = time.monotonic()
                self.hits += 1
                return self._entries[key]
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
                self.misses += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return flight.result
        try:
            result = compute()
        except BaseException as exc:
            flight.error = exc
            raise
        else:
            flight.result = result
            if len(result) <= self.max_rows:
                with self._lock:
                    self._entries[key] = result
                    self._asked[key] = params
                    self._used[key] = time.monotonic()
                    while len(self._entries) > self.max_entries:
                        old, _ = self._entries.popitem(last=False)
                        self._asked.pop(old, None)
                        self._used.pop(old, None)
            return result
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()

    def prune(
        self, versions: Mapping[str, str], everything: str, recent_s: float = 30.0
    ) -> list[tuple[str, Any]]:
        """Drop results read from a table version that is no longer current: they can never be
        asked for again. Returns the (sql, params) of those asked for in the last ``recent_s``
        seconds, most recent first: what open pages show and will ask for again once they see
        the new version, worth computing before they do. Older ones are left to be asked."""
        versions = {**versions, "*": everything}
        now = time.monotonic()
        with self._lock:
            stale = [k for k in self._entries if any(versions.get(t, "") != v for t, v in k[2])]
            wanted = [k for k in reversed(stale) if now - self._used.get(k, 0.0) <= recent_s]
            asked = [(key[0], self._asked[key]) for key in wanted if key in self._asked]
            for key in stale:
                del self._entries[key]
                self._asked.pop(key, None)
                self._used.pop(key, None)
        return asked

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._asked.clear()
            self._used.clear()

    def __len__(self) -> int:
        return len(self._entries)
