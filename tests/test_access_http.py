"""Access control over HTTP: sign-in required everywhere, the policy table enforced on every
callback, export and route, refusals and record reads audited, CSRF, idle sessions, lockout and
the sign-in rate limit. The callbacks are enumerated from the app's own registry, so one added
without a policy row fails here.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from accounts import policy, service, web
from accounts.roles import ROLES
from queries import audit_store
from tests.app_helpers import call, callback_answer
from tests.sessions import PASSWORD, sign_in, signed_in, user_for

SERVER_CALLBACK_SEARCH = "?fy=2025"


def server_callbacks(app) -> list[str]:
    """Every callback the server runs (clientside ones never reach it), by output string."""
    return sorted(key for key, spec in app.callback_map.items() if spec.get("callback"))


def post(client, output: str, inputs: list | None = None, changed: list | None = None):
    payload = {
        "output": output,
        "outputs": [],
        "inputs": inputs or [],
        "changedPropIds": changed or [],
        "state": [],
    }
    return client.post("/_dash-update-component", json=payload)


@pytest.fixture(scope="module")
def clients(internal_app) -> dict:
    return {role: signed_in(internal_app, role) for role in ROLES}


def test_acc001_every_callback_has_exactly_one_policy_row_and_no_row_is_stale(internal_app):
    names = [policy.callback_name(key) for key in server_callbacks(internal_app)]
    missing = sorted(n for n in names if n not in policy.BY_CALLBACK)
    stale = sorted(set(policy.BY_CALLBACK) - set(names))
    assert missing == [], "callbacks with no policy row (refused to everyone)"
    assert stale == [], "policy rows naming no callback"
    assert len(names) == len(set(names)), "two callbacks share a name"


def test_acc002_anonymous_requests_are_refused_everywhere(internal_app):
    client = internal_app.server.test_client()
    for path in ("/", "/explorer", "/targeting", "/audit", "/health"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    for path in (
        "/_dash-layout",
        "/_dash-dependencies",
        "/export/records.csv",
        "/audit/export.csv",
    ):
        assert client.get(path).status_code == 401, path
    for output in server_callbacks(internal_app):
        assert post(client, output).status_code == 401, output
    assert client.get("/login").status_code == 200


def test_acc003_the_role_by_callback_matrix_is_the_policy_table(internal_app, clients):
    mismatches = []
    for output in server_callbacks(internal_app):
        rule = policy.rule_for(output)
        for role, client in clients.items():
            status = post(client, output).status_code
            refused = status == 403
            if refused == (role in rule.roles) or status == 401:
                mismatches.append((rule.callback, role, status))
    assert mismatches == []


def test_acc004_a_leadership_session_gets_no_record_level_field(internal_app, clients):
    leader = clients["leadership"]
    for output in server_callbacks(internal_app):
        if policy.rule_for(output).record_level:
            assert post(leader, output).status_code == 403, output
    for path in ("/export/records.csv", "/export/explorer-area.csv", "/audit/export.csv"):
        assert leader.get(path).status_code == 403, path
    # what leadership may call answers with aggregates only: no record id anywhere in it
    record_id = re.compile(r"\b(SZ|SH|RF)-?\d{4,}")
    for output in server_callbacks(internal_app):
        rule = policy.rule_for(output)
        if "leadership" in rule.roles and rule.callback.startswith(("overview", "referrals")):
            answer = json.dumps(callback_answer(leader, output, SERVER_CALLBACK_SEARCH))
            assert not record_id.search(answer), rule.callback


def test_acc005_a_refused_call_leaves_an_audit_row(internal_app, clients):
    before = audit_store.read(user=user_for("analyst"), action="refused", limit=None).height
    queue = next(k for k in server_callbacks(internal_app) if "targeting-queue-grid" in k)
    assert post(clients["analyst"], queue).status_code == 403
    rows = audit_store.read(user=user_for("analyst"), action="refused", limit=None)
    assert rows.height == before + 1
    newest = rows.row(0, named=True)
    assert newest["outcome"] == "refused" and "targeting-queue-grid" in newest["detail"]


def test_acc006_a_records_page_is_audited_with_the_ids_it_showed(internal_app, clients):
    analyst = clients["analyst"]
    grid = next(k for k in server_callbacks(internal_app) if "explorer-records-grid" in k)
    inputs = [
        {
            "id": "explorer-records-grid",
            "property": "getRowsRequest",
            "value": {"startRow": 0, "endRow": 25, "sortModel": [], "filterModel": {}},
        }
    ]
    payload = {
        "output": grid,
        "outputs": [
            {"id": "explorer-records-grid", "property": "getRowsResponse"},
            {"id": "explorer-records-count", "property": "children"},
        ],
        "inputs": inputs,
        "changedPropIds": ["explorer-records-grid.getRowsRequest"],
        "state": [{"id": "url", "property": "search", "value": SERVER_CALLBACK_SEARCH}],
    }
    answer = analyst.post(
        "/_dash-update-component",
        json=payload,
        headers={"Referer": f"http://localhost/explorer{SERVER_CALLBACK_SEARCH}"},
    )
    assert answer.status_code == 200
    shown = [
        r["seizure_id"]
        for r in answer.get_json()["response"]["explorer-records-grid"]["getRowsResponse"][
            "rowData"
        ]
    ]
    assert len(shown) == 25
    row = audit_store.read(user=user_for("analyst"), action="records.page", limit=1).row(
        0, named=True
    )
    assert sorted(json.loads(row["ids"])) == sorted(shown)
    assert row["id_count"] == 25 and row["url"] == f"/explorer{SERVER_CALLBACK_SEARCH}"
    assert row["page"] == "/explorer"


def test_acc007_a_download_is_audited_with_its_row_count(clients):
    answer = clients["analyst"].get("/export/records.csv?fy=2025&port=2604")
    lines = answer.get_data(as_text=True).strip().splitlines()
    row = audit_store.read(user=user_for("analyst"), action="download", limit=1).row(0, named=True)
    assert row["id_count"] == len(lines) - 1
    assert row["url"] == "/export/records.csv?fy=2025&port=2604"


def test_acc008_posts_without_the_csrf_token_are_refused(internal_app):
    client = signed_in(internal_app, "analyst")
    client.environ_base.pop("HTTP_X_CSRFTOKEN")
    output = next(k for k in server_callbacks(internal_app) if "app-footer" in k)
    assert post(client, output).status_code == 400
    bare = internal_app.server.test_client()
    answer = bare.post("/login", data={"name": user_for("analyst"), "password": PASSWORD})
    assert answer.status_code == 400


def test_acc009_an_idle_session_must_sign_in_again(internal_app):
    client = signed_in(internal_app, "analyst")
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/explorer").status_code == 302


def test_acc010_a_disabled_account_is_refused_on_its_next_request(internal_app, scored_lake):
    service.create_user("acc010-user", "analyst", PASSWORD, data_dir=scored_lake)
    client = internal_app.server.test_client()
    assert sign_in(client, "acc010-user").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    service.disable("acc010-user", data_dir=scored_lake)
    web.USERS.forget("acc010-user")  # the per-process lookup is kept a few seconds
    assert client.get("/_dash-layout").status_code == 401


def test_acc011_lockout_after_repeated_wrong_passwords(internal_app, scored_lake):
    service.create_user("acc011-user", "analyst", PASSWORD, data_dir=scored_lake)
    client = internal_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.11.1"
    for _ in range(5):
        assert sign_in(client, "acc011-user", "wrong password here").status_code == 401
    answer = sign_in(client, "acc011-user")
    assert answer.status_code == 401
    assert "locked until" in answer.get_data(as_text=True)


def test_acc012_refused_sign_ins_are_rate_limited_per_address(internal_app):
    client = internal_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.12.1"
    statuses = [
        sign_in(client, f"nobody-{i}", "wrong password here").status_code for i in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    other = internal_app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.12.2"
    assert sign_in(other, user_for("analyst")).status_code == 302


def test_acc013_sign_in_never_redirects_off_the_site(internal_app):
    client = internal_app.server.test_client()
    answer = sign_in(client, user_for("analyst"), next_path="//elsewhere.example/x")
    assert answer.headers["Location"] in ("/", "http://localhost/")


def test_acc014_security_headers_on_every_answer(internal_app, clients):
    for answer in (clients["analyst"].get("/"), internal_app.server.test_client().get("/login")):
        csp = answer.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
    cookie = clients["analyst"].get_cookie("chokepoint_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_acc015_sign_out_ends_the_session(internal_app):
    client = signed_in(internal_app, "analyst")
    assert client.post("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_acc016_referral_fields_are_shown_to_investigators_only(internal_app, clients, scored_lake):
    import polars as pl

    from lake.layout import table_files

    events = pl.read_parquet(table_files("referral_events", scored_lake))
    referrals = events.filter(pl.col("step") == "referred").sort("referral_id")
    referred = referrals.select("seizure_id", "referral_id").row(0)
    detail = next(
        k for k in server_callbacks(internal_app) if k.startswith("explorer-records-detail")
    )
    clicked = {"rowId": referred[0], "colId": "seizure_id", "value": referred[0]}
    payload = {
        "output": detail,
        "outputs": {"id": "explorer-records-detail", "property": "children"},
        "inputs": [
            {"id": "explorer-records-grid", "property": "cellClicked", "value": clicked},
            {"id": "explorer-records-grid", "property": "selectedRows", "value": None},
        ],
        "changedPropIds": ["explorer-records-grid.cellClicked"],
        "state": [],
    }
    seen = {}
    for role in ("analyst", "investigator"):
        answer = clients[role].post("/_dash-update-component", json=payload)
        assert answer.status_code == 200
        seen[role] = answer.get_data(as_text=True)
    assert referred[1] in seen["investigator"]
    assert referred[1] not in seen["analyst"]
    assert "shown to investigators" in seen["analyst"]


def test_acc017_administrators_read_the_log_on_the_audit_page_and_as_csv(internal_app, clients):
    analyst, admin = clients["analyst"], clients["admin"]
    assert analyst.get("/export/records.csv?fy=2025&port=2604").status_code == 200
    csv_text = admin.get(f"/audit/export.csv?user={user_for('analyst')}&action=download")
    lines = csv_text.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("seq,") and len(lines) >= 2
    assert all(f",{user_for('analyst')}," in line for line in lines[1:])
    answer = call(
        admin,
        "audit-table.children",
        {"audit-user.value": user_for("analyst"), "audit-action.value": "download"},
        "audit-user.value",
    )
    assert "Chain intact" in json.dumps(answer["audit-chain"])
    table = json.dumps(answer["audit-table"])
    assert "Records download" in table and user_for("analyst") in table
    assert "Sign-in" not in table  # the action filter holds
    assert analyst.get("/audit/export.csv").status_code == 403


def _refer_payload(prefix: str, seizure_id: str, agency: str) -> dict:
    """The form's submit as the browser sends it: the seizure, the agency, today, a note."""
    from components.referral_form import FormIds, today

    ids = FormIds.of(prefix)
    return {
        "output": f"..{ids.verdict}.children...{ids.referrals}.children...{ids.note}.value..",
        "outputs": [
            {"id": ids.verdict, "property": "children"},
            {"id": ids.referrals, "property": "children"},
            {"id": ids.note, "property": "value"},
        ],
        "inputs": [{"id": ids.submit, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.submit}.n_clicks"],
        "state": [
            {"id": ids.seizure, "property": "data", "value": seizure_id},
            {"id": ids.agency, "property": "value", "value": agency},
            {"id": ids.day, "property": "value", "value": today().isoformat()},
            {"id": ids.note, "property": "value", "value": "sent over HTTP"},
        ],
    }


def test_acc018_only_investigators_may_refer_a_seizure(internal_app, clients, scored_lake):
    from queries.gateway import Gateway

    def referrals(seizure_id: str) -> list[str]:
        return (
            Gateway(scored_lake)
            .frame("SELECT agency FROM referrals WHERE seizure_id = ?", [seizure_id])["agency"]
            .to_list()
        )

    seizure_id = Gateway(scored_lake).frame(
        "SELECT seizure_id FROM seizures s WHERE NOT EXISTS "
        "(SELECT 1 FROM referrals r WHERE r.seizure_id = s.seizure_id) "
        "ORDER BY seizure_id DESC LIMIT 1"
    )["seizure_id"][0]
    explorer = _refer_payload("explorer-referral", seizure_id, "USPIS")
    targeting = _refer_payload("targeting-referral", seizure_id, "USPIS")
    for role in ("leadership", "analyst", "targeter"):
        assert clients[role].post("/_dash-update-component", json=explorer).status_code == 403
    refused = audit_store.read(user=user_for("analyst"), action="refused", limit=1)
    assert "explorer-referral-verdict" in refused.row(0, named=True)["detail"]
    for role in ("leadership", "analyst", "targeter", "investigator"):  # Targeting: admins
        assert clients[role].post("/_dash-update-component", json=targeting).status_code == 403
    assert referrals(seizure_id) == []

    answer = clients["investigator"].post("/_dash-update-component", json=explorer)
    assert answer.status_code == 200
    assert "Referred to U.S. Postal Inspection Service" in answer.get_data(as_text=True)
    assert referrals(seizure_id) == ["USPIS"]
    row = audit_store.read(user=user_for("investigator"), action="referrals.create", limit=1)
    assert json.loads(row.row(0, named=True)["ids"]) == [seizure_id]


def _grid_rows(client, seizure_id: str) -> list[dict]:
    filter_model = {"seizure_id": {"filterType": "text", "type": "equals", "filter": seizure_id}}
    answer = call(
        client,
        "explorer-records-grid.getRowsResponse",
        {
            "explorer-records-grid.getRowsRequest": {
                "startRow": 0,
                "endRow": 50,
                "sortModel": [],
                "filterModel": filter_model,
            },
            "url.search": "",
        },
        "explorer-records-grid.getRowsRequest",
    )
    return answer["explorer-records-grid"]["getRowsResponse"]["rowData"]


def test_acc019_referral_outcomes_are_sent_to_the_referral_roles_only(clients, scored_lake):
    from queries import referral_outcomes
    from queries import targeting as queue_queries
    from queries.gateway import Gateway

    gw = Gateway(scored_lake)
    seizure_id, outcome = gw.frame(
        "SELECT seizure_id, outcome FROM referrals WHERE outcome = 'conviction' "
        "ORDER BY seizure_id LIMIT 1"
    ).row(0)
    assert [r.get("referral_outcome") for r in _grid_rows(clients["investigator"], seizure_id)] == [
        outcome
    ]
    for role in ("analyst", "targeter"):
        assert ["referral_outcome" in r for r in _grid_rows(clients[role], seizure_id)] == [False]

    # Targeting's similar seizures: the outcome column for an administrator, not a targeter
    shipments = gw.frame(
        "SELECT shipment_id FROM shipments WHERE outcome = 'seized' ORDER BY shipment_id LIMIT 200"
    )["shipment_id"]
    for shipment_id in shipments:
        detail = queue_queries.shipment_detail(shipment_id, gateway=gw)
        similar = queue_queries.similar_seizures(detail, gateway=gw)
        if referral_outcomes.outcomes_of([s["seizure_id"] for s in similar], gateway=gw):
            break
    else:
        pytest.fail("no seized shipment with a similar seizure that led anywhere")
    shown = {}
    for role in ("targeter", "admin"):
        answer = call(
            clients[role],
            "targeting-detail.children",
            {"targeting-selected.data": shipment_id},
            "targeting-selected.data",
        )
        shown[role] = json.dumps(answer["targeting-detail"])
    assert "Referral outcome" in shown["admin"] and "Referral outcome" not in shown["targeter"]
    names = ("Warrant", "Arrest", "Indictment", "Prosecution", "Conviction")
    assert any(f'"{name}"' in shown["admin"] for name in names)
    assert not any(f'"{name}"' in shown["targeter"] for name in names)
