"""Building blocks of the public pages: filters, cards, tables and the provenance note.

Public-only: imports nothing from the internal app (no filter bar, live updates, cross-filter
or exports), so a public process never registers an internal callback. Every block renders
suppressed cells as the word "suppressed", never as 0 and never blank.
"""

from __future__ import annotations

import json
import math
from datetime import date

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from public import extract as px
from public.http import download_href

FILTER = "pub-filter"
ANY = "all"  # the select's value for "nationwide" and "all drugs"; left out of the URL
SUPPRESSED_TEXT = "suppressed"
DOSE_COLUMNS = {"doses_low": "Doses, low", "doses_high": "Doses, high"}
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "topojsonURL": "/assets/topojson/",
    "displayModeBar": False,  # it sat over the charts' top bars; each chart has its CSV
}


def number(value: float | int | None, suppressed: bool = False) -> str:
    if suppressed:
        return SUPPRESSED_TEXT
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def month_label(day: date) -> str:
    return f"{day:%b %Y}"


# -- filters --------------------------------------------------------------------------------
def filter_id(key: str) -> dict:
    return {"type": FILTER, "key": key}


def dom_id(component_id: dict) -> str:
    """The HTML id Dash gives a dict id (its keys sorted, compact JSON), for ``<label for>``."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def _select(key: str, label: str, options: list[tuple[str, str]], value: str) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=dom_id(filter_id(key)), className="small mb-0"),
            dbc.Select(
                id=filter_id(key),
                options=[{"label": text, "value": v} for v, text in options],
                value=value,
                size="sm",
                name=key,
            ),
        ],
        xs=12,
        sm=6,
        md=4,
        xl=2,
    )


def _area_options(q: px.PublicQuery, info: px.Extract) -> list[tuple[str, str]]:
    """Offices and sectors within the region and component chosen (their names say which)."""
    shown = [
        (a.slug, a.name)
        for a in info.areas
        if (q.region is None or a.region == q.region)
        and (q.component is None or a.component == q.component)
    ]
    return [(ANY, "All offices and sectors"), *shown]


def filter_bar(
    q: px.PublicQuery,
    keys: tuple[str, ...],
    years: list[int],
    info: px.Extract | None = None,
    drugs: tuple[str, ...] = px.DRUG_TYPES,
) -> html.Section:
    """The filters this page reads; changing one rewrites the URL (one public callback).

    Potential doses are offered as a measure only while fentanyl is the drug chosen: the dose
    assumptions are about fentanyl."""
    cols = []
    if "fy" in keys and years:
        current = q.fy or years[-1]
        cols.append(
            _select(
                "fy", "Fiscal year", [(str(y), f"FY{y}") for y in reversed(years)], str(current)
            )
        )
    if "region" in keys:
        regions = [(ANY, "Nationwide"), *((px.slug(r), r) for r in px.REGIONS)]
        cols.append(_select("region", "Region", regions, px.slug(q.region) if q.region else ANY))
    if "component" in keys:
        components = [
            (ANY, "Both"),
            *((code, px.COMPONENT_SHORT[name]) for code, name in px.COMPONENTS.items()),
        ]
        value = q.component.lower() if q.component else ANY
        cols.append(_select("component", "Component", components, value))
    if "area" in keys and info is not None:
        value = q.area.slug if q.area else ANY
        cols.append(_select("area", "Field office or sector", _area_options(q, info), value))
    if "drug" in keys:
        options = [
            (ANY, "All drugs"),
            *((px.slug(px.drug_label(d)), px.drug_label(d)) for d in drugs),
        ]
        value = px.slug(px.drug_label(q.drug)) if q.drug in drugs else ANY
        cols.append(_select("drug", "Drug type", options, value))
    if "measure" in keys:
        measures = [(k, v) for k, v in px.MEASURES.items() if k != "doses" or q.drug == "Fentanyl"]
        cols.append(_select("measure", "Measure", measures, q.value))
    return html.Section(
        dbc.Row(cols, className="g-2"), className="public-filters mb-3", **{"aria-label": "Filters"}
    )


# -- page frame -------------------------------------------------------------------------------
def page_header(title: str, lede: str) -> html.Header:
    return html.Header([html.H1(title, className="h3 mb-1"), html.P(lede, className="lede mb-3")])


def provenance(info: px.Extract, modelled: bool = False) -> html.Aside:
    """As-of date and data vintage: on every view."""
    vintages = sorted({(v["vintage"], v["source_file"]) for v in info.vintages})
    through = date.fromisoformat(info.cbp_through)
    parts = [
        html.Strong("Source and vintage. "),
        f"U.S. Customs and Border Protection, nationwide drug seizure statistics (Office of "
        f"Field Operations and U.S. Border Patrol), published through {through:%B %Y}; "
        f"figures as of {date.fromisoformat(info.as_of):%d %B %Y}. ",
    ]
    if info.open_fy:
        parts.append(
            f"FY{info.open_fy} is still open: its figures are provisional and CBP revises them. "
        )
    if modelled and info.modelled_as_of:
        parts.append(
            f"Modelled demo figures as of {date.fromisoformat(info.modelled_as_of):%d %B %Y}. "
        )
    parts += [
        "CBP's own figures are shown as CBP publishes them. "
        + (
            f"Modelled cells with fewer than {info.min_events} seizure events, and cells "
            "that would reveal them, are suppressed. "
            if modelled
            else ""
        ),
        html.Span(
            "Vintages: " + "; ".join(f"{v} ({f})" for v, f in vintages) + ". ",
            className="vintages",
        ),
        html.Span(f"Extract {info.version}.", className="font-monospace"),
    ]
    return html.Aside(parts, className="provenance small mt-3", **{"aria-label": "Data source"})


def error_view(message: str) -> html.Div:
    return html.Div(
        dbc.Alert([html.Strong("This link is not valid: "), message], color="warning"),
        role="alert",
    )


def no_extract() -> html.Div:
    return dbc.Alert(
        "No public extract has been published yet (python -m ingest publish).", color="info"
    )


def resolve(query: dict) -> tuple[px.PublicQuery, px.Extract] | html.Div:
    """The page's filters from its URL, checked; or the view that explains what is wrong."""
    info = px.extract()
    if info is None:
        return no_extract()
    try:
        return px.parse(query, info), info
    except px.BadQuery as exc:
        return error_view(str(exc))


def period_months(info: px.Extract, fiscal_year: int) -> str:
    """ "Oct 2024 – Dec 2024": the months of ``fiscal_year`` that the open year's
    fiscal-year-to-date figures cover."""
    through = date.fromisoformat(info.cbp_through)
    offset = (through.year - (info.open_fy or fiscal_year) + 1) * 12 + through.month - 10
    start = date(fiscal_year - 1, 10, 1)
    years, month = divmod(9 + offset, 12)
    return f"{start:%b %Y} – {date(start.year + years, month + 1, 1):%b %Y}"


# -- cards and tables -------------------------------------------------------------------------
def figure_card(
    card_id: str,
    title: str,
    figure,
    summary: str,
    table: html.Table,
    download: tuple[str, px.PublicQuery] | None = None,
    height: int = 340,
) -> dbc.Card:
    """A chart, its one-sentence summary, its table alternative and its CSV."""
    header = [html.H2(title, id=f"{card_id}-title", className="h5 mb-0 me-auto")]
    if download:
        header.append(
            html.A(
                "Download CSV",
                href=download_href(*download),
                id=f"{card_id}-csv",
                className="small csv-link",
                download="",
            )
        )
    body = [html.Div(header, className="d-flex flex-wrap align-items-baseline gap-2 mb-2")]
    if figure is not None:
        body.append(
            dcc.Graph(
                id=f"{card_id}-graph",
                figure=figure,
                config=GRAPH_CONFIG,
                style={"height": f"{height}px"},
                responsive=True,
            )
        )
    body += [
        html.P(summary, id=f"{card_id}-summary", className="small mb-2"),
        html.Details(
            [
                html.Summary("Show the numbers as a table", className="small"),
                html.Div(
                    table,
                    className="table-scroll",
                    tabIndex="0",
                    role="region",
                    **{"aria-label": f"{title}: table"},
                ),
            ],
            open=figure is None,
        ),
    ]
    return dbc.Card(dbc.CardBody(body), className="public-card mb-3")


def _cell(key: str, value, hidden: bool) -> str:
    if key == "fiscal_year":
        return f"FY{value}"
    if isinstance(value, date):
        return month_label(value) if key == "month" else str(value)
    if isinstance(value, str):
        return value.replace("|", "/")
    if hidden and value is None:
        return f"*{SUPPRESSED_TEXT}*"
    return number(value)


def table(frame: pl.DataFrame, columns: dict[str, str], caption: str) -> html.Div:
    """A table as one Markdown string: a page may show hundreds of cells, and one string costs
    a fraction of a component per cell to build and to send. Numbers are right-aligned; a
    suppressed row shows "suppressed" in each of its value cells."""
    numeric = [frame.schema[c].is_numeric() for c in columns]
    lines = [
        "| " + " | ".join(columns.values()) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    flags = frame["suppressed"].to_list() if "suppressed" in frame.columns else [False] * len(frame)
    for row, hidden in zip(frame.select(list(columns)).iter_rows(named=True), flags, strict=True):
        lines.append("| " + " | ".join(_cell(k, v, hidden) for k, v in row.items()) + " |")
    return html.Div(
        [html.P(caption, className="visually-hidden"), dcc.Markdown("\n".join(lines))],
        className="md-table",
    )


def kpi(label: str, value: str, detail: str, provisional: bool) -> dbc.Col:
    badge = html.Span("provisional", className="badge provisional ms-2") if provisional else None
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2([label, badge], className="kpi-label h6"),
                    html.P(value, className="kpi-value mb-1"),
                    html.P(detail, className="small mb-0"),
                ]
            ),
            className="public-card h-100",
        ),
        xs=12,
        sm=6,
        lg=4,
        className="mb-3",
    )
