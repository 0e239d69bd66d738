"""Every inbox file gets a verdict, and every value is judged by its own type, whatever the format.

Each test is one reproduction of a defect found by throwing bad files at the watcher: files that
crashed their batch and stayed in the inbox, booleans taken for numbers, JSON objects taken for
text depending on the other lines, whole-file refusals that under-counted their rows.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.ingest_helpers import (
    assert_conserved,
    csv_bytes,
    drop,
    ingest,
    lake_frame,
    parquet_bytes,
    run_once,
    valid_rows,
)


def only_report(data_dir) -> dict:
    (path,) = (data_dir / "quarantine" / "reports").glob("*.json")
    return json.loads(path.read_text())


def logged(data_dir) -> pl.DataFrame:
    return lake_frame(data_dir, "ingest_log")


def jsonl(records: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r, default=str) for r in records) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("seizures-x.csv", b"foo,bar\n1,2\n3,4\n", "file: none of the seizures columns"),
        (
            "referral_events-x.jsonl",
            b'{"foo": 1, "bar": "a"}\n{"foo": 2, "bar": "b"}\n',
            "file: none of the referral_events columns",
        ),
    ],
)
def test_ver001_foreign_columns_are_refused_whole_with_a_verdict(tmp_path, name, content, reason):
    drop(tmp_path, name, content)
    done = ingest(tmp_path, "watch", "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error processing" not in done.stdout + done.stderr
    report = only_report(tmp_path)
    assert report["status"] == "refused" and list(report["reasons"]) == [reason]
    assert report["rows_read"] == 2 and report["rows_quarantined"] == 2
    assert (tmp_path / report["raw_copy"]).read_bytes() == content
    assert logged(tmp_path)["status"].to_list() == ["refused"]
    assert not (tmp_path / "inbox" / name).exists()


@pytest.mark.parametrize(("separator", "named"), [(";", "';'"), ("\t", "a tab")])
def test_ver002_a_csv_with_another_separator_is_refused_naming_it(tmp_path, separator, named):
    frame = valid_rows("seizures", 3).with_columns(pl.all().cast(pl.String))
    content = csv_bytes(frame).replace(b",", separator.encode())
    drop(tmp_path, "seizures-excel.csv", content)
    (report,) = run_once(tmp_path)
    assert report.status == "refused"
    assert list(report.reasons) == [f"file: separated by {named}, expected ','"]
    assert report.rows_read == 3


def test_ver003_booleans_are_not_numbers_in_json_or_parquet(tmp_path):
    rows = valid_rows("seizures", 3).to_dicts()
    rows[0].update(quantity=True, lbs=None, unit="lbs")
    rows[1].update(quantity=False, lbs=None, unit="lbs")
    drop(tmp_path, "seizures-json.jsonl", jsonl(rows))
    typed = valid_rows("seizures", 3, tag=1).with_columns(pl.lit(True).alias("quantity"))
    drop(tmp_path, "seizures-typed.parquet", parquet_bytes(typed))
    reports = {r.source_file: r for r in run_once(tmp_path)}
    assert reports["seizures-json.jsonl"].reasons == {"quantity: not a number": 2}
    assert reports["seizures-json.jsonl"].rows_accepted == 1
    assert reports["seizures-typed.parquet"].reasons == {"quantity: not a number": 3}
    assert_conserved(reports.values())


def test_ver004_numbers_are_not_booleans_or_dates(tmp_path):
    rows = valid_rows("shipments", 3).to_dicts()
    rows[0]["examined"] = 1
    drop(tmp_path, "shipments-mixed.jsonl", jsonl(rows))
    seizures = valid_rows("seizures", 2, tag=2).to_dicts()
    seizures[0]["event_date"] = 20250102
    drop(tmp_path, "seizures-number-date.jsonl", jsonl(seizures))
    reports = {r.source_file: r for r in run_once(tmp_path)}
    assert reports["shipments-mixed.jsonl"].reasons == {"examined: not true/false": 1}
    assert reports["seizures-number-date.jsonl"].reasons == {
        "event_date: not a date (YYYY-MM-DD)": 1
    }


def test_ver005_an_object_is_not_text_whatever_the_other_lines_hold(tmp_path):
    rows = valid_rows("shipments", 3).to_dicts()
    one = [dict(r) for r in rows]
    one[0]["description"] = {"text": "nested object"}
    drop(tmp_path, "shipments-one.jsonl", jsonl(one))
    every = [
        dict(r, description={"text": "o"}) for r in valid_rows("shipments", 3, tag=1).to_dicts()
    ]
    drop(tmp_path, "shipments-every.jsonl", jsonl(every))
    broken = [dict(r) for r in valid_rows("shipments", 3, tag=2).to_dicts()]
    broken[1]["description"] = ["a", "list"]
    content = jsonl(broken) + b"{not json\n"
    drop(tmp_path, "shipments-broken.jsonl", content)
    reports = {r.source_file: r for r in run_once(tmp_path)}
    assert reports["shipments-one.jsonl"].reasons == {"description: not text": 1}
    assert reports["shipments-every.jsonl"].reasons == {"description: not text": 3}
    assert reports["shipments-broken.jsonl"].reasons == {
        "description: not text": 1,
        "row: not valid JSON": 1,
    }
    stored = lake_frame(tmp_path, "shipments")["description"].to_list()
    assert stored and not any(d.startswith(("{", "[")) for d in stored)


def test_ver006_whole_file_refusals_count_the_lines_they_hold(tmp_path):
    lines = csv_bytes(valid_rows("seizures", 4)).split(b"\n")
    lines[3] = b'"' + lines[3]  # the 3rd row opens a quote that never closes
    drop(tmp_path, "seizures-quote.csv", b"\n".join(lines))
    shipments = csv_bytes(valid_rows("shipments", 2)).split(b"\n")
    shipments[2] = b'"MFRT11-001"x,' + shipments[2].split(b",", 1)[1]
    drop(tmp_path, "shipments-quote.csv", b"\n".join(shipments))
    reports = {r.source_file: r for r in run_once(tmp_path)}
    assert reports["seizures-quote.csv"].reasons == {"file: malformed CSV": 4}
    assert reports["shipments-quote.csv"].reasons == {"file: malformed CSV": 2}


def test_ver007_dates_need_two_digit_months_and_days(tmp_path):
    frame = valid_rows("seizures", 3).with_columns(pl.all().cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("2025-1-2"))
        .otherwise("event_date")
        .alias("event_date"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("2025-1-2 10:00:00"))
        .otherwise("event_time")
        .alias("event_time"),
    )
    drop(tmp_path, "seizures-dates.csv", csv_bytes(frame))
    (report,) = run_once(tmp_path)
    assert report.reasons == {
        "event_date: not a date (YYYY-MM-DD)": 1,
        "event_time: not a timestamp (ISO 8601)": 1,
    }


@pytest.mark.parametrize("point", ["during_read", "during_check"])
def test_ver008_a_crash_in_the_checks_quarantines_the_file_and_fails_the_run(tmp_path, point):
    content = csv_bytes(valid_rows("seizures", 3))
    drop(tmp_path, "seizures-crash.csv", content)
    done = ingest(tmp_path, "watch", "--once", failpoint=point)
    assert done.returncode == 1, done.stdout + done.stderr
    report = only_report(tmp_path)
    assert report["status"] == "refused"
    assert report["reasons"] == {"file: could not be checked (internal error)": 3}
    assert "FailpointError" in report["detail"]
    assert (tmp_path / report["raw_copy"]).read_bytes() == content
    assert logged(tmp_path)["status"].to_list() == ["refused"]
    assert not (tmp_path / "inbox" / "seizures-crash.csv").exists()
    again = ingest(tmp_path, "watch", "--once")
    assert again.returncode == 0 and "error" not in again.stdout
