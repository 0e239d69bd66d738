"""Hot tables follow the lake file by file: a batch adds its rows, compaction swaps files."""

from __future__ import annotations

from datetime import date

import polars as pl

from lake.writer import commit, write_partitioned
from queries.gateway import Gateway
from queries.hot import HotTable
from tests.lake_rows import seizures, varied


def _seizures(n: int, day: date, first: int) -> pl.DataFrame:
    """``n`` contract-complete events of ``day`` (a lake file always has every column)."""
    return seizures(n, f"S{first}-", day)


def _count(gateway: Gateway) -> tuple[int, int]:
    gateway.refresh(force=True)
    row = gateway.frame("SELECT count(*), count(DISTINCT seizure_id) FROM seizures", cache=False)
    return row.row(0)


def test_batches_and_compaction_keep_the_hot_copy_exact(tmp_path):
    first = write_partitioned("seizures", _seizures(3, date(2025, 1, 1), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    assert _count(gateway) == (3, 3)
    hot = gateway._hot["seizures"]
    assert hot.loaded == {str(p) for p in first}

    second = write_partitioned("seizures", _seizures(2, date(2025, 1, 2), 3), "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    assert _count(gateway) == (5, 5)

    # compaction: both files retired, one merged file listed, in one commit
    merged_rows = pl.concat([pl.read_parquet(p) for p in first + second])
    merged_rows = merged_rows.with_columns(pl.lit(2025).alias("fiscal_year"))
    merged = write_partitioned("seizures", merged_rows, "merged", tmp_path)
    commit("seizures", add=merged, remove=first + second, data_dir=tmp_path)
    assert _count(gateway) == (5, 5)
    assert hot.loaded == {str(p) for p in merged}


def test_a_reader_sees_the_same_rows_as_the_parquet_files(tmp_path):
    files = write_partitioned("seizures", _seizures(4, date(2025, 2, 1), 0), "a", tmp_path)
    commit("seizures", add=files, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    hot_rows = gateway.frame("SELECT * FROM seizures ORDER BY seizure_id", cache=False)
    disk_rows = pl.read_parquet(files[0]).sort("seizure_id")
    assert hot_rows.drop("fiscal_year").equals(disk_rows)
    assert "_file" not in hot_rows.columns


def test_periods_view_is_the_same_hot_or_cold(tmp_path):
    files = write_partitioned("seizures", _seizures(3, date(2024, 10, 7), 0), "a", tmp_path)
    commit("seizures", add=files, data_dir=tmp_path)
    sql = "SELECT week_start, month_start, fy_start FROM seizures_periods LIMIT 1"
    hot = Gateway(tmp_path, hot=True).frame(sql, cache=False)
    cold = Gateway(tmp_path).frame(sql, cache=False)
    assert hot.equals(cold)
    assert hot.row(0) == (date(2024, 10, 7), date(2024, 10, 1), date(2024, 10, 1))


def test_derived_measures_are_the_same_hot_or_cold(tmp_path):
    rows = _seizures(4, date(2025, 3, 1), 0).with_columns(
        pl.Series("cbp_drug_type", ["Fentanyl", "Methamphetamine", "Fentanyl", None]),
        pl.Series("provenance", ["cbp_cell", "reported", "modelled", "cbp_cell"]),
        pl.Series("lbs", [2.5, 4.0, 1.5, 3.0]),
    )
    files = write_partitioned("seizures", rows, "a", tmp_path)
    commit("seizures", add=files, data_dir=tmp_path)
    sql = "SELECT sum(fentanyl_lbs), sum(modelled_event), count(fentanyl_lbs) FROM seizures_periods"
    hot = Gateway(tmp_path, hot=True).frame(sql, cache=False)
    cold = Gateway(tmp_path).frame(sql, cache=False)
    assert hot.equals(cold)
    assert hot.row(0) == (4.0, 2, 2)  # two fentanyl events (2.5 + 1.5 lbs), two not CBP's cells


def _column_types(gateway: Gateway) -> dict[str, str]:
    described = gateway.frame("DESCRIBE SELECT * FROM seizures", cache=False)
    return dict(zip(described["column_name"], described["column_type"], strict=True))


def test_hot001_dimensions_are_enums_and_leave_the_gateway_as_text(tmp_path):
    rows = _seizures(3, date(2025, 1, 1), 0).with_columns(
        pl.Series("port_code", ["2604", "0712", "2604"]),
        pl.Series("source_country", ["MX", None, "CN"]),
    )
    files = write_partitioned("seizures", rows, "a", tmp_path)
    commit("seizures", add=files, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    types = _column_types(gateway)
    assert types["port_code"].startswith("ENUM(")
    assert types["seizure_id"] == "VARCHAR"
    cold = _column_types(Gateway(tmp_path))
    # only the listed dimensions change type; every other column is as the files have it
    changed = {c for c in types if types[c] != cold.get(c)}
    assert changed == {
        "component",
        "area_id",
        "port_code",
        "mode",
        "category",
        "commodity",
        "source_country",
        "transit_country",
        "cbp_drug_type",
        "provenance",
        "unit",
    }
    found = gateway.frame(
        "SELECT port_code, source_country FROM seizures ORDER BY port_code, source_country",
        cache=False,
    )
    assert found.schema["port_code"] == pl.String
    # the type lists values in text order, so ORDER BY sorts as it does on strings
    assert found.rows() == [("0712", None), ("2604", "CN"), ("2604", "MX")]
    # a value outside the type compares as false, as on text: no conversion error
    none = gateway.scalar(
        "SELECT count(*) FROM seizures WHERE list_contains(?, port_code)", [["X"]]
    )
    assert none == 0
    # a filter value from the reference vocabulary that no event has yet is in the type
    assert gateway.scalar("SELECT count(*) FROM seizures WHERE source_country = 'IN'") == 0


def test_hot002_a_batch_with_a_value_the_types_lack_reloads_the_table(tmp_path):
    first = write_partitioned("seizures", _seizures(2, date(2025, 1, 1), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    assert _count(gateway) == (2, 2)
    odd = _seizures(1, date(2025, 1, 2), 2).with_columns(pl.lit("estimated").alias("provenance"))
    second = write_partitioned("seizures", odd, "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    assert _count(gateway) == (3, 3)
    kinds = gateway.frame(
        "SELECT provenance, count(*) AS n FROM seizures GROUP BY 1 ORDER BY 1", cache=False
    )
    assert kinds.rows() == [("estimated", 1), ("reported", 2)]
    # the earlier load's types were dropped with the table they typed
    names = gateway.frame(
        "SELECT type_name FROM duckdb_types() WHERE type_name LIKE 'hot_seizures_provenance%'",
        cache=False,
    )
    assert names.height == 1


ROLLUP_CHECK = """
    SELECT month_start, area_id, port_code, source_country, sum(events) AS events,
           sum(lbs) AS lbs, sum(fentanyl_lbs) AS fentanyl_lbs, sum(pills) AS pills,
           sum(modelled_events) AS modelled
    FROM seizures_monthly GROUP BY ALL ORDER BY ALL
"""
EVENTS_CHECK = """
    SELECT month_start, area_id, port_code, source_country, count(*) AS events,
           coalesce(sum(lbs), 0) AS lbs, coalesce(sum(fentanyl_lbs), 0) AS fentanyl_lbs,
           coalesce(sum(pills), 0) AS pills, sum(modelled_event) AS modelled
    FROM seizures_periods GROUP BY ALL ORDER BY ALL
"""


def _rollup_matches_events(gateway: Gateway) -> pl.DataFrame:
    gateway.refresh(force=True)
    cells = gateway.frame(ROLLUP_CHECK, cache=False)
    events = gateway.frame(EVENTS_CHECK, cache=False)
    assert cells.cast({"pills": pl.Int64, "modelled": pl.Int64}).equals(
        events.cast({"pills": pl.Int64, "modelled": pl.Int64})
    )
    return cells


def test_hot003_the_monthly_rollup_follows_batches_and_compaction(tmp_path):
    first = write_partitioned("seizures", varied(5, date(2025, 1, 31), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    assert _rollup_matches_events(gateway)["events"].sum() == 5

    # a batch in the next month adds its cells; the earlier month's cells are untouched
    second = write_partitioned("seizures", varied(3, date(2025, 2, 1), 5), "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    cells = _rollup_matches_events(gateway)
    assert cells.group_by("month_start").agg(pl.col("events").sum()).sort("month_start").rows() == [
        (date(2025, 1, 1), 5),
        (date(2025, 2, 1), 3),
    ]

    # compaction retires both files for one merged file: their cells go, the merged file's come
    merged_rows = pl.concat([pl.read_parquet(p) for p in first + second])
    merged_rows = merged_rows.with_columns(pl.lit(2025).alias("fiscal_year"))
    merged = write_partitioned("seizures", merged_rows, "merged", tmp_path)
    commit("seizures", add=merged, remove=first + second, data_dir=tmp_path)
    assert _rollup_matches_events(gateway)["events"].sum() == 8
    store = HotTable("seizures").rollup_store
    files = gateway.frame(f"SELECT DISTINCT _file FROM {store}", cache=False)  # noqa: S608
    assert set(files["_file"]) == {str(p) for p in merged}

    # the cold view (no hot copy) sums the same cells per query
    cold = Gateway(tmp_path).frame(ROLLUP_CHECK, cache=False)
    assert cold.equals(gateway.frame(ROLLUP_CHECK, cache=False))


def _uncompressed_columns(gateway: Gateway) -> set[str]:
    """Columns of the hot seizures with a segment DuckDB keeps as it was inserted: those whose
    every value is the same compress to one constant once checkpointed, a batch's rows too."""
    store = HotTable("seizures").store
    info = gateway.frame(
        "SELECT column_name FROM pragma_storage_info(?) "
        "WHERE segment_type <> 'VALIDITY' AND compression = 'Uncompressed'",
        [store],
        cache=False,
    )
    return set(info["column_name"]) & {"event_date", "mode", "provenance", "_file"}


def test_hot_copies_are_held_compressed_and_so_are_a_batchs_rows(tmp_path):
    first = write_partitioned("seizures", _seizures(3000, date(2025, 1, 1), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    assert _count(gateway) == (3000, 3000)
    assert _uncompressed_columns(gateway) == set()
    second = write_partitioned("seizures", _seizures(2000, date(2025, 1, 2), 3000), "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    assert _count(gateway) == (5000, 5000)
    assert _uncompressed_columns(gateway) == set()
