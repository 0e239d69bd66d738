"""Emerging threats are served from the last answer while a newer one is computed."""

from __future__ import annotations

import threading
from datetime import timedelta

from queries import seizure_stats
from queries.gateway import Gateway
from targeting.emerging_cache import EmergingCache


def _join_refresh() -> None:
    for thread in threading.enumerate():
        if thread.name == "emerging-refresh":
            thread.join(60)


def test_a_new_day_serves_the_old_answer_then_the_new_one(demo_lake):
    gateway = Gateway(demo_lake)
    today = seizure_stats.as_of(gateway)
    cache = EmergingCache()
    first = cache.get(gateway, today - timedelta(days=30))
    assert first.as_of == today - timedelta(days=30)
    assert not first.frame.is_empty()
    served = cache.get(gateway, today)
    assert served is first  # nobody waits for the recomputation
    _join_refresh()
    newer = cache.get(gateway, today)
    assert newer.as_of == today
    assert newer.computed_at >= first.computed_at


def test_a_fresh_answer_is_reused(demo_lake):
    gateway = Gateway(demo_lake)
    today = seizure_stats.as_of(gateway)
    cache = EmergingCache()
    first = cache.get(gateway, today)
    assert cache.get(gateway, today) is first
    assert not [t for t in threading.enumerate() if t.name == "emerging-refresh"]
