"""The watchlist card: save a commodity, HTS code, route or party; see how often each is hit.

Watches live in the SQLite store under ``state/`` (``targeting.store``), so they survive a restart.
Saving or removing one bumps a version store that the queue and this card listen to: the queue
re-highlights its rows and the counts follow at once.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import format as fmt
from components import url_state
from components.filter_bar import URL_VIEW
from components.live import versions
from lake import reference
from pages.targeting.queue import WATCH_VERSION
from queries import targeting as queue_queries
from queries.executor import QueryError
from queries.targeting_watch import watch_sql
from targeting import store

KIND = "targeting-watch-kind"
VALUE = "targeting-watch-value"
LABEL = "targeting-watch-label"
ADD = "targeting-watch-add"
MESSAGE = "targeting-watch-message"
LIST = "targeting-watch-list"
REMOVE = "targeting-watch-remove"
EXAMPLES = {
    "commodity": "commodity id, e.g. 4_ap or pill_press",
    "hts": "HTS code or prefix, e.g. 2933.39",
    "route": "origin>transit>port>mode, e.g. CN>VN>4198>express (* any, - direct)",
    "party": "shipper, consignee or address id, e.g. SH0024245",
}


ROUTE_PARTS = ("origin", "transit", "port", "mode")
PICK = "targeting-watch-pick"  # {"type": PICK, "part": origin|transit|port|mode|commodity}
ANY, DIRECT = "*", "-"
# each picker says which part of the route it is, even before anything is picked
ANY_LABELS = {
    "origin": "Any origin country",
    "transit": "Any transit country",
    "port": "Any port",
    "mode": "Any mode",
}


def _options(part: str) -> list[dict]:
    """Names to pick from, sorted as people read them; codes are what is saved."""
    if part in ("origin", "transit"):
        names = reference.country_names()
    elif part == "port":
        names = reference.port_names()
    elif part == "mode":
        names = reference.mode_names()
    else:
        names = reference.commodity_names()
    ordered = sorted(names.items(), key=lambda kv: kv[1])
    extra = [{"label": ANY_LABELS[part], "value": ANY}] if part in ANY_LABELS else []
    if part == "transit":
        extra.append({"label": "Direct (no transit country)", "value": DIRECT})
    return extra + [{"label": name, "value": code} for code, name in ordered]


def _picker(part: str, placeholder: str) -> dcc.Dropdown:
    return dcc.Dropdown(
        id={"type": PICK, "part": part},
        options=_options(part),
        value=ANY if part != "commodity" else None,
        placeholder=placeholder,
        clearable=False,
        className="targeting-watch-picker",
    )


def layout() -> dbc.Card:
    pickers = html.Div(
        [
            dbc.Row(
                [dbc.Col(_picker(p, f"{p.capitalize()}: any"), xs=6, md=3) for p in ROUTE_PARTS],
                className="g-2",
                id="targeting-watch-route",
            ),
            html.Div(
                _picker("commodity", "Commodity"),
                id="targeting-watch-commodity",
                style={"display": "none"},
            ),
        ],
        className="mb-2",
    )
    form = dbc.Row(
        [
            dbc.Col(
                dbc.Select(
                    id=KIND,
                    options=[{"label": v, "value": k} for k, v in store.KINDS.items()],
                    value="route",
                    size="sm",
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Input(
                    id=VALUE, placeholder=EXAMPLES["route"], size="sm", style={"display": "none"}
                ),
                md=5,
            ),
            dbc.Col(
                dbc.Input(
                    id=LABEL, placeholder="Label (optional)", size="sm", maxLength=store.MAX_LABEL
                ),
                md=2,
            ),
            dbc.Col(dbc.Button("Save watch", id=ADD, size="sm", color="primary"), md=2),
        ],
        className="g-2 mb-2",
    )
    form = html.Div([form, pickers])
    return dbc.Card(
        [
            dbc.CardHeader(html.H2("Watchlist", className="h6 mb-0")),
            dbc.CardBody(
                [
                    dcc.Store(id=WATCH_VERSION, data=0),
                    form,
                    html.P(id=MESSAGE, className="small mb-2", **{"aria-live": "polite"}),
                    html.Div(id=LIST),
                ]
            ),
        ],
        className="h-100",
    )


def watch_list(search: str | None) -> list:
    """The saved watches with their hits in the queue's window (under the URL's filters)."""
    watches = store.watches()
    if not watches:
        return [html.P("Nothing watched yet.", className="small text-muted mb-0")]
    view, error = url_state.parse_view(search)
    counts: dict[int, int] = {}
    note = ""
    if error:
        note = f"Counts unavailable: {error}"
    else:
        try:
            counts = queue_queries.watch_counts(view.filters, watch_sql(watches))
        except QueryError as exc:
            note = f"Counts unavailable: {exc}"
    items = [
        html.Li(
            [
                dbc.Badge(store.KINDS[w.kind], color="secondary", className="me-2"),
                html.Span(w.label, className="fw-semibold me-2 targeting-watch-label"),
                html.Span(readable(w.kind, w.value), className="me-2 targeting-watch-value"),
                html.Span(
                    f"{fmt.whole(counts[w.id])} hits in the queue window" if w.id in counts else "",
                    className="small text-muted me-2 targeting-watch-hits",
                ),
                dbc.Button(
                    "Remove",
                    id={"type": REMOVE, "id": w.id},
                    size="sm",
                    color="link",
                    className="p-0 small",
                ),
            ],
            className="mb-1 targeting-watch-item",
        )
        for w in watches
    ]
    return [
        html.Ul(items, className="list-unstyled mb-0"),
        html.P(note, className="small text-muted mb-0") if note else None,
    ]


def readable(kind: str, value: str) -> str:
    """A watch as people read it: "China → Vietnam → Chicago → Express", not CN>VN>4198>express."""
    if kind == "commodity":
        return reference.commodity_names().get(value, value)
    if kind != "route":
        return value
    parts = value.split(">")
    if len(parts) != 4:
        return value
    names = [
        reference.country_names(),
        reference.country_names(),
        reference.port_names(),
        reference.mode_names(),
    ]
    words = []
    for part, known in zip(parts, names, strict=True):
        words.append(
            "any" if part == ANY else "direct" if part == DIRECT else known.get(part, part)
        )
    return " → ".join(words)


@callback(
    Output(VALUE, "placeholder"),
    Output(VALUE, "style"),
    Output("targeting-watch-route", "style"),
    Output("targeting-watch-commodity", "style"),
    Input(KIND, "value"),
)
def _placeholder(kind):
    """Routes and commodities are picked from lists; HTS codes and party ids are typed."""
    hidden, shown = {"display": "none"}, {}
    typed = kind not in ("route", "commodity")
    return (
        EXAMPLES.get(kind, ""),
        shown if typed else hidden,
        {"display": "flex"} if kind == "route" else hidden,
        shown if kind == "commodity" else hidden,
    )


@callback(
    Output(WATCH_VERSION, "data"),
    Output(MESSAGE, "children"),
    Output(VALUE, "value"),
    Input(ADD, "n_clicks"),
    Input({"type": REMOVE, "id": ALL}, "n_clicks"),
    State(KIND, "value"),
    State(VALUE, "value"),
    State(LABEL, "value"),
    State(WATCH_VERSION, "data"),
    State({"type": PICK, "part": ALL}, "value"),
    State({"type": PICK, "part": ALL}, "id"),
    prevent_initial_call=True,
)
def _change(_add, _removes, kind, value, label, version, picked, pick_ids):
    trigger = ctx.triggered_id
    chosen = {i["part"]: v for i, v in zip(pick_ids or [], picked or [], strict=True)}
    if kind == "route":
        value = ">".join(chosen.get(part) or ANY for part in ROUTE_PARTS)
    elif kind == "commodity":
        value = chosen.get("commodity") or ""
    if trigger == ADD:
        try:
            watch = store.add_watch(kind, value or "", label or "")
        except store.StoreError as exc:
            return no_update, str(exc), no_update
        return (version or 0) + 1, f"Watching {watch.label}.", ""
    if isinstance(trigger, dict) and trigger.get("type") == REMOVE and ctx.triggered[0]["value"]:
        store.remove_watch(int(trigger["id"]))
        return (version or 0) + 1, "Watch removed.", no_update
    raise PreventUpdate


@callback(
    Output(LIST, "children"),
    Input(WATCH_VERSION, "data"),
    Input(URL_VIEW, "data"),
    *versions("shipments"),
)
def _list(_version, search, *_versions):
    return watch_list(search)
