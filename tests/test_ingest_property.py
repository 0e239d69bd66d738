"""Generated bad files through the real pipeline: every file gets a verdict, and nothing the
contract refuses reaches the lake.

Hypothesis builds each file from valid rows of a random table and spoils it: columns dropped or
added, values of the wrong JSON or parquet type, dates in the wrong shape, empty required values,
another separator, another encoding, bytes cut off at the end. Each spoilt value is marked
"must be refused" when the contract refuses it in that format (an object is text in a CSV, not
in JSON lines). For every file: ``process_file`` gives a report and never raises, rows read =
accepted + quarantined, the ``ingest_log`` holds the batch, the file left the inbox, the lake
holds exactly the accepted rows in the contract's types, and no row marked "must be refused" is
among them. Seeded (``derandomize``) and bounded, so a run takes well under a minute.
"""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingest.live.batch import Context, drain_scoring, process_file
from ingest.live.incoming import ID_COLUMN, required_columns, target_types
from ingest.live.readers import CHECK_FAILED
from lake.contract import SCHEMAS
from tests.ingest_helpers import drop, lake_frame, valid_rows

TABLES = ("seizures", "shipments", "referral_events")
FORMATS = ("csv", "jsonl", "parquet")
NUMERIC = (pl.Float64, pl.Int64)


@dataclass
class Spoilt:
    """A file's rows as Python values, and per row id the columns the contract must refuse it
    for (a column dropped later takes its spoilt values with it)."""

    table: str
    fmt: str
    rows: list[dict]
    refused_for: dict[str, set[str]] = field(default_factory=dict)

    def spoil(self, row: dict, column: str) -> None:
        self.refused_for.setdefault(row[ID_COLUMN[self.table]], set()).add(column)

    def drop(self, column: str) -> None:
        for row in self.rows:
            row.pop(column, None)
        for columns in self.refused_for.values():
            columns.discard(column)
        if column in required_columns(self.table):
            for row in self.rows:
                self.spoil(row, "(missing)")

    @property
    def must_refuse(self) -> set[str]:
        return {i for i, columns in self.refused_for.items() if columns}


@dataclass
class File:
    """The bytes of a generated file, shown by size in a failure report."""

    name: str
    content: bytes

    def __repr__(self) -> str:
        return f"File({self.name!r}, {len(self.content)} bytes: {self.content[:160]!r}...)"


def _kind(dtype: pl.DataType) -> str:
    if dtype in NUMERIC:
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if isinstance(dtype, pl.Date | pl.Datetime):
        return "date"
    return "text"


# (column kind, spoilt value) -> formats in which the contract must refuse it. Parquet columns
# cannot mix types, so there a spoilt value replaces the whole column.
SPOILERS: dict[str, list[tuple[object, tuple[str, ...]]]] = {
    "number": [(True, FORMATS), (False, FORMATS), ({"n": 1}, FORMATS), ("12 kg", FORMATS)],
    "boolean": [(1, ("jsonl", "parquet")), ("perhaps", FORMATS), ([True], FORMATS)],
    "date": [(20250102, FORMATS), ("2025-1-2", FORMATS), (True, FORMATS), ("soon", FORMATS)],
    "text": [({"text": "nested"}, ("jsonl", "parquet")), (["a"], ("jsonl", "parquet"))],
}


@st.composite
def spoilt_files(draw) -> tuple[Spoilt, File]:
    table = draw(st.sampled_from(TABLES))
    fmt = draw(st.sampled_from(FORMATS))
    n = draw(st.integers(1, 6))
    frame = valid_rows(table, n, seed=draw(st.integers(0, 10_000)), tag=draw(st.integers(0, 999)))
    rows = frame.to_dicts()
    spoilt = Spoilt(table, fmt, rows)
    targets = target_types(table)
    idc = ID_COLUMN[table]
    columns = [c for c in targets if c != idc]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):  # spoil values
        column = draw(st.sampled_from(columns))
        value, refused_in = draw(st.sampled_from(SPOILERS[_kind(targets[column])]))
        chosen = range(n) if fmt == "parquet" else [draw(st.integers(0, n - 1))]
        for i in chosen:
            rows[i][column] = value
            if fmt in refused_in:
                spoilt.spoil(rows[i], column)
    if draw(st.integers(0, 3)) == 0:  # empty a required value
        column = draw(st.sampled_from([c for c in required_columns(table) if c != idc]))
        i = draw(st.integers(0, n - 1))
        rows[i][column] = None
        spoilt.spoil(rows[i], column)
    if draw(st.integers(0, 3)) == 0:  # drop a column: every row is refused if it was required
        spoilt.drop(draw(st.sampled_from(columns)))
    for _ in range(draw(st.integers(0, 2))):  # columns the contract does not know
        name = draw(st.sampled_from(["note", "officer", "x", "weight", "ref"]))
        value = draw(st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none()))
        for row in rows:
            row[name] = value
    content = _encode(spoilt, draw)
    if draw(st.integers(0, 4)) == 0:  # cut off at the end, as a copy that stopped
        content = content[: int(len(content) * draw(st.floats(0.02, 0.999)))]  # rows hold the time
    prefix = table if draw(st.integers(0, 5)) else "feed"
    return spoilt, File(f"{prefix}-{draw(st.integers(0, 10**6))}.{fmt}", content)


def _encode(spoilt: Spoilt, draw) -> bytes:
    if spoilt.fmt == "jsonl":
        return "".join(json.dumps(r, default=str) + "\n" for r in spoilt.rows).encode()
    if spoilt.fmt == "parquet":
        sink = io.BytesIO()
        columns = {k: [r.get(k) for r in spoilt.rows] for k in spoilt.rows[0]}
        try:
            frame = pl.DataFrame(columns, strict=False)
        except Exception:  # noqa: BLE001 -- values polars cannot hold in one column
            frame = pl.DataFrame({k: [_text(v) for v in vs] for k, vs in columns.items()})
        frame.write_parquet(sink)
        return sink.getvalue()
    names = list(spoilt.rows[0])
    text = pl.DataFrame(
        {k: [_text(r.get(k)) for r in spoilt.rows] for k in names},
        schema={k: pl.String for k in names},
    )
    sink = io.BytesIO()
    separator = draw(st.sampled_from([",", ",", ",", ",", ";", "\t"]))
    text.write_csv(sink, separator=separator)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return sink.getvalue().decode().encode(encoding, errors="replace")


def _text(value: object) -> str | None:
    """A value as a CSV cell: text as it is, objects and lists as JSON, the rest as written."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


_root = Path(tempfile.mkdtemp(prefix="ingest-property-"))
_count = iter(range(10**9))


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow  # a hundred generated files through the whole pipeline
@given(spoilt_files())
def test_pro001_every_generated_file_gets_a_verdict_and_nothing_refusable_is_accepted(case):
    spoilt, file = case
    data_dir = _root / str(next(_count))
    path = drop(data_dir, file.name, file.content)
    report = process_file(path, Context.open(data_dir))
    assert report is not None
    event(f"{spoilt.fmt}: {report.status}")
    event(f"must refuse: {bool(spoilt.must_refuse)}")
    assert CHECK_FAILED not in report.reasons, report.detail
    assert report.rows_accepted + report.rows_quarantined == report.rows_read
    assert sum(report.reasons.values()) == report.rows_quarantined
    assert not path.exists(), "the file left the inbox"
    log = lake_frame(data_dir, "ingest_log")
    assert log["batch_id"].to_list() == [report.batch_id]
    assert log["status"].to_list() == [report.status]
    stored = lake_frame(data_dir, spoilt.table)
    assert stored.height == report.rows_accepted
    if stored.height:
        expected = pl.from_arrow(SCHEMAS[spoilt.table].empty_table()).schema
        assert {c: stored.schema[c] for c in expected} == dict(expected)
        accepted = set(stored[ID_COLUMN[spoilt.table]].to_list())
        assert not accepted & spoilt.must_refuse, report.reasons
        assert report.rows_accepted <= len(spoilt.rows) - len(spoilt.must_refuse)


def teardown_module() -> None:
    drain_scoring()
