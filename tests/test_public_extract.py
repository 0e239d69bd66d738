"""The public extract: built from the real CBP data in the lake, atomic, aggregates only, and
readable only through a DuckDB database that cannot reach the lake beside it."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ingest import disclosure
from ingest.publish import MANIFEST, public_dir, publish, read_manifest
from public import extract as px
from public.doses import doses_per_lb, with_doses
from queries.executor import QueryError
from queries.gateway import Gateway


def test_pub_ext001_manifest_records_version_as_of_and_vintages(public_data, info):
    manifest = read_manifest(public_data)
    root = public_dir(public_data)
    assert (root / manifest["folder"]).is_dir()
    assert sorted(p.name for p in (root / manifest["folder"]).iterdir()) == [
        "areas.parquet",
        "cbp_cube.parquet",
        "modes_cube.parquet",
    ]
    assert not list(root.glob(".staging-*")) and not list(root.rglob("*.tmp"))
    assert info.as_of == "2025-12-31" and info.cbp_through == "2025-12-01"
    assert info.open_fy == 2026 and info.fiscal_years == tuple(range(2019, 2027))
    assert {v["source_file"] for v in info.vintages} >= {
        "cbp-nationwide-drugs-fy23-fy26-dec.csv.gz"
    }
    assert manifest["rule"] == {"min_events": 10, "dominance": 0.85}


def test_pub_ext002_publishing_the_same_lake_again_changes_nothing(public_data):
    before = read_manifest(public_data)
    report = publish(public_data)
    after = read_manifest(public_data)
    assert report.version == before["version"] == after["version"]
    assert (public_dir(public_data) / MANIFEST).exists()


def test_pub_ext003_national_totals_are_cbps_published_figures(public_gw, info):
    # DATA.md: with the vendored files FY2023 fentanyl is 27,022.85 lb and FY2024 21,889.21 lb
    mix = {
        fy: px.drug_mix(px.PublicQuery(fy=fy), info, public_gw).filter(
            pl.col("drug_type") == "Fentanyl"
        )
        for fy in (2023, 2024)
    }
    assert mix[2023]["lbs"][0] == pytest.approx(27_022.85, abs=0.01)
    assert mix[2024]["lbs"][0] == pytest.approx(21_889.21, abs=0.01)


def test_pub_ext004_no_added_cell_is_small_and_no_event_column_exists(public_gw):
    cube = public_gw.frame("SELECT * FROM cbp_cube")
    assert not cube["suppressed"].any(), "CBP's own cells are published as CBP publishes them"
    modes = public_gw.frame("SELECT * FROM modes_cube")
    assert modes.filter(~pl.col("suppressed") & pl.col("events").is_between(1, 9)).is_empty()
    assert modes.filter(pl.col("suppressed"))["events"].null_count() == modes["suppressed"].sum()
    columns = set(cube.columns) | set(modes.columns)
    assert not columns & {"seizure_id", "shipment_id", "port_code", "event_date", "mode_id"}


def test_pub_ext005_the_public_database_cannot_open_the_lake(public_data, public_gw):
    lake_file = next((public_data / "lake" / "seizures").rglob("*.parquet"))
    for sql in (
        f"SELECT count(*) FROM read_parquet('{lake_file}')",
        f"SELECT * FROM read_csv('{public_data.parent}/../etc/passwd')",
        "SELECT * FROM seizures",
        "SELECT * FROM ports",
        f"ATTACH '{public_data}/lake/other.duckdb' AS other",
        "SET enable_external_access = true",
        f"COPY (SELECT 1 AS x) TO '{public_dir(public_data)}/written.csv'",
        "CREATE TABLE t AS SELECT 1",
        "SELECT 1; SELECT 2",
    ):
        with pytest.raises(QueryError):
            public_gw.frame(sql)
    assert not (public_dir(public_data) / "written.csv").exists()
    # the internal gateway over the same folder can (the difference is the confinement)
    assert Gateway(public_data).scalar(f"SELECT count(*) > 0 FROM read_parquet('{lake_file}')")


def test_pub_ext006_the_threshold_setting_drives_the_rule(public_data, monkeypatch):
    from ingest.publish import default_protection, default_rule, modes_cube_frame

    monkeypatch.setenv("CHOKEPOINT_PUBLIC_MIN_EVENTS", "200")
    assert default_rule().min_events == 200
    gw = Gateway(public_data)
    strict = modes_cube_frame(gw, default_rule(), {}, default_protection()).frame
    assert strict.filter(~pl.col("suppressed") & pl.col("events").is_between(1, 199)).is_empty()
    usual = modes_cube_frame(gw, disclosure.Rule(), {}, default_protection()).frame
    assert strict["suppressed"].sum() > usual["suppressed"].sum()


def test_pub_ext007_queries_accept_only_known_filters(info):
    years = px.all_fiscal_years(info)
    q = px.parse_query({"fy": "2025", "region": "southwest-border", "drug": "fentanyl"}, years)
    assert q == px.PublicQuery(2025, "Southwest Border", "Fentanyl")
    assert px.parse_query({"drug": "other-drugs"}, years).drug == "Other Drugs**"
    for bad in (
        {"fy": "1999"},
        {"fy": "20x5"},
        {"region": "mars"},
        {"drug": "lsd'--"},
        {"port": "2604"},
        {"fy": ["2024", "2025"]},
    ):
        with pytest.raises(px.BadQuery):
            px.parse_query(bad, years)


def test_pub_ext008_csv_writes_suppressed_never_zero_or_blank(public_gw, info):
    years = public_gw.frame("SELECT DISTINCT fiscal_year FROM modes_cube WHERE suppressed")
    frame = px.modes(px.PublicQuery(fy=int(years["fiscal_year"].min())), info, public_gw)
    out = px.csv_frame(frame, info)
    hidden = frame["suppressed"].to_list()
    assert any(hidden)
    for row, was_hidden in zip(out.iter_rows(named=True), hidden, strict=True):
        if was_hidden:
            assert row["events"] == row["lbs"] == "suppressed"
        assert row["events"] not in ("", None) and row["as_of"] == info.as_of
    assert "suppressed" not in out.columns


def test_pub_ext009_dose_range_follows_the_stated_assumptions():
    per_lb = doses_per_lb()
    assert per_lb["doses_if_pure"] == pytest.approx(226_796, abs=1)  # 453,592 mg / 2 mg
    assert per_lb["doses_high"] == pytest.approx(22_680, abs=1)  # 10 % purity
    assert per_lb["doses_low"] == pytest.approx(27.2, abs=0.1)  # 0.012 mg in a 0.1 g pill
    frame = with_doses(pl.DataFrame({"lbs": [100.0, None], "suppressed": [False, True]}))
    assert frame["doses_high"][0] == pytest.approx(2_267_962, abs=1)
    assert frame["doses_low"][1] is None


def test_pub_ext010_headline_compares_the_same_months_while_the_year_is_open(public_gw, info):
    rows = px.headline(px.PublicQuery(), info, public_gw)
    events = rows.row(0, named=True)
    assert events["period"] == "FYTD" and events["provisional"]
    cube = public_gw.frame(
        "SELECT period, sum(events) e FROM cbp_cube WHERE fiscal_year = 2025 AND geo = ? "
        "AND drug_type = 'All drugs' AND period_kind = 'month' AND period <= '2024-12' GROUP BY 1",
        [px.NATION],
    )
    assert events["prior_value"] == cube["e"].sum()  # Oct-Dec 2024, not the whole of FY2025
    closed = px.headline(px.PublicQuery(fy=2024), info, public_gw).row(0, named=True)
    assert closed["period"] == "FY" and not closed["provisional"]
    assert json.dumps(rows.to_dicts(), default=str)
