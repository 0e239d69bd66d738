"""An executed query's rows as a polars frame, by whichever road is cheaper for its size.

Most answers the pages ask for are small: two KPI rows, eleven breakdown rows, a page of 100
records. For those, DuckDB's Python rows turned into a frame cost less than an Arrow table
(the Arrow export has a fixed cost), a sixth of a KPI card's whole answer. Past a few
hundred rows the Arrow export wins, and by an order of magnitude at 100 thousand. So the first
``ROWS_FIRST`` rows come as Python rows and the rest, if any, as one Arrow table.

Either road gives the same frame: the schema comes from the result's column types, so an empty
answer or a column whose first rows are empty keeps its type, and ENUM columns (the hot tables',
``queries/hot.py``) come back as plain text, as callers expect.
"""

from __future__ import annotations

import contextlib
import warnings

import duckdb
import polars as pl

ROWS_FIRST = 512

# DuckDB type ids whose Python values polars builds into the dtype the Arrow road gives. Other
# types (DECIMAL, HUGEINT, lists, structs, intervals, zoned timestamps, ...) take the Arrow road.
ROW_DTYPES: dict[str, pl.DataType] = {
    "boolean": pl.Boolean(),
    "tinyint": pl.Int8(),
    "smallint": pl.Int16(),
    "integer": pl.Int32(),
    "bigint": pl.Int64(),
    "utinyint": pl.UInt8(),
    "usmallint": pl.UInt16(),
    "uinteger": pl.UInt32(),
    "ubigint": pl.UInt64(),
    "float": pl.Float32(),
    "double": pl.Float64(),
    "varchar": pl.String(),
    "enum": pl.String(),
    "date": pl.Date(),
    "time": pl.Time(),
    "timestamp": pl.Datetime("us"),
    "null": pl.Null(),
}


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its categorical columns (the hot tables' ENUMs, ``queries/hot.py``) as
    plain strings: callers join, compare and serialise them as the lake's text columns."""
    coded = [n for n, t in frame.schema.items() if isinstance(t, pl.Categorical | pl.Enum)]
    return frame.with_columns(pl.col(coded).cast(pl.String)) if coded else frame


def row_schema(description: list[tuple] | None) -> list[tuple[str, pl.DataType]] | None:
    """The frame schema of a result whose every column can be built from Python rows, else
    None. ``description`` is the DB-API description of an executed query."""
    if not description:
        return None
    schema = []
    for column in description:
        dtype = ROW_DTYPES.get(column[1].id)
        if dtype is None:
            return None
        schema.append((column[0], dtype))
    return schema


def _arrow_rest(cursor: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    with warnings.catch_warnings():
        # the export copies the rows once more than a relation's would: a big answer's rest
        # only, which is still far cheaper than Python rows
        warnings.simplefilter("ignore", UserWarning)
        return as_text(pl.from_arrow(cursor.to_arrow_table()))


def fetch_frame(cursor: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """All rows of the query ``cursor`` has just executed, as a frame; the result is finished
    (or cancelled on error), so the cursor is free for the next statement."""
    try:
        schema = row_schema(cursor.description)
        if schema is None:
            return _arrow_rest(cursor)
        rows = cursor.fetchmany(ROWS_FIRST)
        head = pl.DataFrame(rows, schema=schema, orient="row")
        if len(rows) < ROWS_FIRST:
            return head
        return pl.concat([head, _arrow_rest(cursor).cast(dict(schema))])
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # nothing left to cancel
            cursor.abort()
        raise
