"""Signing in through an agency's identity provider (OpenID Connect), against a real one.

``oidc-provider-mock`` runs as its own process on a free port and speaks the real protocol:
discovery, an authorization page, a token endpoint that signs ID tokens with its own key,
userinfo. Each test gives its user claims first (``PUT /users/{sub}``: a name and groups), then
types that ``sub`` on the provider's authorization page, as a person would sign in there. The
internal app runs under gunicorn in its own process over a copy of the demo lake, configured
through its ``CHOKEPOINT_OIDC_*`` settings. Chromium drives the whole round trip; the refusals
an attacker would try (a forged or replayed state) are checked over plain HTTP; the mapping of
groups to a role is checked as the pure function it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts import oidc, service, web
from accounts.errors import AccountError
from app import gunicorn_command
from queries import accounts_store, audit_store
from tests.public_helpers import free_port
from tests.repo import REPO
from tests.sessions import PASSWORD
from tests.waits import WAIT_S

ROLE_MAP = (
    "cbp-leadership=leadership,cbp-analysts=analyst,cbp-targeters=targeter,"
    "cbp-investigators=investigator,chokepoint-admins=admin"
)
CLIENT_ID = "chokepoint-internal"
CLIENT_SECRET = "a client secret for the tests"
LOCAL_NAME = "lena-local"  # a password account; an agency user of the same name is refused
START_S = 180  # bounded waits for the two servers to answer
# The provider's pages link a stylesheet from a CDN: the browser fetches nothing off this machine.
OFF_MACHINE = ["https://*", "*cdn.jsdelivr.net*"]


@dataclass(frozen=True)
class Site:
    base: str
    data: Path
    provider: str


def _serve(command: list[str], env: dict, log: Path, ready: str, request) -> subprocess.Popen:
    """Start a server process and poll ``ready`` until it answers 200 (bounded)."""
    with open(log, "wb") as sink:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    request.addfinalizer(lambda: (proc.terminate(), proc.wait(timeout=30)))
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(ready, timeout=10, allow_redirects=False).status_code == 200:
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{command[2:4]} did not start: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def provider(tmp_path_factory, request) -> str:
    """The identity provider, requiring a nonce on every authorization request."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--require-nonce", "true"]
    log = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    env = {**os.environ, "NO_COLOR": "1"}
    _serve(command, env, log, f"{base}/.well-known/openid-configuration", request)
    return base


@pytest.fixture(scope="module")
def site(provider, lake_copy, pinned_today, tmp_path_factory, request) -> Site:
    """The internal app, signing in through ``provider``: one gunicorn worker."""
    data = lake_copy("oidc-data")
    service.create_user(LOCAL_NAME, "analyst", PASSWORD, data_dir=data)
    port = free_port()
    env = {
        **os.environ,
        "CHOKEPOINT_DATA": str(data),
        "CHOKEPOINT_TODAY": pinned_today.isoformat(),
        "CHOKEPOINT_OIDC_ISSUER": provider,
        "CHOKEPOINT_OIDC_CLIENT_ID": CLIENT_ID,
        "CHOKEPOINT_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "CHOKEPOINT_OIDC_ROLE_MAP": ROLE_MAP,
        # plain HTTP on the loopback: the test's HTTP client sends no Secure cookie over it
        "CHOKEPOINT_SESSION_COOKIE_SECURE": "0",
    }
    base = f"http://127.0.0.1:{port}"
    command = gunicorn_command(False, "127.0.0.1", port, 1, 4, log_level="warning")
    log = tmp_path_factory.mktemp("oidc-app") / "app.log"
    _serve(command, env, log, f"{base}/login", request)
    return Site(base, data, provider)


def agency_user(provider: str, sub: str, **claims) -> str:
    """Give the provider's user ``sub`` these claims (its account at the agency); the sub."""
    answer = requests.put(f"{provider}/users/{sub}", json=claims, timeout=30)
    assert answer.status_code == 204, answer.text
    return sub


# -- in Chromium, as a person ------------------------------------------------------------------
def _nav_names(driver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".navbar .nav-link")]


def sign_in_through_agency(driver, site: Site, sub: str, path: str = "/") -> None:
    """Open ``path`` signed out, choose the agency's sign-in, sign in at the provider as ``sub``."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": OFF_MACHINE})
    driver.get(site.base + path)
    wait = WebDriverWait(driver, WAIT_S)
    button = wait.until(ec.element_to_be_clickable((By.ID, "oidc-sign-in")))
    assert button.text == "Sign in with your agency"
    button.click()
    field = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[name=sub]")))
    assert driver.current_url.startswith(site.provider + "/oauth2/authorize")
    field.send_keys(sub)
    driver.find_element(By.XPATH, "//button[normalize-space()='Authorize']").click()


def test_oidc001_an_analyst_signs_in_through_the_agency_and_lands_where_they_were_going(
    dash_br, site
):
    sub = agency_user(
        site.provider, "sub-ana", preferred_username="ana.agency", groups=["cbp-analysts"]
    )
    driver = dash_br.driver
    sign_in_through_agency(driver, site, sub, "/explorer?fy=2025")
    user = WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "app-user")))
    assert user.text == "ana.agency · analyst"
    assert driver.current_url == site.base + "/explorer?fy=2025"
    WebDriverWait(driver, WAIT_S).until(lambda d: "Explorer" in _nav_names(d))
    assert "Targeting" not in _nav_names(driver)
    dash_br.wait_for_element("#explorer-records-grid", timeout=WAIT_S)
    stored = accounts_store.get_user("ana.agency", data_dir=site.data)
    assert (stored.source, stored.role, stored.password_hash) == ("oidc", "analyst", None)
    assert stored.last_login_at is not None


def test_oidc002_someone_in_no_mapped_group_is_refused_and_told_why(dash_br, site):
    sub = agency_user(
        site.provider, "sub-nog", preferred_username="no.group", groups=["cbp-facilities"]
    )
    driver = dash_br.driver
    sign_in_through_agency(driver, site, sub)
    alert = WebDriverWait(driver, WAIT_S).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".alert-danger"))
    )
    assert "your account is in no group chokepoint knows" in alert.text.lower()
    assert urlsplit(driver.current_url).path == "/oidc/callback"
    assert not driver.find_elements(By.ID, "app-user")
    assert accounts_store.get_user("no.group", data_dir=site.data) is None
    driver.get(site.base + "/explorer")
    WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "sign-in")))
    assert urlsplit(driver.current_url).path == "/login"
    row = audit_store.read(user="no.group", action="login", limit=1, data_dir=site.data)
    assert row.row(0, named=True)["outcome"] == "refused"
    assert "in no mapped group (cbp-facilities)" in row.row(0, named=True)["detail"]


def test_oidc003_an_administrators_group_gives_admin(dash_br, site):
    sub = agency_user(
        site.provider,
        "sub-ada",
        preferred_username="ada.admin",
        groups=["cbp-analysts", "chokepoint-admins", "cbp-leadership"],
    )
    driver = dash_br.driver
    sign_in_through_agency(driver, site, sub)
    user = WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located((By.ID, "app-user")))
    assert user.text == "ada.admin · admin"
    WebDriverWait(driver, WAIT_S).until(lambda d: "Audit" in _nav_names(d))
    assert {"Explorer", "Targeting", "Audit"} <= set(_nav_names(driver))


# -- over HTTP, as an attacker or a script -------------------------------------------------------
def start(client: requests.Session, site: Site, next_path: str = "/") -> str:
    """Begin a sign-in; the provider's authorization URL the app sent the client to."""
    answer = client.get(
        f"{site.base}/oidc/login", params={"next": next_path}, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def authorize(client: requests.Session, site: Site, sub: str, next_path: str = "/") -> str:
    """Sign in at the provider as ``sub``; the callback URL it sends the browser back to."""
    url = start(client, site, next_path)
    answer = client.post(url, data={"sub": sub}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"].startswith(f"{site.base}/oidc/callback?")
    return answer.headers["Location"]


def signed_in_as(client: requests.Session, site: Site) -> int:
    """The status of a request only a signed-in session may make (200, else 401)."""
    return client.get(f"{site.base}/_dash-layout", timeout=60).status_code


def test_oidc004_the_authorization_request_carries_pkce_a_nonce_and_a_state(site):
    query = parse_qs(urlsplit(start(requests.Session(), site)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"][0] and query["state"][0]
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{site.base}/oidc/callback"]
    assert "openid" in query["scope"][0].split()


def test_oidc005_a_forged_or_replayed_state_starts_no_session(site):
    client = requests.Session()
    start(client, site)
    forged = client.get(
        f"{site.base}/oidc/callback", params={"code": "x", "state": "forged"}, timeout=30
    )
    assert forged.status_code == 400
    assert "had expired or was not started here" in forged.text
    assert "Traceback" not in forged.text
    assert signed_in_as(client, site) == 401

    sub = agency_user(site.provider, "sub-rita", preferred_username="rita", groups=["cbp-analysts"])
    victim = requests.Session()
    callback = authorize(victim, site, sub)
    before = requests.utils.dict_from_cookiejar(victim.cookies)
    # another browser, without the session that started the sign-in, cannot use the code
    stolen = requests.Session()
    assert stolen.get(callback, timeout=30).status_code == 400
    assert signed_in_as(stolen, site) == 401
    # the browser that started it can, once: the state leaves its session as it signs in
    first = victim.get(callback, allow_redirects=False, timeout=30)
    assert first.status_code == 302 and first.headers["Location"] == "/"
    assert signed_in_as(victim, site) == 200
    assert victim.get(callback, timeout=30).status_code == 400
    # a copy of its cookie from before still holds the state, but the provider spends a code
    # once: the exchange is refused, and nobody is signed in
    replay = requests.Session()
    replay.cookies.update(before)
    again = replay.get(callback, timeout=30)
    assert again.status_code == 502 and "could not be completed" in again.text
    assert signed_in_as(replay, site) == 401


def test_oidc006_declining_at_the_provider_says_so_plainly(site):
    client = requests.Session()
    url = start(client, site)
    answer = client.post(url, data={"action": "deny"}, timeout=30)
    assert answer.history and "error=access_denied" in answer.history[-1].headers["Location"]
    assert answer.status_code == 401
    assert "Sign-in through your agency was cancelled" in answer.text
    assert signed_in_as(client, site) == 401


def test_oidc007_a_provider_user_named_like_a_local_account_is_refused(site):
    sub = agency_user(
        site.provider, "sub-lena", preferred_username=LOCAL_NAME, groups=["chokepoint-admins"]
    )
    client = requests.Session()
    answer = client.get(authorize(client, site, sub), timeout=30)
    assert answer.status_code == 403
    assert "signs in with a password here" in answer.text
    assert signed_in_as(client, site) == 401
    local = accounts_store.get_user(LOCAL_NAME, data_dir=site.data)
    assert (local.source, local.role) == ("local", "analyst")
    row = audit_store.read(user=LOCAL_NAME, action="login", limit=1, data_dir=site.data)
    assert row.row(0, named=True)["outcome"] == "refused"
    assert row.row(0, named=True)["detail"] == "oidc: a local account has this name"


def test_oidc008_roles_follow_groups_at_each_sign_in_and_admin_commands_refuse(site):
    sub = agency_user(site.provider, "sub-tom", preferred_username="tom", groups=["cbp-analysts"])
    client = requests.Session()
    assert client.get(authorize(client, site, sub), timeout=60).status_code == 200
    assert accounts_store.get_user("tom", data_dir=site.data).role == "analyst"
    row = audit_store.read(user="tom", action="login", limit=1, data_dir=site.data)
    assert (row["outcome"][0], row["detail"][0], row["role"][0]) == ("ok", "oidc", "analyst")

    agency_user(site.provider, sub, preferred_username="tom", groups=["cbp-targeters", "x"])
    again = requests.Session()
    assert again.get(authorize(again, site, sub), timeout=60).status_code == 200
    assert accounts_store.get_user("tom", data_dir=site.data).role == "targeter"
    with pytest.raises(AccountError, match="signs in through OpenID Connect"):
        service.set_role("tom", "admin", data_dir=site.data)
    with pytest.raises(AccountError, match="signs in through OpenID Connect"):
        service.reset_password("tom", data_dir=site.data)


def test_oidc009_a_disabled_agency_account_is_refused(site):
    sub = agency_user(site.provider, "sub-dora", preferred_username="dora", groups=["cbp-analysts"])
    client = requests.Session()
    assert client.get(authorize(client, site, sub), timeout=60).status_code == 200
    disabled = subprocess.run(
        [sys.executable, "-m", "accounts", "disable", "dora"],
        cwd=REPO,
        env={**os.environ, "CHOKEPOINT_DATA": str(site.data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert disabled.returncode == 0, disabled.stderr
    again = requests.Session()
    answer = again.get(authorize(again, site, sub), timeout=30)
    assert answer.status_code == 403 and "This account is disabled" in answer.text
    assert signed_in_as(again, site) == 401


def test_oidc010_without_a_name_claim_the_email_names_the_account(site):
    sub = agency_user(
        site.provider, "sub-9f2c", email="Jane.Doe@Agency.example", groups=["cbp-investigators"]
    )
    client = requests.Session()
    assert client.get(authorize(client, site, sub, "/explorer"), timeout=60).status_code == 200
    user = accounts_store.get_user("jane.doe@agency.example", data_dir=site.data)
    assert (user.role, user.source) == ("investigator", "oidc")


# -- configuration and the role mapping, without a provider -------------------------------------
def test_oidc011_several_groups_give_the_most_powerful_role():
    mapping = oidc.parse_role_map(ROLE_MAP)
    assert oidc.role_for_groups(["cbp-leadership", "cbp-analysts"], mapping) == "analyst"
    assert oidc.role_for_groups(["cbp-investigators", "cbp-targeters"], mapping) == "targeter"
    assert oidc.role_for_groups(["cbp-targeters", "chokepoint-admins"], mapping) == "admin"
    assert oidc.role_for_groups(["cbp-leadership", "nobody-knows"], mapping) == "leadership"
    assert oidc.role_for_groups(["cbp-investigators", "cbp-analysts"], mapping) == "investigator"


def test_oidc012_unknown_groups_give_no_role():
    mapping = oidc.parse_role_map(ROLE_MAP)
    assert oidc.role_for_groups([], mapping) is None
    assert oidc.role_for_groups(["CBP-ANALYSTS", "cbp-analysts-2", "admin"], mapping) is None
    assert oidc.role_for_groups(["cbp-analysts"], {}) is None


def test_oidc013_the_role_map_and_claims_are_read_strictly():
    assert oidc.parse_role_map(" a = analyst ,, b=admin ") == {"a": "analyst", "b": "admin"}
    assert oidc.parse_role_map("") == {}
    for bad, message in [
        ("cbp-analysts", "is not group=role"),
        ("=admin", "is not group=role"),
        ("cbp-analysts=wizard", "unknown role"),
        ("a=analyst,a=admin", "given twice"),
    ]:
        with pytest.raises(AccountError, match=message):
            oidc.parse_role_map(bad)
    assert oidc.groups_in(["a", 3, "b"]) == ["a", "b"]
    assert oidc.groups_in("a") == ["a"] and oidc.groups_in(None) == []
    claims = {"sub": "S1", "email": "E@x.org", "preferred_username": " Pat "}
    assert oidc.name_in(claims, "preferred_username") == "pat"
    assert oidc.name_in({"sub": "S1", "email": "E@x.org"}, "preferred_username") == "e@x.org"
    assert oidc.name_in({"sub": "S1"}, "preferred_username") == "s1"


def _bare_server(tmp_path: Path) -> Flask:
    server = Flask("oidc-config-test")
    web.install(server, tmp_path)
    return server


def test_oidc014_off_without_an_issuer_and_starting_offline_with_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tmp_path))
    monkeypatch.delenv("CHOKEPOINT_OIDC_ISSUER", raising=False)
    off = _bare_server(tmp_path).test_client()
    assert 'id="oidc-sign-in"' not in off.get("/login").get_data(as_text=True)
    assert off.get("/oidc/login").status_code == 404

    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there: the provider is away
    monkeypatch.setenv("CHOKEPOINT_OIDC_ISSUER", closed)
    monkeypatch.setenv("CHOKEPOINT_OIDC_ROLE_MAP", ROLE_MAP)
    monkeypatch.setenv("CHOKEPOINT_OIDC_LABEL", "Sign in with Agency SSO")
    on = _bare_server(tmp_path).test_client()  # starts: discovery waits for the first sign-in
    page = on.get("/login?next=/explorer%3Ffy%3D2025").get_data(as_text=True)
    assert 'id="oidc-sign-in" href="/oidc/login?next=/explorer%3Ffy%3D2025"' in page
    assert ">Sign in with Agency SSO</a>" in page
    away = on.get("/oidc/login")
    assert away.status_code == 502
    assert "could not be reached" in away.get_data(as_text=True)

    monkeypatch.setenv("CHOKEPOINT_OIDC_ROLE_MAP", "cbp-analysts=superuser")
    with pytest.raises(AccountError, match="unknown role"):
        _bare_server(tmp_path)
