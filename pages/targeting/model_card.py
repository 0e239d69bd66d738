"""The Targeting page's model card: how the score was trained and how it tested on the latest
months, read from the saved model (``targeting.scoring.current_model``)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html
from dash.exceptions import PreventUpdate

from components.filter_bar import URL
from components.live import versions
from components.view_cache import cached_view
from pages.targeting.common import PAGE, PATH, card
from queries.gateway import default_gateway
from targeting import scoring
from targeting.features import FEATURE_LABELS
from targeting.model import Model

CARD = f"{PAGE}-model"


def layout() -> dbc.Card:
    return card(
        CARD,
        "Model card",
        "How the score was trained and how it tested on the latest months.",
    )


def _model_stamp() -> int | None:
    return scoring.model_stamp(default_gateway().data_dir)


@callback(
    Output(CARD, "children"),
    Input(URL, "pathname"),
    *versions("scores"),
)
# keyed on the model too: a training without a new scoring changes the card, not the scores
@cached_view("scores", clock=_model_stamp)
def update_model(pathname: str | None, *_versions: str):
    if pathname != PATH:
        raise PreventUpdate
    return model_content(scoring.current_model(default_gateway().data_dir))


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
        return [
            html.P(
                "No model trained yet: the queue ranks by how many red flags fired. Run "
                "`python -m targeting train`.",
                className="small mb-0",
            )
        ]
    ev = model.evaluation or {}
    head = html.Thead(
        [
            html.Tr(
                [
                    html.Th(""),
                    html.Th("Top 1 %", colSpan=3, className="text-center"),
                    html.Th("Top 5 %", colSpan=3, className="text-center"),
                ]
            ),
            html.Tr(
                [html.Th("")]
                + [html.Th(h, className="text-end") for h in ("precision", "recall", "lift") * 2]
            ),
        ]
    )
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
        ),
        html.H3("Strongest features (log-odds)", className="h6 mb-1"),
        html.Ul(drivers, className="small mb-0"),
    ]
