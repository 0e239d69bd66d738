"""The Referrals page in headless Chromium: an investigator opens a stalled case and records the
arrest that follows its warrant, and sees the timeline and the funnel move; leadership sees the
funnel and the curves but no case field; an analyst gets no form, and the server refuses the
record call made from the analyst's own session; the page fits a 390 px phone."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from queries.gateway import Gateway
from tests.phone import phone_screen, sideways_overflow
from tests.waits import WAIT_S

pytestmark = pytest.mark.browser
ARREST_COUNT = re.compile(r"arrest ([\d,]+)")
RECORD_ID = re.compile(r"\bRF\d{6,}")

CASE_SQL = """
SELECT r.referral_id, s.event_date, s.mode, s.commodity, s.port_code
FROM referrals r JOIN seizures s USING (seizure_id)
WHERE r.status = 'warrant' AND r.is_open AND r.last_event_on <= ?
ORDER BY r.referral_id LIMIT 1
"""


def stalled_warrant(lake) -> tuple[str, str]:
    """A stalled case whose last step is a warrant, and a query string that narrows the page to
    its seizure (its day, mode, commodity and port), so its row is on the first page."""
    gateway = Gateway(lake)
    as_of = gateway.scalar("SELECT max(occurred_on) FROM referral_events")
    row = gateway.frame(CASE_SQL, [as_of - timedelta(days=90)]).row(0, named=True)
    query = {
        "start": row["event_date"].isoformat(),
        "end": row["event_date"].isoformat(),
        "mode": row["mode"],
        "commodity": row["commodity"],
    }
    if row["port_code"]:
        query["port"] = row["port_code"]
    return row["referral_id"], "?" + urlencode(query)


def open_page(dash_duo, internal_app, role: str, query: str = "") -> None:
    dash_duo.start_server(internal_app, role=role)
    dash_duo.driver.get(dash_duo.server_url + "/referrals" + query)
    dash_duo.wait_for_contains_text("#referrals-funnel-summary", "Seizures", timeout=WAIT_S)
    dash_duo.wait_for_contains_text("#referrals-km-summary", "Within a year", timeout=WAIT_S)


def arrests(dash_duo) -> int:
    text = dash_duo.find_element("#referrals-funnel-summary").text
    return int(ARREST_COUNT.search(text).group(1).replace(",", ""))


def row_cell(driver, referral_id: str):
    cells = driver.find_elements(
        By.CSS_SELECTOR, "#referrals-stalled-grid .ag-row [col-id='referral_id']"
    )
    return next((c for c in cells if c.text == referral_id), None)


def click_row(driver, referral_id: str) -> bool:
    """Click the case's row once it is there (False before). Through JavaScript: the charts
    above it are still drawn and move it down while a pointer would be on its way."""
    cell = row_cell(driver, referral_id)
    if cell is None:
        return False
    try:
        driver.execute_script("arguments[0].click();", cell)
    except StaleElementReferenceException:
        return False
    return True


def open_case(dash_duo, referral_id: str) -> None:
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda d: click_row(d, referral_id))
    dash_duo.wait_for_contains_text("#referrals-case", f"Referral {referral_id}", timeout=WAIT_S)


def test_refb001_an_investigator_records_the_arrest_after_a_warrant(
    dash_duo, internal_app, scored_lake
):
    referral_id, query = stalled_warrant(scored_lake)
    open_page(dash_duo, internal_app, "investigator", query)
    before = arrests(dash_duo)
    open_case(dash_duo, referral_id)
    timeline = dash_duo.find_element("#referrals-case-timeline")
    assert "Warrant" in timeline.text and "Arrest" not in timeline.text
    step = Select(dash_duo.find_element("#referrals-record-step"))
    offered = [o.get_attribute("value") for o in step.options if o.get_attribute("value")]
    assert "arrest" in offered and "warrant" not in offered  # what the machine allows next
    step.select_by_value("arrest")
    dash_duo.find_element("#referrals-record-note").send_keys("Arrested at the consignee address")
    dash_duo.driver.execute_script(
        "arguments[0].click();", dash_duo.find_element("#referrals-record-submit")
    )
    dash_duo.wait_for_contains_text("#referrals-record-status", "Recorded: Arrest", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(
        "#referrals-case-timeline", "Arrested at the consignee address", timeout=WAIT_S
    )
    row = dash_duo.find_element("#referrals-case-timeline .referrals-event-arrest")
    assert "(in Chokepoint)" in row.text  # who recorded it
    # the funnel follows the new event on the next poll of the lake's version
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda _: arrests(dash_duo) == before + 1)
    assert dash_duo.get_logs() == []


def test_refb002_leadership_sees_the_aggregates_and_no_case_field(dash_duo, internal_app):
    open_page(dash_duo, internal_app, "leadership")
    dash_duo.wait_for_contains_text(
        "#referrals-cases-withheld", "shown to investigators", timeout=WAIT_S
    )
    driver = dash_duo.driver
    for absent in ("referrals-stalled-grid", "referrals-case", "referrals-record-submit"):
        assert not driver.find_elements(By.ID, absent), absent
    page = driver.find_element(By.ID, "_pages_content").text
    assert "Referral funnel" in page and "Time to an arrest" in page
    assert not RECORD_ID.search(page)
    assert dash_duo.get_logs() == []


REFUSED_RECORD = """
const done = arguments[arguments.length - 1];
const token = (document.cookie.match(/_csrf_token=([^;]+)/) || [])[1] || "";
window.fetch("/_dash-update-component", {
  method: "POST",
  headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
  body: JSON.stringify({
    output: "..referrals-record-status.children...referrals-selected.data@x..",
    outputs: [], inputs: [{id: "referrals-record-submit", property: "n_clicks", value: 1}],
    changedPropIds: ["referrals-record-submit.n_clicks"], state: [],
  }),
}).then((r) => done(r.status));
"""


def test_refb003_an_analyst_has_no_form_and_the_record_call_is_refused(dash_duo, internal_app):
    open_page(dash_duo, internal_app, "analyst")
    driver = dash_duo.driver
    dash_duo.wait_for_element("#referrals-cases-withheld", timeout=WAIT_S)
    assert not driver.find_elements(By.ID, "referrals-record-submit")
    assert not driver.find_elements(By.ID, "referrals-stalled-grid")
    assert driver.execute_async_script(REFUSED_RECORD) == 403
    banner = dash_duo.wait_for_element("#refused-banner", timeout=WAIT_S)
    assert "Your role (analyst) does not allow" in banner.text


def test_refb004_the_page_and_a_case_fit_a_390px_phone(dash_duo, internal_app, scored_lake):
    referral_id, query = stalled_warrant(scored_lake)
    with phone_screen(dash_duo.driver):
        open_page(dash_duo, internal_app, "investigator", query)
        open_case(dash_duo, referral_id)
        dash_duo.wait_for_element("#referrals-record-submit", timeout=WAIT_S)
        assert sideways_overflow(dash_duo.driver) <= 0


def test_refb005_a_link_or_a_typed_id_opens_its_case(dash_duo, internal_app, scored_lake):
    """A case is reachable without the stalled list: the link given after a referral is created
    (``?referral=<id>``) opens it, and so does its id typed into the case card."""
    gateway = Gateway(scored_lake)
    first, second = gateway.frame(
        "SELECT referral_id FROM referrals WHERE is_open ORDER BY referral_id DESC LIMIT 2"
    )["referral_id"]
    open_page(dash_duo, internal_app, "investigator", f"?referral={first}")
    dash_duo.wait_for_contains_text("#referrals-case", first, timeout=WAIT_S)
    typed = dash_duo.find_element("#referrals-open-id")
    typed.send_keys(second + "\n")
    dash_duo.wait_for_contains_text("#referrals-case", second, timeout=WAIT_S)
    assert first not in dash_duo.find_element("#referrals-case").text
    assert dash_duo.find_element("#referrals-record-submit").is_displayed()
    assert dash_duo.get_logs() == []
