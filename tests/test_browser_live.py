"""A batch committed to the lake reaches an open page by itself, filters intact."""

from __future__ import annotations

import os
import shutil
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.lake_rows import seizures as make_seizures
from tests.sessions import ensure_users
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser


def test_liv001_new_batch_appears_without_reload(
    dash_duo, internal_app, tiny_lake, tmp_path, monkeypatch
):
    from ingest.live.watcher import watch

    lake = tmp_path / "live"
    shutil.copytree(tiny_lake, lake)
    monkeypatch.setenv("CHOKEPOINT_DATA", str(lake))
    ensure_users(lake)  # the accounts live in the data folder the app now reads
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/?fy=2026&area=tucson-field-office")
    dash_duo.wait_for_text_to_equal("#overview-events-value", "2", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#live-badge", "No live feed", timeout=WAIT_S)

    # A batch file arrives in the inbox and the watcher takes it through validation.
    batch = make_seizures(3, "SZLIVE", day=date(2025, 12, 20)).drop(
        "batch_id", "ingested_at", "provenance", "fiscal_year"
    )
    inbox = lake / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    batch.write_csv(inbox / "seizures-live-test.csv")
    os.utime(inbox / "seizures-live-test.csv", (1, 1))  # long settled: not still being written
    watch(lake, once=True)

    dash_duo.wait_for_text_to_equal("#overview-events-value", "5", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#live-badge", "Updated", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#live-badge", "3 new", timeout=WAIT_S)
    query = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert query == {"fy": ["2026"], "area": ["tucson-field-office"]}
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: "Tucson" in d.find_element("css selector", "#filters-chips").text
    )
    assert dash_duo.get_logs() == []
