"""A corpus of bad files through the watcher: each gets a clear reason and nothing is lost.

Every file is written by the test itself into a tmp inbox; after ``watch --once`` the lake plus
the quarantine must hold exactly the ids that went in, and every batch must add up.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.ingest_helpers import (
    assert_conserved,
    csv_bytes,
    drop,
    parquet_bytes,
    run_once,
    valid_rows,
    where_ids,
)


def by_file(reports) -> dict:
    return {r.source_file: r for r in reports}


def refused_copy(data_dir, report) -> bytes:
    assert report.raw_copy, report
    return (data_dir / report.raw_copy).read_bytes()


def test_fil001_whole_file_refusals_keep_the_bytes_and_say_why(tmp_path):
    good = csv_bytes(valid_rows("seizures", 4))
    header = good.split(b"\n", 1)[0] + b"\n"
    parquet = parquet_bytes(valid_rows("shipments", 50))
    files = {
        "seizures-latin1.csv": good + "x,caf\u00e9\n".encode("latin-1"),
        "seizures-utf16.csv": good.decode().encode("utf-16"),
        "seizures-empty.csv": b"",
        "seizures-header-only.csv": header,
        "shipments-truncated.parquet": parquet[: len(parquet) // 2],
        "mystery.csv": b"colour,flavour\nred,sweet\nblue,sour\n",
        "seizures-quote.csv": header + b'SZX1,"2026-01-01\n',
        "seizures-notes.txt": b"hello",
    }
    for name, content in files.items():
        drop(tmp_path, name, content)
    reports = by_file(run_once(tmp_path))
    expected = {
        "seizures-latin1.csv": "file: not UTF-8 text",
        "seizures-utf16.csv": "file: UTF-16 text (files must be UTF-8)",
        "seizures-empty.csv": "file: empty",
        "seizures-header-only.csv": "file: no rows (header only)",
        "shipments-truncated.parquet": "file: not a readable parquet file",
        "seizures-quote.csv": "file: malformed CSV",
        "seizures-notes.txt": "file: unsupported type (use .csv, .jsonl or .parquet)",
    }
    for name, reason in expected.items():
        report = reports[name]
        assert report.status == "refused" and list(report.reasons) == [reason], report
        assert refused_copy(tmp_path, report) == files[name]
        note = (tmp_path / report.raw_copy).with_suffix("").with_suffix(".reason.txt")
        assert note.read_text().startswith(reason)
    unknown = reports["mystery.csv"]
    assert unknown.table_name == "unknown" and unknown.raw_copy.startswith("quarantine/unknown/")
    assert "unknown table" in next(iter(unknown.reasons))
    assert reports["seizures-latin1.csv"].rows_read == 5  # the rows it seems to hold
    assert "line 6" in reports["seizures-latin1.csv"].detail
    assert_conserved(reports.values())
    assert where_ids(tmp_path, "seizures") == ([], [])
    assert not list((tmp_path / "inbox").glob("*.*")), "every file leaves the inbox"


def test_fil002_row_problems_refuse_rows_not_files(tmp_path):
    frame = valid_rows("seizures", 6)
    lines = csv_bytes(frame).decode().splitlines()
    short = ",".join(lines[2].split(",")[:5])
    long = lines[3] + ",surplus,values"
    content = "\n".join([lines[0], lines[1], short, long, "", *lines[4:]]) + "\n"
    drop(tmp_path, "seizures-ragged.csv", content.encode())
    (report,) = run_once(tmp_path)
    assert report.reasons == {
        "row: number of fields differs from the header": 2,
        "row: blank line": 1,
    }
    assert report.rows_read == 7 and report.rows_accepted == 4
    quarantined = pl.read_parquet(tmp_path / report.quarantine_file)
    assert sorted(quarantined["source_row"].to_list()) == ["3", "4", "5"]
    assert quarantined.filter(pl.col("source_row") == "4")["extra_fields"].to_list() == [
        "surplus,values"
    ]
    assert_conserved([report])


def test_fil003_jsonl_bad_lines_and_table_from_columns(tmp_path):
    frame = valid_rows("shipments", 5)
    lines = frame.write_ndjson().splitlines()
    content = "\n".join([lines[0], "{not json", "[1, 2]", *lines[1:]]) + "\n"
    drop(tmp_path, "feed-0001.jsonl", content.encode())  # no table in the name
    drop(tmp_path, "feed-0002.csv", csv_bytes(valid_rows("seizures", 3, tag=2)))
    reports = by_file(run_once(tmp_path))
    jsonl = reports["feed-0001.jsonl"]
    assert jsonl.table_name == "shipments"
    assert jsonl.reasons == {"row: not valid JSON": 1, "row: not a JSON object": 1}
    assert jsonl.rows_accepted == 5
    assert reports["feed-0002.csv"].table_name == "seizures"
    assert reports["feed-0002.csv"].status == "accepted"
    assert_conserved(reports.values())


def test_fil004_lake_and_quarantine_hold_exactly_the_input_ids(tmp_path):
    """Bad values, duplicates, missing and extra columns in several formats: conservation."""
    good = valid_rows("seizures", 30, tag=1)
    text = good.with_columns(pl.all().cast(pl.String))
    bad = text.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("-4"))
        .otherwise("quantity")
        .alias("quantity"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("9999"))
        .otherwise("port_code")
        .alias("port_code"),
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("ZZ"))
        .otherwise("source_country")
        .alias("source_country"),
        pl.lit("ignored").alias("shift_supervisor"),
    )
    batch = pl.concat([bad, bad.slice(5, 2)])  # two exact repeats
    drop(tmp_path, "seizures-a.csv", csv_bytes(batch))
    drop(tmp_path, "seizures-b.parquet", parquet_bytes(good.slice(10, 5)))  # already in the lake
    drop(tmp_path, "seizures-c.jsonl", valid_rows("seizures", 8, tag=3).write_ndjson().encode())
    reports = sorted(run_once(tmp_path), key=lambda r: r.source_file)
    assert_conserved(reports)
    a, b, c = reports
    assert a.reasons == {
        "quantity: negative": 1,
        "port_code: unknown port (ports.csv)": 1,
        "source_country: not an ISO 3166-1 alpha-2 code": 1,
        "seizure_id: repeats an earlier row of this batch": 2,
    }
    assert a.ignored_columns == ["shift_supervisor"]
    assert b.reasons == {"seizure_id: already in the lake": 5}
    assert c.status == "accepted"
    in_lake, in_quarantine = where_ids(tmp_path, "seizures")
    sent = (
        batch["seizure_id"].to_list()
        + good.slice(10, 5)["seizure_id"].to_list()
        + valid_rows("seizures", 8, tag=3)["seizure_id"].to_list()
    )
    assert sorted(in_lake + in_quarantine) == sorted(sent)
    assert len(in_lake) == len(set(in_lake)), "no id twice in the lake"
    log = json.loads((tmp_path / "quarantine" / "reports" / f"{a.batch_id}.json").read_text())
    assert log["rows_read"] == 32 and log["rows_quarantined"] == 5


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_fil005_each_format_round_trips_the_values(tmp_path, fmt):
    frame = valid_rows("shipments", 12)
    content = {
        "csv": csv_bytes(frame),
        "jsonl": frame.write_ndjson().encode(),
        "parquet": parquet_bytes(frame),
    }[fmt]
    drop(tmp_path, f"shipments-1.{fmt}", content)
    (report,) = run_once(tmp_path)
    assert report.status == "accepted", report.reasons
    stored = pl.concat(
        [pl.read_parquet(tmp_path / "lake" / "shipments" / f) for f in report.lake_files]
    ).sort("shipment_id")
    expected = frame.sort("shipment_id")
    for column in ("shipment_id", "arrived_at", "declared_value_usd", "examined", "entry_type"):
        assert stored[column].to_list() == expected[column].to_list(), column
