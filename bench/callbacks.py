"""Latency of every server-side page callback, replayed the way the browser sends them.

The app's own ``/_dash-dependencies`` lists the callbacks; each one driven by the URL is posted to
``/_dash-update-component`` with a set of realistic views (no filters, a fiscal year, a field
office, a commodity by week, compare mode, a country and mode). Each view is first requested once
(cold: first request after start), then ``repeats`` times (warm). The baseline measured in the
same run is a callback that runs no query (the CSV links), so the ratio shows what each card
costs beyond Dash's own request handling.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field

from components.filter_bar import CARD_VIEW, COMPARE_VIEW, URL_VIEW, card_view, compare_view

VIEWS = (
    "",
    "?fy=2025",
    "?fy=2025&area=tucson-field-office",
    "?commodity=fentanyl_pills&measure=pills&grain=week",
    "?cmp=fytd&measure=events",
    "?source=CN&mode=express,mail",
)
BASELINE = "explorer-trend-csv"  # a callback that runs no query: Dash's own cost
# Page controls a callback reads beside the URL, at the values a person starts from.
CONTROLS = {
    ("referrals-km-step", "value"): "arrest",
    ("referrals-km-by", "value"): "agency",
}
# The page a callback's outputs are on, by its name's first part (else the Overview).
PATHS = {"explorer": "/explorer", "referrals": "/referrals"}


def first_stalled(search: str) -> str | None:
    """The case an investigator opens first under the view ``search``: the top row of the
    Referrals page's stalled list (None when the list is empty)."""
    import settings
    from components import url_state
    from queries import referrals

    view, error = url_state.parse_view(search)
    as_of = referrals.as_of() if referrals.available() else None
    if error or as_of is None:
        return None
    days = settings.get("referral_stalled_days")
    rows, _ = referrals.stalled(view.filters, as_of, days, 0, 1)
    return rows[0]["referral_id"] if rows else None


# A record a callback opens, picked from the view as a person picks it.
OPENED = {("referrals-selected", "data"): first_stalled}


@dataclass
class Timing:
    name: str
    cold_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def row(self, baseline_p50: float) -> dict:
        p50 = statistics.median(self.warm_ms)
        return {
            "callback": self.name,
            "cold_p50_ms": round(statistics.median(self.cold_ms), 1),
            "warm_p50_ms": round(p50, 1),
            "warm_p95_ms": round(self.pct(self.warm_ms, 0.95), 1),
            "warm_max_ms": round(max(self.warm_ms), 1),
            "x_baseline": round(p50 / baseline_p50, 1) if baseline_p50 else None,
        }


GRID_REQUEST = {
    "startRow": 50,
    "endRow": 100,
    "sortModel": [{"colId": "lbs", "sort": "desc"}],
    "filterModel": {},
}


def _value(item: dict, search: str, pathname: str):
    if item["id"] == URL_VIEW:  # what the page's clientside callback puts there
        return search
    if item["id"] == CARD_VIEW:
        return card_view(search)
    if item["id"] == COMPARE_VIEW:
        return compare_view(search)
    key = (item["id"], item["property"])
    if key in CONTROLS:
        return CONTROLS[key]
    if key in OPENED:
        return OPENED[key](search)
    values = {"search": search, "pathname": pathname, "getRowsRequest": GRID_REQUEST}
    return values.get(item["property"], "bench")  # live version stores: any value


def _payload(dep: dict, search: str, pathname: str) -> dict:
    inputs = [
        {"id": i["id"], "property": i["property"], "value": _value(i, search, pathname)}
        for i in dep["inputs"]
    ]
    state = [
        {"id": i["id"], "property": i["property"], "value": _value(i, search, pathname)}
        for i in dep.get("state", [])
    ]
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        ident, _, prop = part.rpartition(".")
        ident = json.loads(ident) if ident.startswith("{") else ident
        outputs.append({"id": ident, "property": prop})
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": state,
    }


def _name(dep: dict) -> str:
    first = dep["output"].strip(".").split("...")[0].rpartition(".")[0]
    if first.startswith("{"):
        ident = json.loads(first)
        return f"{ident['page']}:{ident['dim']}:{ident['slot']}"
    return first


def url_callbacks(client) -> list[dict]:
    """Server-side callbacks a view change triggers: those driven by the URL (with the page's
    own controls at their first values, ``CONTROLS``), the grids' page requests (which read
    the URL as state), and a record's panel opened from the view (``OPENED``). A callback
    that writes (recording a step) is driven by a button, never chosen."""
    deps = json.loads(client.get("/_dash-dependencies").get_data())
    chosen = []
    for dep in deps:
        inputs = [
            (str(i["id"]), i["property"])
            for i in dep["inputs"]
            if not str(i["id"]).startswith("live-version-")
        ]
        props = {prop for _, prop in inputs}
        url = [(ident, prop) for ident, prop in inputs if ident in ("url", CARD_VIEW)]
        others = [key for key in inputs if key not in url]
        by_url = (
            len({ident for ident, _ in url}) == 1
            and {prop for _, prop in url} <= {"search", "pathname", "data"}
            and all(key in CONTROLS for key in others)
        )
        opened = bool(inputs) and all(key in OPENED for key in inputs)
        if dep.get("clientside_function") or not (by_url or opened or props == {"getRowsRequest"}):
            continue
        chosen.append(dep)
    return chosen


def run(app, repeats: int = 5) -> list[dict]:
    import settings
    from bench.signin import ensure_user, sign_in_test_client

    ensure_user(settings.data_dir())
    client = app.server.test_client()
    sign_in_test_client(client)
    client.get("/")
    timings: dict[str, Timing] = {}
    for dep in url_callbacks(client):
        name = _name(dep)
        page = name.split(":")[0] if ":" in name else name.split("-")[0]
        pathname = PATHS.get(page, "/")
        timing = timings.setdefault(name, Timing(name))
        for view in VIEWS:
            for attempt in range(repeats + 1):
                started = time.perf_counter()
                response = client.post(
                    "/_dash-update-component", json=_payload(dep, view, pathname)
                )
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code not in (200, 204):
                    raise RuntimeError(f"{name} {view}: HTTP {response.status_code}")
                (timing.cold_ms if attempt == 0 else timing.warm_ms).append(elapsed)
    baseline = timings.get(BASELINE)
    baseline_p50 = statistics.median(baseline.warm_ms) if baseline else 0.0
    return [t.row(baseline_p50) for t in timings.values()]
