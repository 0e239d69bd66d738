"""The one global filter bar: controls, removable chips, "clear all", kept in sync with the URL.

A single callback owns both directions (URL -> controls, controls -> URL). Dash forbids a cycle
between two callbacks but allows one inside a callback, and one owner means the URL and the
controls can never disagree. The URL location uses ``refresh=False``: writing the query string
pushes a history entry without re-rendering the page, while back/forward (``popstate``) update
this callback and every chart.
"""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import url_state
from queries import reference
from queries.filters import SPEC_BY_KEY, Filters

URL = "url"
PREFIX = "filters"
MULTI_CONTROLS = ("component", "area", "port", "mode", "category", "commodity", "source", "transit")
CONTROL_IDS = ("fy", "dates", *MULTI_CONTROLS, "measure")


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
    return [
        {"label": f"{countries[c]} ({c})", "value": c} for c in sorted(countries, key=countries.get)
    ]


def fiscal_year_options(latest: date | None) -> list[dict]:
    last = (latest.year + (latest.month >= 10)) if latest else date.today().year
    return [{"label": f"FY{y}", "value": y} for y in range(last, 2018, -1)]


def layout(latest: date | None) -> html.Div:
    def labelled(key: str, control, width: int) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(
                    SPEC_BY_KEY[key].label if key in SPEC_BY_KEY else key,
                    html_for=control_id(key),
                    className="small mb-0",
                ),
                control,
            ],
            xs=12,
            sm=6,
            lg=width,
        )

    multi = {
        key: dcc.Dropdown(
            id=control_id(key),
            options=_options(key),
            multi=True,
            placeholder="All",
            className="filter-dropdown",
        )
        for key in MULTI_CONTROLS
    }
    return html.Div(
        [
            dbc.Row(
                [
                    labelled(
                        "fy",
                        dcc.Dropdown(
                            id=control_id("fy"),
                            options=fiscal_year_options(latest),
                            placeholder="Any",
                        ),
                        1,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(
                                "Dates", html_for=control_id("dates"), className="small mb-0"
                            ),
                            dcc.DatePickerRange(
                                id=control_id("dates"),
                                display_format="YYYY-MM-DD",
                                clearable=True,
                                start_date_placeholder_text="From",
                                end_date_placeholder_text="To",
                            ),
                        ],
                        xs=12,
                        sm=6,
                        lg=3,
                    ),
                    labelled("component", multi["component"], 2),
                    labelled("area", multi["area"], 3),
                    labelled("port", multi["port"], 3),
                ],
                className="g-2",
            ),
            dbc.Row(
                [
                    labelled("mode", multi["mode"], 2),
                    labelled("category", multi["category"], 2),
                    labelled("commodity", multi["commodity"], 2),
                    labelled("source", multi["source"], 2),
                    labelled("transit", multi["transit"], 2),
                    dbc.Col(
                        [
                            dbc.Label(
                                "Measure", html_for=control_id("measure"), className="small mb-0"
                            ),
                            html.Div(
                                dbc.RadioItems(
                                    id=control_id("measure"),
                                    options=[
                                        {"label": v, "value": k}
                                        for k, v in url_state.MEASURES.items()
                                    ],
                                    value=url_state.DEFAULT_MEASURE,
                                    className="btn-group btn-group-sm",
                                    inputClassName="btn-check",
                                    labelClassName="btn btn-outline-primary btn-sm px-2",
                                    labelCheckedClassName="active",
                                ),
                                className="measure-group d-block",
                            ),
                        ],
                        xs=12,
                        sm=6,
                        lg=2,
                    ),
                ],
                className="g-2 mt-1",
            ),
            html.Div(
                [
                    html.Div(
                        id=f"{PREFIX}-chips",
                        className="d-flex flex-wrap gap-1",
                        **{"aria-live": "polite"},
                    ),
                    dbc.Button(
                        "Clear all",
                        id=f"{PREFIX}-clear",
                        color="link",
                        size="sm",
                        className="ms-auto",
                    ),
                ],
                className="d-flex align-items-center mt-2",
            ),
            dbc.Alert(id=f"{PREFIX}-error", color="danger", is_open=False, className="mt-2 mb-0"),
        ],
        className="filter-bar card card-body py-2 mb-3 d-print-none",
        role="search",
        **{"aria-label": "Filters"},
    )


def chip_label(key: str, value: str) -> str:
    labels = {
        "component": reference.COMPONENTS,
        "area": reference.area_names(),
        "port": reference.port_names(),
        "mode": reference.mode_names(),
        "commodity": reference.commodity_names(),
        "source": reference.country_names(),
        "transit": reference.country_names(),
    }
    shown = labels.get(key, {}).get(value, value)
    return f"{SPEC_BY_KEY[key].label}: {shown}"


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


def _from_controls(fy, start, end, multi_values: list, measure) -> tuple[Filters, str]:
    params = {"fy": fy, "start": start[:10] if start else None, "end": end[:10] if end else None}
    params.update({k: v for k, v in zip(MULTI_CONTROLS, multi_values, strict=True)})
    return Filters.from_query({k: v for k, v in params.items() if v}), measure


def _control_values(filters: Filters, measure: str) -> list:
    return [
        filters.fy,
        filters.start.isoformat() if filters.start else None,
        filters.end.isoformat() if filters.end else None,
        *[list(getattr(filters, k)) for k in MULTI_CONTROLS],
        measure,
    ]


@callback(
    Output(URL, "search"),
    Output(control_id("fy"), "value"),
    Output(control_id("dates"), "start_date"),
    Output(control_id("dates"), "end_date"),
    *[Output(control_id(k), "value") for k in MULTI_CONTROLS],
    Output(control_id("measure"), "value"),
    Output(f"{PREFIX}-chips", "children"),
    Output(f"{PREFIX}-error", "children"),
    Output(f"{PREFIX}-error", "is_open"),
    Input(URL, "search"),
    Input(control_id("fy"), "value"),
    Input(control_id("dates"), "start_date"),
    Input(control_id("dates"), "end_date"),
    *[Input(control_id(k), "value") for k in MULTI_CONTROLS],
    Input(control_id("measure"), "value"),
    Input(f"{PREFIX}-clear", "n_clicks"),
    Input({"type": f"{PREFIX}-chip", "key": ALL, "value": ALL}, "n_clicks"),
    State(URL, "pathname"),
)
def sync_filters(search, fy, start, end, *rest):
    multi_values = list(rest[: len(MULTI_CONTROLS)])
    measure, _clear, chip_clicks, _path = rest[len(MULTI_CONTROLS) :]
    trigger = ctx.triggered_id
    n_controls = 4 + len(MULTI_CONTROLS)

    if trigger is None or trigger == URL:
        filters, measure_now, error = url_state.parse(search)
        return (
            no_update,
            *_control_values(filters, measure_now),
            chips(filters),
            error,
            error is not None,
        )

    if isinstance(trigger, dict):  # a chip's close button
        if not any(chip_clicks):
            return (no_update,) * (n_controls + 4)
        filters, measure_now, _ = url_state.parse(search)
        filters = filters.without(trigger["key"], trigger["value"])
    elif trigger == f"{PREFIX}-clear":
        filters, measure_now = Filters(), url_state.DEFAULT_MEASURE
    else:
        try:
            filters, measure_now = _from_controls(fy, start, end, multi_values, measure)
        except ValueError as exc:
            return (no_update,) * (n_controls + 2) + (str(exc), True)
        new_search = url_state.build(filters, measure_now)
        return (
            new_search if new_search != (search or "") else no_update,
            *([no_update] * n_controls),
            chips(filters),
            None,
            False,
        )
    return (
        url_state.build(filters, measure_now),
        *_control_values(filters, measure_now),
        chips(filters),
        None,
        False,
    )
