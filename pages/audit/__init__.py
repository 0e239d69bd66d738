"""Audit: who read which records, who changed what, and what was refused (administrators only).

Reads the append-only audit log (``queries/audit_store.py``) newest first, filtered by user,
action and time, says whether its hash chain is intact, and offers the filtered rows as CSV at
``/audit/export.csv`` (every row, not only the ones shown). The page's own reads are audited
too: reading the log is an action on it.
"""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html
from flask import Flask, Response, request

from accounts import audit
from components.cards import data_table
from queries import audit_store

PATH = "/audit"
EXPORT_PATH = "/audit/export.csv"
SHOWN = 500
PREFIX = "audit"
COLUMNS = ("at", "user", "role", "action", "outcome", "page", "url", "id_count", "detail")
HEADINGS = {
    "at": "When",
    "user": "User",
    "role": "Role",
    "action": "Action",
    "outcome": "Outcome",
    "page": "Page",
    "url": "Link",
    "id_count": "Records",
    "detail": "Detail",
}
ACTION_NAMES = {
    audit.RECORDS_PAGE: "Records page",
    audit.RECORD_DETAIL: "Record detail",
    audit.QUEUE_PAGE: "Targeting queue page",
    "targeting.detail": "Targeting shipment detail",
    audit.DOWNLOAD: "Records download",
    audit.EXPORT: "Chart export",
    audit.WATCHLIST: "Watchlist change",
    audit.FEEDBACK: "Examination feedback",
    audit.REFERRALS_STALLED: "Stalled referrals page",
    audit.REFERRAL_CASE: "Referral case",
    audit.REFERRAL_STEP: "Referral step recorded",
    audit.REFERRAL_PACKAGE: "Referral package download",
    audit.REFERRAL_CREATE: "Referral submitted",
    audit.ACCOUNT: "Account change",
    audit.LOGIN: "Sign-in",
    audit.LOGOUT: "Sign-out",
    audit.REFUSED: "Refused",
    "audit.read": "Audit log read",
}


def register() -> None:
    """Add the page to the app (``internal_app`` calls it once the app exists)."""
    dash.register_page(
        __name__, path=PATH, name="Audit", title="Chokepoint · Audit", order=20, layout=layout
    )


def layout(**_query: str) -> html.Div:
    actions = [{"label": name, "value": key} for key, name in ACTION_NAMES.items()]
    return html.Div(
        [
            html.H1("Audit log", className="h4"),
            html.P(
                "Every record read, export, change and refusal, newest first. The log is "
                "append-only and hash-chained: an edited or removed row breaks the chain.",
                className="small text-muted",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("User", html_for=f"{PREFIX}-user"),
                            dbc.Input(id=f"{PREFIX}-user", placeholder="any", debounce=True),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Action", html_for=f"{PREFIX}-action"),
                            dcc.Dropdown(actions, id=f"{PREFIX}-action", placeholder="any"),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("From – to (UTC days)", html_for=f"{PREFIX}-days"),
                            dcc.DatePickerRange(
                                id=f"{PREFIX}-days",
                                display_format="DD MMM YYYY",
                                start_date=(date.today() - timedelta(days=30)).isoformat(),
                                end_date=date.today().isoformat(),
                            ),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        html.A(
                            "CSV",
                            id=f"{PREFIX}-csv",
                            href=EXPORT_PATH,
                            className="btn btn-outline-primary btn-sm mt-4",
                        ),
                        md=2,
                    ),
                ],
                className="g-3 mb-3",
            ),
            html.P(id=f"{PREFIX}-chain", className="small mb-2"),
            html.P(id=f"{PREFIX}-count", className="small text-muted mb-1"),
            html.Div(id=f"{PREFIX}-table", className="table-alt audit-table"),
        ]
    )


def _day(text: str | None) -> date | None:
    """A day from the picker or a link; anything else is no bound."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _query(user: str | None, action: str | None, start: str | None, end: str | None) -> dict:
    """The filters as the log reads them; the end day is included. An action the page does
    not know matches nothing rather than everything."""
    since, last = _day(start), _day(end)
    return {
        "user": (user or "").strip().lower() or None,
        "action": action or None,
        "since": since.isoformat() if since else None,
        "until": (last + timedelta(days=1)).isoformat() if last else None,
    }


def _search(user, action, start, end) -> str:
    parts = [f"{k}={v}" for k, v in (("user", user), ("action", action)) if v]
    parts += [f"{k}={v[:10]}" for k, v in (("since", start), ("until", end)) if v]
    return ("?" + "&".join(parts)) if parts else ""


@callback(
    Output(f"{PREFIX}-table", "children"),
    Output(f"{PREFIX}-count", "children"),
    Output(f"{PREFIX}-chain", "children"),
    Output(f"{PREFIX}-csv", "href"),
    Input(f"{PREFIX}-user", "value"),
    Input(f"{PREFIX}-action", "value"),
    Input(f"{PREFIX}-days", "start_date"),
    Input(f"{PREFIX}-days", "end_date"),
)
def update(user, action, start, end):
    rows = audit_store.read(**_query(user, action, start, end), limit=SHOWN + 1)
    more = rows.height > SHOWN
    rows = rows.head(SHOWN)
    shown = rows.select(COLUMNS).with_columns(
        pl.col("at").str.slice(0, 19).str.replace("T", " ") + " UTC",
        pl.col("action").replace_strict(ACTION_NAMES, default=pl.col("action")),
        pl.col("role").replace("", "–"),
    )
    count = (
        f"The newest {SHOWN:,} matching rows; the CSV has them all."
        if more
        else f"{rows.height:,} matching rows."
    )
    check = audit.verify()
    chain = (
        html.Span(f"Chain intact: {check.rows:,} rows checked.", className="text-success")
        if check.ok
        else html.Strong(
            f"Chain broken at row {check.first_bad_seq}: {check.reason}", className="text-danger"
        )
    )
    table = data_table(shown.rename(HEADINGS), max_rows=SHOWN)
    return table, count, chain, EXPORT_PATH + _search(user, action, start, end)


def export_csv() -> Response:
    """Every row matching the query string, as CSV."""
    args = request.args
    rows = audit_store.read(
        **_query(args.get("user"), args.get("action"), args.get("since"), args.get("until")),
        limit=None,
    )
    return Response(
        rows.write_csv(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="chokepoint-audit.csv"',
            "Cache-Control": "no-store",
        },
    )


def register_routes(server: Flask) -> None:
    """``/audit/export.csv`` on the Flask server (the policy table admits administrators)."""
    if "chokepoint_audit_csv" not in server.view_functions:
        server.add_url_rule(EXPORT_PATH, "chokepoint_audit_csv", export_csv, methods=["GET"])
