"""The app over HTTP, in process: it serves everything itself (offline) and its callbacks answer."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys

import pytest

from tests.sessions import signed_in

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def test_http001_index_loads_only_local_scripts_and_styles(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", html)
    assert any("bootstrap" in a for a in assets)
    for asset in assets:
        body = client.get(asset)
        assert body.status_code == 200, asset
        if asset.split("?")[0].endswith(".css"):
            assert not CSS_URL.findall(body.get_data(as_text=True)), asset


def test_http002_layout_has_the_shell(client):
    layout = client.get("/_dash-layout").get_data(as_text=True)
    for component_id in ("url", "filters-area", "filters-chips", "app-footer"):
        assert f'"{component_id}"' in layout


def test_http003_a_callback_answers_with_filtered_figures(client):
    client.get("/")
    graph = {"dim": "port", "page": "overview", "slot": "main", "type": "xfilter"}
    graph_key = json.dumps(graph, separators=(",", ":"), sort_keys=True)
    payload = {
        "output": f"..{graph_key}.figure...overview-ports-title.children..."
        "overview-ports-summary.children...overview-ports-table.children..",
        "outputs": [
            {"id": graph, "property": "figure"},
            {"id": "overview-ports-title", "property": "children"},
            {"id": "overview-ports-summary", "property": "children"},
            {"id": "overview-ports-table", "property": "children"},
        ],
        "inputs": [
            {"id": "url", "property": "search", "value": "?area=laredo-field-office"},
            {"id": "live-version-seizures", "property": "data", "value": "any"},
        ],
        "changedPropIds": ["url.search"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    body = json.loads(response.get_data(as_text=True))["response"]
    summary = body["overview-ports-summary"]["children"]
    assert "leads with" in summary
    labels = body[graph_key]["figure"]["data"][0]["y"]
    assert "Laredo" in " ".join(labels)
    assert "1 filter" in body["overview-ports-title"]["children"]


def test_http004_chart_csv_equals_the_chart_query(client, demo_lake):
    import csv
    import io

    from queries import breakdowns
    from queries.filters import Filters
    from queries.gateway import Gateway

    response = client.get("/export/explorer-area.csv?fy=2025&measure=events")
    assert response.status_code == 200
    assert "fy2025" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    expected = breakdowns.breakdown(Filters(fy=2025), "area", "events", 10, Gateway(demo_lake))
    assert [r["key"] for r in rows] == expected["key"].to_list()
    assert [int(r["events"]) for r in rows] == expected["events"].to_list()
    assert rows[0]["name"].endswith(("Field Office", "Sector"))


def test_http005_compare_export_needs_compare_mode(client):
    off = client.get("/export/explorer-cmp-area.csv?fy=2025").get_data(as_text=True)
    assert "compare mode is off" in off
    on = client.get("/export/explorer-cmp-area.csv?cmp=fytd").get_data(as_text=True)
    assert on.splitlines()[0].startswith("key,name,events_a")


def test_http006_data_health_page_reports_the_feed(client, tiny_lake, tmp_path, monkeypatch):
    import os
    import shutil
    from datetime import date

    from ingest.live.watcher import watch
    from tests.lake_rows import seizures as make_seizures

    lake = tmp_path / "health"
    shutil.copytree(tiny_lake, lake)
    monkeypatch.setenv("CHOKEPOINT_DATA", str(lake))
    rows = make_seizures(4, "SZHEALTH", day=date(2025, 12, 20)).drop(
        "batch_id", "ingested_at", "provenance", "fiscal_year"
    )
    rows = rows.with_columns(rows["port_code"].scatter(0, "9999"))  # one unknown port
    (lake / "inbox").mkdir()
    rows.write_csv(lake / "inbox" / "seizures-health.csv")
    os.utime(lake / "inbox" / "seizures-health.csv", (1, 1))
    watch(lake, once=True)

    assert client.get("/health").status_code == 200
    from pages.health import hourly, quarantine

    _, summary, _ = hourly.update_batches()
    assert "1 batch, 4 rows read" in summary and "1 quarantined" in summary
    _, reasons, _ = quarantine.update_reasons()
    assert "port" in reasons.lower() and "(1 row in seizures)" in reasons
    latest = str(quarantine.update_latest())
    assert "9999" in latest


@pytest.mark.parametrize("search", ["?commodity=xylazine&measure=pills", "?fy=2019&port=4701"])
def test_http007_every_view_callback_answers_views_with_nothing_to_rank(client, search):
    """A measure that sums to zero (no pills in xylazine seizures) or a view with few rows must
    give each card a dash, never a server error (a share of nothing once raised)."""
    from bench.callbacks import _name, _payload, url_callbacks

    client.get("/")
    failures = []
    for dep in url_callbacks(client):
        name = _name(dep)
        pathname = "/explorer" if name.startswith("explorer") else "/"
        response = client.post("/_dash-update-component", json=_payload(dep, search, pathname))
        if response.status_code not in (200, 204):
            failures.append(f"{name}: HTTP {response.status_code}")
    assert not failures, failures


def test_http008_a_card_rerun_by_new_data_is_computed_from_it(
    client, tiny_lake, tmp_path, monkeypatch
):
    """The page's poll sees a batch before the process's throttled check does; the KPI card it
    re-runs must still count the batch (it once showed the old count until the next batch)."""
    import os
    import shutil
    from datetime import date

    from bench.callbacks import _payload, url_callbacks
    from ingest.live.watcher import watch
    from lake.layout import table_versions
    from queries.gateway import default_gateway
    from tests.lake_rows import seizures as make_seizures

    lake = tmp_path / "race"
    shutil.copytree(tiny_lake, lake)
    monkeypatch.setenv("CHOKEPOINT_DATA", str(lake))
    monkeypatch.setenv("CHOKEPOINT_LAKE_CHECK_S", "3600")  # on its own, the process never looks
    default_gateway().refresh(force=True)
    client.get("/")
    kpi = next(d for d in url_callbacks(client) if "overview-events-value.children" in d["output"])

    def events_shown() -> str:
        payload = _payload(kpi, "?fy=2026&area=tucson-field-office", "/")
        for item in payload["inputs"] + payload["state"]:
            if str(item["id"]).startswith("live-version-"):
                item["value"] = table_versions()[item["id"].removeprefix("live-version-")]
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200
        return json.loads(response.get_data())["response"]["overview-events-value"]["children"]

    assert events_shown() == "2"
    batch = make_seizures(3, "SZRACE", day=date(2025, 12, 20)).drop(
        "batch_id", "ingested_at", "provenance", "fiscal_year"
    )
    (lake / "inbox").mkdir()
    batch.write_csv(lake / "inbox" / "seizures-race.csv")
    os.utime(lake / "inbox" / "seizures-race.csv", (1, 1))
    watch(lake, once=True)
    assert events_shown() == "5"


def test_http009_data_health_says_so_when_no_batch_came_lately(client, tiny_lake, monkeypatch):
    """A lake the feed never wrote to has 48 empty hours: the chart says so instead of drawing
    empty axes."""
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    assert client.get("/health").status_code == 200
    from pages.health import hourly

    figure, summary, table = hourly.update_batches()
    assert summary == hourly.NO_RECENT_BATCHES and table is None
    assert figure["layout"]["annotations"][0]["text"] == hourly.NO_RECENT_SHORT
    assert not figure["data"]


def test_http011_data_health_hourly_charts_span_their_whole_window(client, tmp_path, monkeypatch):
    """One hour of batches: the lag chart once stretched that hour's points over a millisecond
    of axis ("04:59:59.9995"); both hourly charts now show the whole 48 hours."""
    from datetime import datetime, timedelta

    from tests.ingest_helpers import csv_bytes, drop, run_once, valid_rows

    drop(tmp_path, "shipments-1.csv", csv_bytes(valid_rows("shipments", 25)), age_s=30)
    run_once(tmp_path)
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tmp_path))
    assert client.get("/health").status_code == 200
    from pages.health import hourly

    lag, lag_summary, _ = hourly.update_lag()
    batches, batches_summary, _ = hourly.update_batches()
    assert len({trace["x"][0] for trace in lag["data"]}) == 1  # one hour of data
    for figure in (lag, batches):
        lo, hi = (datetime.fromisoformat(x) for x in figure["layout"]["xaxis"]["range"])
        assert hi - lo == timedelta(hours=hourly.HOURS)
    assert lag_summary.startswith("Hour from ") and " UTC: median " in lag_summary
    assert batches_summary.startswith("1 batch, 25 rows read")


def test_http010_each_explorer_breakdown_answers_for_its_own_dimension(client):
    """One view, eight breakdown cards made in a loop: each answers with its own title."""
    from bench.callbacks import _payload, url_callbacks
    from pages.explorer.breakdowns import BREAKDOWNS

    client.get("/")
    deps = {d["output"]: d for d in url_callbacks(client)}
    for dim, title in BREAKDOWNS:
        dep = next(d for out, d in deps.items() if f"explorer-{dim}-title.children" in out)
        payload = _payload(dep, "?fy=2025", "/explorer")
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200
        answer = json.loads(response.get_data())["response"]
        assert answer[f"explorer-{dim}-title"]["children"].startswith(title), dim


def test_http012_each_page_registers_once_and_each_callback_once(client):
    """The pages register by import (``internal_app``), not by Dash's walk of a folder: each
    internal page once, under its own module, and no callback twice (a page module executed a
    second time registers every callback of it again, and the browser would run both)."""
    import dash

    client.get("/")
    paths = {page["module"]: page["path"] for page in dash.page_registry.values()}
    assert paths == {
        "pages.overview": "/",
        "pages.explorer": "/explorer",
        "pages.targeting": "/targeting",
        "pages.referrals": "/referrals",
        "pages.health": "/health",
        "pages.audit": "/audit",
    }
    outputs = [d["output"] for d in json.loads(client.get("/_dash-dependencies").get_data())]
    assert len(outputs) == len(set(outputs)), sorted(o for o in outputs if outputs.count(o) > 1)
    # every card module of every page is loaded, so its callbacks are among those above
    for package in paths:
        for card in pkgutil.iter_modules(importlib.import_module(package).__path__):
            assert f"{package}.{card.name}" in sys.modules, f"{package}.{card.name}"
