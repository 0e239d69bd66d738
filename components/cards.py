"""Reusable cards: a KPI with its change, and a chart with its summary and table alternative.

Every chart is paired with a one-sentence generated summary and a small data table, so screen-reader
users and printed briefings get the same facts as the picture.
"""

from __future__ import annotations

from html import escape

import dash_bootstrap_components as dbc
import polars as pl
from dash import Output, dcc, html

from components import format as fmt
from components.theme import GRAPH_CONFIG


def kpi_card(card_id: str, title: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="kpi-title text-muted small"),
                html.Div("–", id=f"{card_id}-value", className="kpi-value"),
                html.Div(id=f"{card_id}-delta", className="kpi-delta small"),
            ]
        ),
        className="kpi-card h-100",
    )


def kpi_delta(now: float, before: float, unit: str, period_label: str) -> list:
    ratio = fmt.change(now, before)
    direction = "up" if (ratio or 0) > 0 else "down" if (ratio or 0) < 0 else "flat"
    arrow = {"up": "▲", "down": "▼", "flat": "■"}[direction]
    return [
        html.Span(f"{arrow} {fmt.signed_percent(ratio)}", className=f"delta-{direction} me-1"),
        html.Span(f"vs {fmt.whole(before)} {unit} {period_label}"),
    ]


BOX_CLASS = "chart-box"


def box_id(card_id: str) -> str:
    """The box around a card's graph (``chart_card``), marked busy while the graph is redrawn."""
    return f"{card_id}-box"


def busy(*card_ids: str) -> list[tuple]:
    """``running=`` for a callback that redraws the graphs of ``card_ids`` (cards made with
    ``loading=False``): their boxes carry the class ``busy`` while the request is out, and the
    stylesheet hides a graph still busy after 300 ms behind three dots, as ``dcc.Loading`` did.

    Why not ``dcc.Loading``: each one re-reads the page's whole loading state (every component
    path that was ever loading) on every change to the renderer's store, and a click on the
    Explorer changes it a hundred times; its twenty spinners cost more of the browser's time
    than any chart. ``running`` changes one class when the request leaves and when it returns.
    """
    return [(Output(box_id(c), "className"), f"{BOX_CLASS} busy", BOX_CLASS) for c in card_ids]


def chart_card(
    card_id: str,
    title: str,
    height: int = 320,
    graph_id: str | dict | None = None,
    csv: bool | str = False,
    loading: bool = True,
    drawn: tuple | None = None,
) -> dbc.Card:
    """A chart with its title, generated summary and table alternative.

    ``graph_id`` lets a page give the graph a pattern-matching id (cross-filtering); ``csv`` adds
    a download link ``{card_id}-csv`` whose href the page keeps in step with the URL (or, a
    string, the link's href). With ``loading=False`` the graph has no ``dcc.Loading``: the
    callback that draws it passes ``running=busy(card_id)`` instead (see ``busy``).

    ``drawn`` is (figure, summary, table) for a card a callback builds whole, already drawn
    (a section that exists only in one mode of the page)."""
    figure, summary, table = drawn or (None, None, None)
    header = [html.H2(title, id=f"{card_id}-title", className="chart-title h6 mb-0 me-auto")]
    if csv:
        link = html.A(
            "CSV",
            id=f"{card_id}-csv",
            className="small csv-link d-print-none",
            title="Download the data behind this chart",
        )
        if isinstance(csv, str):
            link.href = csv
        header.append(link)
    graph = dcc.Graph(
        id=graph_id or f"{card_id}-graph", config=GRAPH_CONFIG, style={"height": f"{height}px"}
    )
    if figure is not None:
        graph.figure = figure
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(header, className="d-flex align-items-baseline mb-1"),
                html.Div(
                    dcc.Loading(graph, type="dot", delay_show=300) if loading else graph,
                    id=box_id(card_id),
                    className=BOX_CLASS,
                ),
                html.P(summary, id=f"{card_id}-summary", className="chart-summary small mb-1"),
                html.Details(
                    [
                        html.Summary("Data table", className="small"),
                        html.Div(table, id=f"{card_id}-table", className="table-alt"),
                    ],
                    className="d-print-none",
                ),
            ]
        ),
        className="chart-card h-100",
    )


def data_table(frame: pl.DataFrame, max_rows: int = 25) -> dcc.Markdown:
    """A plain, accessible HTML table of a small frame (numbers right-aligned).

    A frame longer than ``max_rows`` shows its first rows and says how many it left out, so a
    reader of the table alternative knows it is not the whole chart.

    The table is one component holding its HTML, not a tree of row and cell components: Dash's
    renderer walks every component of the page on each update, and a dozen cards' tables of
    cells were most of the browser's work when the Explorer loaded. Values are escaped."""
    return dcc.Markdown(
        table_html(frame, max_rows), dangerously_allow_html=True, className="table-html"
    )


def table_html(frame: pl.DataFrame, max_rows: int = 25) -> str:
    """The HTML of ``data_table``: caption when cut, header, rows."""
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for row in frame.head(max_rows).iter_rows():
        cells = []
        for value in row:
            if isinstance(value, bool) or value is None:
                cells.append(f"<td>{escape(str(value))}</td>")
            elif isinstance(value, float):
                cells.append(f'<td class="text-end">{value:,.2f}</td>')
            elif isinstance(value, int):
                cells.append(f'<td class="text-end">{value:,}</td>')
            else:
                cells.append(f"<td>{escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = (
        f"<caption>The first {max_rows:,} of {frame.height:,} rows.</caption>"
        if frame.height > max_rows
        else ""
    )
    return (
        f'<table class="table table-sm table-striped mb-0">{caption}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def label_value_pairs(rows: list[tuple[str, object]]) -> html.Dl:
    """A detail panel's facts as label-value rows; an empty value shows as a dash, so a
    missing fact reads as missing rather than as a blank line."""
    items = []
    for label, value in rows:
        items.append(html.Dt(label, className="col-5 fw-normal text-muted"))
        items.append(html.Dd(value if value not in (None, "") else "–", className="col-7 mb-1"))
    return html.Dl(items, className="row small mb-0")


def paged_grid_options(page_size: int, no_rows: str, blocks: int = 10) -> dict:
    """Options of a server-paged grid (infinite row model) with one row selectable by a click.

    dash-ag-grid answers one ``getRows`` at a time, so the grid never asks for two at once."""
    return {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": False,
        "cacheBlockSize": page_size,
        "maxBlocksInCache": blocks,
        "maxConcurrentDatasourceRequests": 1,
        "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        "localeText": {"noRowsToShow": no_rows},
    }
