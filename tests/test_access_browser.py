"""Sign-in and roles as people meet them, in Chromium: the sign-in page, the menu a role sees,
a page a role may not open, signing out, and a page that runs with no CSP violation.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.sessions import PASSWORD, sign_in_browser, user_for
from tests.waits import WAIT_S

# Counts Content-Security-Policy violations from the first script of every page on.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _nav_names(driver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".navbar .nav-link")]


def test_acb001_a_signed_out_visit_goes_to_sign_in_and_back(dash_duo, internal_app):
    dash_duo.start_server(internal_app, signed_in=False)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url + "/explorer?fy=2025")
    WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "sign-in")))
    assert "/login" in driver.current_url
    driver.find_element(By.ID, "name").send_keys(user_for("analyst"))
    driver.find_element(By.ID, "password").send_keys("not the password at all")
    driver.find_element(By.ID, "sign-in").click()
    alert = WebDriverWait(driver, WAIT_S).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".alert-danger"))
    )
    assert "wrong password" in alert.text.lower() or "unknown" in alert.text.lower()
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "app-user")))
    assert driver.current_url.endswith("/explorer?fy=2025")
    dash_duo.wait_for_element("#explorer-records-grid", timeout=WAIT_S)


def test_acb002_each_role_sees_the_pages_it_may_open(dash_duo, internal_app):
    dash_duo.start_server(internal_app, signed_in=False)
    driver = dash_duo.driver
    expected = {
        "leadership": ["Overview", "Referrals"],
        "analyst": ["Overview", "Explorer", "Referrals", "Data health"],
        "targeter": ["Overview", "Explorer", "Targeting", "Referrals", "Data health"],
        "admin": ["Overview", "Explorer", "Targeting", "Referrals", "Data health", "Audit"],
    }
    for role, names in expected.items():
        driver.delete_all_cookies()
        sign_in_browser(driver, dash_duo.server.url, role)
        WebDriverWait(driver, WAIT_S).until(lambda d, n=names: sorted(_nav_names(d)) == sorted(n))
        assert role in driver.find_element(By.ID, "app-user").text


def test_acb003_a_page_the_role_may_not_open_says_so(dash_duo, internal_app):
    dash_duo.start_server(internal_app, role="leadership")
    dash_duo.driver.get(dash_duo.server.url + "/explorer")
    notice = dash_duo.wait_for_element("#not-permitted", timeout=WAIT_S)
    assert "leadership" in notice.text and "Overview" in notice.text
    assert not dash_duo.driver.find_elements(By.ID, "explorer-records-grid")


def test_acb004_sign_out_returns_to_sign_in(dash_duo, internal_app):
    dash_duo.start_server(internal_app, role="analyst")
    dash_duo.wait_for_element("#app-sign-out", timeout=WAIT_S).click()
    WebDriverWait(dash_duo.driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "sign-in")))
    dash_duo.driver.get(dash_duo.server.url + "/explorer")
    WebDriverWait(dash_duo.driver, WAIT_S).until(lambda d: "/login" in d.current_url)


def test_acb005_the_explorer_runs_under_its_content_security_policy(dash_duo, internal_app):
    dash_duo.start_server(internal_app, navigate=False)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_WATCH})
    sign_in_browser(driver, dash_duo.server.url, "admin")
    driver.get(dash_duo.server.url + "/explorer?fy=2025")
    dash_duo.wait_for_element(".js-plotly-plot .main-svg", timeout=WAIT_S)
    dash_duo.wait_for_element("#explorer-records-grid .ag-row", timeout=WAIT_S)
    assert driver.execute_script("return window.__csp") == []


REFUSED_CALL = """
const token = (document.cookie.match(/_csrf_token=([^;]+)/) || [])[1] || "";
window.fetch("/_dash-update-component", {
  method: "POST",
  headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
  body: JSON.stringify({
    output: "..targeting-queue-grid.getRowsResponse...targeting-queue-count.children..",
    outputs: [], inputs: [], changedPropIds: [], state: [],
  }),
});
"""


def test_acb006_a_refused_call_says_why_at_the_top_of_the_page(dash_duo, internal_app):
    """What the page does with a 403 (assets/session.js): the server's sentence in a banner."""
    dash_duo.start_server(internal_app, role="analyst")
    dash_duo.wait_for_element("#overview-events-value", timeout=WAIT_S)
    dash_duo.driver.execute_script(REFUSED_CALL)
    banner = dash_duo.wait_for_element("#refused-banner", timeout=WAIT_S)
    assert "Your role (analyst) does not allow" in banner.text
