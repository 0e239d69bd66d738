"""The one global filter bar: filters, view options, chips and "clear all", synced to the URL.

A single callback owns both directions (URL -> controls, controls -> URL). Dash forbids a cycle
between two callbacks but allows one inside a callback, and one owner means the URL and the
controls can never disagree. The URL location uses ``refresh=False``: writing the query string
pushes a history entry without re-rendering the page, while back/forward (``popstate``) update
this callback and every chart.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import dash_bootstrap_components as dbc
from dash import (
    ALL,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
    set_props,
)

from components import url_state
from components.url_state import View
from lake import reference
from queries.filters import SPEC_BY_KEY, Filters

URL = "url"
# The URL without the view keys that only the trend, the comparison and the records read
# (grain, overlay, compare mode, records side): cards that read filters and the measure listen
# to this store, so switching to the week grain redraws the trend, not every chart of the page.
CARD_VIEW = "url-card-view"
# The whole search (with the view keys): what the trend, the comparison and the records read.
URL_VIEW = "url-view"
# The whole search while it compares two periods (cmp=), None once it stops: the comparison
# listens to this store, so a URL change outside compare mode sends no request for it.
COMPARE_VIEW = "url-compare-view"
VIEW_ONLY_KEYS = ("grain", "yoy", "cmp", "side")  # what CARD_VIEW leaves out
PREFIX = "filters"
BAR = f"{PREFIX}-bar"
BAR_CLASS = "filter-bar card card-body py-2 mb-3 d-print-none"
CONTROLS = f"{PREFIX}-controls"
TOGGLE = f"{PREFIX}-toggle"  # below the lg breakpoint the controls fold away behind it
# Each page shows the controls it reads (assets/chokepoint.css hides the rest by the bar's
# "for-<page>" class): the Overview reads the measure, only the Explorer the time grain, the
# overlay and the comparison, the Targeting queue neither, and Data health no filter at all.
VIEW_CONTROL = "view-control"
EXPLORER_CONTROL = "view-control explorer-control"
MULTI_CONTROLS = ("component", "area", "port", "mode", "category", "commodity", "source", "transit")

# Every (component id, property) the callback reads and writes, in one fixed order.
BINDINGS: tuple[tuple[str, str], ...] = (
    (f"{PREFIX}-fy", "value"),
    (f"{PREFIX}-dates", "start_date"),
    (f"{PREFIX}-dates", "end_date"),
    *[(f"{PREFIX}-{k}", "value") for k in MULTI_CONTROLS],
    (f"{PREFIX}-measure", "value"),
    (f"{PREFIX}-grain", "value"),
    (f"{PREFIX}-yoy", "value"),
    (f"{PREFIX}-cmp", "value"),
    (f"{PREFIX}-cmp-a", "start_date"),
    (f"{PREFIX}-cmp-a", "end_date"),
    (f"{PREFIX}-cmp-b", "start_date"),
    (f"{PREFIX}-cmp-b", "end_date"),
)


def control_id(key: str) -> str:
    return f"{PREFIX}-{key}"


def _options(key: str) -> list[dict]:
    if key == "component":
        return [
            {"label": name, "value": code}
            for code, name in reference.COMPONENTS.items()
            if code != "AMO"
        ]
    if key == "area":
        names = reference.area_names()
        return [{"label": names[a], "value": a} for a in sorted(names, key=names.get)]
    if key == "port":
        ports = reference.ports().sort("name")
        return [
            {"label": f"{n} ({c})", "value": c}
            for c, n in zip(ports["port_code"], ports["name"], strict=True)
        ]
    if key == "mode":
        return [{"label": v, "value": k} for k, v in reference.mode_names().items()]
    if key == "category":
        return [{"label": c.capitalize(), "value": c} for c in reference.CATEGORIES]
    if key == "commodity":
        names = reference.commodity_names()
        return [{"label": names[c], "value": c} for c in sorted(names, key=names.get)]
    countries = reference.country_names()
    ordered = sorted(countries, key=countries.get)
    return [{"label": f"{countries[c]} ({c})", "value": c} for c in ordered]


def fiscal_year_options(latest: date | None) -> list[dict]:
    last = (latest.year + (latest.month >= 10)) if latest else date.today().year
    return [{"label": f"FY{y}", "value": y} for y in range(last, 2018, -1)]


def _labelled(label: str, target: str, control, class_name: str = "", **widths) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=target, className="small mb-0"), control],
        xs=12,
        sm=6,
        className=class_name,
        **widths,
    )


def _button_radio(key: str, options: dict[str, str], value: str) -> html.Div:
    return html.Div(
        dbc.RadioItems(
            id=control_id(key),
            options=[{"label": v, "value": k} for k, v in options.items()],
            value=value,
            className="btn-group btn-group-sm",
            inputClassName="btn-check",
            labelClassName="btn btn-outline-primary btn-sm px-2",
            labelCheckedClassName="active",
        ),
        className="measure-group d-block",
    )


def _range(key: str, start: str, end: str) -> dcc.DatePickerRange:
    return dcc.DatePickerRange(
        id=control_id(key),
        display_format="YYYY-MM-DD",
        clearable=True,
        start_date_placeholder_text=start,
        end_date_placeholder_text=end,
        # the calendar opens centred over the page: beside the field it ran off a phone's edge
        with_portal=True,
    )


def _filter_rows(latest: date | None) -> list[dbc.Row]:
    """What the pages filter on: dates, organisation, route and commodity."""

    def spec(key: str, **widths) -> dbc.Col:
        dropdown = dcc.Dropdown(
            id=control_id(key),
            options=_options(key),
            multi=True,
            placeholder="All",
            className="filter-dropdown",
        )
        return _labelled(SPEC_BY_KEY[key].label, control_id(key), dropdown, **widths)

    fy = dcc.Dropdown(id=control_id("fy"), options=fiscal_year_options(latest), placeholder="Any")
    dates = _range("dates", "From", "To")
    return [
        dbc.Row(
            [
                # a twelfth of the bar cut a chosen year to "FY…" beside its clear button
                _labelled("Fiscal year", control_id("fy"), fy, lg=2),
                _labelled("Dates", control_id("dates"), dates, lg=3),
                spec("component", lg=2),
                spec("area", lg=2),
                spec("port", lg=3),
            ],
            className="g-2",
        ),
        dbc.Row(
            [spec(k, lg=2) for k in ("mode", "category", "commodity", "source", "transit")],
            className="g-2 mt-1",
        ),
    ]


def _view_row() -> dbc.Row:
    """How to look at the filtered data: measure, time grain, overlay, comparison."""

    def radio(label: str, key: str, options: dict[str, str], value: str, class_name: str):
        control = _button_radio(key, options, value)
        return _labelled(label, control_id(key), control, class_name=class_name, lg="auto")

    overlay = dbc.Checklist(
        id=control_id("yoy"),
        value=[],
        switch=True,
        options=[{"label": "Year over year", "value": "1"}],
    )
    compare = dcc.Dropdown(
        id=control_id("cmp"),
        options=[{"label": v, "value": k} for k, v in url_state.COMPARE_MODES.items()],
        value="",
        clearable=False,
        style={"minWidth": "12rem"},
    )
    periods = html.Div(
        [
            dbc.Label("Period A (before)", className="small mb-0 me-1"),
            _range("cmp-a", "A from", "A to"),
            dbc.Label("Period B (after)", className="small mb-0 ms-2 me-1"),
            _range("cmp-b", "B from", "B to"),
        ],
        id=control_id("cmp-custom"),
        className="flex-wrap align-items-end gap-1",  # no d-flex: its !important beat "none"
        style={"display": "none"},
    )
    return dbc.Row(
        [
            radio("Measure", "measure", url_state.MEASURES, "lbs", VIEW_CONTROL),
            radio("Time grain", "grain", url_state.GRAINS, "month", EXPLORER_CONTROL),
            _labelled(
                "Overlay", control_id("yoy"), overlay, class_name=EXPLORER_CONTROL, lg="auto"
            ),
            _labelled(
                "Compare", control_id("cmp"), compare, class_name=EXPLORER_CONTROL, lg="auto"
            ),
            dbc.Col(periods, xs=12, lg=True, className=EXPLORER_CONTROL),
        ],
        className="g-2 mt-1 align-items-end",
    )


def _chips_row() -> html.Div:
    """The filters applied, as removable chips, with "clear all" and (on a phone) the button
    that unfolds the controls."""
    toggle = html.Button(  # dbc.Button takes no aria attributes
        "Filters",
        id=TOGGLE,
        n_clicks=0,
        type="button",
        className="btn btn-sm btn-outline-secondary d-lg-none me-2",
        **{"aria-controls": CONTROLS, "aria-expanded": "false"},
    )
    chips = html.Div(
        id=f"{PREFIX}-chips", className="d-flex flex-wrap gap-1", **{"aria-live": "polite"}
    )
    clear = dbc.Button(
        "Clear all", id=f"{PREFIX}-clear", color="link", size="sm", className="ms-auto"
    )
    return html.Div([toggle, chips, clear], className="d-flex align-items-center mt-2")


def layout(latest: date | None) -> html.Div:
    controls = html.Div(
        [*_filter_rows(latest), _view_row()], id=CONTROLS, className="filter-controls"
    )
    error = dbc.Alert(id=f"{PREFIX}-error", color="danger", is_open=False, className="mt-2 mb-0")
    return html.Div(
        [controls, _chips_row(), error],
        id=BAR,
        className=BAR_CLASS,
        role="search",
        **{"aria-label": "Filters"},
    )


def chip_label(key: str, value: str) -> str:
    names = reference.names_for(key) if key in reference.NAMES_BY_KEY else {}
    return f"{SPEC_BY_KEY[key].label}: {names.get(value, value)}"


def filters_sentence(filters: Filters) -> str:
    """The filters written out, for a page that is printed or read aloud: "Filters: Field
    office / sector: Laredo Field Office; Mode: Land truck." or "No filters: every seizure."."""
    parts = []
    for key, value in filters.to_query().items():
        if key in MULTI_CONTROLS:
            parts.append("; ".join(chip_label(key, item) for item in value.split(",")))
        else:
            parts.append(f"{SPEC_BY_KEY[key].label}: {value}")
    return "Filters: " + "; ".join(parts) + "." if parts else "No filters: every seizure."


def chips(filters: Filters) -> list:
    out = []
    for key, value in filters.to_query().items():
        values = value.split(",") if key in MULTI_CONTROLS else [value]
        for item in values:
            text = (
                chip_label(key, item)
                if key in MULTI_CONTROLS
                else f"{SPEC_BY_KEY[key].label}: {item}"
            )
            out.append(
                dbc.Button(
                    [text, html.Span(" ×", **{"aria-hidden": "true"})],
                    id={"type": f"{PREFIX}-chip", "key": key, "value": item},
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="rounded-pill chip",
                    title=f"Remove {text}",
                )
            )
    return out


def view_to_controls(view: View) -> list:
    """Control values, in BINDINGS order, that show ``view``."""
    f = view.filters
    (a_lo, a_hi), (b_lo, b_hi) = view.periods or ((None, None), (None, None))
    iso = [d.isoformat() if d else None for d in (f.start, f.end, a_lo, a_hi, b_lo, b_hi)]
    return [
        f.fy,
        iso[0],
        iso[1],
        *[list(getattr(f, k)) for k in MULTI_CONTROLS],
        view.measure,
        view.grain,
        ["1"] if view.yoy else [],
        view.compare,
        *iso[2:],
    ]


def controls_to_view(values: list) -> View:
    """The view the controls show (raises FilterError/ValueError on bad values)."""
    fy, start, end, *rest = values
    multi = rest[: len(MULTI_CONTROLS)]
    measure, grain, yoy, compare, a_lo, a_hi, b_lo, b_hi = rest[len(MULTI_CONTROLS) :]
    params = {"fy": fy, "start": (start or "")[:10], "end": (end or "")[:10]}
    params.update(dict(zip(MULTI_CONTROLS, multi, strict=True)))
    filters = Filters.from_query({k: v for k, v in params.items() if v})
    periods = None
    if compare == "custom":
        dates = [date.fromisoformat(d[:10]) if d else None for d in (a_lo, a_hi, b_lo, b_hi)]
        if all(dates):
            periods = ((dates[0], dates[1]), (dates[2], dates[3]))
    return View(
        filters=filters,
        measure=measure or "lbs",
        grain=grain or "month",
        yoy=bool(yoy),
        compare=compare if compare in ("fytd", "custom") else "",
        periods=periods,
    )


N_CONTROLS = len(BINDINGS)


# The URL is written with ``set_props``, not as an output: the renderer holds back every callback
# downstream of one in flight, and the cards read the URL (through the view store), so with the
# URL as an output each page opening and each click waited for this round trip before a card
# could ask for its figure. Controls and the URL stay in step all the same.
@callback(
    *[Output(cid, prop) for cid, prop in BINDINGS],
    Output(f"{PREFIX}-chips", "children"),
    Output(f"{PREFIX}-cmp-custom", "style"),
    Output(f"{PREFIX}-error", "children"),
    Output(f"{PREFIX}-error", "is_open"),
    Input(URL, "search"),
    *[Input(cid, prop) for cid, prop in BINDINGS],
    Input(f"{PREFIX}-clear", "n_clicks"),
    Input({"type": f"{PREFIX}-chip", "key": ALL, "value": ALL}, "n_clicks"),
)
def sync_filters(search, *rest):
    values = list(rest[:N_CONTROLS])
    chip_clicks = rest[N_CONTROLS + 1]
    trigger = ctx.triggered_id
    hidden, shown = {"display": "none"}, {"display": "flex"}

    def everything(view: View, error: str | None, new_search: str | None = None):
        if new_search is not None:
            set_props(URL, {"search": new_search})
        custom = shown if view.compare == "custom" else hidden
        # only the controls whose value changes: each value sent is a re-render in the browser
        # (the dropdowns with hundreds of options most of all), even when it is the same
        controls = [
            no_update if new == old else new
            for new, old in zip(view_to_controls(view), values, strict=True)
        ]
        return (
            *controls,
            chips(view.filters),
            custom,
            error,
            error is not None,
        )

    if trigger is None or trigger == URL:
        view, error = url_state.parse_view(search)
        return everything(view, error)
    if isinstance(trigger, dict):  # a chip's close button
        if not any(chip_clicks):
            return (no_update,) * (N_CONTROLS + 4)
        view, _ = url_state.parse_view(search)
        view = view.with_filters(view.filters.without(trigger["key"], trigger["value"]))
        return everything(view, None, url_state.build_view(view))
    if trigger == f"{PREFIX}-clear":  # clears the filters; how to look at them stays
        view, _ = url_state.parse_view(search)
        view = view.with_filters(Filters())
        return everything(view, None, url_state.build_view(view))
    try:
        view = controls_to_view(values)
    except ValueError as exc:
        return (no_update,) * (N_CONTROLS + 2) + (str(exc), True)
    shown_side = url_state.parse_view(search)[0].side  # not a control: kept from the URL
    view = replace(view, side=shown_side if view.compare else "")
    new_search = url_state.build_view(view)
    if new_search != (search or ""):
        set_props(URL, {"search": new_search})
    custom = shown if view.compare == "custom" else hidden
    return (
        *([no_update] * N_CONTROLS),
        chips(view.filters),
        custom,
        None,
        False,
    )


# The page's name on the bar, and on a narrow screen whether its controls are unfolded (they
# would fill a phone's first screen), set in the browser: neither costs a request. "/" is the
# Overview; any other path's last part names its page ("/explorer" -> "for-explorer").
clientside_callback(
    f"""
    function(pathname, clicks) {{
        const page = (pathname || "/").replace(/\\/+$/, "").split("/").pop() || "overview";
        const open = (clicks || 0) % 2 === 1;
        return ["{BAR_CLASS} for-" + page + (open ? " show-controls" : ""), String(open)];
    }}
    """,
    Output(BAR, "className"),
    Output(TOGGLE, "aria-expanded"),
    Input(URL, "pathname"),
    Input(TOGGLE, "n_clicks"),
)


# The view store holds the URL's search for the cards to read. It is filled from the href when
# the page loads (the browser sets it), from the search whenever the URL changes, and directly by
# the cross-filter along with the URL: the filter bar's callback writes the search too (it keeps
# the controls and the URL in step), so anything reading the search waits for that server round
# trip, and a click redrew nothing until it had come back.
VIEW_FROM_URL = """
    function(url, current) {
        const search = !url ? "" : url.startsWith("http") ? new URL(url).search : url;
        return search === (current || "") ? window.dash_clientside.no_update : search;
    }
"""
clientside_callback(
    VIEW_FROM_URL, Output(URL_VIEW, "data"), Input(URL, "href"), State(URL_VIEW, "data")
)
clientside_callback(
    VIEW_FROM_URL,
    Output(URL_VIEW, "data", allow_duplicate=True),
    Input(URL, "search"),
    State(URL_VIEW, "data"),
    prevent_initial_call=True,
)
clientside_callback(
    """
    function(search, current) {
        const params = new URLSearchParams(search || "");
        for (const key of ["grain", "yoy", "cmp", "side"]) { params.delete(key); }
        const text = params.toString();
        const cards = text ? "?" + text : "";
        return cards === current ? window.dash_clientside.no_update : cards;
    }
    """,
    Output(CARD_VIEW, "data"),
    Input(URL_VIEW, "data"),
    State(CARD_VIEW, "data"),
)
clientside_callback(
    """
    function(search, current) {
        const comparing = new URLSearchParams(search || "").has("cmp");
        const value = comparing ? search : null;
        return value === (current ?? null) ? window.dash_clientside.no_update : value;
    }
    """,
    Output(COMPARE_VIEW, "data"),
    Input(URL_VIEW, "data"),
    State(COMPARE_VIEW, "data"),
)


def card_view(search: str | None) -> str:
    """What the browser puts in ``CARD_VIEW`` for the URL ``search`` (for callers that replay
    the app's callbacks without a browser: tests and benchmarks)."""
    params = [p for p in (search or "").lstrip("?").split("&") if p]
    kept = [p for p in params if p.split("=")[0] not in VIEW_ONLY_KEYS]
    return "?" + "&".join(kept) if kept else ""


def compare_view(search: str | None) -> str | None:
    """What the browser puts in ``COMPARE_VIEW`` for the URL ``search``."""
    params = [p.split("=")[0] for p in (search or "").lstrip("?").split("&") if p]
    return search if "cmp" in params else None
