"""The one execute path (``queries/executor.py``): the row cap, the time limit, confinement, and the
gateways and the SQL escape hatch built on it. Real DuckDB over real parquet files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from lake.writer import commit, write_partitioned
from queries.__main__ import main as queries_main
from queries.executor import (
    Executor,
    QueryError,
    QueryTimeout,
    RowCapExceeded,
    Rows,
    open_confined,
    resolve_cap,
)
from queries.gateway import Gateway
from queries.readonly import run_select
from queries.watchdog import watchdog
from tests.lake_rows import referral_events

ROWS = 10
SLOW = "SELECT sum(hash(i)) FROM range(20000000000) t(i)"  # minutes of work on two cores


@pytest.fixture
def numbers(tmp_path: Path) -> Path:
    """A folder holding one parquet file of ``ROWS`` rows, ``i`` = 0..9 and ``k`` = i * 7 % 10."""
    folder = tmp_path / "numbers"
    folder.mkdir()
    frame = pl.DataFrame({"i": range(ROWS), "k": [i * 7 % ROWS for i in range(ROWS)]})
    frame.write_parquet(folder / "numbers.parquet")
    return folder


def _executor(folder: Path) -> Executor:
    return Executor(lambda: open_confined(folder))


def _read(folder: Path) -> str:
    return f"SELECT i, k FROM read_parquet('{folder / 'numbers.parquet'}') ORDER BY k DESC"


def test_exe001_a_capped_answer_has_cap_rows_and_says_it_was_cut(numbers):
    executor = _executor(numbers)
    whole = executor.run(_read(numbers), cap=None)
    assert len(whole) == ROWS and not whole.truncated
    cut = executor.run(_read(numbers), cap=ROWS - 1)
    assert cut.truncated
    # the first rows in the statement's own order: the ORDER BY holds through the cap
    assert cut.frame.equals(whole.frame.head(ROWS - 1))
    exact = executor.run(_read(numbers), cap=ROWS)
    assert len(exact) == ROWS and not exact.truncated
    under = executor.run(f"{_read(numbers)} LIMIT ?", [ROWS - 1], cap=ROWS)
    assert len(under) == ROWS - 1 and not under.truncated


def test_exe002_the_default_cap_is_the_setting(numbers, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_QUERY_ROW_CAP", "3")
    rows = _executor(numbers).run(_read(numbers))
    assert len(rows) == 3 and rows.truncated
    assert resolve_cap(None) is None and resolve_cap(5) == 5
    for bad in (-1, True):
        with pytest.raises(ValueError):
            resolve_cap(bad)


def test_exe003_named_parameters_take_the_cap_too(numbers):
    sql = f"SELECT i FROM read_parquet('{numbers / 'numbers.parquet'}') WHERE i >= $low ORDER BY i"
    rows = _executor(numbers).run(sql, {"low": 4}, cap=2)
    assert rows.frame["i"].to_list() == [4, 5] and rows.truncated


def test_exe004_a_statement_with_a_trailing_comment_or_semicolon_is_capped(numbers):
    rows = _executor(numbers).run(f"{_read(numbers)} -- newest first\n;", cap=1)
    assert rows.frame["k"].to_list() == [9] and rows.truncated


def test_exe005_the_time_limit_stops_a_capped_query(numbers, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_QUERY_TIME_LIMIT_MS", "200")
    executor = _executor(numbers)
    with pytest.raises(QueryTimeout, match="longer than 0.2 s"):
        executor.run(SLOW, cap=5)
    assert executor.run("SELECT 41 + 1 AS n", cap=5).frame["n"].to_list() == [42]
    assert watchdog.watching() == 0


def test_exe006_the_database_reads_only_its_folder(numbers, tmp_path):
    outside = tmp_path / "outside.parquet"
    pl.DataFrame({"x": [1]}).write_parquet(outside)
    with pytest.raises(QueryError):
        _executor(numbers).run(f"SELECT * FROM read_parquet('{outside}')")


def test_exe007_selects_only_refuses_anything_else_before_it_runs(numbers):
    executor = Executor(lambda: open_confined(numbers), selects_only=True)
    for sql in ("CREATE TABLE t AS SELECT 1", "SELECT 1; SELECT 2", "SET threads = 1"):
        with pytest.raises(QueryError, match="single SELECT"):
            executor.run(sql, cap=None)
    assert not executor.opened  # refused before the database was even opened
    assert executor.run("SELECT 1 AS one").frame["one"].to_list() == [1]


def test_exe008_whole_refuses_a_cut_answer():
    cut = Rows.cut(pl.DataFrame({"n": range(4)}), 3)
    assert cut.truncated and len(cut) == 3
    with pytest.raises(RowCapExceeded, match="more than 3 rows"):
        cut.whole()
    assert Rows.cut(pl.DataFrame({"n": range(3)}), 3).whole().height == 3


# -- the internal gateway -----------------------------------------------------------------------
@pytest.fixture
def referrals_lake(tmp_path: Path) -> Path:
    """A lake whose referral_events table holds ``ROWS`` rows, one per day from 2025-01-01."""
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(ROWS)]
    files = write_partitioned("referral_events", referral_events(days), "ten", tmp_path)
    commit("referral_events", add=files, data_dir=tmp_path)
    return tmp_path


LATEST = "SELECT occurred_on FROM referral_events ORDER BY occurred_on DESC"


def test_exe009_the_gateway_caps_its_answers_and_keys_the_cache_on_the_cap(referrals_lake):
    gateway = Gateway(referrals_lake)
    cut = gateway.rows(LATEST, cap=ROWS - 1)
    assert len(cut) == ROWS - 1 and cut.truncated
    assert cut.frame["occurred_on"][0] == date(2025, 1, ROWS)
    whole = gateway.rows(LATEST, cap=ROWS)
    assert len(whole) == ROWS and not whole.truncated  # not the cut answer from the cache
    assert gateway.rows(LATEST, cap=ROWS - 1) is cut  # the same ask is served from the cache
    assert gateway.frame(LATEST, cap=None).height == ROWS


def test_exe010_the_gateways_frame_refuses_rather_than_cuts(referrals_lake, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_QUERY_ROW_CAP", str(ROWS - 1))
    gateway = Gateway(referrals_lake)
    with pytest.raises(RowCapExceeded):
        gateway.frame(LATEST)
    assert gateway.frame(LATEST, cap=None).height == ROWS  # a caller that needs every row
    assert gateway.frame(f"{LATEST} LIMIT 3").height == 3


def test_exe011_the_sql_escape_hatch_says_when_it_cut(referrals_lake, monkeypatch, capsys):
    monkeypatch.setenv("CHOKEPOINT_DATA", str(referrals_lake))
    monkeypatch.setenv("CHOKEPOINT_QUERY_ROW_CAP", str(ROWS - 1))
    assert run_select(LATEST, Gateway(referrals_lake), limit=ROWS + 5).truncated  # cap holds
    assert queries_main(["sql", LATEST, "--csv"]) == 0
    out = capsys.readouterr()
    assert out.out.count("\n") == ROWS  # a header and the cap's rows
    assert "truncated" in out.err and "CHOKEPOINT_QUERY_ROW_CAP" in out.err
    assert queries_main(["sql", LATEST, "--csv", "--limit", "2"]) == 0
    assert "--limit" in capsys.readouterr().err
    assert queries_main(["sql", f"{LATEST} LIMIT 5", "--csv"]) == 0
    assert "truncated" not in capsys.readouterr().err


def test_exe012_a_cap_keeps_the_order_of_a_parallel_sort(tmp_path):
    """The cap wraps the statement in a subquery: its ORDER BY must still decide which rows come
    first, over many row groups read by several threads."""
    n = 300_000
    frame = pl.DataFrame({"i": range(n)}).with_columns(k=(pl.col("i") * 7919) % n)
    frame.write_parquet(tmp_path / "many.parquet", row_group_size=10_000)
    sql = f"SELECT i, k FROM read_parquet('{tmp_path / 'many.parquet'}') ORDER BY k DESC"
    rows = _executor(tmp_path).run(sql, cap=1_000)
    assert rows.truncated
    assert rows.frame["k"].to_list() == list(range(n - 1, n - 1_001, -1))
