"""Refer a seizure to another agency from the page that shows it (the Explorer's record detail,
Targeting's referral card): the receiving agency, the day, a note; then the verdict, and the
seizure's referrals drawn again with the new one.

The step goes through the partner pipeline (``ingest/live/record.py``): its checks and the
referral state machine decide, and a refusal's reason is shown as they give it. Before that the
form refuses what only the app can judge: a day before the seizure or after today, and a second
open referral of the seizure to the same agency (one seizure may be referred to several).

Who may: the policy table's row for the page's submit callback (``accounts/policy.py``), asked
twice: the form is drawn only for a role that row admits, and the guard refuses the callback to
any other (``accounts/web.py``), which also writes the attempt to the audit log with the
seizure's id. The browser sends only that id; the shipment and the day the referral may not
precede are read from the lake, never taken from the page.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from accounts import policy, web
from components.referral_timeline import agency_name, timeline
from ingest.live.record import new_referral_id, record_step
from ingest.live.rules import MAX_NOTE_LENGTH
from lake import reference
from lake import referral_lifecycle as lifecycle
from lake.contract import REFERRAL_AGENCIES
from queries import seizure_referrals
from queries.executor import QueryError


@dataclass(frozen=True)
class FormIds:
    """The ids of one page's form, each its page's prefix and the part; the submit callback is
    named by ``verdict`` (its first output) in the policy table."""

    seizure: str
    agency: str
    day: str
    note: str
    submit: str
    verdict: str
    referrals: str

    @classmethod
    def of(cls, prefix: str) -> FormIds:
        return cls(*(f"{prefix}-{part.name}" for part in fields(cls)))

    @property
    def callback(self) -> str:
        return f"{self.verdict}.children"


@dataclass(frozen=True)
class Verdict:
    """What became of one submission: recorded (with the new referral's id) or why not."""

    accepted: bool
    message: str
    referral_id: str | None = None


def today() -> date:
    """The day by the clock, as the pipeline's check on future days reads it (UTC)."""
    return datetime.now(UTC).date()


def may_create(prefix: str) -> bool:
    """Whether the signed-in role may create a referral on this page (the policy table)."""
    identity = web.current()
    return identity is not None and policy.may_call(identity.role, FormIds.of(prefix).callback)


def section(prefix: str, seizure: dict, referrals: list[dict], create: bool) -> html.Div:
    """The seizure's referrals, and below them the form when ``create``. ``seizure`` as
    ``queries.seizure_referrals.seizure_to_refer`` gives it."""
    ids = FormIds.of(prefix)
    parts: list = [html.Div(timeline(referrals), id=ids.referrals)]
    if create:
        parts.append(form(ids, seizure))
    return html.Div(parts, className="referral-section")


def form(ids: FormIds, seizure: dict) -> html.Div:
    day = today()
    label = "small text-muted mb-1"
    return html.Div(
        [
            dcc.Store(id=ids.seizure, data=seizure["seizure_id"]),
            html.H5("Refer this seizure", className="h6 mt-3 mb-2"),
            dbc.Label("Receiving agency", html_for=ids.agency, className=label),
            dbc.Select(
                id=ids.agency,
                options=[{"label": agency_name(a), "value": a} for a in REFERRAL_AGENCIES],
                placeholder="Choose an agency",
                size="sm",
                className="mb-2",
            ),
            dbc.Label("Day referred", html_for=ids.day, className=label),
            dbc.Input(
                id=ids.day,
                type="date",
                value=day.isoformat(),
                min=seizure["event_date"].isoformat(),
                max=day.isoformat(),
                size="sm",
                className="mb-2",
            ),
            dbc.Label("Note (optional)", html_for=ids.note, className=label),
            dbc.Textarea(
                id=ids.note,
                maxLength=MAX_NOTE_LENGTH,
                rows=2,
                size="sm",
                className="mb-2",
                placeholder="What the agency should know",
            ),
            dbc.Button("Refer", id=ids.submit, color="primary", size="sm"),
            html.Div(id=ids.verdict, className="mt-2", **{"aria-live": "polite"}),
        ],
        className="referral-form",
    )


def check(
    seizure: dict, referrals: list[dict], agency: object, day_text: object, note: object, on: date
) -> tuple[date | None, str | None]:
    """The day a submission names, or the sentence refusing it before the pipeline sees it;
    ``on`` is today."""
    if agency not in REFERRAL_AGENCIES:
        return None, "Choose the receiving agency."
    try:
        day = date.fromisoformat(str(day_text))
    except ValueError:
        return None, "Give the day of the referral."
    if day > on:
        return None, f"The day of the referral ({day.isoformat()}) is in the future."
    if day < seizure["event_date"]:
        return None, (
            f"A referral cannot be dated before its seizure ({seizure['event_date'].isoformat()})."
        )
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH):
        return None, f"The note is longer than {MAX_NOTE_LENGTH:,} characters."
    for referral in referrals:
        if referral["agency"] == agency and referral["is_open"]:
            status = lifecycle.LABELS.get(referral["status"], referral["status"]).lower()
            return None, (
                f"This seizure is already referred to {agency_name(agency)} "
                f"({referral['referral_id']}, {status}): refer it to another agency, or record "
                "the steps of that case."
            )
    return day, None


def create(seizure_id: str, agency: object, day_text: object, note: object, user: str) -> Verdict:
    """Refer the seizure, if the form's checks and then the pipeline's allow it."""
    try:
        seizure = seizure_referrals.seizure_to_refer(seizure_id)
        if seizure is None:
            return Verdict(False, f"No seizure record {seizure_id[:64]!r}.")
        referrals = seizure_referrals.referrals_of(seizure_id, look_now=True)
    except QueryError as exc:
        return Verdict(False, f"Not recorded: the seizure could not be read ({exc}).")
    day, refusal = check(seizure, referrals, agency, day_text, note, today())
    if refusal is not None or day is None:
        return Verdict(False, refusal or "Give the day of the referral.")
    referral_id = new_referral_id()
    try:
        recorded = record_step(
            referral_id=referral_id,
            step="referred",
            occurred_on=day,
            agency=str(agency),
            user=user,
            seizure_id=seizure_id,
            shipment_id=seizure["shipment_id"],
            note=(note or "").strip() or None,
        )
    except OSError as exc:  # the lake's folder: full, or not writable by the app
        return Verdict(False, f"Not recorded: the step could not be written ({exc}).")
    if not recorded.accepted:
        return Verdict(False, f"Not recorded: {recorded.reason}")
    name = reference.AGENCY_NAMES.get(str(agency), str(agency))
    return Verdict(
        True, f"Referred to {name} on {day.isoformat()}: referral {referral_id}.", referral_id
    )


CASE_PATH = "/referrals?referral="  # the Referrals page opens the case of this link


def verdict_line(verdict: Verdict) -> html.P:
    """The verdict; a new referral's id links to its case, where its next steps are recorded."""
    parts: list = [verdict.message]
    if verdict.accepted and verdict.referral_id:
        parts += [" ", dcc.Link("Open the case", href=CASE_PATH + verdict.referral_id)]
    return html.P(
        parts,
        className="small mb-0 " + ("text-success" if verdict.accepted else "text-danger"),
        role="status",
    )


def register(prefix: str) -> None:
    """The submit callback of one page's form (``prefix``: the page's ids)."""
    ids = FormIds.of(prefix)

    @callback(
        Output(ids.verdict, "children"),
        Output(ids.referrals, "children"),
        Output(ids.note, "value"),
        Input(ids.submit, "n_clicks"),
        State(ids.seizure, "data"),
        State(ids.agency, "value"),
        State(ids.day, "value"),
        State(ids.note, "value"),
        running=[(Output(ids.submit, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def submit(clicks, seizure_id, agency, day, note):
        identity = web.current()
        if not clicks or identity is None or not isinstance(seizure_id, str):
            raise PreventUpdate
        verdict = create(seizure_id, agency, day, note, identity.name)
        if not verdict.accepted:
            return verdict_line(verdict), no_update, no_update
        try:
            shown = timeline(seizure_referrals.referrals_of(seizure_id, look_now=True))
        except QueryError:
            shown = no_update  # recorded; the list is drawn again when the panel is
        return verdict_line(verdict), shown, ""
