"""The Targeting page in headless Chromium: it loads clean, the queue shows red-flag chips, a row
opens its detail, a saved watch survives a reload, and exam feedback lands in the store."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from targeting import store
from tests.phone import phone_screen, sideways_overflow
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser
GRID = "targeting-queue-grid"


@pytest.fixture(scope="module")
def scored(scored_lake):
    """The scored copy of the demo lake (the internal app serves the same one)."""
    return scored_lake


FIRST_ROW_JS = """
const cells = [...document.querySelectorAll(`#${arguments[0]} .ag-row [col-id='${arguments[1]}']`)];
let best = null, bestIndex = Infinity;
for (const cell of cells) {
  const index = Number(cell.closest('.ag-row').getAttribute('row-index'));
  if (cell.innerText && index < bestIndex) { best = cell; bestIndex = index; }
}
return best;
"""


def first_cell(dash_duo, column: str):
    return dash_duo.driver.execute_script(FIRST_ROW_JS, GRID, column)


def first_row_value(dash_duo, field: str):
    """A field of the first row from the grid's own data (off-screen columns are not drawn)."""
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getDisplayedRowAtIndex(0).data[arguments[1]];",
        GRID,
        field,
    )


def press(dash_duo, selector: str) -> None:
    """Click through JavaScript: cards above may still grow while the page settles."""
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))


def open_targeting(dash_duo, internal_app, query: str = "") -> None:
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/targeting" + query)
    dash_duo.wait_for_contains_text("#targeting-queue-count", "synthetic", timeout=WAIT_S)
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: first_cell(dash_duo, "shipment_id"))


def test_tgb001_page_loads_with_queue_cards_and_no_errors(dash_duo, internal_app, scored):
    open_targeting(dash_duo, internal_app)
    dash_duo.wait_for_contains_text("#targeting-model", "Rules alone", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-model", "lift", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-emerging", "per 30 days", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-period", "Arrivals", timeout=WAIT_S)
    assert dash_duo.get_logs() == []


def test_tgb002_queue_chips_and_row_detail(dash_duo, internal_app, scored):
    open_targeting(dash_duo, internal_app)
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#{GRID} .targeting-chip")
    )
    chips = [
        c.text for c in dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#{GRID} .targeting-chip")
    ]
    assert any(chips)
    cell = first_cell(dash_duo, "shipment_id")
    shipment_id = cell.text
    cell.click()
    dash_duo.wait_for_contains_text("#targeting-detail", f"Shipment {shipment_id}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-detail", "Why this score", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-detail", "Parties' history", timeout=WAIT_S)
    assert dash_duo.find_element("#targeting-feedback").is_displayed()
    assert dash_duo.get_logs() == []


def test_tgb003_a_saved_watch_survives_a_reload(dash_duo, internal_app, scored):
    open_targeting(dash_duo, internal_app)
    hts = first_row_value(dash_duo, "hts_code")
    Select(dash_duo.find_element("#targeting-watch-kind")).select_by_value("hts")
    dash_duo.find_element("#targeting-watch-value").send_keys(hts)
    dash_duo.find_element("#targeting-watch-label").send_keys("Browser test line")
    press(dash_duo, "#targeting-watch-add")
    dash_duo.wait_for_contains_text("#targeting-watch-message", "Watching", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#targeting-watch-list", "Browser test line", timeout=WAIT_S)
    assert any(w.value == hts for w in store.watches(scored))
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#targeting-watch-list", "Browser test line", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(
        "#targeting-watch-list", "hits in the queue window", timeout=WAIT_S
    )
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#{GRID} .targeting-chip-watch")
    )
    assert dash_duo.get_logs() == []


def test_tgb004_exam_feedback_is_stored(dash_duo, internal_app, scored):
    open_targeting(dash_duo, internal_app)
    cell = first_cell(dash_duo, "shipment_id")
    shipment_id = cell.text
    cell.click()
    dash_duo.wait_for_contains_text("#targeting-detail", f"Shipment {shipment_id}", timeout=WAIT_S)
    dash_duo.find_element("#targeting-feedback-note").send_keys("found 2 kg in a lotion bottle")
    press(dash_duo, "#targeting-feedback-seized")
    dash_duo.wait_for_contains_text("#targeting-feedback-status", "Saved", timeout=WAIT_S)
    verdict = store.feedback_for(shipment_id, scored)
    assert verdict is not None and verdict["verdict"] == "seized"
    assert verdict["note"] == "found 2 kg in a lotion bottle"
    assert dash_duo.get_logs() == []


def test_tgb_phone_the_page_fits_a_390px_screen(dash_duo, internal_app, scored):
    with phone_screen(dash_duo.driver):
        open_targeting(dash_duo, internal_app)
        dash_duo.wait_for_contains_text("#targeting-model", "lift", timeout=WAIT_S)
        assert sideways_overflow(dash_duo.driver) <= 0


def test_tgb_watch_a_route_is_picked_from_lists_and_shown_by_name(dash_duo, internal_app, scored):
    from lake import reference

    open_targeting(dash_duo, internal_app)
    assert not dash_duo.find_element("#targeting-watch-value").is_displayed()
    route = dash_duo.find_element("#targeting-watch-route").text
    for words in ("Any origin country", "Any transit country", "Any port", "Any mode"):
        assert words in route, route  # which part is which, before anything is picked
    # the first name of each list after "Any": what a pick by position must save
    country, country_name = min(reference.country_names().items(), key=lambda kv: kv[1])
    mode, mode_name = min(reference.mode_names().items(), key=lambda kv: kv[1])
    for part in ("origin", "mode"):
        selector = f"""[id*='"part":"{part}"']"""
        dash_duo.select_dcc_dropdown(
            dash_duo.driver.find_element(By.CSS_SELECTOR, selector), index=1
        )
    dash_duo.find_element("#targeting-watch-label").send_keys("Picked route")
    press(dash_duo, "#targeting-watch-add")
    dash_duo.wait_for_contains_text("#targeting-watch-message", "Watching", timeout=WAIT_S)
    shown = f"{country_name} → any → any → {mode_name}"
    dash_duo.wait_for_contains_text("#targeting-watch-list", shown, timeout=WAIT_S)
    assert any(w.value == f"{country}>*>*>{mode}" for w in store.watches(scored))
