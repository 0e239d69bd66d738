"""Explorer: the analyst's page — trends, breakdowns, routes, traffic-adjusted rates, period
comparison and the records behind them, all cross-filtered through the URL.

Each card has its own callback so the browser fetches them in parallel; every callback reads the
view from the URL, calls one named query and one figure builder.
"""

from __future__ import annotations

from dataclasses import replace

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html, no_update

from components import format as fmt
from components import url_state
from components.cards import busy, chart_card, data_table
from components.context import describe
from components.exports import register_export
from components.figures import empty_figure, ranked_bar_figure
from components.filter_bar import CARD_VIEW, URL_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from pages.explorer import records_grid
from pages.explorer.figures import (
    delta_figure,
    route_bar_figure,
    route_label,
    sankey_figure,
    traffic_figure,
    trend_figure,
)
from queries import breakdowns, compare, seizure_stats, traffic, trends
from queries.cbp_published import published_through

PAGE = "explorer"

NO_DATA = "No seizures match these filters. Remove a filter chip or widen the dates."
BREAKDOWNS = (
    ("area", "Field offices and sectors"),
    ("port", "Ports of entry"),
    ("mode", "Modes of transport"),
    ("commodity", "Commodities"),
    ("category", "Commodity categories"),
    ("component", "Components"),
    ("source", "Source countries"),
    ("transit", "Transit countries"),
)
MIN_TRAFFIC_EVENTS = 10
COMPARE_DIMS = (
    ("area", "field office"),
    ("port", "port of entry"),
    ("mode", "mode of transport"),
    ("commodity", "commodity"),
    ("category", "category"),
    ("source", "source country"),
    ("transit", "transit country"),
    ("component", "component"),
)
PORT_MODE_ROWS = 15


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path="/explorer",
        name="Explorer",
        title="Chokepoint · Explorer",
        order=1,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    breakdown_cards = [
        dbc.Col(
            chart_card(f"{PAGE}-{dim}", title, 360, graph_id=graph_id(PAGE, dim), csv=True,
                       loading=False),
            lg=4, md=6,
        )
        for dim, title in BREAKDOWNS
    ]  # fmt: skip
    compare_cards = [
        dbc.Col(
            chart_card(f"{PAGE}-cmp-{dim}", f"What drove the change: {noun}", 320,
                       graph_id=graph_id(PAGE, dim, "compare"), csv=True, loading=False),
            lg=4,
        )
        for dim, noun in COMPARE_DIMS
    ]  # fmt: skip
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Explorer", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(
                "Click a bar, a route node or a trend period to add it to the filters; remove "
                "it from the chips above. ◆ marks a row where one seizure carries over half "
                "the weight.",
                className="small text-muted mb-2",
            ),
            dbc.Row(
                dbc.Col(
                    chart_card(
                        f"{PAGE}-trend",
                        "Trend",
                        360,
                        graph_id=graph_id(PAGE, "period"),
                        csv=True,
                        loading=False,
                    )
                ),
                className="g-3 mb-3",
            ),  # fmt: skip
            html.Div(
                [
                    html.H2("Compare two periods", className="h5"),
                    html.P(id=f"{PAGE}-cmp-totals", className="mb-2"),
                    html.Div(
                        [
                            html.Span("Records below: ", className="small me-1"),
                            *[
                                dcc.Link(
                                    label,
                                    id=f"{PAGE}-side-{key or 'all'}",
                                    href="",
                                    className="small me-2 records-side",
                                )
                                for key, label in url_state.SIDES.items()
                            ],
                        ],
                        className="mb-2",
                    ),  # fmt: skip
                    dbc.Row(compare_cards, className="g-3"),
                    dbc.Row(
                        dbc.Col(
                            chart_card(
                                f"{PAGE}-cmp-portmode",
                                "Ports of entry by mode: period A against period B",
                                300,
                                csv=True,
                                loading=False,
                            )
                        ),
                        className="g-3 mt-1",
                    ),  # fmt: skip
                    html.P(
                        "The breakdowns below cover the filters' dates, not the two periods; "
                        "the cards above compare the periods.",
                        className="small text-muted mt-2 mb-0",
                    ),
                ],
                id=f"{PAGE}-compare",
                className="mb-3",
                style={"display": "none"},
            ),
            dbc.Row(
                [
                    *breakdown_cards,
                    dbc.Col(
                        chart_card(
                            f"{PAGE}-traffic",
                            "Seizures per traffic at land ports",
                            360,
                            graph_id=graph_id(PAGE, "port", "traffic"),
                            csv=True,
                            loading=False,
                        ),
                        lg=4,
                        md=6,
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            f"{PAGE}-routes",
                            "Route flow: source → transit → port",
                            460,
                            graph_id=graph_id(PAGE, "route"),
                            csv=True,
                            loading=False,
                        ),
                        lg=8,
                    ),
                    dbc.Col(
                        chart_card(
                            f"{PAGE}-route-bars",
                            "Top routes (click one to filter on it)",
                            460,
                            graph_id=graph_id(PAGE, "route", "bars"),
                            loading=False,
                        ),
                        lg=4,
                    ),
                ],
                className="g-3 mb-3",
            ),  # fmt: skip
            records_grid.layout(f"{PAGE}-records"),
        ]
    )


records_grid.register_callbacks(f"{PAGE}-records")


def _labels(frame: pl.DataFrame, dim: str) -> list[str]:
    names = reference.names_for(dim)
    return [
        f"All others ({m})" if k == seizure_stats.OTHERS else names.get(k, k)
        for k, m in zip(frame["key"], frame["members"], strict=True)
    ]


@callback(
    Output(f"{PAGE}-period", "children"),
    Input(URL_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_period(search: str | None, *_versions: str) -> str:
    view, error = url_state.parse_view(search)
    if error:
        return ""
    lo, hi = view.filters.period()
    as_of = seizure_stats.as_of()
    if not (lo or hi):
        return f"All dates through {as_of:%d %b %Y}" if as_of else ""
    return f"{_day(lo) if lo else 'start'} – {_day(hi or as_of)}"


def _day(day) -> str:
    return f"{day:%d %b %Y}"


@callback(
    Output(graph_id(PAGE, "period"), "figure"),
    Output(f"{PAGE}-trend-title", "children"),
    Output(f"{PAGE}-trend-summary", "children"),
    Output(f"{PAGE}-trend-table", "children"),
    Input(URL_VIEW, "data"),
    *versions("seizures", "cbp_public"),
    running=busy(f"{PAGE}-trend"),
)
@cached_view("seizures", "cbp_public")
def update_trend(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    grain = url_state.GRAINS[view.grain].lower()
    title = f"Trend by {grain} — {describe(view.filters, view.measure_label())}"
    if error:
        return empty_figure(error), title, error, None
    series = trends.series(view.filters, view.measure, view.grain)
    if series.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    figure = trend_figure(series, view.grain, view.measure_label(), view.yoy, published_through())
    summary = trends.summary_sentence(series, view.measure_label())
    rated = series.filter(~pl.col("partial") & pl.col("seizure_rate").is_not_null())
    if not rated.is_empty():
        last = rated.row(-1, named=True)
        summary += (
            f" DHS seizure rate for {last['label']}: {last['seizure_rate']:.2f} "
            "(this period ÷ the average of the same period in the prior five years)."
        )
    columns = ["label", "events", "lbs", "pills", "median_lbs", "prior_value", "seizure_rate"]
    table = data_table(series.select([c for c in columns if c in series.columns]).reverse())
    return uirevision(figure, search), title, summary, table


def _breakdown_callback(dim: str, title: str) -> None:
    @callback(
        Output(graph_id(PAGE, dim), "figure"),
        Output(f"{PAGE}-{dim}-title", "children"),
        Output(f"{PAGE}-{dim}-summary", "children"),
        Output(f"{PAGE}-{dim}-table", "children"),
        Input(CARD_VIEW, "data"),
        *versions("seizures"),
        running=busy(f"{PAGE}-{dim}"),
    )
    @cached_view("seizures")
    def update(search: str | None, *_versions: str):
        view, error = url_state.parse_view(search)
        heading = f"{title} — {describe(view.filters, view.measure_label())}"
        if error:
            return empty_figure(error), heading, error, None
        frame = breakdowns.breakdown(view.filters, dim, view.measure, n=10)
        if frame.is_empty():
            message = empty_breakdown(view.filters, dim)
            return empty_figure(message), heading, message, None
        labels = _labels(frame, dim)
        figure = ranked_bar_figure(frame, labels, view.measure_label())
        lead = frame.row(0, named=True)
        summary = (
            f"{labels[0]} leads with {fmt.whole(lead['value'])} "
            f"{view.measure_label().lower()} ({fmt.share(lead['share'])}); median seizure "
            f"{fmt.whole(lead['median_lbs'])} lbs."
        )
        dominated = [lab for lab, d in zip(labels, frame["dominated"], strict=True) if d]
        if dominated:
            summary += f" One seizure carries over half the weight of: {', '.join(dominated)}."
        table = data_table(
            pl.DataFrame({title: labels}).hstack(
                frame.select("events", "lbs", "pills", "median_lbs", "share")
            )
        )
        return uirevision(figure, search), heading, summary, table


for _dim, _title in BREAKDOWNS:
    _breakdown_callback(_dim, _title)


# Why a breakdown can be empty although seizures match: none of them has the dimension.
MISSING_DIMENSION = {
    "transit": "all direct: none of the {n} matching seizures came through a transit country",
    "port": "all between ports: none of the {n} matching seizures was at a port of entry",
    "source": "no source country is known for the {n} matching seizures",
}


def empty_breakdown(filters, dim: str) -> str:
    """The sentence for an empty breakdown: no seizures at all, or none with the dimension."""
    n = seizure_stats.matching_events(filters)
    if n and dim in MISSING_DIMENSION:
        text = MISSING_DIMENSION[dim].format(n=fmt.whole(n))
        return text[0].upper() + text[1:] + "."
    return NO_DATA


@callback(
    Output(graph_id(PAGE, "route"), "figure"),
    Output(f"{PAGE}-routes-title", "children"),
    Output(f"{PAGE}-routes-summary", "children"),
    Output(f"{PAGE}-routes-table", "children"),
    Output(graph_id(PAGE, "route", "bars"), "figure"),
    Output(f"{PAGE}-route-bars-summary", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
    running=busy(f"{PAGE}-routes", f"{PAGE}-route-bars"),
)
@cached_view("seizures")
def update_routes(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    heading = f"Route flow — {describe(view.filters, view.measure_label())}"
    if error:
        return empty_figure(error), heading, error, None, empty_figure(error), error
    flows = breakdowns.route_flows(view.filters, view.measure, n=15)
    if flows.is_empty():
        return empty_figure(NO_DATA), heading, NO_DATA, None, empty_figure(NO_DATA), NO_DATA
    names = {
        "source": {**reference.country_names(), "__others__": "All others"},
        "transit": {**reference.country_names(), "direct": "direct", "__others__": "All others"},
        "port": {**reference.port_names(), "between ports": "Between ports",
                 "__others__": "All others"},
    }  # fmt: skip
    label = view.measure_label().lower()
    one_source = len(view.filters.source) == 1
    figure = sankey_figure(flows, names, label, with_others=not one_source)
    routes = flows.filter(pl.col("source") != "__others__")
    others = flows.filter(pl.col("source") == "__others__")
    top = routes.row(0, named=True) if routes.height else flows.row(0, named=True)
    summary = f"Largest route: {route_label(top, names)} with {fmt.whole(top['value'])} {label}."
    if others.height and others["value"][0]:
        rest = others.row(0, named=True)
        summary += (
            f" All other routes ({fmt.whole(rest['members'])}): {fmt.whole(rest['value'])} {label}"
            + (", left out of the flow." if one_source else ".")
        )
    summary += " Countries and ports of individual events are modelled."
    bars = route_bar_figure(flows, names, label)
    table = data_table(
        routes.with_columns(
            pl.Series("route", [route_label(r, names) for r in routes.iter_rows(named=True)])
        ).select("route", pl.exclude("route", "source", "transit", "port"))
    )
    bars_summary = "Click a route to add its source, transit country and port to the filters."
    return (
        uirevision(figure, search),
        heading,
        summary,
        table,
        uirevision(bars, search),
        bars_summary,
    )


@callback(
    Output(graph_id(PAGE, "port", "traffic"), "figure"),
    Output(f"{PAGE}-traffic-title", "children"),
    Output(f"{PAGE}-traffic-summary", "children"),
    Output(f"{PAGE}-traffic-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures", "border_crossings"),
    running=busy(f"{PAGE}-traffic"),
)
@cached_view("seizures", "border_crossings")
def update_traffic(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    heading = f"Seizures per 100,000 crossings, land ports — {describe(view.filters, 'Events')}"
    if error:
        return empty_figure(error), heading, error, None
    # A port with a handful of seizures over little traffic would top any rate ranking.
    totals = traffic.port_totals(view.filters).filter(
        pl.col("events_with_traffic") >= MIN_TRAFFIC_EVENTS
    )
    if totals.is_empty():
        message = "No land-port seizures with traffic data match these filters."
        return empty_figure(message), heading, message, None
    names = reference.port_names()
    figure = traffic_figure(totals, names)
    lead = totals.row(0, named=True)
    summary = (
        f"{names.get(lead['port_code'], lead['port_code'])}: "
        f"{lead['events_per_100k']:,.2f} events per 100,000 crossings (ports with at least "
        f"{MIN_TRAFFIC_EVENTS} seizures in months with traffic data)."
    )
    note = traffic.missing_traffic_note(traffic.rates(view.filters, "month"))
    if note:
        summary += " " + note
    return uirevision(figure, search), heading, summary, data_table(totals)


def compare_periods(view: url_state.View):
    """(period A, period B) of the view's compare mode, or None when it compares nothing."""
    as_of = seizure_stats.as_of() if view.compare == "fytd" else None
    return compare.periods(view.compare, view.periods, as_of)


@callback(
    Output(f"{PAGE}-compare", "style"),
    Output(f"{PAGE}-cmp-totals", "children"),
    *[Output(graph_id(PAGE, dim, "compare"), "figure") for dim, _ in COMPARE_DIMS],
    *[Output(f"{PAGE}-cmp-{dim}-summary", "children") for dim, _ in COMPARE_DIMS],
    *[Output(f"{PAGE}-cmp-{dim}-table", "children") for dim, _ in COMPARE_DIMS],
    Output(f"{PAGE}-cmp-portmode-graph", "figure"),
    Output(f"{PAGE}-cmp-portmode-summary", "children"),
    Output(f"{PAGE}-cmp-portmode-table", "children"),
    *[Output(f"{PAGE}-side-{key or 'all'}", "href") for key in url_state.SIDES],
    *[Output(f"{PAGE}-side-{key or 'all'}", "className") for key in url_state.SIDES],
    Input(URL_VIEW, "data"),
    *versions("seizures"),
    running=busy(*[f"{PAGE}-cmp-{dim}" for dim, _ in COMPARE_DIMS], f"{PAGE}-cmp-portmode"),
)
@cached_view("seizures")
def update_compare(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    n = len(COMPARE_DIMS)
    sides = len(url_state.SIDES)
    # while compare mode is off only the section's style is set: redrawing its nine hidden
    # charts on every URL change was most of the browser's work on a grain change
    hidden = ({"display": "none"}, *[no_update] * (1 + 3 * n + 3 + 2 * sides))
    if error or not view.compare:
        return hidden
    pair = compare_periods(view)
    if pair is None:
        return hidden
    a, b = pair
    totals = compare.totals(view.filters, a, b).row(0, named=True)
    measure = "events" if view.measure == "events" else "lbs"
    head = (
        f"Period A {a.label()} → period B {b.label()}: "
        f"{fmt.whole(totals['events_a'])} → {fmt.whole(totals['events_b'])} events "
        f"({fmt.signed_percent(totals['events_pct'])}), "
        f"{fmt.whole(totals['lbs_a'])} → {fmt.whole(totals['lbs_b'])} lbs "
        f"({fmt.signed_percent(totals['lbs_pct'])})."
    )
    figures, summaries, tables = [], [], []
    versus = "prior FYTD" if view.compare == "fytd" else "period A"
    for dim, noun in COMPARE_DIMS:
        full = compare.compare(view.filters, a, b, dim)
        frame = full.head(10)
        if frame.is_empty():
            figures.append(empty_figure(NO_DATA))
            summaries.append(NO_DATA)
            tables.append(None)
            continue
        names = reference.names_for(dim)
        keys = frame["key"].to_list()
        labels = [names.get(k, k) for k in keys]
        figures.append(delta_figure(frame, labels, keys, measure))
        summaries.append(
            compare.drivers_sentence(full, noun, measure, names=names, versus=versus,
                                     total=totals)
        )  # fmt: skip
        tables.append(data_table(pl.DataFrame({noun.capitalize(): labels}).hstack(
            frame.drop("key"))))  # fmt: skip
    pairs = port_mode_frame(compare.compare(view.filters, a, b, "port_mode"))
    if pairs.is_empty():
        pair_outputs = (empty_figure(NO_DATA), NO_DATA, None)
    else:
        top = pairs.head(PORT_MODE_ROWS)
        labels = [f"{p} · {m}" for p, m in zip(top["Port"], top["Mode"], strict=True)]
        lead = top.row(0, named=True)
        pair_outputs = (
            delta_figure(top, labels, labels, measure),
            f"{lead['Port']} by {lead['Mode'].lower()} moved most: "
            f"{fmt.whole(lead[f'{measure}_a'])} → {fmt.whole(lead[f'{measure}_b'])} "
            f"{measure} ({fmt.signed_percent(lead[f'{measure}_pct'])}).",
            data_table(top.select("Port", "Mode", "events_a", "events_b", "lbs_a", "lbs_b",
                                  "events_pct", "lbs_pct")),
        )  # fmt: skip
    hrefs = [url_state.build_view(replace(view, side=key)) or "?" for key in url_state.SIDES]
    classes = [
        "small me-2 records-side" + (" fw-bold text-decoration-none" if key == view.side else "")
        for key in url_state.SIDES
    ]
    return ({"display": "block"}, head, *figures, *summaries, *tables, *pair_outputs,
            *[f"/explorer{h}" for h in hrefs], *classes)  # fmt: skip


def port_mode_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The port x mode comparison with the pair split into named columns."""
    if frame.is_empty():
        return frame
    parts = frame["key"].str.split_exact("|", 1)
    port, mode = parts.struct.field("field_0"), parts.struct.field("field_1")
    return frame.with_columns(
        port.replace_strict(reference.names_for("port"), default=port).alias("Port"),
        mode.replace_strict(reference.names_for("mode"), default=mode).alias("Mode"),
    )


# -- CSV downloads: each card's link serves the frame its chart was drawn from ---------------
def _named(frame: pl.DataFrame, dim: str) -> pl.DataFrame:
    names = reference.names_for(dim)
    label = pl.col("key").replace_strict(names, default=pl.col("key"), return_dtype=pl.Utf8)
    return frame.with_columns(label.alias("name")).select("key", "name", pl.exclude("key", "name"))


def _breakdown_export(dim: str):
    return lambda view: _named(breakdowns.breakdown(view.filters, dim, view.measure, n=10), dim)


def _compare_export(dim: str):
    def build(view: url_state.View) -> pl.DataFrame:
        pair = compare_periods(view)
        if pair is None:
            return pl.DataFrame({"note": ["compare mode is off: add cmp= to the link"]})
        return _named(compare.compare(view.filters, *pair, dim), dim)

    return build


register_export(f"{PAGE}-trend", lambda v: trends.series(v.filters, v.measure, v.grain))
register_export(f"{PAGE}-routes", lambda v: breakdowns.route_flows(v.filters, v.measure, n=15))
register_export(f"{PAGE}-traffic", lambda v: traffic.port_totals(v.filters))
for _dim, _ in BREAKDOWNS:
    register_export(f"{PAGE}-{_dim}", _breakdown_export(_dim))
for _dim, _ in COMPARE_DIMS:
    register_export(f"{PAGE}-cmp-{_dim}", _compare_export(_dim))


def _port_mode_export(view: url_state.View) -> pl.DataFrame:
    pair = compare_periods(view)
    if pair is None:
        return pl.DataFrame({"note": ["compare mode is off: add cmp= to the link"]})
    return port_mode_frame(compare.compare(view.filters, *pair, "port_mode"))


register_export(f"{PAGE}-cmp-portmode", _port_mode_export)

CSV_CARDS = (
    "trend",
    "routes",
    "traffic",
    *[dim for dim, _ in BREAKDOWNS],
    *[f"cmp-{dim}" for dim, _ in COMPARE_DIMS],
    "cmp-portmode",
)


@callback(
    *[Output(f"{PAGE}-{card}-csv", "href") for card in CSV_CARDS],
    Input(URL_VIEW, "data"),
)
def update_csv_links(search: str | None) -> list[str]:
    """Each link carries the page's query string, so the file matches what is on screen."""
    return [f"/export/{PAGE}-{card}.csv{search or ''}" for card in CSV_CARDS]
