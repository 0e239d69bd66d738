"""Signing in through an agency's identity provider (OpenID Connect), with authlib.

When ``oidc_issuer`` is set, the sign-in page offers a second button. ``GET /oidc/login`` keeps
the page the person was going to (a path of this site only) and sends them to the provider with
an authorization-code request that carries a state, a nonce and a PKCE challenge (S256), all
kept in the signed session cookie. ``GET /oidc/callback`` is where the provider sends them back:
authlib checks the state, exchanges the code (with the PKCE verifier and the client secret) and
validates the ID token (signature from the provider's keys, issuer, audience, expiry, nonce).
The provider's discovery document is fetched at the first sign-in, not at start-up, so the app
starts while the provider is out of reach.

Who the person is here comes from the ID token, or from the userinfo endpoint when the token
lacks a claim: the name from ``oidc_name_claim`` (then ``email``, then ``sub``), lower-cased,
and the role from the groups in ``oidc_groups_claim`` through ``oidc_role_map``; in several
mapped groups, the most powerful role wins. In no mapped group, a disabled account, or a name
that is a local (password) account here: refused, with a sentence, and audited. Otherwise the
account is created or given the role its groups now say (``source=oidc``), and from there on it
is the one path local sign-in takes too: ``web.start_session``. Anything that goes wrong with
the provider (the person declined, a stale or forged state, a refused token) ends on the sign-in
page with a plain sentence; the details go to the server's log, never to the page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, redirect, request, session, url_for

import settings
from accounts import audit, service, web
from accounts.errors import AccountError
from accounts.roles import ROLES, check_role
from queries import accounts_store

LOGIN_PATH = "/oidc/login"
CALLBACK_PATH = "/oidc/callback"
PROVIDER = "agency"  # authlib's name for the registered provider (its session keys carry it)
NEXT_KEY = "oidc_next"
TIMEOUT_S = 10.0  # each request to the provider: discovery, keys, token, userinfo
# The most powerful role first: someone in several mapped groups gets the first of theirs.
POWER = ("admin", "targeter", "investigator", "analyst", "leadership")
assert sorted(POWER) == sorted(ROLES), "every role has its place in POWER"
ERROR_CODE = re.compile(r"[a-z_]{1,40}")

NO_GROUP = (
    "Your account is in no group Chokepoint knows, so it has no role here. "
    "Ask an administrator to add you to one of Chokepoint's groups."
)
LOCAL_NAME = (
    "The name {name} belongs to an account that signs in with a password here, "
    "not through your agency. Sign in with its password, or ask an administrator."
)
DISABLED = "This account is disabled. Ask an administrator."
BAD_NAME = (
    "Your agency's sign-in gave a user name Chokepoint cannot use. Ask an administrator to "
    "check the oidc_name_claim setting."
)
DECLINED = "Sign-in through your agency was cancelled. Nothing was signed in."
PROVIDER_ERROR = "Your agency's sign-in answered with an error ({code}). Please try again."
STALE = "That sign-in had expired or was not started here. Please sign in again."
FAILED = "Sign-in through your agency could not be completed. Please try again."
UNREACHABLE = (
    "Your agency's sign-in service could not be reached. Try again later, or sign in with a "
    "password."
)

log = logging.getLogger(__name__)


# -- groups to a role: pure ----------------------------------------------------------------------
def parse_role_map(text: str) -> dict[str, str]:
    """``group=role`` pairs separated by commas, as a dict; AccountError naming the first pair
    that is not one (no ``=``, no group, an unknown role, a group given twice)."""
    mapping: dict[str, str] = {}
    for pair in (text or "").split(","):
        if not pair.strip():
            continue
        group, sep, role = pair.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group:
            raise AccountError(f"oidc_role_map: {pair.strip()!r} is not group=role")
        check_role(role)
        if group in mapping:
            raise AccountError(f"oidc_role_map: group {group!r} is given twice")
        mapping[group] = role
    return mapping


def role_for_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> str | None:
    """The most powerful role any of ``groups`` maps to (``POWER``), or None when none does."""
    roles = {mapping[group] for group in groups if group in mapping}
    return next((role for role in POWER if role in roles), None)


def groups_in(value: object) -> list[str]:
    """The groups of a claim: a list of names (the usual), or one name alone."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [group for group in value if isinstance(group, str)]
    return []


def name_in(claims: Mapping[str, object], name_claim: str) -> str:
    """The user's name: ``name_claim``, else ``email``, else ``sub``; lower-cased; '' if none."""
    for claim in dict.fromkeys((name_claim, "email", "sub")):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return ""


# -- the two routes ------------------------------------------------------------------------------
class Provider:
    """The registered identity provider and the role map, behind the two routes."""

    def __init__(self, server: Flask, issuer: str, mapping: dict[str, str]) -> None:
        self.issuer = issuer
        self.mapping = mapping
        scopes = settings.get("oidc_scopes")
        if "openid" not in scopes.split():
            raise AccountError(f"oidc_scopes must include openid: {scopes!r}")
        secret = settings.get("oidc_client_secret")
        client_kwargs: dict[str, object] = {
            "scope": scopes,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_S,
        }
        if not secret:  # a public client: PKCE alone proves the code is ours
            client_kwargs["token_endpoint_auth_method"] = "none"
        self.client = OAuth(server).register(
            PROVIDER,
            client_id=settings.get("oidc_client_id"),
            client_secret=secret or None,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )

    def begin(self) -> Response:
        """To the provider, remembering where the person was going."""
        session[NEXT_KEY] = web.safe_next(request.args.get("next"))
        try:
            found = str(self.client.load_server_metadata().get("issuer", "")).rstrip("/")
            if found != self.issuer:  # the discovery document must be the issuer's own
                raise AccountError(f"discovery names issuer {found!r}, not {self.issuer!r}")
            return self.client.authorize_redirect(
                url_for("chokepoint_oidc_callback", _external=True)
            )
        except Exception:
            log.warning("OpenID Connect: could not start a sign-in", exc_info=True)
            return web.login_page(UNREACHABLE, status=502)

    def callback(self) -> Response:
        """Back from the provider: prove who this is, then the session local sign-in makes."""
        next_path = web.safe_next(session.pop(NEXT_KEY, None))
        error = request.args.get("error")
        if error:
            code = error if ERROR_CODE.fullmatch(error) else "unknown"
            _refused("(unknown)", "", f"provider answered {code}")
            message = DECLINED if code == "access_denied" else PROVIDER_ERROR.format(code=code)
            return web.login_page(message, status=401)
        try:
            token = self.client.authorize_access_token()
        except MismatchingStateError:
            _refused("(unknown)", "", "state missing or not this session's")
            return web.login_page(STALE, status=400)
        except Exception:  # the token request, or the ID token's signature, claims or nonce
            log.warning("OpenID Connect: code exchange or ID token refused", exc_info=True)
            _refused("(unknown)", "", "code exchange or ID token refused")
            return web.login_page(FAILED, status=502)
        try:
            claims = self._claims(token)
        except Exception:
            log.warning("OpenID Connect: userinfo could not be read", exc_info=True)
            _refused("(unknown)", "", "userinfo could not be read")
            return web.login_page(FAILED, status=502)
        return self._sign_in(claims, next_path)

    def _claims(self, token: Mapping[str, object]) -> dict[str, object]:
        """The ID token's claims, completed from the userinfo endpoint when it lacks the name
        or the groups (only claims about the same ``sub``)."""
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise AccountError("the token answer holds no ID token")
        wanted = (settings.get("oidc_groups_claim"), settings.get("oidc_name_claim"))
        metadata = self.client.load_server_metadata()
        if any(c not in claims for c in wanted) and metadata.get("userinfo_endpoint"):
            extra = self.client.userinfo(token=token)
            if extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
        return claims

    def _sign_in(self, claims: Mapping[str, object], next_path: str) -> Response:
        name = name_in(claims, settings.get("oidc_name_claim"))
        if not service.NAME.fullmatch(name):
            _refused(name[:64] or "(blank)", "", "user name not usable")
            return web.login_page(BAD_NAME, status=403)
        groups = groups_in(claims.get(settings.get("oidc_groups_claim")))
        role = role_for_groups(groups, self.mapping)
        if role is None:
            _refused(name, "", f"in no mapped group ({', '.join(groups)[:200] or 'none'})")
            return web.login_page(NO_GROUP, status=403)
        now = datetime.now(UTC)
        try:
            user = accounts_store.upsert_oidc_user(name, role, now)
        except accounts_store.SourceConflict:
            _refused(name, "", "a local account has this name")
            return web.login_page(LOCAL_NAME.format(name=name), status=403)
        if user.disabled:
            _refused(name, user.role, service.DISABLED)
            return web.login_page(DISABLED, status=403)
        accounts_store.note_login(name, now)
        web.start_session(user.name, user.role, page=CALLBACK_PATH, detail="oidc")
        return redirect(next_path)


def _refused(name: str, role: str, why: str) -> None:
    audit.record(
        name,
        role,
        audit.LOGIN,
        CALLBACK_PATH,
        CALLBACK_PATH,
        outcome="refused",
        client=request.remote_addr or "",
        detail=f"oidc: {why}",
    )


def install(server: Flask) -> Provider | None:
    """The two routes, when ``oidc_issuer`` is set (else nothing, and None). A role map that
    names an unknown role fails here, at start-up, not at someone's sign-in."""
    issuer = settings.get("oidc_issuer").strip().rstrip("/")
    if not issuer:
        return None
    provider = Provider(server, issuer, parse_role_map(settings.get("oidc_role_map")))
    if not provider.mapping:
        log.warning("OpenID Connect is on but oidc_role_map maps no group: every sign-in fails")
    server.add_url_rule(LOGIN_PATH, "chokepoint_oidc_login", provider.begin, methods=["GET"])
    server.add_url_rule(
        CALLBACK_PATH, "chokepoint_oidc_callback", provider.callback, methods=["GET"]
    )
    return provider
