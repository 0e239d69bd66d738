"""Emerging threats are served from the last answer while a newer one is computed, and the
answer is shared through the data folder: a process that starts serves it from disk, and one
process at a time recomputes it."""

from __future__ import annotations

import fcntl
import threading
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from queries import seizure_stats
from queries.executor import QueryError
from queries.gateway import Gateway
from targeting import emerging_cache
from targeting.emerging_cache import EmergingCache


def _join_refresh() -> None:
    for thread in threading.enumerate():
        if thread.name == "emerging-refresh":
            thread.join(60)


@pytest.fixture(scope="module")
def own_lake(lake_copy):
    return lake_copy("emerging-cache")


@pytest.fixture
def gateway(own_lake) -> Gateway:
    """A copy of the demo lake with no stored answer."""
    (own_lake / "state" / emerging_cache.ANSWER_FILE).unlink(missing_ok=True)
    return Gateway(own_lake)


def test_emc001_a_new_day_serves_the_old_answer_then_the_new_one(gateway):
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


def test_emc002_a_fresh_answer_is_reused(gateway):
    today = seizure_stats.as_of(gateway)
    cache = EmergingCache()
    first = cache.get(gateway, today)
    assert cache.get(gateway, today) is first
    assert not [t for t in threading.enumerate() if t.name == "emerging-refresh"]


def test_emc003_a_starting_process_serves_the_stored_answer_without_computing(gateway):
    today = seizure_stats.as_of(gateway)
    computed = EmergingCache().get(gateway, today)
    assert (gateway.data_dir / "state" / emerging_cache.ANSWER_FILE).is_file()
    started = EmergingCache()  # another worker, later
    served = started.get(gateway, today)
    assert served.computed_at == computed.computed_at and served.as_of == today
    assert served.frame.equals(computed.frame)
    assert not [t for t in threading.enumerate() if t.name == "emerging-refresh"]


def test_emc004_one_process_recomputes_the_others_pick_its_answer_up(gateway):
    today = seizure_stats.as_of(gateway)
    old = emerging_cache.compute(gateway, today - timedelta(days=30))
    ours = EmergingCache()
    lock = gateway.data_dir / "state" / emerging_cache.LOCK_FILE
    with open(lock, "a+") as other:  # another process is recomputing
        fcntl.flock(other, fcntl.LOCK_EX)
        assert ours.get(gateway, today).computed_at == old.computed_at
        _join_refresh()  # ours saw the lock and left the work to the holder
        assert emerging_cache.load(gateway.data_dir).as_of == old.as_of
        emerging_cache.compute(gateway, today)  # the holder's answer lands on disk
        fcntl.flock(other, fcntl.LOCK_UN)
    picked = ours.get(gateway, today)
    assert picked.as_of == today and picked.computed_at >= old.computed_at


def test_emc005_an_empty_answer_survives_the_round_trip(tmp_path):
    answer = emerging_cache.Answer(
        pl.DataFrame(), date(2025, 1, 1), datetime(2025, 1, 2, 3, 4), 0.0
    )
    emerging_cache.store(answer, tmp_path)
    loaded = emerging_cache.load(tmp_path)
    assert loaded.frame.is_empty() and loaded.as_of == answer.as_of
    assert loaded.computed_at == answer.computed_at


def test_emc006_a_failed_child_computation_is_a_clear_error(tmp_path):
    (tmp_path / "state").write_text("not a folder")  # the child cannot store its answer
    with pytest.raises(QueryError, match="emerging threats failed"):
        emerging_cache.compute_elsewhere(tmp_path, date(2025, 1, 1))
    assert emerging_cache.load(tmp_path) is None


def test_emc007_the_background_child_runs_on_idle_cpu_time_only():
    """``targeting emerging --background`` takes no CPU time the web workers want: the check
    runs in a process of its own, since the priority cannot be raised again."""
    import os
    import subprocess
    import sys

    from tests.repo import REPO

    script = (
        "import os; from targeting.__main__ import lowest_priority; lowest_priority(); "
        "idle = getattr(os, 'SCHED_IDLE', None); "
        "print(os.nice(0), idle is None or os.sched_getscheduler(0) == idle)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=dict(os.environ),
    )
    niceness, idle = done.stdout.split()
    assert niceness == "19" and idle == "True", done.stdout
