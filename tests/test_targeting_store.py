"""Watchlists and feedback in the SQLite store: values checked before they are saved, saved across
connections (restarts), and each watch kind matching exactly the shipments it names."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from queries.targeting_watch import watch_sql
from targeting import store


def test_tgs001_watches_persist_across_connections(tmp_path):
    first = store.add_watch("route", "cn>vn>4198>express", "CN via VN", data_dir=tmp_path)
    again = store.add_watch("route", "CN>VN>4198>express", data_dir=tmp_path)  # same route
    assert again.id == first.id and first.value == "CN>VN>4198>express"
    store.add_watch("party", "sh0024245", data_dir=tmp_path)
    listed = store.watches(tmp_path)  # a new connection, as after a restart
    assert [(w.kind, w.value, w.label) for w in listed] == [
        ("route", "CN>VN>4198>express", "CN via VN"),
        ("party", "SH0024245", "Party SH0024245"),
    ]
    assert store.remove_watch(first.id, tmp_path) is True
    assert [w.kind for w in store.watches(tmp_path)] == ["party"]
    assert store.path(tmp_path).name == "targeting.sqlite3"
    assert store.path(tmp_path).parent.name == "state"


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("route", "CN>VN>4198", "origin>transit>port>mode"),
        ("route", "ZZ>VN>4198>express", "origin country"),
        ("route", "CN>VN>9999>express", "port"),
        ("route", "CN>VN>4198>rocket", "mode"),
        ("route", "*>*>*>*", "at least one part"),
        ("hts", "29'; DROP TABLE x", "HTS code"),
        ("commodity", "unicorn", "commodity"),
        ("party", "SH 1; --", "party"),
        ("planet", "mars", "kind"),
        ("hts", "  ", "value"),
    ],
)
def test_tgs002_bad_values_are_refused_before_storage(tmp_path, kind, value, message):
    with pytest.raises(store.StoreError, match=message):
        store.add_watch(kind, value, data_dir=tmp_path)
    assert store.watches(tmp_path) == []


def test_tgs003_feedback_latest_verdict_wins(tmp_path):
    store.add_feedback("MF1", "clean", "nothing found", data_dir=tmp_path)
    store.add_feedback("MF1", "seized", "second look: 2 kg", data_dir=tmp_path)
    store.add_feedback("MF2", "clean", data_dir=tmp_path)
    assert store.feedback_for("MF1", tmp_path)["verdict"] == "seized"
    assert store.feedback_for("MF3", tmp_path) is None
    frame = store.feedback_frame(tmp_path)
    assert frame["shipment_id"].to_list() == ["MF1", "MF1", "MF2"]
    with pytest.raises(store.StoreError):
        store.add_feedback("MF1", "maybe", data_dir=tmp_path)


SHIPMENTS = pl.DataFrame(
    {
        "shipment_id": ["S1", "S2", "S3", "S4", "S5"],
        "hts_code": [
            "2933.39.9100",
            "2942.00.5000",
            "8479.89.9499",
            "6109.10.0012",
            "2942.00.5000",
        ],
        "description": [
            "pyridine compound",
            "4-AP intermediate",
            "rotary tablet press",
            "t-shirt",
            "organic compound",
        ],
        "origin_country": ["CN", "CN", "CN", "VN", "CN"],
        "transit_country": ["VN", None, "HK", None, "VN"],
        "port_code": ["4198", "4198", "2704", "4198", "4196"],
        "mode": ["express", "express", "sea_container", "express", "express"],
        "shipper_id": ["SH1", "SH2", "SH3", "SH1", "SH4"],
        "consignee_id": ["CE1", "CE2", "CE3", "CE4", "CE5"],
        "consignee_address_id": ["AD1", "AD2", "AD3", "AD4", "SH1"],
    }
)


def hits(tmp_path, kind: str, value: str) -> list[str]:
    watch = store.add_watch(kind, value, data_dir=tmp_path)
    sql = watch_sql([watch])
    con = duckdb.connect()
    con.register("shipments", SHIPMENTS.to_arrow())
    found = con.sql(
        f"SELECT shipment_id FROM shipments WHERE {sql.conditions[0]} ORDER BY 1",
        params=sql.condition_params,
    ).fetchall()
    return [r[0] for r in found]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("route", "CN>VN>4198>express", ["S1"]),
        ("route", "CN>*>4198>*", ["S1", "S2"]),
        ("route", "CN>->*>express", ["S2"]),  # "-" is direct
        ("hts", "2942", ["S2", "S5"]),
        ("hts", "2933.39.9100", ["S1"]),
        ("party", "SH1", ["S1", "S4", "S5"]),  # as shipper (S1, S4) or as address id (S5)
        ("commodity", "4_ap", ["S1", "S2"]),  # HTS prefix 2933.39 or the name in the text
        ("commodity", "pill_press", ["S3"]),
    ],
)
def test_tgs004_each_watch_kind_matches_what_it_names(tmp_path, kind, value, expected):
    assert hits(tmp_path, kind, value) == expected


def test_tgs005_hits_list_names_every_watch_a_row_hits(tmp_path):
    a = store.add_watch("hts", "2942", data_dir=tmp_path)
    b = store.add_watch("route", "CN>VN>*>*", data_dir=tmp_path)
    sql = watch_sql([a, b])
    con = duckdb.connect()
    con.register("shipments", SHIPMENTS.to_arrow())
    rows = con.sql(
        f"SELECT shipment_id, {sql.hits_sql} FROM shipments ORDER BY 1", params=sql.hits_params
    ).fetchall()
    assert rows == [("S1", [b.id]), ("S2", [a.id]), ("S3", []), ("S4", []), ("S5", [a.id, b.id])]


def test_tst_reading_an_empty_store_creates_no_file(tmp_path):
    """A lake that is only read (evaluated, served) stays as it was: no state file appears."""
    assert store.watches(tmp_path) == [] and store.feedback_for("MF1", tmp_path) is None
    assert store.feedback_frame(tmp_path).is_empty()
    assert not store.path(tmp_path).exists()
    store.add_feedback("MF1", "seized", data_dir=tmp_path)
    assert store.feedback_for("MF1", tmp_path)["verdict"] == "seized"
