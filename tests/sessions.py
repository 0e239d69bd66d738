"""Signed-in sessions for tests, made the way a person makes them: through the sign-in form.

``ensure_users`` gives a data folder one account per role (``test-<role>``, one password);
``signed_in`` returns a Flask test client that has signed in through ``/login`` and sends its
CSRF token with every post, as Dash's renderer does; ``sign_in_browser`` fills the same form in
Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

from accounts.roles import ROLES

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def user_for(role: str) -> str:
    return f"test-{role}"


def ensure_users(data_dir: Path) -> None:
    """One account per role in ``data_dir``'s account store (left as they are if present)."""
    from accounts import service
    from queries import accounts_store

    for role in ROLES:
        if accounts_store.get_user(user_for(role), data_dir=data_dir) is None:
            service.create_user(user_for(role), role, PASSWORD, data_dir=data_dir)


def sign_in(client, name: str, password: str = PASSWORD, next_path: str = "/"):
    """Post the sign-in form as a browser does (its CSRF token first); the response."""
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, "next": next_path},
    )


def signed_in(app, role: str = "admin"):
    """A test client of ``app`` signed in as the test user of ``role``."""
    client = app.server.test_client()
    answer = sign_in(client, user_for(role))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    client.get("/")  # the first page sets the CSRF cookie the renderer sends back
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no CSRF cookie after signing in"
    client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client


def sign_in_browser(driver, base: str, role: str = "admin") -> None:
    """Fill the sign-in form in the browser and wait until the app's page has loaded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.waits import WAIT_S

    driver.get(base.rstrip("/") + "/login")
    driver.find_element(By.ID, "name").send_keys(user_for(role))
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "app-user")))
