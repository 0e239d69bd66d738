"""The validator: one clear reason per refused row, nothing lost, generated rows pass."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from ingest.live.readers import read_batch
from ingest.live.validate import validate
from tests.ingest_helpers import csv_bytes, now_utc, parquet_bytes, valid_rows


def check(table: str, frame: pl.DataFrame, lake_ids: pl.Series | None = None, fmt: str = "csv"):
    content = parquet_bytes(frame) if fmt == "parquet" else csv_bytes(frame)
    batch = read_batch(f"{table}-test.{fmt}", content)
    now = now_utc()
    result = validate(batch, "testbatch", ingested_at=now, now=now, lake_ids=lake_ids)
    assert result.accepted.height + result.quarantined.height == frame.height
    return result


def spoil(frame: pl.DataFrame, column: str, value: str | None, row: int = 0) -> pl.DataFrame:
    text = frame.with_columns(pl.all().cast(pl.String))
    return text.with_columns(text[column].scatter([row], value))


@pytest.mark.parametrize("table", ["seizures", "shipments", "referral_events"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_val001_valid_rows_are_accepted_and_stamped(table, fmt):
    frame = valid_rows(table, 40)
    result = check(table, frame, fmt=fmt)
    assert result.quarantined.height == 0, result.reasons
    assert result.status == "accepted"
    accepted = result.accepted
    assert accepted["batch_id"].unique().to_list() == ["testbatch"]
    assert accepted["ingested_at"].null_count() == 0
    assert accepted["fiscal_year"].null_count() == 0
    if table == "seizures":
        assert accepted["provenance"].unique().to_list() == ["reported"]


def future_day() -> str:
    return str((now_utc() + timedelta(days=3)).date())


SEIZURE_CASES = [
    ("quantity", "-5", "quantity: negative"),
    ("quantity", "NaN", "quantity: not a finite number"),
    ("quantity", "1e12", "quantity: implausibly large for its unit"),
    ("quantity", "lots", "quantity: not a number"),
    ("port_code", "9999", "port_code: unknown port (ports.csv)"),
    ("mode", "hovercraft", "mode: unknown mode (modes.csv)"),
    ("commodity", "unobtainium", "commodity: unknown commodity (commodities.csv)"),
    ("source_country", "XX", "source_country: not an ISO 3166-1 alpha-2 code"),
    ("component", "AMO", "component: not OFO or USBP"),
    ("event_date", "2026-13-01", "event_date: not a date (YYYY-MM-DD)"),
    ("event_date", None, "event_date: empty (required)"),
    ("de_minimis", "maybe", "de_minimis: not true/false"),
    ("unit", "kg", "unit: not lbs, pills or pieces"),
    ("concealment", "teleport", "concealment: unknown concealment"),
]


@pytest.mark.parametrize(("column", "value", "reason"), SEIZURE_CASES)
def test_val002_each_bad_seizure_value_has_its_reason(column, value, reason):
    frame = spoil(valid_rows("seizures", 5), column, value, row=2)
    result = check("seizures", frame)
    assert result.reasons == {reason: 1}
    assert result.quarantined["source_row"].to_list() == ["4"]  # header is line 1
    assert result.quarantined["seizure_id"].to_list() == [frame["seizure_id"][2]]
    assert result.status == "partial"


def test_val003_future_dates_are_refused_with_tolerance():
    frame = valid_rows("seizures", 3)
    late = frame.with_columns(pl.col("event_time") + timedelta(minutes=2))  # within tolerance
    assert check("seizures", late).quarantined.height == 0
    result = check("seizures", spoil(frame, "event_date", future_day()))
    assert result.reasons == {"event_date: in the future": 1}


def test_val004_rules_between_columns():
    frame = valid_rows("seizures", 200, seed=3)
    ofo = frame.with_row_index().filter(pl.col("port_code").is_not_null())
    row = int(ofo["index"][0])
    other = "tucson-field-office"
    other = other if ofo["area_id"][0] != other else "laredo-field-office"
    result = check("seizures", spoil(frame, "area_id", other, row=row))
    assert result.quarantined.height == 1
    assert set(result.reasons) <= {
        "port_code: not a port of the row's area_id",
        "region: not the area's region",
    }
    lbs_row = int(frame.with_row_index().filter(pl.col("unit") == "lbs")["index"][0])
    result = check("seizures", spoil(frame, "unit", "pieces", row=lbs_row))
    assert result.reasons == {"unit: not the commodity's unit": 1}


def test_val005_shipment_and_referral_rules():
    shipments = valid_rows("shipments", 30)
    air = shipments.with_row_index().filter(pl.col("mode") == "air_cargo")
    if air.height:
        result = check("shipments", spoil(shipments, "entry_type", "86", row=int(air["index"][0])))
        assert (
            "entry_type: 86 only for express or mail lines worth at most 800 USD" in result.reasons
        )
    result = check("shipments", spoil(shipments, "declared_value_usd", "-3"))
    assert result.reasons == {"declared_value_usd: negative": 1}
    unexamined = int(shipments.with_row_index().filter(~pl.col("examined"))["index"][0])
    result = check("shipments", spoil(shipments, "outcome", "seized", row=unexamined))
    assert result.reasons == {"outcome: disagrees with examined": 1}
    result = check("shipments", spoil(shipments, "seizure_id", "SZL1", row=unexamined))
    assert result.reasons == {"seizure_id: must be set exactly when outcome is seized": 1}
    events = valid_rows("referral_events", 4)
    result = check("referral_events", spoil(events, "step", "lost"))
    assert result.reasons == {"step: not a known step": 1}
    result = check("referral_events", spoil(events, "agency", "CIA"))
    assert result.reasons == {"agency: not a known agency": 1}
    result = check("referral_events", spoil(events, "seizure_id", None))
    assert result.reasons == {"seizure_id: empty (required on the referred step)": 1}
    result = check("referral_events", spoil(events, "step", "arrest"))
    assert result.reasons == {"seizure_id: only the referred step names the seizure": 1}


def test_val006_duplicates_in_the_batch():
    frame = valid_rows("seizures", 4)
    repeated = pl.concat([frame, frame.head(1)])  # the same row sent twice: keep one
    result = check("seizures", repeated)
    assert result.accepted.height == 4
    assert result.reasons == {"seizure_id: repeats an earlier row of this batch": 1}
    clash = pl.concat([frame, frame.head(1).with_columns(~pl.col("de_minimis"))])
    result = check("seizures", clash)  # same id, other values: which one is right? neither
    assert result.accepted.height == 3
    assert result.reasons == {"seizure_id: shared by rows that differ, in this batch": 2}


def test_val007_duplicates_against_the_lake():
    frame = valid_rows("shipments", 6)
    in_lake = pl.Series("shipment_id", frame["shipment_id"].head(2).to_list() + ["MF00000000"])
    result = check("shipments", frame, lake_ids=in_lake)
    assert result.reasons == {"shipment_id: already in the lake": 2}
    assert result.accepted.height == 4


def test_val008_missing_and_extra_columns():
    frame = valid_rows("seizures", 5)
    result = check("seizures", frame.drop("concealment", "event_time"))
    assert result.quarantined.height == 0  # optional columns: null
    assert result.accepted["concealment"].null_count() == 5
    result = check("seizures", frame.drop("region", "de_minimis"))
    assert result.reasons == {"missing required column(s): region, de_minimis": 5}
    assert result.status == "refused"
    extra = frame.with_columns(pl.lit("x").alias("analyst_note"), pl.lit("z").alias("batch_id"))
    result = check("seizures", extra)
    assert result.quarantined.height == 0
    assert result.ignored_columns == ["analyst_note", "batch_id"]
    assert result.accepted["batch_id"].unique().to_list() == ["testbatch"]


def test_val009_quarantine_keeps_every_original_value_as_text():
    frame = valid_rows("seizures", 3).with_columns(pl.lit("keep me").alias("reason"))
    result = check("seizures", spoil(frame, "quantity", "-1"))
    row = result.quarantined.row(0, named=True)
    assert row["reason"] == "quantity: negative"
    assert row["src_reason"] == "keep me"  # a column named like ours is kept, renamed
    assert row["quantity"] == "-1"
    assert set(frame.columns) - {"reason"} <= set(result.quarantined.columns)


@pytest.mark.parametrize("table", ["seizures", "shipments", "referral_events"])
def test_val010_what_the_generator_makes_is_accepted(demo_gateway, table):
    drop_cols = ["batch_id", "ingested_at", "fiscal_year"]
    if table == "seizures":
        drop_cols.append("provenance")
    sample = f"SELECT * FROM {table} USING SAMPLE 3000 ROWS (reservoir, 7)"
    if table == "referral_events":  # whole cases: a step alone is refused without its referral
        sample = (
            "SELECT * FROM referral_events WHERE referral_id IN "
            "(SELECT referral_id FROM referrals USING SAMPLE 800 ROWS (reservoir, 7))"
        )
    frame = demo_gateway.frame(sample)
    result = check(table, frame.drop(drop_cols, strict=False), fmt="parquet")
    assert result.quarantined.height == 0, result.reasons


def test_val011_typed_inputs_are_converted_not_trusted():
    """Parquet with other types than the contract: zoned times become UTC, numbers as text are
    parsed, entry type 1 becomes 01, and a value that does not convert is refused by name."""
    frame = valid_rows("shipments", 4)
    values = frame["declared_value_usd"].cast(pl.String).scatter([3], "about 12")
    odd = frame.with_columns(
        pl.col("arrived_at").dt.replace_time_zone("UTC").dt.convert_time_zone("America/Phoenix"),
        values.alias("declared_value_usd"),
        pl.lit("01").alias("master_carton"),
    )
    result = check("shipments", odd, fmt="parquet")
    assert result.reasons == {
        "declared_value_usd: not a number": 1,
        "master_carton: not true/false": 3,
    }
    fine = frame.with_columns(
        pl.col("arrived_at").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Tokyo"),
        pl.col("entry_type").replace({"01": "1"}),
        pl.col("declared_value_usd").cast(pl.String),
    )
    result = check("shipments", fine, fmt="parquet")
    assert result.quarantined.height == 0, result.reasons
    accepted = result.accepted.sort("shipment_id")
    expected = frame.sort("shipment_id")
    assert accepted["arrived_at"].to_list() == expected["arrived_at"].to_list()  # same instants
    assert accepted["entry_type"].to_list() == expected["entry_type"].to_list()
