"""A query's rows as a frame: Python rows for the first ``ROWS_FIRST``, Arrow for the rest, and
the same frame as the Arrow export alone whichever road (or both) a result takes."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from queries.result_frame import ROWS_FIRST, as_text, fetch_frame, row_schema

# every type the row road builds, with NULLs in the first rows (type inference would guess)
EVERY_ROW_TYPE = """
    SELECT range % 2 = 0 AS flag,
           CAST(range % 100 AS TINYINT) AS tiny, CAST(range % 30000 AS SMALLINT) AS small,
           CAST(range AS INTEGER) AS int, CASE WHEN range > 2 THEN range * 1000000000 END AS big,
           CAST(range % 200 AS UTINYINT) AS utiny, CAST(range AS UBIGINT) AS ubig,
           CAST(range / 3 AS FLOAT) AS f32, CASE WHEN range > 4 THEN range / 7 END AS f64,
           'port ' || range AS text, CAST(['a', 'b'][range % 2 + 1] AS code) AS coded,
           DATE '2025-01-01' + CAST(range AS INTEGER) AS day,
           TIMESTAMP '2025-01-01 08:00:00' + to_seconds(range) AS at,
           TIME '08:00:00' + to_seconds(range % 3600) AS clock,
           NULL AS nothing
    FROM range(?)
"""


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("CREATE TYPE code AS ENUM ('a', 'b')")
    yield connection
    connection.close()


def _by_arrow(con, sql: str, params: list) -> pl.DataFrame:
    return as_text(pl.from_arrow(con.sql(sql, params=params).to_arrow_table()))


@pytest.mark.parametrize("rows", [0, 3, ROWS_FIRST - 1, ROWS_FIRST, ROWS_FIRST + 5, 3 * ROWS_FIRST])
def test_rfr001_rows_and_arrow_give_the_same_frame(con, rows):
    con.execute(EVERY_ROW_TYPE, [rows])
    assert row_schema(con.description) is not None  # the row road is taken
    got = fetch_frame(con)
    expected = _by_arrow(con, EVERY_ROW_TYPE, [rows])
    assert_frame_equal(got, expected)
    assert got.height == rows
    assert got.schema["coded"] == pl.String and got.schema["big"] == pl.Int64


def test_rfr002_other_types_take_the_arrow_road_whole(con):
    sql = """SELECT CAST(range AS DECIMAL(9, 2)) AS amount, CAST(range AS HUGEINT) AS huge,
                    [range, range] AS pair, {'n': range} AS box FROM range(?)"""
    con.execute(sql, [ROWS_FIRST + 3])
    assert row_schema(con.description) is None
    assert_frame_equal(fetch_frame(con), _by_arrow(con, sql, [ROWS_FIRST + 3]))


def test_rfr003_a_failed_fetch_leaves_the_cursor_free(con):
    # the error is raised by a row past the first batch, so after execute() has returned
    failing = "SELECT CASE WHEN range < 100000 THEN range ELSE error('boom') END AS n FROM range(?)"
    with pytest.raises(duckdb.Error, match="boom"):
        fetch_frame(con.execute(failing, [200000]))
    assert con.sql("SELECT 42 AS answer").fetchall() == [(42,)]
