"""The Referrals page over HTTP, as the browser calls it: the funnel and the time-to-outcome
figures against independent computations on the same lake, who may record a step (and what the
state machine answers), what the case reads leave in the audit log, and the referral package
as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from accounts.roles import ROLES
from lake import reference
from lake import referral_lifecycle as lifecycle
from pages.referrals.case import STATUS
from queries import audit_store, referral_case
from queries.filters import Filters
from queries.gateway import Gateway
from tests.app_helpers import call, callback_answer
from tests.referral_helpers import own_durations, own_funnel, own_seizures, raw_lake, rows
from tests.sessions import signed_in, user_for

RECORD = "referrals-record-status"
SUBMIT = "referrals-record-submit.n_clicks"
SEARCH = "?fy=2024&category=drug"


@pytest.fixture(scope="module")
def clients(internal_app) -> dict:
    return {role: signed_in(internal_app, role) for role in ROLES}


def _deps(client) -> list[dict]:
    client.get("/")
    return json.loads(client.get("/_dash-dependencies").get_data(as_text=True))


def _record_payload(client, referral_id: str, step: str, day: str) -> dict:
    """The record callback's request as the form sends it."""
    spec = next(d for d in _deps(client) if RECORD in d["output"] and "submit" in str(d["inputs"]))
    values = {
        SUBMIT: 1,
        "referrals-selected.data": referral_id,
        "referrals-record-step.value": step,
        "referrals-record-day.date": day,
        "referrals-record-case-number.value": None,
        "referrals-record-note.value": "recorded over HTTP by a test",
    }
    items = [
        {
            "id": i["id"],
            "property": i["property"],
            "value": values.get(f"{i['id']}.{i['property']}"),
        }
        for i in spec["state"]
    ]
    return {
        "output": spec["output"],
        "outputs": [
            {"id": part.rpartition(".")[0], "property": part.rpartition(".")[2].split("@")[0]}
            for part in spec["output"].strip(".").split("...")
        ],
        "inputs": [{"id": "referrals-record-submit", "property": "n_clicks", "value": 1}],
        "changedPropIds": [SUBMIT],
        "state": items,
    }


def _events(lake, referral_id: str) -> list[tuple]:
    return rows(
        raw_lake(lake),
        "SELECT step, occurred_on, recorded_by, note FROM ev WHERE referral_id = ? "
        "ORDER BY occurred_on, step",
        [referral_id],
    )


def _open_warrant(lake, newest: bool) -> str:
    """An open case whose last milestone is a warrant (no arrest yet)."""
    order = "DESC" if newest else "ASC"
    sql = f"SELECT referral_id FROM referrals WHERE status = 'warrant' ORDER BY referral_id {order}"
    return Gateway(lake).frame(sql + " LIMIT 1").item()


def test_refh001_the_funnel_figure_is_the_independent_count(clients, scored_lake):
    answer = callback_answer(clients["investigator"], "referrals-funnel-graph", SEARCH)
    raw = raw_lake(scored_lake)
    filters = Filters(fy=2024, category=("drug",))
    counts = own_funnel(raw, filters)
    expected = [own_seizures(raw, filters)] + [
        sum(agency[s] for agency in counts.values()) for s in lifecycle.FUNNEL
    ]
    (trace,) = answer["referrals-funnel-graph"]["figure"]["data"]
    assert trace["x"] == expected and expected[1] > 50
    lines = answer["referrals-agencies-graph"]["figure"]["data"]
    for line in lines:
        agency = next(a for a in counts if line["name"].startswith(reference.AGENCY_NAMES[a]))
        referred = counts[agency]["referred"]
        shares = [counts[agency][s] / referred for s in lifecycle.FUNNEL[1:]]
        assert line["y"] == pytest.approx(shares)
    summary = answer["referrals-funnel-summary"]["children"]
    assert f"arrest {expected[lifecycle.FUNNEL.index('arrest') + 1]:,}" in summary


def test_refh002_the_time_to_outcome_figure_is_lifelines_on_one_duration_per_case(
    clients, scored_lake
):
    values = {
        "url-card-view.data": SEARCH,
        "referrals-km-step.value": "accepted",
        "referrals-km-by.value": "agency",
    }
    answer = call(clients["leadership"], "referrals-km-graph", values, "referrals-km-step.value")
    cases, _as_of = own_durations(
        raw_lake(scored_lake), Filters(fy=2024, category=("drug",)), "accepted"
    )
    traces = answer["referrals-km-graph"]["figure"]["data"]
    lines = [t for t in traces if t.get("fill") != "toself"]
    bands = [t for t in traces if t.get("fill") == "toself"]
    assert len(lines) == len(bands) == cases["agency"].n_unique()
    medians = json.dumps(answer["referrals-km-medians"], ensure_ascii=False)
    for line, band in zip(lines, bands, strict=True):
        agency = next(
            a for a in reference.AGENCY_NAMES if line["name"].startswith(reference.AGENCY_NAMES[a])
        )
        group = cases.filter(cases["agency"] == agency)
        km = KaplanMeierFitter().fit(group["days"].to_numpy(), group["reached"].to_numpy())
        days = line["x"]
        assert line["y"] == pytest.approx(1 - km.survival_function_at_times(days).to_numpy())
        reached = int(group["reached"].sum())
        assert f"{reached:,} of {group.height:,} reached" in line["name"]  # in the chart
        assert "still open (censored)" in line["name"]
        ci = km.confidence_interval_
        held = ci.reindex(ci.index.union(days)).ffill().loc[days]
        upper = list(1 - held.iloc[:, 0].to_numpy())
        lower = list(1 - held.iloc[:, 1].to_numpy())
        assert band["y"] == pytest.approx(upper + lower[::-1])
        median = km.median_survival_time_
        lo, hi = median_survival_times(ci).iloc[0]
        assert f"{median:,.0f} ({lo:,.0f} – {hi:,.0f})" in medians
    assert "censored" in answer["referrals-km-note"]["children"]


def test_refh003_an_analyst_cannot_record_a_step(clients, scored_lake):
    referral_id = _open_warrant(scored_lake, newest=True)
    before = _events(scored_lake, referral_id)
    today = datetime.now(UTC).date().isoformat()
    for role in ("analyst", "leadership", "targeter"):
        payload = _record_payload(clients["investigator"], referral_id, "arrest", today)
        answer = clients[role].post("/_dash-update-component", json=payload)
        assert answer.status_code == 403, role
        assert "does not allow" in answer.get_json()["error"]
    assert _events(scored_lake, referral_id) == before
    refused = audit_store.read(user=user_for("analyst"), action="refused", limit=1)
    assert RECORD in refused.row(0, named=True)["detail"]


def test_refh004_an_investigator_records_a_step_and_the_machine_refuses_a_wrong_one(
    clients, scored_lake
):
    investigator = clients["investigator"]
    referral_id = _open_warrant(scored_lake, newest=True)
    today = datetime.now(UTC).date()
    answer = investigator.post(
        "/_dash-update-component",
        json=_record_payload(investigator, referral_id, "arrest", today.isoformat()),
    )
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    assert response[STATUS]["children"] == f"Recorded: Arrest on {today.isoformat()}."
    assert response["referrals-selected"]["data"] == referral_id  # the case view reads it again
    recorded = [e for e in _events(scored_lake, referral_id) if e[0] == "arrest"]
    assert recorded == [
        ("arrest", today, f"user:{user_for('investigator')}", "recorded over HTTP by a test")
    ]
    row = audit_store.read(user=user_for("investigator"), action="referrals.step", limit=1)
    assert json.loads(row.row(0, named=True)["ids"]) == [referral_id]
    # a conviction may not follow an arrest: the machine's own reason, word for word
    history = [lifecycle.Event(step, on) for step, on, *_ in _events(scored_lake, referral_id)]
    expected = lifecycle.admit(history, [lifecycle.Event("conviction", today, key=0)])[0]
    answer = investigator.post(
        "/_dash-update-component",
        json=_record_payload(investigator, referral_id, "conviction", today.isoformat()),
    )
    assert answer.get_json()["response"][STATUS]["children"] == f"Not recorded: {expected}"
    assert "conviction" not in [e[0] for e in _events(scored_lake, referral_id)]


def test_refh005_the_stalled_list_and_a_case_are_audited_with_the_ids_they_showed(clients):
    investigator = clients["investigator"]
    grid = next(d for d in _deps(investigator) if "referrals-stalled-grid" in d["output"])
    payload = {
        "output": grid["output"],
        "outputs": [
            {"id": "referrals-stalled-grid", "property": "getRowsResponse"},
            {"id": "referrals-stalled-count", "property": "children"},
        ],
        "inputs": [
            {
                "id": "referrals-stalled-grid",
                "property": "getRowsRequest",
                "value": {"startRow": 0, "endRow": 20},
            }
        ],
        "changedPropIds": ["referrals-stalled-grid.getRowsRequest"],
        "state": [{"id": "url", "property": "search", "value": ""}],
    }
    answer = investigator.post("/_dash-update-component", json=payload)
    shown = [
        r["referral_id"]
        for r in answer.get_json()["response"]["referrals-stalled-grid"]["getRowsResponse"][
            "rowData"
        ]
    ]
    assert len(shown) == 20
    row = audit_store.read(user=user_for("investigator"), action="referrals.stalled", limit=1)
    assert sorted(json.loads(row.row(0, named=True)["ids"])) == sorted(shown)
    opened = call(
        investigator,
        "referrals-case",
        {"referrals-selected.data": shown[0]},
        "referrals-selected.data",
    )
    assert f"Referral {shown[0]}" in json.dumps(opened["referrals-case"])
    row = audit_store.read(user=user_for("investigator"), action="referrals.case", limit=1)
    assert json.loads(row.row(0, named=True)["ids"]) == [shown[0]]


def _case_with_shipment(lake) -> str:
    return rows(
        raw_lake(lake),
        """SELECT c.referral_id FROM cases c JOIN sh ON sh.seizure_id = c.seizure_id
           WHERE c.finished AND c.warrant IS NOT NULL ORDER BY c.referral_id LIMIT 1""",
    )[0][0]


def test_refh006_the_referral_package_holds_the_case_and_is_audited(clients, scored_lake):
    investigator = clients["investigator"]
    referral_id = _case_with_shipment(scored_lake)
    found = referral_case.case(referral_id, Gateway(scored_lake))
    seizure, shipment, events = found["seizure"], found["shipment"], found["events"]
    before = audit_store.read(action="referrals.package", limit=None).height

    answer = investigator.get(f"/export/referral-package.json?referral={referral_id}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    pack = answer.get_json()
    assert pack["referral"]["referral_id"] == referral_id
    assert pack["referral"]["agency"] == found["summary"]["agency"]
    assert pack["referral"]["agency_name"] == reference.AGENCY_NAMES[found["summary"]["agency"]]
    assert pack["referral"]["status"] == found["summary"]["status"]
    assert pack["seizure"]["seizure_id"] == seizure["seizure_id"]
    assert pack["seizure"]["event_date"] == seizure["event_date"].isoformat()
    assert pack["seizure"]["commodity_name"] == reference.commodity_names()[seizure["commodity"]]
    assert pack["shipment"]["shipment_id"] == shipment["shipment_id"]
    assert pack["shipment"]["consignee_name"] == shipment["consignee_name"]
    assert pack["shipment"]["shipper_id"] == shipment["shipper_id"]
    timeline = [(e["event_id"], e["step"], e["occurred_on"]) for e in pack["timeline"]]
    assert timeline == [(e["event_id"], e["step"], e["occurred_on"].isoformat()) for e in events]
    assert [e["step_name"] for e in pack["timeline"]] == [
        lifecycle.LABELS[e["step"]] for e in events
    ]

    answer = investigator.get(f"/export/referral-package.csv?referral={referral_id}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["event_id"] for r in table] == [e["event_id"] for e in events]
    assert {r["referral_id"] for r in table} == {referral_id}
    assert {r["seizure_id"] for r in table} == {seizure["seizure_id"]}
    assert {r["shipment_id"] for r in table} == {shipment["shipment_id"]}
    assert [r["event_step"] for r in table] == [e["step"] for e in events]

    audited = audit_store.read(action="referrals.package", limit=None)
    assert audited.height == before + 2  # one row per download, not one per line
    for row in audited.head(2).iter_rows(named=True):
        assert json.loads(row["ids"]) == [
            referral_id,
            seizure["seizure_id"],
            shipment["shipment_id"],
        ]
        assert row["user"] == user_for("investigator")
        assert row["url"].startswith("/export/referral-package.")


def test_refh007_the_package_is_for_investigators_and_names_a_known_referral(clients, scored_lake):
    referral_id = _case_with_shipment(scored_lake)
    for role in ("leadership", "analyst", "targeter"):
        for kind in ("json", "csv"):
            answer = clients[role].get(f"/export/referral-package.{kind}?referral={referral_id}")
            assert answer.status_code == 403, (role, kind)
    investigator = clients["investigator"]
    assert investigator.get("/export/referral-package.json?referral=RF-NONE").status_code == 404
    assert investigator.get("/export/referral-package.csv").status_code == 400
