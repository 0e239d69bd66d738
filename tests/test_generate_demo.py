"""The demo generator: exact agreement with CBP's published cells, determinism, and plausibility."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ingest.generate import build_seizures
from lake.contract import CONTRACT
from queries.gateway import Gateway


def test_gen001_every_cbp_cell_is_reproduced_exactly(demo_gateway):
    """Events rebuilt from CBP cells, grouped by FY x month x component x area x drug type, give
    back CBP's count and pounds in every cell; no cell is missing and none is invented."""
    diff = demo_gateway.frame(
        """
        WITH events AS (
            SELECT fiscal_year, month(event_date) AS month, component, area_id,
                   cbp_drug_type AS drug_type, count(*) AS n, sum(lbs) AS lbs
            FROM seizures WHERE provenance = 'cbp_cell' GROUP BY ALL
        ), published AS (
            SELECT fiscal_year, month, component, area_id, drug_type,
                   sum(events) AS n, sum(lbs) AS lbs
            FROM cbp_public WHERE publication = 'nationwide' AND month_start <= ?
            GROUP BY ALL HAVING sum(events) > 0
        )
        SELECT count(*) AS cells,
               count(*) FILTER (WHERE e.n IS NULL OR p.n IS NULL) AS unmatched,
               count(*) FILTER (WHERE e.n <> p.n) AS wrong_count,
               max(abs(e.lbs - p.lbs)) AS worst_lbs
        FROM published p FULL JOIN events e USING (fiscal_year, month, component, area_id,
                                                  drug_type)
        """,
        [date(2026, 6, 30)],
    ).row(0, named=True)
    assert diff["cells"] > 16_000
    assert diff["unmatched"] == 0
    assert diff["wrong_count"] == 0
    assert diff["worst_lbs"] < 0.01


def test_gen002_fentanyl_headline_survives_generation(demo_gateway):
    rows = demo_gateway.frame(
        "SELECT fiscal_year, sum(lbs) AS lbs FROM seizures "
        "WHERE cbp_drug_type = 'Fentanyl' AND provenance = 'cbp_cell' GROUP BY 1"
    )
    by_year = dict(rows.iter_rows())
    assert by_year[2023] == pytest.approx(27_022.85, abs=0.01)


@pytest.mark.slow  # generates the demo lake a second time
def test_gen003_same_seed_same_seizures(demo_lake):
    gw = Gateway(demo_lake)
    until = date(2026, 6, 30)
    a = build_seizures(gw, np.random.default_rng(11), until)
    b = build_seizures(gw, np.random.default_rng(11), until)
    c = build_seizures(gw, np.random.default_rng(12), until)
    assert a.equals(b)
    assert not a.equals(c)


def test_gen004_tables_follow_the_contract(demo_gateway):
    for table, columns in CONTRACT.items():
        if table in ("cbp_public", "ingest_log", "scores"):  # written by import, ingest, targeting
            continue
        described = demo_gateway.frame(f"DESCRIBE SELECT * FROM {table}")
        names = described["column_name"].to_list()
        for column in columns:
            assert column.name in names, (table, column.name)
        nulls = demo_gateway.frame(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {c.name} IS NULL)" for c in columns)
            + f" FROM {table}"
        ).row(0)
        for column, n in zip(columns, nulls, strict=True):
            if not column.nullable:
                assert n == 0, (table, column.name)


def test_gen005_ports_modes_and_countries_are_plausible(demo_gateway):
    checks = demo_gateway.frame(
        """
        SELECT
          count(*) FILTER (WHERE component = 'USBP' AND port_code IS NOT NULL) AS usbp_at_port,
          count(*) FILTER (WHERE component = 'OFO' AND p.area_id <> s.area_id) AS port_outside_area,
          count(*) FILTER (WHERE s.land_filter = 'Land Only' AND component = 'OFO'
                           AND p.port_type <> 'land'
                           AND s.area_id IN (SELECT area_id FROM ports WHERE port_type = 'land'))
              AS land_cell_not_at_land_port,
          count(*) FILTER (WHERE mode = 'mail' AND p.port_type <> 'imf') AS mail_not_at_imf,
          count(*) FILTER (WHERE source_country NOT IN (SELECT country FROM countries))
              AS unknown_country
        FROM seizures s LEFT JOIN ports p USING (port_code)
        """
    ).row(0, named=True)
    assert checks == {k: 0 for k in checks}


def test_gen006_land_ports_weighted_by_real_traffic(demo_gateway):
    """San Ysidro carries far more personal vehicles than Tecate: it must see more POV events."""
    counts = dict(
        demo_gateway.frame(
            "SELECT port_code, count(*) FROM seizures WHERE port_code IN ('2504', '2505') "
            "AND mode = 'land_pov' GROUP BY 1"
        ).iter_rows()
    )
    assert counts.get("2504", 0) > 3 * counts.get("2505", 0)


def test_gen007_equipment_matches_public_scale(demo_gateway):
    pieces = demo_gateway.scalar(
        "SELECT sum(quantity) FROM seizures WHERE category = 'equipment' "
        "AND fiscal_year BETWEEN 2021 AND 2024"
    )
    assert 9_000 <= pieces <= 11_000


def test_gen008_continuation_reaches_today_and_is_labelled(demo_gateway, pinned_today):
    latest = demo_gateway.frame(
        "SELECT provenance, max(event_date) AS last, min(event_date) AS first "
        "FROM seizures GROUP BY 1"
    )
    by = {r["provenance"]: r for r in latest.iter_rows(named=True)}
    assert by["continuation"]["first"] == date(2026, 1, 1)
    assert by["continuation"]["last"] <= pinned_today
    assert by["cbp_cell"]["last"] <= date(2025, 12, 31)


def test_gen009_seized_shipments_link_both_ways(demo_gateway):
    broken = demo_gateway.frame(
        """
        SELECT
          (SELECT count(*) FROM seizures s LEFT JOIN shipments m USING (shipment_id)
           WHERE s.shipment_id IS NOT NULL AND m.shipment_id IS NULL) AS dangling_seizure,
          (SELECT count(*) FROM shipments m LEFT JOIN seizures s ON s.seizure_id = m.seizure_id
           WHERE m.seizure_id IS NOT NULL AND s.seizure_id IS NULL) AS dangling_shipment,
          (SELECT count(*) FROM shipments WHERE outcome = 'seized' AND seizure_id IS NULL)
              AS seized_without_event
        """
    ).row(0, named=True)
    assert broken == {k: 0 for k in broken}
    linked = demo_gateway.scalar("SELECT count(*) FROM seizures WHERE shipment_id IS NOT NULL")
    assert linked > 0


def test_gen010_referrals_point_at_seizures(demo_gateway):
    orphans = demo_gateway.scalar(
        "SELECT count(*) FROM referrals r LEFT JOIN seizures s USING (seizure_id) "
        "WHERE s.seizure_id IS NULL"
    )
    assert orphans == 0
    statuses = set(demo_gateway.frame("SELECT DISTINCT status FROM referrals")["status"])
    assert {"referred", "investigation_opened", "declined", "prosecution", "closed"} <= statuses


def test_gen011_shipment_volume_is_what_was_asked(demo_gateway):
    from tests.repo import DEMO_SHIPMENTS

    assert demo_gateway.scalar("SELECT count(*) FROM shipments") == DEMO_SHIPMENTS
    ids = demo_gateway.frame(
        "SELECT count(DISTINCT shipment_id) AS d, count(*) AS n FROM shipments"
    )
    assert ids["d"][0] == ids["n"][0]


def test_gen012_regenerating_replaces_not_adds(tmp_path):
    from ingest.cbp import import_cbp_file
    from ingest.generate import generate_demo
    from tests.repo import REAL

    import_cbp_file(REAL / "cbp-nationwide-drugs-fy23-fy26-dec.csv.gz", tmp_path)
    until = date(2026, 1, 31)
    generate_demo(shipments=12_000, seed=1, progress=False, data_dir=tmp_path, until=until)
    second = generate_demo(shipments=12_000, seed=2, progress=False, data_dir=tmp_path, until=until)
    gw = Gateway(tmp_path)
    assert gw.scalar("SELECT count(*) FROM seizures") == second.seizures
    assert gw.scalar("SELECT count(*) FROM shipments") == 12_000
    assert gw.scalar("SELECT count(DISTINCT batch_id) FROM seizures") == 1
