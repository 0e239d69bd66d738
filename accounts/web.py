"""Sign-in and access control for the internal app's web server.

Every request passes ``guard`` first: the sign-in pages (``/login``, and ``/oidc/`` where an
identity provider signs people in: ``accounts/oidc.py``) and static files are open; anything else
needs a signed-in session, and then the policy table (``accounts/policy.py``) decides whether
this role may open that page, call that callback or download that export. What the table does
not name is refused. A refusal is a 401 (not signed in: pages are sent to the sign-in page) or a
403 with a sentence saying why, and a refused call is written to the audit log.

Record-level answers are written to the audit log after they are sent (``_audit_answer``): the
ids a grid page, a detail panel or a download showed, taken from the answer itself, so a page
that forgets to log cannot show records unlogged. A download that holds a few named records
rather than rows (a referral package) says which (``export_holds``).

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure unless the setting turns it
off for plain-HTTP development), holding the user's name and when they were last active. The user
is looked up again every few seconds, so a disabled account or a changed role takes effect on the
next click, not at the next sign-in. Posts carry a CSRF token (Flask-WTF): forms in a hidden
field, Dash's callbacks in the ``X-CSRFToken`` header its renderer copies from the
``_csrf_token`` cookie.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import orjson
from flask import Flask, Response, g, redirect, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

import settings
from accounts import audit, policy, service
from queries import accounts_store

SETUP = "chokepoint.setup"  # WSGI environ key of the app's own in-process set-up request
CSRF_COOKIE = "_csrf_token"  # the name Dash's renderer reads its header value from
OPEN_PREFIXES = ("/login", "/oidc/", "/assets/", "/_dash-component-suites/", "/_favicon.ico")
CALLBACK_PATH = "/_dash-update-component"
EXPORT_PREFIX = "/export/"
# Callbacks a page makes by itself (polls): they do not count as the user being active.
BACKGROUND = frozenset({"live-version-seizures.data", "live-badge.title"})
USER_TTL_S = 5.0
SEEN_EVERY_S = 30.0


@dataclass(frozen=True)
class Identity:
    """Who is asking: a signed-in, enabled user and their role."""

    name: str
    role: str


class _UserCache:
    """Users as stored, looked up at most every ``USER_TTL_S`` per process and user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, accounts_store.User | None]] = {}

    def get(self, name: str) -> accounts_store.User | None:
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(name)
        if hit and now - hit[0] < USER_TTL_S:
            return hit[1]
        user = accounts_store.get_user(name)
        with self._lock:
            self._seen[name] = (now, user)
        return user

    def forget(self, name: str) -> None:
        with self._lock:
            self._seen.pop(name, None)


USERS = _UserCache()


def session_secret(data_dir: Path) -> str:
    """The secret that signs session cookies: the setting, or one generated once and kept in
    ``state/session_secret`` (readable by its owner only) so sessions survive a restart."""
    configured = settings.get("session_secret")
    if configured:
        return configured
    file = data_dir / "state" / "session_secret"
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os_open_private(file)
        except FileExistsError:  # another worker wrote it first
            return file.read_text().strip()
        with open(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return file.read_text().strip()


def os_open_private(file: Path) -> int:
    import os

    return os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def current() -> Identity | None:
    """The identity of this request (set by ``guard``), or None."""
    return getattr(g, "identity", None)


def _identity_from_session() -> tuple[Identity | None, str]:
    """The signed-in user of the session, or None and why not."""
    name = session.get("user")
    if not name:
        return None, "Sign in to use Chokepoint."
    idle = settings.get("session_idle_minutes") * 60
    seen = float(session.get("seen", 0))
    if time.time() - seen > idle:
        session.clear()
        return None, "Your session ended after a period without activity. Sign in again."
    user = USERS.get(name)
    if user is None or user.disabled:
        session.clear()
        return None, "This account is not active. Ask an administrator."
    return Identity(user.name, user.role), ""


def _client() -> str:
    return request.remote_addr or ""


def _page_url() -> tuple[str, str]:
    """(page path, page URL with its query) of the page a callback was made from."""
    referrer = request.headers.get("Referer", "")
    if not referrer:
        return request.path, request.full_path.rstrip("?")
    parts = urlsplit(referrer)
    return parts.path or "/", parts.path + (f"?{parts.query}" if parts.query else "")


def _wants_page() -> bool:
    """A page a person navigates to (sent to sign in), not a file or an answer for a script."""
    path = request.path
    return (
        request.method == "GET"
        and not path.startswith(("/_dash-", EXPORT_PREFIX))
        and path not in policy.ROUTES
        and not path.endswith(".csv")
    )


def _refuse(identity: Identity, what: str, detail: str) -> Response:
    page, url = _page_url()
    audit.record(
        identity.name,
        identity.role,
        audit.REFUSED,
        page,
        url,
        outcome="refused",
        client=_client(),
        detail=detail,
    )
    message = f"Your role ({identity.role}) does not allow {what}."
    return Response(orjson.dumps({"error": message}), status=403, mimetype="application/json")


def guard() -> Response | None:
    """Sign-in first, then the policy table, for every request but the open ones."""
    if request.environ.get(SETUP) or request.path.startswith(OPEN_PREFIXES):
        return None
    identity, why = _identity_from_session()
    if identity is None:
        if _wants_page():
            target = request.full_path.rstrip("?")
            return redirect(f"/login?next={target}" if target != "/" else "/login")
        return Response(orjson.dumps({"error": why}), status=401, mimetype="application/json")
    g.identity = identity
    if request.path == CALLBACK_PATH:
        body = request.get_json(silent=True) or {}
        output = str(body.get("output", ""))
        rule = policy.rule_for(output)
        name = policy.callback_name(output) if output else "(none)"
        if rule is None or identity.role not in rule.roles:
            return _refuse(identity, "this part of the page", f"callback {name}")
        g.rule, g.body = rule, body
        if name not in BACKGROUND:
            _note_activity()
        return None
    _note_activity()
    if request.path.startswith(EXPORT_PREFIX):
        name = request.path[len(EXPORT_PREFIX) :].removesuffix(".csv")
        found = policy.export_rule(name)
        if found is None or identity.role not in found[0]:
            return _refuse(identity, "this download", f"export {name}")
        g.export_action = found[1]
    elif request.path in policy.ROUTES:
        roles, action = policy.ROUTES[request.path]
        if identity.role not in roles:
            return _refuse(identity, "this download", f"route {request.path}")
        g.export_action = action
    return None


def _note_activity() -> None:
    now = time.time()
    if now - float(session.get("seen", 0)) > SEEN_EVERY_S:
        session["seen"] = now


# -- after the answer: audit and headers ---------------------------------------------------------
def _ids_in_answer(rule: policy.Rule, payload: bytes) -> list[str]:
    kind, key = rule.ids or ("", "")
    if kind == "rows":
        answer = orjson.loads(payload).get("response", {})
        for props in answer.values():
            for value in props.values():
                if isinstance(value, dict) and isinstance(value.get("rowData"), list):
                    return [str(r.get(key)) for r in value["rowData"] if isinstance(r, dict)]
        return []
    if kind == "input":
        return _ids_in_inputs(key)
    return []


def _ids_in_inputs(component: str) -> list[str]:
    """The ids a detail was asked for: a clicked cell's row, selected rows, or a stored id."""
    body = getattr(g, "body", {})
    changed = set(body.get("changedPropIds") or [])
    found: list[str] = []
    for item in list(body.get("inputs") or []) + list(body.get("state") or []):
        if not isinstance(item, dict) or item.get("id") != component:
            continue
        value = item.get("value")
        prop = f"{component}.{item.get('property')}"
        if changed and prop not in changed and len(body.get("inputs") or []) > 1:
            continue
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, dict) and value.get("rowId"):
            found.append(str(value["rowId"]))
        elif isinstance(value, list):
            for row in value:
                if isinstance(row, dict):
                    ident = row.get("seizure_id") or row.get("shipment_id")
                    if ident:
                        found.append(str(ident))
    return found


def _audit_answer(response: Response) -> Response:
    identity = current()
    rule: policy.Rule | None = getattr(g, "rule", None)
    if identity is None or response.status_code != 200:
        return response
    if rule is not None and rule.audit:
        page, url = _page_url()
        audit.record(
            identity.name,
            identity.role,
            rule.audit,
            page,
            url,
            ids=_ids_in_answer(rule, response.get_data()),
            client=_client(),
            detail=rule.callback,
        )
    elif getattr(g, "export_action", None):
        url = request.full_path.rstrip("?")
        held = getattr(g, "export_ids", None)
        if held is None:
            response.response = _counted(response.response, identity, url)
        else:  # a file that named the records it holds: the row keeps their ids
            audit.record(
                identity.name,
                identity.role,
                g.export_action,
                request.path,
                url,
                ids=held,
                client=_client(),
                detail=f"{request.path}: {len(held)} records",
            )
    return response


def export_holds(ids: Iterable[str]) -> None:
    """Called by a download that is not one row per record (a referral package: one case, its
    seizure, shipment and timeline): the records it holds, for its audit row's ids, instead of
    counting its lines as a CSV's rows."""
    g.export_ids = [str(i) for i in ids]


def _counted(chunks: Iterable[bytes], identity: Identity, url: str) -> Iterator[bytes]:
    """Stream a CSV on, counting its rows and hashing their first field (the record id); the
    audit row is written once the last chunk has gone (or the client stopped reading). What
    the request context holds is read now: the rows stream after it has ended."""
    action, client, page = g.export_action, _client(), request.path

    def stream() -> Iterator[bytes]:
        digest, rows, tail = hashlib.sha256(), 0, b""
        try:
            for chunk in chunks:
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    digest.update(line.split(b",", 1)[0] + b"\n")
                rows += len(lines)
                yield chunk
        finally:
            if tail:
                rows += 1
                digest.update(tail.split(b",", 1)[0] + b"\n")
            audit.record(
                identity.name,
                identity.role,
                action,
                page,
                url,
                count=max(0, rows - 1),  # the header line is not a record
                client=client,
                detail=f"sha256 of first fields {digest.hexdigest()}",
            )

    return stream()


def _headers(script_hashes: Callable[[], Iterable[str]]):
    """The headers of every answer. The policy names the app's inline scripts by hash, and Dash
    knows them all only once it has set itself up (on the first request), so it is made then."""
    made: list[str] = []

    def add(response: Response) -> Response:
        if not made:
            made.append(content_security_policy(script_hashes()))
        response.headers["Content-Security-Policy"] = made[0]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if current() is not None and request.path != "/logout":
            response.set_cookie(
                CSRF_COOKIE,
                generate_csrf(),
                secure=settings.get("session_cookie_secure") == 1,
                samesite="Strict",
                httponly=False,  # the renderer reads it to send it back as a header
            )
        return response

    return add


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """Scripts from this server and the app's own inline scripts (by hash), no eval; styles
    from this server and inline (plotly and the grid style elements they create); images from
    this server and data URIs (plotly's icons); nothing may frame the app."""
    scripts = " ".join(["'self'", *script_hashes])  # Dash gives them quoted
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; "
        "font-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


# -- sign-in and sign-out ------------------------------------------------------------------------
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Chokepoint</title>
<link rel="stylesheet" href="/assets/00-bootstrap.min.css">
<link rel="stylesheet" href="/assets/chokepoint.css">
</head><body class="login-page">
<nav class="navbar navbar-dark bg-dark mb-4"><div class="container-fluid">
<span class="navbar-brand fw-bold">Chokepoint</span></div></nav>
<main class="container login-card">
<div class="card shadow-sm"><div class="card-body p-4">
<h1 class="h4 mb-1">Sign in</h1>
<p class="text-muted small mb-3">Law-enforcement sensitive. Every record you open is logged.</p>
{message}
<form method="post" action="/login" novalidate>
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="name">User name</label>
<input class="form-control" id="name" name="name" autocomplete="username" required
 value="{name}" autofocus></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" type="submit" id="sign-in">Sign in</button>
</form>
{extra}
</div></div></main></body></html>"""


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (``//evil``) or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(message: str = "", name: str = "", status: int = 200) -> Response:
    sentence = message[:1].upper() + message[1:] if message else ""
    if sentence and not sentence.endswith("."):
        sentence += "."
    alert = (
        f'<div class="alert alert-danger py-2" role="alert">{html.escape(sentence)}</div>'
        if message
        else ""
    )
    extra = ""
    if settings.get("oidc_issuer"):  # the agency's sign-in (accounts/oidc.py), keeping `next`
        target = quote(safe_next(request.values.get("next")), safe="/")
        extra = (
            '<a class="btn btn-outline-primary w-100 mt-3" id="oidc-sign-in" '
            f'href="/oidc/login?next={target}">{html.escape(settings.get("oidc_label"))}</a>'
        )
    body = LOGIN_PAGE.format(
        message=alert,
        csrf=generate_csrf(),
        next=html.escape(safe_next(request.values.get("next")), quote=True),
        name=html.escape(name, quote=True),
        extra=extra,
    )
    return Response(body, status=status, mimetype="text/html")


def login() -> Response:
    if request.method == "GET":
        return login_page()
    name = (request.form.get("name") or "").strip().lower()
    password = request.form.get("password") or ""
    try:
        user = service.authenticate(name, password)
    except service.LoginRefused as refused:
        audit.record(
            name or "(blank)",
            "",
            audit.LOGIN,
            "/login",
            "/login",
            outcome="refused",
            client=_client(),
            detail=str(refused),
        )
        return login_page(str(refused), name=name, status=401)
    start_session(user.name, user.role)
    return redirect(safe_next(request.form.get("next")))


def start_session(name: str, role: str, *, page: str = "/login", detail: str = "") -> None:
    """A fresh session for a user who has just proved who they are, with a password here or
    through the agency's identity provider (``detail`` says which; a new cookie: a session
    fixed before sign-in is not carried over)."""
    session.clear()
    session["user"] = name
    session["seen"] = time.time()
    session.permanent = False
    USERS.forget(name)
    audit.record(name, role, audit.LOGIN, page, page, client=_client(), detail=detail)


def logout() -> Response:
    identity = current()
    if identity is not None:
        audit.record(
            identity.name, identity.role, audit.LOGOUT, "/logout", "/logout", client=_client()
        )
    session.clear()
    response = redirect("/login")
    response.delete_cookie(CSRF_COOKIE)
    return response


def _csrf_refused(error: CSRFError) -> Response:
    if request.path == "/login":
        return login_page("The form had expired. Please sign in again.", status=400)
    return Response(
        orjson.dumps({"error": "The page is out of date. Reload it and try again."}),
        status=400,
        mimetype="application/json",
    )


def _too_many(_error: Exception) -> Response:
    return login_page(
        "Too many refused sign-in attempts from this address. Wait a minute and try again.",
        status=429,
    )


def install(
    server: Flask, data_dir: Path, script_hashes: Callable[[], Iterable[str]] = tuple
) -> None:
    """Sign-in, the guard, CSRF, the sign-in rate limit and the security headers, on the Flask
    server under Dash. Call before any other ``before_request`` hook: the guard runs first."""
    server.secret_key = session_secret(data_dir)
    server.config.update(
        SESSION_COOKIE_NAME="chokepoint_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Strict would drop it on the identity provider's return
        SESSION_COOKIE_SECURE=settings.get("session_cookie_secure") == 1,
        WTF_CSRF_TIME_LIMIT=None,  # bound to the session, which has its own idle limit
        WTF_CSRF_SSL_STRICT=False,  # the Referer is checked by SameSite cookies instead
        RATELIMIT_HEADERS_ENABLED=False,
    )
    server.before_request(guard)
    CSRFProtect(server)
    server.register_error_handler(CSRFError, _csrf_refused)
    limiter = Limiter(get_remote_address, app=server, storage_uri="memory://")
    # Only refused attempts count: people signing in are never slowed, guessing is.
    limited = limiter.limit(
        settings.get("login_rate_limit"),
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
    )(login)
    server.register_error_handler(429, _too_many)
    server.add_url_rule("/login", "chokepoint_login", limited, methods=["GET", "POST"])
    server.add_url_rule("/logout", "chokepoint_logout", logout, methods=["POST"])
    server.after_request(_audit_answer)
    server.after_request(_headers(script_hashes))
    from accounts import oidc  # it builds on this module's sign-in page and session

    oidc.install(server)


def csrf_token() -> str:
    """The CSRF token of this session, for a form a page renders (sign-out)."""
    return generate_csrf()


def permitted_layout(path: str, layout: Callable | object) -> Callable:
    """A page's layout behind the policy: a role that may not open the page gets a notice
    saying so (and the refusal is audited) instead of the page."""

    def build(**kwargs):
        identity = current()
        if identity is None or not policy.may_open(identity.role, path):
            if identity is not None:
                _refuse(identity, "this page", f"page {path}")
            return _not_permitted(identity, path)
        return layout(**kwargs) if callable(layout) else layout

    return build


def _not_permitted(identity: Identity | None, path: str):
    import dash
    from dash import dcc, html

    role = identity.role if identity else "none"
    names = {page["path"]: page["name"] for page in dash.page_registry.values()}
    allowed = [dcc.Link(names.get(p, p), href=p, className="me-2") for p in policy.pages_for(role)]
    return html.Div(
        [
            html.H1("Not permitted", className="h4"),
            html.P(
                f"Your role ({role}) does not allow the {names.get(path, path)} page. "
                "Ask an administrator if your work needs it."
            ),
            html.P(["Pages you may open: ", *allowed]),
        ],
        id="not-permitted",
        className="alert alert-warning",
        role="alert",
    )
