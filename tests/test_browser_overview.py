"""The real app in headless Chromium: the Overview loads clean, filters drive charts and the URL,
and a URL restores the filters it names."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.phone import phone_screen, sideways_overflow
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser


def query_of(dash_duo) -> dict[str, list[str]]:
    return parse_qs(urlparse(dash_duo.driver.current_url).query)


def wait_for_kpis(dash_duo) -> None:
    dash_duo.wait_for_element("#overview-events-value")
    dash_duo.wait_for_contains_text("#overview-events-delta", "vs", timeout=WAIT_S)


def test_ovw001_overview_loads_without_console_errors(dash_duo, internal_app):
    dash_duo.start_server(internal_app)
    wait_for_kpis(dash_duo)
    dash_duo.wait_for_contains_text("#overview-areas-summary", "leads with", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#overview-trend-summary", "pounds", timeout=WAIT_S)
    assert dash_duo.find_element("#overview-events-value").text not in ("", "–")
    assert "Fiscal year to date" in dash_duo.find_element("#overview-period").text
    assert "Synthetic records" in dash_duo.find_element("#app-footer").text
    assert dash_duo.get_logs() == []


def test_ovw002_changing_a_filter_updates_charts_and_url(dash_duo, internal_app):
    dash_duo.start_server(internal_app)
    wait_for_kpis(dash_duo)
    dash_duo.wait_for_contains_text("#overview-areas-summary", "leads with", timeout=WAIT_S)
    before = dash_duo.find_element("#overview-areas-summary").text
    dash_duo.select_dcc_dropdown("#filters-area", value="Tucson Field Office")
    dash_duo.wait_for_contains_text(
        "#overview-areas-summary", "Tucson Field Office leads", timeout=WAIT_S
    )
    assert dash_duo.find_element("#overview-areas-summary").text != before
    assert query_of(dash_duo) == {"area": ["tucson-field-office"]}
    dash_duo.wait_for_contains_text("#overview-trend-title", "1 filter", timeout=WAIT_S)
    chips = dash_duo.find_elements("#filters-chips button")
    assert [c.text.replace("×", "").strip() for c in chips] == [
        "Field office / sector: Tucson Field Office"
    ]
    assert dash_duo.get_logs() == []


def test_ovw003_opening_a_url_restores_its_filters(dash_duo, internal_app):
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/?fy=2025&mode=land_pov&measure=events")
    dash_duo.wait_for_contains_text("#overview-period", "01 Oct 2024", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#filters-chips", "Mode: Personal vehicle", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#overview-trend-title", "Events · FY2025", timeout=WAIT_S)
    checked = dash_duo.driver.find_element(By.CSS_SELECTOR, "#filters-measure input:checked")
    assert checked.get_attribute("value") == "events"
    assert "Personal vehicle" in dash_duo.find_element("#filters-mode").text
    assert query_of(dash_duo) == {"fy": ["2025"], "mode": ["land_pov"], "measure": ["events"]}


def test_ovw004_chip_removal_and_back_button(dash_duo, internal_app):
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/?area=laredo-field-office&fy=2024")
    dash_duo.wait_for_contains_text("#filters-chips", "Laredo Field Office", timeout=WAIT_S)
    chip = dash_duo.driver.find_element(
        By.XPATH, "//div[@id='filters-chips']/button[contains(., 'Laredo')]"
    )
    chip.click()
    dash_duo.wait_for_contains_text("#overview-areas-summary", "leads with", timeout=WAIT_S)
    assert query_of(dash_duo) == {"fy": ["2024"]}
    assert "Laredo" not in dash_duo.find_element("#filters-chips").text
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#filters-chips", "Laredo Field Office", timeout=WAIT_S)
    assert query_of(dash_duo) == {"area": ["laredo-field-office"], "fy": ["2024"]}


def test_ovw005_a_bad_link_says_what_is_wrong(dash_duo, internal_app):
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/?area=atlantis-field-office")
    dash_duo.wait_for_contains_text("#filters-error", "unknown value 'atlantis-field-office'", 20)
    dash_duo.wait_for_contains_text("#overview-trend-summary", "unknown value", timeout=WAIT_S)


def test_ovw006_the_commodity_mix_names_every_bar(dash_duo, internal_app):
    """Plotly drops category labels that do not fit: with the legend above the plot, every
    other commodity bar had no name."""
    dash_duo.start_server(internal_app)
    dash_duo.wait_for_contains_text("#overview-mix-summary", "Events by category", timeout=WAIT_S)
    dash_duo.wait_for_element("#overview-mix-graph .ytick text", timeout=WAIT_S)
    labels = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#overview-mix-graph .ytick text")
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#overview-mix-table tbody tr")
    assert len(rows) > 12
    assert len(labels) == len(rows)


def test_ovw007_each_page_shows_the_filter_controls_it_reads(dash_duo, internal_app):
    """The Overview reads the measure only, the Explorer every view control, the Targeting
    queue none, and Data health no filter at all; moving between pages keeps the filters."""
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/explorer?fy=2025&grain=week")
    dash_duo.wait_for_contains_text("#filters-chips", "Fiscal year: 2025", timeout=WAIT_S)

    def shown() -> dict[str, bool]:
        keys = ("bar", "fy", "measure", "grain", "yoy", "cmp")
        return {k: dash_duo.find_element(f"#filters-{k}").is_displayed() for k in keys}

    assert all(shown().values())
    expected = {  # link text -> (the bar's page class, the controls hidden there)
        "Overview": ("overview", {"grain", "yoy", "cmp"}),
        "Targeting": ("targeting", {"measure", "grain", "yoy", "cmp"}),
        "Data health": ("health", {"bar", "fy", "measure", "grain", "yoy", "cmp"}),
    }
    for link, (page, hidden) in expected.items():
        dash_duo.driver.find_element(By.LINK_TEXT, link).click()
        dash_duo.wait_for_text_to_equal("h1", link, timeout=WAIT_S)
        dash_duo.wait_for_element(f"#filters-bar.for-{page}", timeout=WAIT_S)
        assert shown() == {k: k not in hidden for k in shown()}, link
        assert query_of(dash_duo) == {"fy": ["2025"], "grain": ["week"]}


def test_ovw008_a_phone_folds_the_filter_controls_behind_a_button(dash_duo, internal_app):
    """On a narrow screen the controls would fill the first screen: they fold away behind a
    "Filters" button, while the chips keep saying what is applied. The custom comparison's
    date pickers show only for that comparison (Bootstrap's d-flex used to override it)."""
    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/explorer?fy=2025")
    dash_duo.wait_for_contains_text("#filters-chips", "Fiscal year: 2025", timeout=WAIT_S)
    assert not dash_duo.find_element("#filters-toggle").is_displayed()
    assert dash_duo.find_element("#filters-area").is_displayed()
    assert not dash_duo.find_element("#filters-cmp-custom").is_displayed()
    # the chosen year reads whole beside its clear button (a twelfth of the bar cut it to "FY…")
    fy_value = "const v = document.getElementById('filters-fy-value'); "
    assert dash_duo.driver.execute_script(fy_value + "return v.scrollWidth <= v.clientWidth")
    with phone_screen(dash_duo.driver):
        toggle = dash_duo.find_element("#filters-toggle")
        WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _d: toggle.is_displayed())
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not dash_duo.find_element("#filters-area").is_displayed()
        assert dash_duo.find_element("#filters-chips").is_displayed()
        toggle.click()
        dash_duo.wait_for_element("#filters-bar.show-controls", timeout=WAIT_S)
        assert dash_duo.find_element("#filters-area").is_displayed()
        assert toggle.get_attribute("aria-expanded") == "true"
        # the charts drawn for the wide window resize to the phone's width a moment after the
        # switch: wait for the page to lay out, and fail if it never fits
        WebDriverWait(dash_duo.driver, WAIT_S).until(lambda d: sideways_overflow(d) <= 0)


def test_ovw_print_the_overview_prints_on_one_page_and_names_its_filters(dash_duo, internal_app):
    import base64

    dash_duo.start_server(internal_app)
    dash_duo.driver.get(dash_duo.server_url + "/?mode=land_truck")
    wait_for_kpis(dash_duo)
    dash_duo.wait_for_contains_text("#overview-filters", "Mode: Commercial truck", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#overview-areas-summary", "leads with", timeout=WAIT_S)
    pdf = base64.b64decode(
        dash_duo.driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False}
        )["data"]
    )
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, pages


def test_ovw_dates_a_typed_date_is_taken_on_enter_and_the_calendar_closes(dash_duo, internal_app):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    calendar = ".dash-datepicker-calendar-wrapper"
    dash_duo.start_server(internal_app)
    wait_for_kpis(dash_duo)
    field = dash_duo.driver.find_element(By.CSS_SELECTOR, "#filters-dates")
    field.click()
    field.send_keys("2025-01-01")
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, calendar)
    )
    field.send_keys(Keys.ENTER)
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda d: "start=2025-01-01" in d.current_url)
    WebDriverWait(dash_duo.driver, WAIT_S).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, calendar)
    )
