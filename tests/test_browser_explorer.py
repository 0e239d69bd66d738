"""The Explorer in headless Chromium: cross-filtering by click, the records grid's paging and
sorting, compare mode, and back/forward."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.waits import WAIT_S

pytestmark = pytest.mark.browser
GRID = "explorer-records-grid"


def query_of(dash_duo) -> dict[str, list[str]]:
    return parse_qs(urlparse(dash_duo.driver.current_url).query)


def graph_selector(dim: str, slot: str = "main") -> str:
    return f"""div[id*='"dim":"{dim}"'][id*='"page":"explorer"'][id*='"slot":"{slot}"']"""


def record_count(dash_duo) -> int:
    text = dash_duo.find_element("#explorer-records-count").text
    match = re.match(r"([\d,]+) synthetic", text)
    return int(match.group(1).replace(",", "")) if match else -1


FIRST_ROW_JS = """
const cells = [...document.querySelectorAll(`#${arguments[0]} .ag-row [col-id='${arguments[1]}']`)];
let best = null, bestIndex = Infinity;
for (const cell of cells) {
  const index = Number(cell.closest('.ag-row').getAttribute('row-index'));
  if (cell.innerText && index < bestIndex) { best = cell.innerText; bestIndex = index; }
}
return best || "";
"""


def first_row_value(dash_duo, column: str) -> str:
    """The cell of the first row on the current page (rows are numbered across pages, and
    pinned columns live in their own container)."""
    return dash_duo.driver.execute_script(FIRST_ROW_JS, GRID, column)


def open_explorer(dash_duo, internal_app, query: str = "") -> None:
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/explorer" + query)
    dash_duo.wait_for_contains_text("#explorer-area-summary", "leads with", timeout=WAIT_S)
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: record_count(dash_duo) > 0)


def test_exp001_explorer_loads_every_card_without_errors(dash_duo, internal_app):
    open_explorer(dash_duo, internal_app)
    for card in ("trend", "port", "mode", "commodity", "source", "transit", "routes", "traffic"):
        dash_duo.wait_for_contains_text(f"#explorer-{card}-summary", " ", timeout=WAIT_S)
    assert dash_duo.find_element("#explorer-compare").get_attribute("style").find("none") >= 0
    assert dash_duo.get_logs() == []


def test_exp002_clicking_a_bar_cross_filters_everything(dash_duo, internal_app):
    open_explorer(dash_duo, internal_app, "?fy=2025")
    total_before = record_count(dash_duo)
    mode_before = dash_duo.find_element("#explorer-mode-summary").text
    bar = dash_duo.driver.find_elements(By.CSS_SELECTOR, graph_selector("area") + " g.point path")
    assert bar, "no bars drawn"
    ActionChains(dash_duo.driver).move_to_element(bar[-1]).click().perform()  # the top bar
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: "area" in query_of(dash_duo))
    clicked = query_of(dash_duo)["area"][0]
    assert query_of(dash_duo)["fy"] == ["2025"]
    dash_duo.wait_for_contains_text("#filters-chips", "Field office / sector", timeout=WAIT_S)
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: dash_duo.find_element("#explorer-mode-summary").text != mode_before
    )
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: 0 < record_count(dash_duo) < total_before
    )
    dash_duo.wait_for_contains_text("#explorer-trend-title", "1 filter", timeout=WAIT_S)
    assert clicked in dash_duo.driver.find_element(
        By.ID, "explorer-records-download"
    ).get_attribute("href")
    # Back restores the unfiltered view, in the charts and in the grid.
    dash_duo.driver.back()
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: "area" not in query_of(dash_duo))
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: record_count(dash_duo) == total_before)
    assert dash_duo.get_logs() == []


def test_exp003_grid_pages_and_sorts_in_duckdb(dash_duo, internal_app, demo_gateway):
    open_explorer(dash_duo, internal_app, "?fy=2024&commodity=fentanyl_pills")
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: first_row_value(dash_duo, "seizure_id"))
    first_page = first_row_value(dash_duo, "seizure_id")
    next_page = dash_duo.driver.find_element(
        By.CSS_SELECTOR, f"#{GRID} .ag-paging-button[aria-label='Next Page']"
    )
    dash_duo.driver.execute_script("arguments[0].click();", next_page)
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: first_row_value(dash_duo, "seizure_id") not in ("", first_page)
    )
    dash_duo.driver.execute_script(
        "dash_ag_grid.getApi(arguments[0]).applyColumnState("
        "{state: [{colId: 'lbs', sort: 'desc'}], defaultState: {sort: null}});",
        GRID,
    )
    heaviest = demo_gateway.frame(
        "SELECT seizure_id FROM seizures WHERE fiscal_year = 2024 "
        "AND commodity = 'fentanyl_pills' ORDER BY lbs DESC, seizure_id LIMIT 1"
    )["seizure_id"][0]
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: first_row_value(dash_duo, "seizure_id") == heaviest
    )
    expected = demo_gateway.scalar(
        "SELECT count(*) FROM seizures WHERE fiscal_year = 2024 AND commodity = 'fentanyl_pills'"
    )
    assert record_count(dash_duo) == expected


def test_exp004_compare_mode_from_the_url(dash_duo, internal_app):
    open_explorer(dash_duo, internal_app, "?cmp=fytd&measure=events")
    dash_duo.wait_for_contains_text("#explorer-cmp-totals", "Period A", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#explorer-cmp-area-summary", "vs prior FYTD", timeout=WAIT_S)
    assert "block" in dash_duo.find_element("#explorer-compare").get_attribute("style")
    assert dash_duo.find_element("#filters-cmp").text.startswith("FYTD")


def test_exp_route_a_route_bar_click_filters_on_its_parts(dash_duo, internal_app):
    open_explorer(dash_duo, internal_app, "?fy=2025")
    dash_duo.wait_for_contains_text("#explorer-route-bars-summary", "Click a route", timeout=WAIT_S)
    bars = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, graph_selector("route", "bars") + " g.point path"
    )
    assert bars, "no route bars drawn"
    ActionChains(dash_duo.driver).move_to_element(bars[-1]).click().perform()  # the top route
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: "source" in query_of(dash_duo))
    query = query_of(dash_duo)
    assert query["fy"] == ["2025"] and len(query["source"]) == 1
    dash_duo.wait_for_contains_text("#explorer-routes-title", "filter", timeout=WAIT_S)
    sankey = dash_duo.driver.find_element(By.CSS_SELECTOR, graph_selector("route"))
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: "All others" not in sankey.text)
    assert dash_duo.get_logs() == []


BUSY_WATCH_JS = """
window.__busy = new Set();
new MutationObserver((records) => {
  for (const r of records) {
    const el = r.target;
    if (el.classList && el.classList.contains('busy')) { window.__busy.add(el.id); }
  }
}).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['class']});
"""


def test_exp005_a_chart_is_marked_busy_while_its_callback_runs(dash_duo, internal_app):
    """The Explorer's charts have no dcc.Loading: the callback that redraws one marks its box
    busy while the request is out (``running=cards.busy(...)``; the stylesheet draws the dots)
    and unmarks it when the answer is in."""
    open_explorer(dash_duo, internal_app, "?fy=2025")
    boxes = dash_duo.driver.find_elements(By.CSS_SELECTOR, ".chart-box")
    # trend, 8 breakdowns, traffic, 2 route charts; the comparison's 9 only in compare mode
    assert len(boxes) == 12
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".chart-card .dash-spinner")
    mode_before = dash_duo.find_element("#explorer-mode-summary").text
    dash_duo.driver.execute_script(BUSY_WATCH_JS)
    bar = dash_duo.driver.find_elements(By.CSS_SELECTOR, graph_selector("area") + " g.point path")
    ActionChains(dash_duo.driver).move_to_element(bar[-1]).click().perform()
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: dash_duo.find_element("#explorer-mode-summary").text != mode_before
    )
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda _: not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".chart-box.busy")
    )
    marked = set(dash_duo.driver.execute_script("return [...window.__busy];"))
    assert {"explorer-mode-box", "explorer-trend-box", "explorer-routes-box"} <= marked
    assert dash_duo.get_logs() == []


def test_exp010_ranked_charts_draw_once_with_room_for_their_labels(dash_duo, internal_app):
    """The breakdown charts come with margins that already hold their labels and axis title, so
    plotly's automargin finds nothing to widen and does not draw each chart a second time (and
    no label is cut: automargin would have widened a margin the estimate left too small)."""
    open_explorer(dash_duo, internal_app, "?fy=2025")
    dims = ("area", "port", "mode", "commodity", "category", "component", "source", "transit")
    for dim in dims:
        asked, drawn = dash_duo.driver.execute_script(
            "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
            "return [gd.layout.margin, gd._fullLayout._size];",
            graph_selector(dim),
        )
        assert (drawn["l"], drawn["b"]) == (asked["l"], asked["b"]), (dim, asked, drawn)
