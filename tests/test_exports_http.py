"""CSV exports over HTTP, in process, and the records grid's callback functions without a browser.

``/export/<name>.csv`` takes the page's own query string; the file must hold exactly what a direct
query with the same filters returns, be named after those filters and the data's as-of date, and
refuse bad links with the reason.
"""

from __future__ import annotations

import csv
import io

import pytest

from components import exports
from lake import reference
from pages.explorer import records_grid
from queries import records, seizure_stats
from queries.filters import Filters
from tests.sessions import signed_in


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def parsed(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_exp001_records_csv_equals_a_direct_query(client, demo_gateway):
    response = client.get("/export/records.csv?area=tucson-field-office")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    rows = parsed(response)
    expected = demo_gateway.frame(
        "SELECT seizure_id FROM seizures WHERE area_id = 'tucson-field-office' "
        "ORDER BY event_date DESC, seizure_id"
    )["seizure_id"].to_list()
    assert len(expected) > 1_000  # a real export, not a toy
    assert len(rows) == len(expected)
    got = [r["seizure_id"] for r in rows]
    assert got[:5] == expected[:5] and got[-5:] == expected[-5:]
    assert {r["area_id"] for r in rows} == {"tucson-field-office"}
    assert list(rows[0]) == [c.key for c in records.COLUMNS]


def test_exp002_file_name_says_filters_and_as_of_date(client, demo_gateway):
    response = client.get("/export/records.csv?fy=2025&area=tucson-field-office")
    disposition = response.headers["Content-Disposition"]
    as_of = seizure_stats.as_of(demo_gateway)
    assert disposition.startswith("attachment; filename=")
    assert "fy2025_area-tucson-field-office" in disposition
    assert f"asof-{as_of.isoformat()}" in disposition
    response.close()


def test_exp003_several_filters_apply_together(client, demo_gateway):
    response = client.get("/export/records.csv?fy=2025&mode=land_pov,land_truck&source=MX")
    rows = parsed(response)
    count = demo_gateway.scalar(
        "SELECT count(*) FROM seizures WHERE event_date BETWEEN DATE '2024-10-01' AND "
        "DATE '2025-09-30' AND mode IN ('land_pov', 'land_truck') AND source_country = 'MX'"
    )
    assert count > 0 and len(rows) == count
    assert {r["mode"] for r in rows} == {"land_pov", "land_truck"}
    assert min(r["event_date"] for r in rows) >= "2024-10-01"


def test_exp004_monthly_aggregate_export(client, demo_gateway):
    rows = parsed(client.get("/export/monthly.csv?fy=2025&area=laredo-field-office"))
    trend = seizure_stats.monthly_trend(
        Filters(fy=2025, area=("laredo-field-office",)), gateway=demo_gateway
    )
    assert [r["month"] for r in rows] == [m.isoformat() for m in trend["month"]]
    assert [int(r["events"]) for r in rows] == trend["events"].to_list()
    assert [float(r["lbs"]) for r in rows] == pytest.approx(trend["lbs"].to_list())


@pytest.mark.parametrize(
    "query, message",
    [
        ("area=atlantis-field-office", "unknown value 'atlantis-field-office'"),
        ("fy=20x5", "is not a fiscal year"),
        ("colour=red", "unknown parameter 'colour'"),
    ],
)
def test_exp005_a_bad_link_is_a_400_with_the_reason(client, query, message):
    response = client.get(f"/export/records.csv?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


def test_exp006_unknown_export_is_a_404(client):
    response = client.get("/export/explorer-passwords.csv")
    assert response.status_code == 404
    assert "No export named 'explorer-passwords'" in response.get_data(as_text=True)


def test_exp006b_an_export_no_policy_row_names_is_refused(client):
    """Deny by default: a name outside the policy table's exports is refused before any
    export is looked up (tests/test_access_http.py has the rest of the table)."""
    assert client.get("/export/passwords.csv").status_code == 403


def test_exp007_pages_can_register_named_exports(client, internal_app, monkeypatch):
    monkeypatch.setitem(
        exports.EXPORTS,
        "explorer-one-month",
        lambda view: records.export_sql(view.filters, "monthly"),
    )
    rows = parsed(client.get("/export/explorer-one-month.csv?start=2025-03-01&end=2025-03-31"))
    assert [r["month"] for r in rows] == ["2025-03-01"]
    with pytest.raises(ValueError, match="lower-case"):
        exports.register_export("Bad Name!", lambda view: ("SELECT 1", []))
    exports.register_export_routes(internal_app.server)  # a second call changes nothing


# -- the records grid's callbacks, as plain functions -------------------------------------------
def texts(component) -> str:
    """Every string in a Dash component tree, joined (what a reader would see)."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(texts(c) for c in component)
    return texts(getattr(component, "children", None))


REQUEST = {"startRow": 50, "endRow": 100, "sortModel": [], "filterModel": {}}


def test_exp010_grid_rows_follow_the_url(internal_app, demo_gateway):
    response, count = records_grid.grid_rows(REQUEST, "?area=tucson-field-office&fy=2025")
    rows, total = records.fetch_page(
        Filters(fy=2025, area=("tucson-field-office",)), 50, 100, [], {}, gateway=demo_gateway
    )
    assert response == {"rowData": rows, "rowCount": total}
    assert len(rows) == 50 and f"{total:,} synthetic records match the page filters" in count


def test_exp011_grid_rows_explain_bad_links_and_bad_models(internal_app):
    response, count = records_grid.grid_rows(REQUEST, "?area=atlantis-field-office")
    assert response == {"rowData": [], "rowCount": 0}
    assert count.startswith("No records shown") and "atlantis" in count
    bad = {**REQUEST, "filterModel": {"password": {"filterType": "text", "type": "equals"}}}
    response, count = records_grid.grid_rows(bad, "")
    assert response["rowData"] == [] and "unknown column 'password'" in count


def test_exp012_detail_panel_shows_declared_vs_found_and_referral(internal_app, demo_gateway):
    seizure_id, hts_code, agency = demo_gateway.frame(
        "SELECT s.seizure_id, m.hts_code, r.agency FROM seizures s "
        "JOIN shipments m USING (shipment_id) JOIN referrals r ON r.seizure_id = s.seizure_id "
        "ORDER BY s.seizure_id LIMIT 1"
    ).row(0)
    shown = texts(records_grid.detail_panel(seizure_id))
    agency = reference.AGENCY_NAMES[agency]  # named, not coded
    for expected in (seizure_id, "Synthetic record", "Declared vs found", hts_code, agency):
        assert expected in shown
    assert "No seizure record 'SZ-NOPE'" in texts(records_grid.detail_panel("SZ-NOPE"))


def test_exp013_grid_columns_come_from_the_whitelist():
    defs = records_grid.column_defs()
    assert [d["field"] for d in defs] == [c.key for c in records.COLUMNS]
    by_field = {d["field"]: d for d in defs}
    assert by_field["lbs"]["filter"] == "agNumberColumnFilter"
    assert by_field["event_date"]["filter"] == "agDateColumnFilter"
    assert by_field["mode"]["filter"] == "agTextColumnFilter"
    assert by_field["de_minimis"]["cellDataType"] == "boolean"
    # codes show as names (the rows keep the codes, which exports carry)
    assert by_field["area_id"]["refData"]["tucson-field-office"] == "Tucson Field Office"
    assert by_field["source_country"]["refData"]["CN"] == "China"
    assert by_field["component"]["refData"]["USBP"] == "U.S. Border Patrol"
    assert by_field["concealment"]["refData"]["gas_tank"] == "Gas tank"
    assert by_field["provenance"]["refData"]["continuation"].startswith("Modelled continuation")
    assert "refData" not in by_field["seizure_id"] and "refData" not in by_field["lbs"]
