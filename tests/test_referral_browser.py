"""Referrals from the pages that show a seizure, in headless Chromium: an investigator refers a
seizure from the Explorer's record detail and sees it listed (and in the ``referrals`` view), and
a second open referral to the same agency is refused;
an administrator refers one from Targeting, after a recorded seizure and after feedback saying
seized; the records grid shows what a seizure's referrals led to, to investigators and not to
analysts; the form is not drawn for a role that may not create a referral.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from ingest.live.record import new_referral_id, record_step
from lake.contract import REFERRAL_AGENCIES
from queries.gateway import Gateway
from queries.targeting_history import OUTCOME_LAG_DAYS
from tests.phone import phone_screen, sideways_overflow
from tests.sessions import user_for
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser
RECORDS = "explorer-records-grid"
QUEUE = "targeting-queue-grid"
REFERRAL_ID = re.compile(r"referral (RFU\w+)")

# the grid is scrolled into view first: cards above it still grow while the page settles, and
# a cell out of view may be drawn without its text
CELL_TEXT_JS = """
document.getElementById(arguments[0]).scrollIntoView({block: 'center'});
const cell = document.querySelector(`#${arguments[0]} .ag-row[row-id='${arguments[1]}']`
  + ` [col-id='${arguments[2]}']`);
return cell ? cell.innerText : null;
"""
ONLY_ROW_JS = """
const api = dash_ag_grid.getApi(arguments[0]);
const node = api.getRowNode(arguments[1]);
return !!(node && node.data) && api.getDisplayedRowCount() === 1;
"""


def gateway(lake) -> Gateway:
    """A fresh look at the lake the app serves (a new gateway: no cached answer)."""
    return Gateway(lake)


def press(dash_duo, selector: str) -> None:
    """Click through JavaScript: cards above may still grow while the page settles."""
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))


def open_page(dash_duo, internal_app, path: str, role: str, ready: str) -> None:
    dash_duo.start_server(internal_app, role=role)
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element(ready, timeout=WAIT_S)


def show_row(dash_duo, grid: str, column: str, value: str) -> None:
    """Filter the grid to one record, and wait until it is the grid's only row."""
    dash_duo.driver.execute_script(
        "dash_ag_grid.getApi(arguments[0]).setFilterModel("
        "{[arguments[1]]: {filterType: 'text', type: 'equals', filter: arguments[2]}});",
        grid,
        column,
        value,
    )
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.execute_script(ONLY_ROW_JS, grid, value)
    )


def select_row(dash_duo, grid: str, row_id: str) -> None:
    """Select a row by its id once the grid has loaded it (as a click on it does)."""
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.execute_script(
            "return !!dash_ag_grid.getApi(arguments[0]).getRowNode(arguments[1]);", grid, row_id
        )
    )
    dash_duo.driver.execute_script(
        "dash_ag_grid.getApi(arguments[0]).getRowNode(arguments[1]).setSelected(true);",
        grid,
        row_id,
    )


def refer(dash_duo, prefix: str, agency: str, note: str) -> str:
    """Fill the form and send it; the new referral's id, from the verdict."""
    Select(dash_duo.find_element(f"#{prefix}-agency")).select_by_value(agency)
    dash_duo.find_element(f"#{prefix}-note").send_keys(note)
    press(dash_duo, f"#{prefix}-submit")
    dash_duo.wait_for_contains_text(f"#{prefix}-verdict", "Referred to", timeout=WAIT_S)
    verdict = dash_duo.find_element(f"#{prefix}-verdict")
    found = REFERRAL_ID.search(verdict.text)
    assert found, verdict.text
    link = verdict.find_element(By.LINK_TEXT, "Open the case")  # where its next steps go
    assert link.get_attribute("href").endswith(f"/referrals?referral={found.group(1)}")
    return found.group(1)


def free_agency(lake, seizure_id: str) -> str:
    """An agency the seizure has no open referral to."""
    taken = set(
        gateway(lake).frame(
            "SELECT agency FROM referrals WHERE seizure_id = ? AND is_open", [seizure_id]
        )["agency"]
    )
    return next(a for a in REFERRAL_AGENCIES if a not in taken)


def assert_in_view(lake, referral_id: str, seizure_id: str, agency: str, role: str) -> None:
    """The referral as the ``referrals`` view derives it, and who recorded it."""
    row = gateway(lake).frame(
        "SELECT r.seizure_id, r.shipment_id, r.agency, r.status, r.is_open, e.recorded_by, "
        "e.note FROM referrals r JOIN referral_events e USING (referral_id) "
        "WHERE referral_id = ? AND e.step = 'referred'",
        [referral_id],
    )
    assert row.height == 1
    got = row.row(0, named=True)
    assert (got["seizure_id"], got["agency"], got["status"]) == (seizure_id, agency, "referred")
    assert got["is_open"] and got["recorded_by"] == f"user:{user_for(role)}"
    shipment = gateway(lake).frame(
        "SELECT shipment_id FROM seizures WHERE seizure_id = ?", [seizure_id]
    )["shipment_id"][0]
    assert got["shipment_id"] == shipment


# -- Explorer -------------------------------------------------------------------------------------
def test_rfb001_an_investigator_refers_a_seizure_from_the_record_detail(
    dash_duo, internal_app, scored_lake
):
    open_page(dash_duo, internal_app, "/explorer", "investigator", f"#{RECORDS} .ag-row")
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.execute_script(
            "const n = dash_ag_grid.getApi(arguments[0]).getDisplayedRowAtIndex(0);"
            "return n && n.data ? n.data.seizure_id : null;",
            RECORDS,
        )
    )
    seizure_id = dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getDisplayedRowAtIndex(0).data.seizure_id;",
        RECORDS,
    )
    before = len(
        gateway(scored_lake).frame(
            "SELECT referral_id FROM referrals WHERE seizure_id = ?", [seizure_id]
        )
    )
    agency = free_agency(scored_lake, seizure_id)
    select_row(dash_duo, RECORDS, seizure_id)
    dash_duo.wait_for_contains_text("#explorer-records-detail", f"Seizure {seizure_id}", WAIT_S)
    dash_duo.wait_for_element("#explorer-referral-agency", timeout=WAIT_S)
    referral_id = refer(dash_duo, "explorer-referral", agency, "Courier pattern seen twice")
    dash_duo.wait_for_contains_text("#explorer-referral-referrals", referral_id, timeout=WAIT_S)
    listed = dash_duo.find_element("#explorer-referral-referrals").text
    assert "Referred" in listed
    assert_in_view(scored_lake, referral_id, seizure_id, agency, "investigator")
    after = gateway(scored_lake).frame(
        "SELECT referral_id FROM referrals WHERE seizure_id = ?", [seizure_id]
    )
    assert len(after) == before + 1
    # the same agency again, while that case is open: refused by the form, nothing recorded
    Select(dash_duo.find_element("#explorer-referral-agency")).select_by_value(agency)
    press(dash_duo, "#explorer-referral-submit")
    dash_duo.wait_for_contains_text("#explorer-referral-verdict", "already referred", WAIT_S)
    again = gateway(scored_lake).frame(
        "SELECT referral_id FROM referrals WHERE seizure_id = ?", [seizure_id]
    )
    assert len(again) == before + 1
    assert dash_duo.get_logs() == []


def test_rfb003_the_records_grid_shows_an_arrest_to_investigators_only(
    dash_duo, internal_app, scored_lake
):
    lake = gateway(scored_lake)
    seizure = lake.frame(
        "SELECT seizure_id, shipment_id, event_date FROM seizures s "
        "WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.seizure_id = s.seizure_id) "
        "AND event_date < DATE '2026-01-01' ORDER BY seizure_id LIMIT 1"
    ).row(0, named=True)
    referral_id, day = new_referral_id(), seizure["event_date"]
    for offset, step in enumerate(("referred", "accepted", "investigation_opened", "arrest")):
        recorded = record_step(
            referral_id=referral_id,
            step=step,
            occurred_on=day + timedelta(days=offset),
            agency="DEA",
            user="fixture",
            seizure_id=seizure["seizure_id"] if step == "referred" else None,
            shipment_id=seizure["shipment_id"] if step == "referred" else None,
            data_dir=scored_lake,
        )
        assert recorded.accepted, recorded.reason
    outcome = gateway(scored_lake).frame(
        "SELECT outcome FROM referrals WHERE referral_id = ?", [referral_id]
    )["outcome"][0]
    assert outcome == "arrest"
    seizure_id = seizure["seizure_id"]

    open_page(dash_duo, internal_app, "/explorer", "investigator", f"#{RECORDS} .ag-row")
    show_row(dash_duo, RECORDS, "seizure_id", seizure_id)
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: (
            d.execute_script(CELL_TEXT_JS, RECORDS, seizure_id, "referral_outcome") == "Arrest"
        )
    )
    header = dash_duo.find_element(f"#{RECORDS} .ag-header-cell[col-id='referral_outcome']")
    assert header.text == "Referral outcome"
    assert dash_duo.get_logs() == []


def test_rfb004_an_analyst_sees_neither_the_outcome_nor_the_form(
    dash_duo, internal_app, scored_lake
):
    seizure_id = gateway(scored_lake).frame(
        "SELECT seizure_id FROM referrals WHERE outcome IS NOT NULL ORDER BY seizure_id LIMIT 1"
    )["seizure_id"][0]
    open_page(dash_duo, internal_app, "/explorer", "analyst", f"#{RECORDS} .ag-row")
    show_row(dash_duo, RECORDS, "seizure_id", seizure_id)
    assert (
        dash_duo.driver.execute_script(
            "return dash_ag_grid.getApi(arguments[0]).getColumn('referral_outcome');", RECORDS
        )
        is None
    )
    row = dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getRowNode(arguments[1]).data;",
        RECORDS,
        seizure_id,
    )
    assert "referral_outcome" not in row  # not sent, not merely hidden
    select_row(dash_duo, RECORDS, seizure_id)
    dash_duo.wait_for_contains_text("#explorer-records-detail", "shown to investigators", WAIT_S)
    assert dash_duo.driver.find_elements(By.ID, "explorer-referral-agency") == []
    assert dash_duo.get_logs() == []


# -- Targeting ------------------------------------------------------------------------------------
def seized_shipment(lake, recorded: bool) -> dict:
    """A seized shipment of the queue's last week whose examination the panel shows as
    recorded (arrived at least the lag's days before the latest arrival), or not yet."""
    lag = "<=" if recorded else ">"
    return (
        gateway(lake)
        .frame(
            "WITH latest AS (SELECT max(arrived_at)::DATE AS day FROM shipments) "
            "SELECT shipment_id, seizure_id, arrived_at::DATE AS day FROM shipments, latest "
            "WHERE outcome = 'seized' AND arrived_at >= day - 6 "
            f"AND arrived_at::DATE {lag} day - ? ORDER BY shipment_id LIMIT 1",  # noqa: S608
            [OUTCOME_LAG_DAYS],
        )
        .row(0, named=True)
    )


def test_rfb005_an_administrator_refers_a_recorded_seizure_from_targeting(
    dash_duo, internal_app, scored_lake
):
    shipment = seized_shipment(scored_lake, recorded=True)
    day = shipment["day"].isoformat()
    open_page(
        dash_duo, internal_app, f"/targeting?start={day}&end={day}", "admin", f"#{QUEUE} .ag-row"
    )
    select_row(dash_duo, QUEUE, shipment["shipment_id"])
    dash_duo.wait_for_contains_text(
        "#targeting-referral", f"Seizure {shipment['seizure_id']}", timeout=WAIT_S
    )
    agency = free_agency(scored_lake, shipment["seizure_id"])
    referral_id = refer(dash_duo, "targeting-referral", agency, "Same consignee as last month")
    dash_duo.wait_for_contains_text("#targeting-referral-referrals", referral_id, WAIT_S)
    assert_in_view(scored_lake, referral_id, shipment["seizure_id"], agency, "admin")
    assert dash_duo.get_logs() == []


def test_rfb006_feedback_saying_seized_opens_the_form(dash_duo, internal_app, scored_lake):
    shipment = seized_shipment(scored_lake, recorded=False)
    day = shipment["day"].isoformat()
    open_page(
        dash_duo, internal_app, f"/targeting?start={day}&end={day}", "admin", f"#{QUEUE} .ag-row"
    )
    select_row(dash_duo, QUEUE, shipment["shipment_id"])
    dash_duo.wait_for_contains_text("#targeting-referral", "starts from a seizure", WAIT_S)
    assert dash_duo.driver.find_elements(By.ID, "targeting-referral-agency") == []
    press(dash_duo, "#targeting-feedback-seized")
    dash_duo.wait_for_contains_text("#targeting-feedback-status", "Saved", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(
        "#targeting-referral", f"Seizure {shipment['seizure_id']}", timeout=WAIT_S
    )
    dash_duo.wait_for_element("#targeting-referral-agency", timeout=WAIT_S)
    assert dash_duo.get_logs() == []


def test_rfb007_a_targeter_gets_no_referral_card(dash_duo, internal_app, scored_lake):
    shipment = seized_shipment(scored_lake, recorded=True)
    day = shipment["day"].isoformat()
    open_page(
        dash_duo, internal_app, f"/targeting?start={day}&end={day}", "targeter", f"#{QUEUE} .ag-row"
    )
    select_row(dash_duo, QUEUE, shipment["shipment_id"])
    dash_duo.wait_for_contains_text(
        "#targeting-detail", f"Shipment {shipment['shipment_id']}", timeout=WAIT_S
    )
    assert dash_duo.driver.find_elements(By.ID, "targeting-referral") == []
    assert "Referral outcome" not in dash_duo.find_element("#targeting-detail").text
    assert dash_duo.get_logs() == []


# -- a phone -------------------------------------------------------------------------------------
def test_rfb_phone_the_explorer_detail_with_its_form_fits_a_390px_screen(
    dash_duo, internal_app, scored_lake
):
    seizure_id = seized_shipment(scored_lake, recorded=True)["seizure_id"]
    with phone_screen(dash_duo.driver):
        open_page(dash_duo, internal_app, "/explorer", "investigator", f"#{RECORDS}")
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView();", RECORDS
        )
        show_row(dash_duo, RECORDS, "seizure_id", seizure_id)
        select_row(dash_duo, RECORDS, seizure_id)
        dash_duo.wait_for_element("#explorer-referral-agency", timeout=WAIT_S)
        assert sideways_overflow(dash_duo.driver) <= 0


def test_rfb_phone_the_targeting_detail_and_referral_card_fit_a_390px_screen(
    dash_duo, internal_app, scored_lake
):
    shipment = seized_shipment(scored_lake, recorded=True)
    day = shipment["day"].isoformat()
    with phone_screen(dash_duo.driver):
        open_page(dash_duo, internal_app, f"/targeting?start={day}&end={day}", "admin", f"#{QUEUE}")
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView();", QUEUE
        )
        select_row(dash_duo, QUEUE, shipment["shipment_id"])
        dash_duo.wait_for_element("#targeting-referral-agency", timeout=WAIT_S)
        dash_duo.wait_for_contains_text("#targeting-detail", "Referral outcome", WAIT_S)
        assert sideways_overflow(dash_duo.driver) <= 0
