"""Two cards of the Targeting page: emerging threats (with sparklines) and the model card.

Both only format what ``targeting`` computed: the emerging signals with their evidence, and the
saved model's evaluation, features and training window. Every sparkline sits next to its numbers
in words, so the card reads the same without the pictures.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import dcc, html

from lake import lexicon, reference
from targeting import emerging
from targeting.features import FEATURE_LABELS
from targeting.model import Model

SIGNAL_TITLES = {
    ("seizures", "commodity"): "Seizures by commodity",
    ("seizures", "commodity_route"): "Seizures by commodity and route",
    ("flagged shipments", "hts"): "Flagged shipments by HTS line",
    ("flagged shipments", "route"): "Flagged shipments by route",
    ("shipments", "route"): "New or fast-growing routes (all shipments)",
}
PER_SIGNAL = 3
SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False}


def card(card_id: str, title: str, note: str) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(title, className="h6 mb-0")),
            dbc.CardBody(
                [
                    html.P(note, className="small text-muted mb-2"),
                    dcc.Loading(html.Div(id=card_id), type="dot", delay_show=300),
                ]
            ),
        ],
        className="h-100",
    )


def sparkline(series: list[int], emerging_now: bool) -> go.Figure:
    colour = "#b02a37" if emerging_now else "#6c757d"
    figure = go.Figure(
        go.Scatter(
            y=series, mode="lines", line={"width": 1.6, "color": colour}, hoverinfo="skip"
        )  # fmt: skip
    )
    figure.update_layout(
        height=34, width=150, margin={"l": 0, "r": 0, "t": 2, "b": 2},
        xaxis={"visible": False}, yaxis={"visible": False, "rangemode": "tozero"},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=False,
    )  # fmt: skip
    return figure


def key_label(kind: str, key: str) -> str:
    if kind == "commodity":
        return reference.commodity_names().get(key, key)
    if kind == "hts":
        lines = lexicon.hts_lines()
        match = lines.filter(pl.col("hts_code") == key)["description"]
        return f"{key} · {match[0][:60]}" if match.len() else key
    if kind == "commodity_route":
        commodity, _, route = key.partition(" > ")
        return f"{reference.commodity_names().get(commodity, commodity)}: {route_label(route)}"
    if kind == "route":
        return route_label(key)
    return key


ROUTE_WORDS = {"direct": "direct", "?": "unknown source", "between ports": "between ports"}


def route_label(route: str) -> str:
    """``origin > transit > port > mode`` codes (``targeting.emerging``'s route keys) as the
    names the rest of the page shows: "Colombia → Panama → between ports → Vessel"."""
    parts = route.split(" > ")
    if len(parts) != 4:
        return route
    countries, ports, modes = (
        reference.country_names(),
        reference.port_names(),
        reference.mode_names(),
    )
    origin, transit, port, mode = parts
    named = [
        ROUTE_WORDS.get(origin) or countries.get(origin, origin),
        ROUTE_WORDS.get(transit) or countries.get(transit, transit),
        ROUTE_WORDS.get(port) or ports.get(port, port),
        modes.get(mode, mode),
    ]
    return " → ".join(named)


def emerging_content(frame: pl.DataFrame) -> list:
    """Per signal, its emerging keys (or, when none, the closest candidates) with evidence."""
    if frame.is_empty():
        return [html.P("No signal can be computed yet: the lake needs seizures, shipments and "
                       "scores.", className="small text-muted mb-0")]  # fmt: skip
    blocks = []
    for (signal, kind), title in SIGNAL_TITLES.items():
        part = frame.filter((pl.col("signal") == signal) & (pl.col("kind") == kind))
        if part.is_empty():
            continue
        rising = part.filter(pl.col("emerging"))
        shown = rising if not rising.is_empty() else part.head(PER_SIGNAL)
        items = []
        for row in shown.head(PER_SIGNAL).iter_rows(named=True):
            badge = "new" if row["new"] else "emerging" if row["emerging"] else "watching"
            colour = "danger" if row["emerging"] else "secondary"
            items.append(
                html.Li(
                    [
                        html.Div(
                            [
                                dbc.Badge(badge, color=colour, className="me-2"),
                                html.Span(key_label(kind, row["key"]), className="fw-semibold"),
                            ]
                        ),
                        html.Div(
                            [
                                dcc.Graph(
                                    figure=sparkline(row["series"], row["emerging"]),
                                    config=SPARK_CONFIG,
                                    style={"height": "34px", "width": "150px"},
                                    className="me-2 targeting-spark",
                                ),
                                html.Span(emerging.describe(row), className="small"),
                            ],  # fmt: skip
                            className="d-flex align-items-center",
                        ),
                    ],
                    className="mb-2 targeting-emerging-item",
                )
            )
        if rising.is_empty():
            first = part.row(0, named=True)
            limit = first.get("limit")
            bound = f" (p below {limit:.0e} after testing {first.get('tested', 0):,} keys)"
            note = " — none beyond the control limit" + (bound if limit else "") + "; closest:"
        else:
            note = ""
        blocks.append(html.H3(title + note, className="h6 mt-2 mb-1"))
        blocks.append(html.Ul(items, className="list-unstyled mb-1"))
    return blocks


def _metric_rows(evaluation: dict) -> list:
    rows = []
    for name, label in (("model", "Model"), ("rules_only", "Rules alone"), ("random", "Random")):
        block = evaluation.get(name, {})
        cells = [html.Th(label, scope="row")]
        for key in ("top_1pct", "top_5pct"):
            m = block.get(key, {})
            cells += [
                html.Td(f"{m.get('precision', 0):.1%}", className="text-end"),
                html.Td(f"{m.get('recall', 0):.1%}", className="text-end"),
                html.Td(f"{m.get('lift', 0):.1f}x", className="text-end"),
            ]
        rows.append(html.Tr(cells))
    return rows


def model_content(model: Model | None) -> list:
    """The saved model: what it was trained on, how it tested, what drives it."""
    if model is None:
        return [html.P("No model trained yet: the queue ranks by how many red flags fired. Run "
                       "`python -m targeting train`.", className="small mb-0")]  # fmt: skip
    ev = model.evaluation or {}
    head = html.Thead(
        [
            html.Tr([html.Th(""), html.Th("Top 1 %", colSpan=3, className="text-center"),
                     html.Th("Top 5 %", colSpan=3, className="text-center")]),
            html.Tr([html.Th("")] + [html.Th(h, className="text-end")
                                     for h in ("precision", "recall", "lift") * 2]),
        ]
    )  # fmt: skip
    ranked = sorted(zip(model.features, model.coef, strict=True), key=lambda p: -abs(p[1]))
    drivers = [
        html.Li(
            f"{FEATURE_LABELS.get(n, n)}: {'raises' if c > 0 else 'lowers'} the score "
            f"({abs(c):.2f} per standard deviation)"
        )
        for n, c in ranked[:10]
    ]
    facts = (
        f"Model {model.version}: logistic regression on {len(model.features)} features, trained "
        f"{model.train_from} to {model.train_to} on {model.rows:,} examined shipments "
        f"({model.positives:,} seized, {model.feedback_rows:,} labels from analyst feedback)."
    )
    calibration = model.calibration or {}
    if calibration.get("method") == "platt":
        facts += (
            " Scores are calibrated probabilities: Platt scaling fitted on out-of-fold "
            f"predictions ({calibration.get('folds', 3)} folds), so a score of 30% means about "
            "three in ten examinations of shipments scored like it found something. From 99% "
            "on, the queue also shows the odds (finds per clean examination): where the "
            "percent rounds alike, the odds still rank the rows."
        )
    else:
        facts += " Scores are the regression's raw probabilities (this model is not calibrated)."
    test = (
        f"Time-split test {ev.get('test_from', '?')} to {ev.get('test_to', '?')} (trained on the "
        f"months before): {ev.get('test_rows', 0):,} shipments, {ev.get('test_seized', 0):,} "
        f"seized (base rate {ev.get('base_rate', 0):.2%}). Unexamined shipments count as not "
        "seized, so these are lower bounds."
    )
    return [
        html.P(facts, className="small mb-1 targeting-model-facts"),
        html.P(test, className="small text-muted mb-2"),
        html.Div(  # scrolls on its own on a phone instead of widening the page
            html.Table(
                [head, html.Tbody(_metric_rows(ev))],
                className="table table-sm small mb-2 targeting-model-table",
            ),
            className="table-responsive",
        ),  # fmt: skip
        html.H3("Strongest features (log-odds)", className="h6 mb-1"),
        html.Ul(drivers, className="small mb-0"),
    ]
