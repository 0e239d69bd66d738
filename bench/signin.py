"""Signed-in sessions for the benchmarks: an analyst is measured as they really work, signed in,
with every callback passing the access check and every record read written to the audit log.

``ensure_user(data_dir)`` gives the benchmark lake an account (role admin: every page);
``Cookies`` signs in over plain HTTP through the sign-in form, as a browser does, and keeps the
cookies the server sets (the session's activity time moves on); ``sign_in_test_client`` does
the same for an in-process Flask test client, and ``sign_in_browser`` in Chromium.
"""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

USER = "bench"
PASSWORD = "benchmark analyst password"
ROLE = "admin"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def ensure_user(data_dir: Path) -> None:
    """The benchmark's account in ``data_dir`` (created once)."""
    from accounts import service
    from queries import accounts_store

    if accounts_store.get_user(USER, data_dir=data_dir) is None:
        service.create_user(USER, ROLE, PASSWORD, data_dir=data_dir)


class Cookies:
    """The cookies a browser holds for the internal app, and the CSRF header it sends."""

    def __init__(self) -> None:
        self.jar: dict[str, str] = {}

    def update(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.jar[key] = morsel.value

    def headers(self) -> dict[str, str]:
        out = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        if "_csrf_token" in self.jar:
            out["X-CSRFToken"] = self.jar["_csrf_token"]
        return out

    def sign_in(self, host: str, port: int, timeout: float = 120.0) -> None:
        """GET the form, POST it, then GET the page once (it sets the CSRF cookie)."""
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", "/login")
            response = conn.getresponse()
            page = response.read().decode()
            self.update(response.getheaders())
            token = CSRF_FIELD.search(page).group(1)
            form = urlencode({"name": USER, "password": PASSWORD, "csrf_token": token, "next": "/"})
            headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers()}
            conn.request("POST", "/login", body=form, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 302:
                raise RuntimeError(f"the benchmark could not sign in: HTTP {response.status}")
            self.update(response.getheaders())
            conn.request("GET", "/", headers=self.headers())
            response = conn.getresponse()
            response.read()
            self.update(response.getheaders())
        finally:
            conn.close()


def sign_in_test_client(client) -> None:
    """Sign a Flask test client in through the form and send the CSRF header from then on."""
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    answer = client.post(
        "/login", data={"name": USER, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    if answer.status_code != 302:
        raise RuntimeError(f"the benchmark could not sign in: HTTP {answer.status_code}")
    client.get("/")
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.get_cookie("_csrf_token").value


def sign_in_browser(driver, base: str, timeout: float = 90.0) -> None:
    """Fill the sign-in form in Chromium; the session cookie then serves every page opened."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base.rstrip("/") + "/login")
    driver.find_element(By.ID, "name").send_keys(USER)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.ID, "app-user")))
