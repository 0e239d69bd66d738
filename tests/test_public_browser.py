"""The public app in headless Chromium: every page passes axe-core with no serious or critical
violation (desktop and phone width), loads without console errors (a CSP violation would be
one), fetches nothing from another origin, fits a phone screen, and its filters drive the URL.

axe-core is vendored in ``tests/vendor/axe-core/`` with its licence: the suite fetches nothing.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from public.ui import ANY
from tests.phone import PHONE_WIDTH, phone_screen
from tests.public_helpers import PUBLIC_PAGES
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
PAGE_HEADINGS = {
    "/": "Drug seizures at U.S. borders",
    "/trends": "Monthly trends",
    "/map": "Field offices and sectors",
    "/doses": "Potential doses of fentanyl seized",
    "/modes": "Seizures by mode of transport (modelled)",
    "/methods": "Methods and notes",
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def open_page(br, base: str, path: str) -> None:
    br.driver.get(base + path)
    br.wait_for_contains_text("#main h1", PAGE_HEADINGS[path.split("?")[0]], timeout=WAIT_S)
    if path.startswith("/map"):
        # the map is drawn once plotly has fetched the geography from /assets/topojson/
        br.wait_for_element("#areas-graph .geo .layer path", timeout=WAIT_S)


def serious_violations(br, axe: str) -> list[str]:
    br.driver.execute_script(axe)
    br.driver.set_script_timeout(120)
    violations = br.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done([{id: String(e), impact: 'critical',"
        " nodes: []}]));"
    )
    return [
        f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1400, PHONE_WIDTH])
def test_pub_br001_pages_pass_axe_and_load_clean(dash_br, public_site, axe_source, width):  # noqa: F811
    screen = phone_screen(dash_br.driver) if width == PHONE_WIDTH else nullcontext()
    if width != PHONE_WIDTH:
        dash_br.driver.set_window_size(width, 1000)
    with screen:
        for path in [*PUBLIC_PAGES, "/map?region=northern-border&drug=lsd", "/?fy=2019"]:
            open_page(dash_br, public_site, path)
            assert serious_violations(dash_br, axe_source) == [], path
            assert dash_br.get_logs() == [], path
            resources = dash_br.driver.execute_script(
                "return performance.getEntriesByType('resource').map(r => r.name)"
            )
            assert all(r.startswith(public_site) for r in resources), path
            width_now = dash_br.driver.execute_script("return document.documentElement.scrollWidth")
            assert width_now <= width, (path, width, width_now)


def test_pub_br002_a_filter_rewrites_the_url_and_the_page_follows(dash_br, public_site):  # noqa: F811
    open_page(dash_br, public_site, "/trends")
    dash_br.wait_for_contains_text("#trend-title", "All drugs, nationwide")
    Select(dash_br.driver.find_element(By.CSS_SELECTOR, "select[name=drug]")).select_by_value(
        "fentanyl"
    )
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, nationwide", timeout=WAIT_S)
    assert dash_br.driver.current_url.endswith("/trends?drug=fentanyl")
    Select(dash_br.driver.find_element(By.CSS_SELECTOR, "select[name=region]")).select_by_value(
        "northern-border"
    )
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, Northern Border", timeout=WAIT_S)
    assert "region=northern-border" in dash_br.driver.current_url
    summary = dash_br.find_element("#trend-summary").text
    assert "December 2025" in summary and "suppressed" not in summary  # as CBP publishes it
    assert dash_br.get_logs() == []


def test_pub_br003_an_invalid_link_explains_itself(dash_br, public_site):  # noqa: F811
    dash_br.driver.get(public_site + "/map?fy=1850&region=mars")
    body = dash_br.driver.find_element(By.TAG_NAME, "body").text
    assert "Bad link: no fiscal year '1850' in the public data" in body
    assert "Field office" not in body


def test_pub_br004_back_restores_the_previous_filters(dash_br, public_site):  # noqa: F811
    open_page(dash_br, public_site, "/trends?drug=fentanyl")
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, nationwide", timeout=WAIT_S)
    Select(dash_br.driver.find_element(By.CSS_SELECTOR, "select[name=region]")).select_by_value(
        "northern-border"
    )
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, Northern Border", timeout=WAIT_S)
    dash_br.driver.back()
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, nationwide", timeout=WAIT_S)
    assert dash_br.driver.current_url.endswith("/trends?drug=fentanyl")
    region = Select(dash_br.driver.find_element(By.CSS_SELECTOR, "select[name=region]"))
    assert region.first_selected_option.get_attribute("value") == ANY  # nationwide again


def test_pub_br005_component_and_office_filters_narrow_each_other(dash_br, public_site):  # noqa: F811
    """CBP's dashboard filters: Border Patrol leaves only sectors to pick; picking an office
    sets its region and component; a new region drops an office outside it."""
    open_page(dash_br, public_site, "/trends?drug=fentanyl")

    def select(name):
        return Select(dash_br.driver.find_element(By.CSS_SELECTOR, f"select[name={name}]"))

    select("component").select_by_value("usbp")
    dash_br.wait_for_contains_text(
        "#trend-title", "Fentanyl, Nationwide, Border Patrol", timeout=WAIT_S
    )
    names = [o.text for o in select("area").options if o.get_attribute("value") not in (ANY, "")]
    assert names and all(n.endswith("Sector") for n in names), names
    select("area").select_by_visible_text("Tucson Sector")
    dash_br.wait_for_contains_text("#trend-title", "Fentanyl, Tucson Sector", timeout=WAIT_S)
    url = dash_br.driver.current_url
    assert "area=tucson-sector" in url and "region=southwest-border" in url, url
    select("region").select_by_value("northern-border")
    dash_br.wait_for_contains_text(
        "#trend-title", "Fentanyl, Northern Border, Border Patrol", timeout=WAIT_S
    )
    assert "area=" not in dash_br.driver.current_url
    assert dash_br.get_logs() == []


def test_pub_br006_drug_mix_labels_stay_inside_the_chart_on_a_phone(dash_br, public_site):  # noqa: F811
    """Each drug's number is written on or beside its bar; on a 390 px phone none of them may
    run past the chart's edge (the longest bar's label did, beside the bar)."""
    with phone_screen(dash_br.driver):
        open_page(dash_br, public_site, "/")
        dash_br.wait_for_element("#mix-graph text.bartext", timeout=WAIT_S)
        labels, right = dash_br.driver.execute_script(
            "const svg = document.querySelector('#mix-graph .main-svg');"
            "const texts = [...document.querySelectorAll('#mix-graph text.bartext')];"
            "return [texts.map(t => [t.textContent, t.getBoundingClientRect().right]),"
            " svg.getBoundingClientRect().right];"
        )
        assert labels, "the chart labels its bars"
        assert [text for text, edge in labels if edge > right + 0.5] == [], right
