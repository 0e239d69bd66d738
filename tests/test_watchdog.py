"""The gateway's time limit: one watchdog thread stops a query past it, and only that query."""

from __future__ import annotations

import threading

import pytest

from queries.executor import QueryTimeout
from queries.gateway import Gateway
from queries.watchdog import Watchdog, watchdog

SLOW = "SELECT sum(hash(i)) FROM range(20000000000) t(i)"  # minutes of work on two cores


def test_wdg001_a_query_past_the_limit_is_stopped(tiny_lake, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_QUERY_TIME_LIMIT_MS", "200")
    gateway = Gateway(tiny_lake)
    with pytest.raises(QueryTimeout, match="longer than 0.2 s"):
        gateway.frame(SLOW, cache=False)
    # the cursor works afterwards, and nothing is left under watch
    assert gateway.scalar("SELECT 41 + 1") == 42
    assert watchdog.watching() == 0


def test_wdg002_a_query_that_ended_in_time_is_not_interrupted_later(tiny_lake, monkeypatch):
    gateway = Gateway(tiny_lake)
    monkeypatch.setenv("CHOKEPOINT_QUERY_TIME_LIMIT_MS", "50")
    assert gateway.scalar("SELECT 1") == 1  # its deadline passes while the next one runs
    monkeypatch.setenv("CHOKEPOINT_QUERY_TIME_LIMIT_MS", "60000")
    total = gateway.scalar("SELECT count(*) FROM range(400000000) t(i) WHERE hash(i) % 7 = 0")
    assert total > 0


def test_wdg003_queries_share_one_thread():
    dog = Watchdog()

    class Cursor:
        interrupted = 0

        def interrupt(self) -> None:
            Cursor.interrupted += 1

    before = threading.active_count()
    for _ in range(200):
        with dog.limit(Cursor(), 30):
            pass
    assert threading.active_count() <= before + 1
    assert dog.watching() == 0 and Cursor.interrupted == 0
