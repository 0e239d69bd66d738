"""A scripted analyst session replayed over HTTP: exactly the requests a browser sends.

The harness is a small model of Dash's renderer. It reads ``/_dash-layout`` and
``/_dash-dependencies`` like the browser does, keeps the component tree and its props, and for
each user action fires the callbacks Dash would fire, with the payloads Dash would build:

- a callback fires when one of its inputs changes (the user set it, or a response wrote it),
  except in the callback that wrote it, and only when its outputs and inputs are on the page;
- components inserted by a response (a page from the router, the filter chips) get their initial
  calls (``prevent_initial_call`` honoured) and re-fire pattern-matching callbacks whose set of
  matches changed (the filter chips' callback answers every chip change);
- a click on a cross-filtering chart fills the click store as the browser's clientside callback
  does (``components/xfilter.py``), and the server callback turns it into the URL;
- an infinite-model AG Grid asks for its first block when it mounts and again when a clientside
  callback purges it (on every URL change);
- every action ends with one tick of the live poll (``dcc.Interval``), as the page polls the lake
  version every ``dashboard_poll_s`` while someone reads it.

These rules were checked against the requests headless Chromium sends for the same actions.
Requests go one at a time on one keep-alive connection (a browser would overlap a step's
callbacks on up to six), so a step's total is an upper bound of what the analyst waits for.
Static files are not requested: the browser caches them (their URLs carry a fingerprint).

A request counts as cold the first time its callback is asked for that view (inputs and state,
without the poll counter; the data version is part of the view, so new data makes it cold
again), warm afterwards. Gunicorn keeps a keep-alive connection on the worker that accepted it,
so a replay on one connection stays on one worker, and "warm" means warm for that worker.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import json
import random
import statistics
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.callbacks import _name
from bench.public_load import PAGES, ROOT, percentile, random_query, route_payload, run_threads
from bench.signin import Cookies
from components.filter_bar import CARD_VIEW, COMPARE_VIEW, URL_VIEW, card_view, compare_view
from components.xfilter import CLICK as XFILTER_CLICK

UPDATE = "/_dash-update-component"
MISSING = object()  # a prop the browser does not know: sent without "value", like undefined
VOLATILE = {("live-interval", "n_intervals"), ("live-opened", "data")}  # not part of a view
FILTER_ERROR = "filters-error"  # the filter bar's alert: open means a filter was refused
POLL = "live-interval"
MAX_CALLS_PER_ACTION = 400  # a runaway cascade is a bug in the model or the app: stop
ERROR_SAMPLES = 5

# Vocabularies for randomised sessions (checked against queries.filters by the tests).
FISCAL_YEARS = tuple(range(2020, 2027))
SOURCES = ("CN", "MX", "IN", "HK")
MEASURES = ("events", "pills")
REFERENCE = ROOT / "data" / "reference"


def _column(name: str, column: str, **where: str) -> tuple[str, ...]:
    """One column of a reference CSV (the app's own vocabulary), rows filtered by ``where``."""
    with open(REFERENCE / name, newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(r[column] for r in rows if all(r.get(k) == v for k, v in where.items()))


FIELD_OFFICES = _column("areas.csv", "area_id", kind="field_office")
COMMODITIES = _column("commodities.csv", "commodity_id")
MODES = _column("modes.csv", "mode")


# -- the script ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """One thing the analyst does; the harness works out which requests it causes."""

    name: str
    kind: str  # open | navigate | control | click | grid | public
    path: str = ""  # open, navigate, public
    search: str = ""  # open, public
    target: str | dict = ""  # control key ("fy"), graph id (click) or grid id (grid)
    value: Any = None  # control value or clicked point's filter value
    rows: tuple[int, int] = (0, 50)  # grid block
    sort: tuple[tuple[str, str], ...] = ()  # grid sort: (colId, "asc"|"desc")


def open_app(name: str, path: str = "/", search: str = "") -> Action:
    """A new tab on ``path + search``: index, layout, dependencies, then the page's callbacks."""
    return Action(name, "open", path=path, search=search)


def navigate(name: str, path: str) -> Action:
    """A click on a navigation link: the URL's filters stay."""
    return Action(name, "navigate", path=path)


def set_filter(name: str, key: str, value: Any) -> Action:
    """A filter-bar control set to ``value`` (a list for multi-value filters)."""
    return Action(name, "control", target=key, value=value)


def click(name: str, page: str, dim: str, value: str, slot: str = "main") -> Action:
    """A click on a cross-filtering chart's point whose filter value is ``value``."""
    graph = {"dim": dim, "page": page, "slot": slot, "type": "xfilter"}
    return Action(name, "click", target=graph, value=value)


def grid_block(
    name: str, grid: str, start: int, sort: tuple[tuple[str, str], ...] = (), size: int = 50
) -> Action:
    """The grid asks for rows [start, start + size) sorted by ``sort`` (a sort click or a page
    turn). Skipped, as the disabled button would, when the grid has no row ``start``."""
    return Action(name, "grid", target=grid, rows=(start, start + size), sort=sort)


def public_page(name: str, path: str, search: str = "") -> Action:
    """A render of a public page by the public app's router (needs a public base URL)."""
    return Action(name, "public", path=path, search=search)


RECORDS_GRID = "explorer-records-grid"
QUEUE_GRID = "targeting-queue-grid"


def analyst_session(
    fy: int = 2025,
    area: str = "chicago-field-office",
    commodity: str = "xylazine",
    source: str = "CN",
    measure: str = "events",
    mode: str = "express",
    public: Sequence[tuple[str, str]] = (("/", ""), ("/trends", "?region=southwest-border")),
) -> tuple[Action, ...]:
    """One analyst's morning: Overview, narrow to a year and a field office, explore a commodity,
    cross-filter on a source country, change grain and measure, read the records, compare with
    last year, work the targeting queue, see what became of the referrals, glance at data
    health (and the public pages).

    The defaults (xylazine from China through Chicago's express hubs) leave more than one page
    of records and of queue in the demo lakes, so every page turn of the script happens."""
    lbs_desc = (("lbs", "desc"),)
    value_desc = (("declared_value_usd", "desc"),)
    return (
        open_app("overview", "/"),
        set_filter("fiscal-year", "fy", fy),
        set_filter("field-office", "area", [area]),
        navigate("explorer", "/explorer"),
        set_filter("commodity", "commodity", [commodity]),
        click("cross-filter", "explorer", "source", source),
        set_filter("grain-week", "grain", "week"),
        set_filter("measure", "measure", measure),
        grid_block("records-sort", RECORDS_GRID, 0, lbs_desc),
        grid_block("records-page-2", RECORDS_GRID, 50, lbs_desc),
        set_filter("compare-fytd", "cmp", "fytd"),
        navigate("targeting", "/targeting"),
        set_filter("queue-mode", "mode", [mode]),
        grid_block("queue-sort", QUEUE_GRID, 0, value_desc),
        grid_block("queue-page-2", QUEUE_GRID, 50, value_desc),
        navigate("referrals", "/referrals"),
        navigate("health", "/health"),
        *[public_page(f"public{p}", p, s) for p, s in public],
    )


def random_session(rng: random.Random) -> tuple[Action, ...]:
    """The same session with filters drawn at random from the app's vocabularies."""
    public = [(p, random_query(rng, keys)) for p, keys in rng.sample(list(PAGES.items()), 2)]
    return analyst_session(
        fy=rng.choice(FISCAL_YEARS),
        area=rng.choice(FIELD_OFFICES),
        commodity=rng.choice(COMMODITIES),
        source=rng.choice(SOURCES),
        measure=rng.choice(MEASURES),
        mode=rng.choice(MODES),
        public=public,
    )


SESSION = analyst_session()


# -- what one request did ---------------------------------------------------------------
@dataclass
class Sample:
    """One request and its answer: enough to tell what was slow, what was cold and what came
    back (the tests check that a step's answers carry figures and grid rows, not just 200s)."""

    label: str
    step: str
    callback: str
    ms: float
    status: int  # 0: no HTTP answer (socket error)
    bytes: int
    cold: bool = False
    error: str | None = None
    figures: int = 0  # figures in the answer with at least one trace
    rows: int = 0  # grid rows in the answer
    view: str = ""  # short hash of the view (callback and its inputs)
    search: str = ""  # the page's query string when sent: reproduces a failing view


# -- HTTP -----------------------------------------------------------------------------------
class Connection:
    """One keep-alive HTTP/1.1 connection, reopened when the server closed it while idle."""

    def __init__(self, base: str, timeout: float = 120.0, signs_in: bool = True):
        self.signs_in = signs_in  # the internal app needs a session; the public one has none
        host, port = base.split("//", 1)[1].rstrip("/").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self._conn: http.client.HTTPConnection | None = None
        self._used = False
        self.cookies: Cookies | None = None  # signed in on the first request to the internal app

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        """(status, body, milliseconds). A stale kept-alive socket is retried once, as a
        browser does; any other failure raises."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.signs_in:
            if self.cookies is None:
                self.cookies = Cookies()
                self.cookies.sign_in(self.host, self.port, self.timeout)
            headers.update(self.cookies.headers())
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self._used = False
            started = time.perf_counter()
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                stale = self._used
                self.close()
                if attempt == 0 and stale:
                    continue
                raise
            elapsed = (time.perf_counter() - started) * 1000
            self._used = True
            if self.cookies is not None:
                self.cookies.update(response.getheaders())
            if response.will_close:
                self.close()
            return response.status, data, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


class Client:
    """What one browser holds across sessions: its connections (so its worker) and the views
    it has already asked for (so cold and warm can be told apart)."""

    def __init__(self, base: str, public_base: str | None = None):
        self.internal = Connection(base)
        self.public = Connection(public_base, signs_in=False) if public_base else None
        self.seen: set[str] = set()

    def close(self) -> None:
        self.internal.close()
        if self.public:
            self.public.close()

    def same_tab(self) -> Client:
        """This browser's internal connection (so the same worker, as an open page polling for
        new data keeps its connection), with no public one and no view asked for yet."""
        tab = Client.__new__(Client)
        tab.internal, tab.public, tab.seen = self.internal, None, set()
        return tab


# -- the renderer model -----------------------------------------------------------------------
def stringify_id(ident: str | dict) -> str:
    """Dash's key for a component id: pattern-matching ids are compact JSON, keys sorted."""
    if isinstance(ident, dict):
        return json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return ident


def _spec(raw: str) -> str | dict:
    """A dependency's id: a key (string ids, and dict ids without wildcards, stringified like
    the tree's keys) or a wildcard pattern (a dict with ``["ALL"]`` values)."""
    if not raw.startswith("{"):
        return raw
    ident = json.loads(raw)
    return ident if any(isinstance(v, list) for v in ident.values()) else stringify_id(ident)


def _is_component(value: Any) -> bool:
    return isinstance(value, dict) and "props" in value and "type" in value


def _components(value: Any) -> Iterable[dict]:
    """Components in document order; figures and other plain dicts are not searched."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif _is_component(item):
            yield item
            stack.extend(
                reversed([v for v in item["props"].values() if isinstance(v, list | dict)])
            )


def _has_ids(value: Any) -> bool:
    return any("id" in c["props"] for c in _components(value))


def _matches(spec: dict, ident: Any) -> bool:
    if not isinstance(ident, dict) or ident.keys() != spec.keys():
        return False
    return all(isinstance(s, list) or s == ident[k] for k, s in spec.items())


@dataclass
class Dep:
    """One callback of ``/_dash-dependencies``, parsed once."""

    raw: dict
    name: str
    clientside: bool
    initial: bool  # fires when its components appear (no prevent_initial_call)
    outputs: list[tuple[str | dict, str]]  # (id or wildcard spec, property, maybe "@hash")
    inputs: list[tuple[str | dict, str]]
    state: list[tuple[str | dict, str]]
    multi: bool


def callback_name(dep: dict) -> str:
    """A readable name: the bench's usual one (``bench.callbacks._name``), with the few
    callbacks it cannot tell apart (those writing the URL or a pattern of ids) named here."""
    first = dep["output"].strip(".").split("...")[0].rpartition(".")[0]
    inputs = {(str(i["id"]), i["property"]) for i in dep["inputs"]}
    if first == "_pages_content":
        return "page-router"
    if first == "url":
        return "cross-filter"
    if first.startswith("filters-") and ("url", "search") in inputs:
        return "filter-bar"  # it writes the URL too, as a side update (set_props)
    if first.startswith("{") and any(isinstance(v, list) for v in json.loads(first).values()):
        return f"{json.loads(first)['type']}:{dep['output'].rpartition('.')[2]}"
    if (POLL, "n_intervals") in inputs and first.startswith("live-version-"):
        return "live-poll"
    return _name(dep)


def parse_deps(deps: list[dict]) -> list[Dep]:
    """``/_dash-dependencies`` parsed once per page load, so firing rules are cheap lookups."""
    out = []
    for dep in deps:
        outputs = []
        for part in dep["output"].strip(".").split("..."):
            ident, _, prop = part.rpartition(".")
            outputs.append((_spec(ident), prop))
        out.append(
            Dep(
                raw=dep,
                name=callback_name(dep),
                clientside=bool(dep.get("clientside_function")),
                initial=not dep.get("prevent_initial_call"),
                outputs=outputs,
                inputs=[(_spec(i["id"]), i["property"]) for i in dep["inputs"]],
                state=[(_spec(i["id"]), i["property"]) for i in dep.get("state", [])],
                multi=dep["output"].startswith(".."),
            )
        )
    return out


@dataclass
class _Call:
    dep: Dep
    changed: list[str]
    body: bytes = b""
    view: str = ""
    merge: bool = True  # False: a grid's own block request, sent apart from its initial call


@dataclass
class _Step:
    name: str
    label: str
    samples: list[Sample] = field(default_factory=list)
    calls: int = 0


class Tab:
    """One browser tab on the internal app: its component tree, its props and the callbacks
    pending. ``perform(action)`` sends what the browser would send and returns the samples."""

    def __init__(self, client: Client, label: str, deadline: float | None = None):
        self.client = client
        self.label = label
        self.deadline = deadline
        self.deps: list[Dep] = []
        self.root: dict | None = None
        self.nodes: dict[str, dict] = {}
        self.order: list[str] = []

    # -- the tree ------------------------------------------------------------------------
    def _index(self) -> None:
        self.nodes, self.order = {}, []
        for component in _components(self.root):
            ident = component["props"].get("id")
            if ident is None:
                continue
            key = stringify_id(ident)
            self.nodes[key] = component
            self.order.append(key)

    def get(self, key: str, prop: str) -> Any:
        node = self.nodes.get(key)
        return MISSING if node is None else node["props"].get(prop, MISSING)

    def _set(self, key: str, prop: str, value: Any) -> None:
        node = self.nodes.get(key)
        if node is not None:
            node["props"][prop] = value

    def _expand(self, spec: str | dict) -> list[str]:
        if isinstance(spec, str):
            return [spec] if spec in self.nodes else []
        return [k for k in self.order if _matches(spec, self.nodes[k]["props"]["id"])]

    def _ready(self, dep: Dep) -> bool:
        """Outputs and inputs on the page (wildcards may match nothing)."""
        specs = [s for s, _ in (*dep.outputs, *dep.inputs)]
        return not dep.clientside and all(not isinstance(s, str) or s in self.nodes for s in specs)

    # -- payloads ----------------------------------------------------------------------------
    def _item(self, key: str, prop: str, value: bool = True) -> dict:
        item = {"id": self.nodes[key]["props"]["id"], "property": prop}
        if value:
            current = self.get(key, prop.split("@")[0])
            if current is not MISSING:
                item["value"] = current
        return item

    def _items(self, specs: list[tuple[str | dict, str]], value: bool = True) -> list:
        out: list = []
        for spec, prop in specs:
            keys = self._expand(spec)
            items = [self._item(k, prop, value) for k in keys]
            out.append(items if isinstance(spec, dict) else items[0])
        return out

    def _call(self, dep: Dep, changed: list[str]) -> _Call:
        outputs = self._items(dep.outputs, value=False)
        if not dep.multi:
            outputs = outputs[0]
        payload = {
            "output": dep.raw["output"],
            "outputs": outputs,
            "inputs": self._items(dep.inputs),
            "changedPropIds": changed,
            "parsedChangedPropsIds": changed,
        }
        if dep.state:
            payload["state"] = self._items(dep.state)
        view = [dep.name]
        for spec, prop in (*dep.inputs, *dep.state):
            for key in self._expand(spec):
                if (key, prop) not in VOLATILE:
                    value = self.get(key, prop)
                    view.append([key, prop, None if value is MISSING else value])
        digest = hashlib.sha1(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()
        return _Call(dep, changed, json.dumps(payload).encode(), digest[:12])

    # -- which callbacks fire ------------------------------------------------------------------
    def _card_view(self, changed: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """What the filter bar's clientside callback does in the browser: when the URL changes,
        the view store gets its search and the card-view store the search less the keys cards
        do not read; each changes (and so sets off its cards) only when its value differs."""
        if ("url", "search") not in changed or CARD_VIEW not in self.nodes:
            return changed
        search = str(self.get("url", "search") or "")
        stores = (
            (URL_VIEW, search),
            (CARD_VIEW, card_view(search)),
            (COMPARE_VIEW, compare_view(search)),
        )
        for store, value in stores:
            current = self.get(store, "data") if store in self.nodes else None
            if store in self.nodes and (None if current is MISSING else current) != value:
                self._set(store, "data", value)
                changed = [*changed, (store, "data")]
        return changed

    def _triggered(self, changed: list[tuple[str, str]], producer: Dep | None) -> list[_Call]:
        """Callbacks with one of ``changed`` as input (the producer excluded)."""
        changed = self._card_view(changed)
        calls = []
        for dep in self.deps:
            if dep is producer or not self._ready(dep):
                continue
            hits = []
            for spec, prop in dep.inputs:
                for key, changed_prop in changed:
                    if changed_prop != prop:
                        continue
                    node = self.nodes.get(key)
                    ident = node["props"]["id"] if node else None
                    if spec == key or (isinstance(spec, dict) and _matches(spec, ident)):
                        hits.append(f"{key}.{prop}")
            if hits:
                calls.append(self._call(dep, list(dict.fromkeys(hits))))
        return calls

    def _initial(self, added: set[str], producer: Dep | None) -> list[_Call]:
        """Initial calls of callbacks whose components just appeared."""
        calls = []
        for dep in self.deps:
            if dep is producer or not dep.initial or not self._ready(dep):
                continue
            if any(isinstance(s, str) and s in added for s, _ in (*dep.outputs, *dep.inputs)):
                calls.append(self._call(dep, []))
        return calls

    def _regrouped(self, before: dict, producer: Dep | None) -> list[_Call]:
        """Pattern-matching callbacks whose set of matching inputs changed: Dash fires them
        (``prevent_initial_call`` or not) with the newly matched props as changed."""
        calls = []
        for dep in self.deps:
            if dep is producer or not self._ready(dep):
                continue
            changed, moved = [], False
            for spec, prop in dep.inputs:
                if isinstance(spec, dict):
                    now = self._expand(spec)
                    old = before.get(json.dumps(spec, sort_keys=True), [])
                    if now != old:
                        moved = True
                        changed += [f"{k}.{prop}" for k in now if k not in old]
            if moved:
                calls.append(self._call(dep, changed))
        return calls

    def _grid_request(self, grid: str, start: int, end: int, sort: list[dict]) -> list[_Call]:
        self._set(
            grid,
            "getRowsRequest",
            {"startRow": start, "endRow": end, "sortModel": sort, "filterModel": {}, "api": {}},
        )
        calls = self._triggered([(grid, "getRowsRequest")], None)
        for call in calls:
            call.merge = False
        return calls

    def _infinite_grids(self, keys: Iterable[str]) -> list[str]:
        return [
            k
            for k in keys
            if self.nodes[k].get("type") == "AgGrid"
            and self.nodes[k]["props"].get("rowModelType") == "infinite"
        ]

    def _purged(self, changed: list[tuple[str, str]]) -> list[_Call]:
        """Grids a clientside callback purges (URL change: first block) or refreshes (new data:
        the block on screen); either way the grid asks the server again."""
        calls = []
        for dep in self.deps:
            if not dep.clientside or not any((s, p) in changed for s, p in dep.inputs):
                continue
            for grid in self._infinite_grids(
                s for s, p in dep.state if p == "id" and s in self.nodes
            ):
                request = self.get(grid, "getRowsRequest")
                request = request if isinstance(request, dict) else {}
                size = request.get("endRow", 50) - request.get("startRow", 0)
                new_view = ("url", "search") in changed or (URL_VIEW, "data") in changed
                start = 0 if new_view else request.get("startRow", 0)
                calls += self._grid_request(grid, start, start + size, request.get("sortModel", []))
        return calls

    def _apply(self, call: _Call, answer: dict) -> tuple[list[_Call], str | None]:
        """Write an answer into the tree; the callbacks it sets off, and a refusal if any."""
        updates = dict(answer.get("response", {}))
        for key, props in answer.get("sideUpdate", {}).items():
            updates.setdefault(key, {}).update(props)
        changed: list[tuple[str, str]] = []
        reshaped = False
        for key, props in updates.items():
            for prop, value in props.items():
                prop = prop.split("@")[0]
                if key not in self.nodes:
                    continue
                if prop == "children":
                    old = self.nodes[key]["props"].get("children")
                    reshaped = reshaped or _has_ids(old) or _has_ids(value)
                self._set(key, prop, value)
                changed.append((key, prop))
        calls: list[_Call] = []
        if reshaped:
            before_keys = set(self.order)
            before = {
                json.dumps(s, sort_keys=True): self._expand(s)
                for d in self.deps
                for s, _ in d.inputs
                if isinstance(s, dict)
            }
            self._index()
            added = set(self.order) - before_keys
            calls += self._initial(added, call.dep)
            calls += self._regrouped(before, call.dep)
            for grid in self._infinite_grids(k for k in self.order if k in added):
                calls += self._grid_request(grid, 0, 50, [])
        changed = self._card_view(changed)  # the view stores follow the URL first
        calls += self._triggered(changed, call.dep)
        calls += self._purged(changed)
        refused = None
        if (FILTER_ERROR, "is_open") in changed and self.get(FILTER_ERROR, "is_open") is True:
            refused = f"filter refused: {self.get(FILTER_ERROR, 'children')}"
        return calls, refused

    # -- sending ---------------------------------------------------------------------------
    def _expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _record(
        self,
        step: _Step,
        name: str,
        view: str,
        status: int,
        body: bytes,
        ms: float,
        error: str | None,
    ) -> Sample:
        key = f"{name}|{view}"
        cold = key not in self.client.seen
        self.client.seen.add(key)
        if error is None and status not in (200, 204):
            excerpt = " ".join(body[:400].decode(errors="replace").split())
            error = f"HTTP {status}: {excerpt[:200]}"
        search = self.get("url", "search") if self.root is not None else MISSING
        sample = Sample(
            self.label,
            step.name,
            name,
            round(ms, 2),
            status,
            len(body),
            cold,
            error,
            view=view,
            search="" if search is MISSING else search,
        )
        step.samples.append(sample)
        return sample

    def _get(self, step: _Step, path: str, name: str) -> bytes | None:
        try:
            status, body, ms = self.client.internal.send("GET", path)
        except (OSError, http.client.HTTPException) as exc:
            self._record(step, name, path, 0, b"", 0.0, f"GET {path}: {exc!r}")
            return None
        sample = self._record(step, name, path, status, body, ms, None)
        return body if sample.error is None else None

    def _run(self, step: _Step, queue: list[_Call]) -> None:
        """Send pending callbacks one at a time; answers add the callbacks they set off (a
        callback already pending is asked once, with the changed props merged)."""
        while queue and not self._expired():
            call = queue.pop(0)
            step.calls += 1
            if step.calls > MAX_CALLS_PER_ACTION:
                self._record(step, "harness", "", 0, b"", 0.0, "too many callbacks: a loop?")
                return
            try:
                status, body, ms = self.client.internal.send("POST", UPDATE, call.body)
            except (OSError, http.client.HTTPException) as exc:
                self._record(step, call.dep.name, call.view, 0, b"", 0.0, f"{exc!r}")
                continue
            sample = self._record(step, call.dep.name, call.view, status, body, ms, None)
            if status != 200 or sample.error:
                continue
            try:
                answer = json.loads(body)
            except ValueError as exc:
                sample.error = f"not JSON: {exc}"
                continue
            sample.figures, sample.rows = _content(answer)
            more, refused = self._apply(call, answer)
            if refused:
                sample.error = refused
            queue.extend(self._merged(more))

    def _merged(self, calls: list[_Call]) -> list[_Call]:
        """One request per callback for what one answer (or the page load) set off, with the
        changed props merged, as Dash does; a grid's block request stays apart."""
        out: list[_Call] = []
        for call in calls:
            twin = next((c for c in out if c.dep is call.dep and c.merge and call.merge), None)
            if twin is None:
                out.append(call)
            else:
                out[out.index(twin)] = self._call(
                    call.dep, list(dict.fromkeys(twin.changed + call.changed))
                )
        return out

    def _open(self, step: _Step, action: Action) -> None:
        if self._get(step, action.path + action.search, "GET index") is None:
            return
        layout = self._get(step, "/_dash-layout", "GET layout")
        deps = self._get(step, "/_dash-dependencies", "GET dependencies")
        if layout is None or deps is None:
            return
        self.root = json.loads(layout)
        self.deps = parse_deps(json.loads(deps))
        self._index()
        locations = [
            ("url", "pathname", action.path),
            ("url", "search", action.search),
            ("_pages_location", "pathname", action.path),
            ("_pages_location", "search", action.search),
        ]
        for key, prop, value in locations:
            self._set(key, prop, value)
        changed = [(k, p) for k, p, _ in locations]
        # initial calls, merged with what the Locations set off reporting the address on mount
        self._run(
            step,
            self._merged(self._initial(set(self.order), None) + self._triggered(changed, None)),
        )

    def _public(self, step: _Step, action: Action) -> None:
        if self.client.public is None:
            return
        view = action.path + action.search
        try:
            status, body, ms = self.client.public.send(
                "POST", UPDATE, route_payload(action.path, action.search)
            )
        except (OSError, http.client.HTTPException) as exc:
            self._record(step, "public-router", view, 0, b"", 0.0, repr(exc))
            return
        self._record(step, "public-router", view, status, body, ms, None)

    def perform(self, action: Action, poll: bool = True) -> list[Sample]:
        """Everything the browser sends for ``action``, then one tick of the live poll."""
        step = _Step(action.name, self.label)
        if action.kind == "public":
            self._public(step, action)
            return step.samples
        if action.kind == "open":
            self._open(step, action)
        elif self.root is None:
            raise RuntimeError(f"{action.name}: the session must start with open_app")
        elif action.kind == "navigate":
            changed = [
                ("url", "pathname"),
                ("_pages_location", "pathname"),
                ("_pages_location", "search"),
            ]
            self._set("url", "pathname", action.path)
            self._set("_pages_location", "pathname", action.path)
            self._set("_pages_location", "search", self.get("url", "search"))
            self._run(step, self._triggered(changed, None))
        elif action.kind == "control":
            key = f"filters-{action.target}"
            self._set(key, "value", action.value)
            self._run(step, self._triggered([(key, "value")], None))
        elif action.kind == "click":  # the browser's clientside callback fills the click store
            click = {"dim": action.target["dim"], "value": action.value}
            self._set(XFILTER_CLICK, "data", click)
            self._run(step, self._triggered([(XFILTER_CLICK, "data")], None))
        elif action.kind == "grid":
            answer = self.get(action.target, "getRowsResponse")
            total = answer.get("rowCount") if isinstance(answer, dict) else None
            page_turn = action.rows[0] > 0  # a page turn needs rows there; a sort does not
            if action.target in self.nodes and not (
                page_turn and total is not None and action.rows[0] >= total
            ):
                sort = [{"sort": d, "type": "default", "colId": c} for c, d in action.sort]
                self._run(step, self._grid_request(action.target, *action.rows, sort))
        else:
            raise ValueError(f"unknown action kind {action.kind!r}")
        if poll and self.root is not None and not self._expired():
            ticks = self.get(POLL, "n_intervals")
            self._set(POLL, "n_intervals", (0 if ticks is MISSING else ticks) + 1)
            self._run(step, self._triggered([(POLL, "n_intervals")], None))
        return step.samples


def _content(answer: dict) -> tuple[int, int]:
    """Figures with at least one trace, and grid rows, in an answer (top level only: cheap)."""
    figures = rows = 0
    for props in answer.get("response", {}).values():
        for prop, value in props.items():
            if prop == "figure" and isinstance(value, dict) and value.get("data"):
                figures += 1
            elif prop == "getRowsResponse" and isinstance(value, dict):
                rows += len(value.get("rowData") or [])
    return figures, rows


# -- the public API ---------------------------------------------------------------------------
def replay(
    base: str,
    session: Sequence[Action] = SESSION,
    label: str = "session",
    public_base: str | None = None,
    client: Client | None = None,
) -> list[Sample]:
    """Replay ``session`` once against the internal app at ``base`` (and its public steps
    against ``public_base``, skipped without one). Pass a ``client`` to keep the connection,
    hence the worker, and the record of views already asked for, across replays."""
    own = client is None
    client = client or Client(base, public_base)
    try:
        tab = Tab(client, label)
        samples: list[Sample] = []
        for action in session:
            samples += tab.perform(action)
        return samples
    finally:
        if own:
            client.close()


def errors_of(samples: Iterable[Sample]) -> list[str]:
    """Each failed request as "step/callback [query string]: what went wrong"."""
    return [f"{s.step}/{s.callback} [{s.search}]: {s.error}" for s in samples if s.error]


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _pct(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 1) if values else None


def summarise(samples: list[Sample]) -> list[dict]:
    """Per callback: cold and warm latency, how many warm requests, typical answer size."""
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample.callback, []).append(sample)
    rows = []
    for name, group in by_name.items():
        cold = [s.ms for s in group if s.cold and not s.error]
        warm = [s.ms for s in group if not s.cold and not s.error]
        rows.append(
            {
                "callback": name,
                "cold_p50_ms": _p50(cold),
                "cold_max_ms": round(max(cold), 1) if cold else None,
                "warm_p50_ms": _p50(warm),
                "warm_p95_ms": _pct(warm, 0.95),
                "warm_max_ms": round(max(warm), 1) if warm else None,
                "n": len(warm),
                "kb_p50": round(statistics.median(s.bytes for s in group) / 1024, 1),
            }
        )
    return sorted(rows, key=lambda r: -(r["cold_p50_ms"] or r["warm_p50_ms"] or 0))


def steps_summary(samples: list[Sample], replays: int) -> list[dict]:
    """Per user action: requests and the summed time of the first (cold) replay and the median
    warm replay."""
    totals: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for index, chunk in enumerate(_by_replay(samples, replays)):
        for sample in chunk:
            totals.setdefault(sample.step, [0.0] * replays)[index] += sample.ms
            if index == 0:
                counts[sample.step] = counts.get(sample.step, 0) + 1
    return [
        {
            "step": step,
            "requests": counts.get(step, 0),
            "cold_ms": round(ms[0], 1),
            "warm_p50_ms": _p50(ms[1:]),
        }
        for step, ms in totals.items()
    ]


def _by_replay(samples: list[Sample], replays: int) -> list[list[Sample]]:
    chunks: dict[str, list[Sample]] = {}
    for sample in samples:
        chunks.setdefault(sample.label, []).append(sample)
    return list(chunks.values())[:replays]


def run_session(
    base: str,
    repeats: int = 3,
    session: Sequence[Action] = SESSION,
    public_base: str | None = None,
    client: Client | None = None,
) -> dict:
    """Replay the session once (cold: run it against a server just started, or after a data
    change) and ``repeats`` more times on the same connection (warm), and summarise per
    callback and per step. A ``client`` passed in is used, not closed."""
    own = client is None
    client = client or Client(base, public_base)
    samples: list[Sample] = []
    try:
        for index in range(repeats + 1):
            label = "cold" if index == 0 else f"warm-{index}"
            samples += replay(base, session, label, public_base, client)
    finally:
        if own:
            client.close()
    errors = errors_of(samples)
    return {
        "requests": len(samples),
        "errors": len(errors),
        "error_samples": errors[:ERROR_SAMPLES],
        "rows": summarise(samples),
        "steps": steps_summary(samples, repeats + 1),
    }


# An analyst reads a view before changing it: seconds between actions, drawn uniformly.
THINK_S = (1.0, 3.0)
NO_THINK = (0.0, 0.0)  # the stress case: every analyst fires the next action at once


def _analyst(
    base: str,
    public_base: str | None,
    seed: int,
    deadline: float,
    out: list[Sample],
    think_s: tuple[float, float],
) -> None:
    rng = random.Random(seed)
    pause = random.Random(seed + 10_000)  # own stream: the sessions do not depend on it
    client = Client(base, public_base)
    try:
        loop = 0
        while time.monotonic() < deadline:
            tab = Tab(client, f"analyst-{seed}-{loop}", deadline)
            for action in random_session(rng):
                if tab._expired():
                    break
                try:
                    out.extend(tab.perform(action))
                except Exception as exc:  # a harness failure is an error, never a hang
                    out.append(
                        Sample(tab.label, action.name, "harness", 0.0, 0, 0, error=repr(exc))
                    )
                    break
                left = deadline - time.monotonic()
                if think_s[1] > 0 and left > 0:
                    time.sleep(min(left, pause.uniform(*think_s)))
            loop += 1
    finally:
        client.close()


def concurrent_analysts(
    base: str,
    analysts: int = 20,
    seconds: float = 60.0,
    seed: int = 1,
    public_base: str | None = None,
    think_s: tuple[float, float] = THINK_S,
) -> dict:
    """``analysts`` threads, each with its own keep-alive connection, looping over randomised
    sessions for ``seconds`` and pausing ``think_s`` (a uniform range of seconds) after each
    action as a reader does (``NO_THINK`` for the stress case); latency over every request."""
    deadline = time.monotonic() + seconds
    outs: list[list[Sample]] = [[] for _ in range(analysts)]
    threads = [
        threading.Thread(
            target=_analyst, args=(base, public_base, seed + i, deadline, outs[i], think_s)
        )
        for i in range(analysts)
    ]
    elapsed = run_threads(threads)
    samples = [s for part in outs for s in part]
    latencies = [s.ms for s in samples if s.status]
    errors = errors_of(samples)
    return {
        "analysts": analysts,
        "think_s": list(think_s),
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:ERROR_SAMPLES],
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "slowest": tail_by_callback(samples),
    }


def tail_by_callback(samples: list[Sample], top: int = 12) -> list[dict]:
    """Which callbacks fill the load test's tail: per callback, its requests, p50/p95, how
    many of the requests slower than the overall p95 it sent, and its share of all the time
    the analysts waited (under saturation, roughly its share of the server's work)."""
    answered = [s for s in samples if s.status]
    if not answered:
        return []
    cut = percentile([s.ms for s in answered], 0.95)
    by_name: dict[str, list[float]] = {}
    for sample in answered:
        by_name.setdefault(sample.callback, []).append(sample.ms)
    total = sum(s.ms for s in answered) or 1.0
    rows = [
        {
            "callback": name,
            "n": len(ms),
            "p50_ms": _p50(ms),
            "p95_ms": _pct(ms, 0.95),
            "over_p95": sum(1 for m in ms if m > cut),
            "time_share": round(sum(ms) / total, 3),
        }
        for name, ms in by_name.items()
    ]
    rows.sort(key=lambda r: (-r["over_p95"], -(r["p95_ms"] or 0)))
    return rows[:top]


def table(rows: list[dict]) -> str:
    """Rows of dicts as aligned text columns."""
    columns = list(rows[0])
    cells = [[str(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.session``: serve the lake under gunicorn (fresh, so the first replay is
    cold), replay the session, then, on a second fresh server, load it with analysts."""
    import argparse
    from contextlib import nullcontext
    from pathlib import Path

    import settings
    from bench.public_load import gunicorn
    from bench.server import serve

    parser = argparse.ArgumentParser(prog="python -m bench.session", description=__doc__)
    parser.add_argument("--data", type=Path, default=settings.data_dir())
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK_S,
        metavar=("MIN", "MAX"),
        help="seconds an analyst pauses after each action (0 0: the stress case)",
    )
    parser.add_argument("--public", action="store_true", help="also replay the public pages")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    public = gunicorn(args.data, workers=1, threads=4) if args.public else nullcontext()
    result: dict = {"data": str(args.data), "workers": args.workers, "threads": args.threads}
    with public as public_base, serve(args.data, args.workers, args.threads) as served:
        result["started_s"] = served.started_s
        result["session"] = run_session(served.base, args.repeats, public_base=public_base)
        result["session_peak_rss_mb"] = served.worker_peak_rss_mb()
    print(f"cold start {result['started_s']} s; {args.workers} workers x {args.threads} threads")
    print(table(result["session"]["rows"]))
    print(table(result["session"]["steps"]))
    print(f"errors: {result['session']['errors']} {result['session']['error_samples']}")
    if args.analysts:
        with serve(args.data, args.workers, args.threads) as served:
            result["load"] = concurrent_analysts(
                served.base, args.analysts, args.seconds, think_s=tuple(args.think)
            )
            result["load_peak_rss_mb"] = served.worker_peak_rss_mb()
        print(json.dumps({k: result[k] for k in ("load", "load_peak_rss_mb")}, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    errors = result["session"]["errors"] + result.get("load", {}).get("errors", 0)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
