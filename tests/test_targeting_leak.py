"""The shipment detail shows a targeter only what was known when the shipment arrived, plus
examinations recorded since (labelled so), and feedback that contradicts a recorded
examination is refused until the targeter says why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pages.targeting.detail import (
    CLEAN,
    NOTE,
    SELECTED,
    STATUS,
    detail_panel,
    feedback_decision,
)
from queries import targeting as queue_queries
from queries.gateway import Gateway
from tests.app_helpers import call
from tests.sessions import signed_in


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def text_of(components) -> str:
    return json.dumps(
        [c.to_plotly_json() if hasattr(c, "to_plotly_json") else c for c in components], default=str
    )


def seized_on(gateway: Gateway, newest: bool) -> str:
    last = gateway.scalar("SELECT max(arrived_at) FROM shipments")
    condition = ">=" if newest else "<"
    return gateway.scalar(
        f"SELECT shipment_id FROM shipments WHERE outcome = 'seized' "  # noqa: S608
        f"AND CAST(arrived_at AS DATE) {condition} ? ORDER BY arrived_at DESC LIMIT 1",
        [(last - timedelta(days=0 if newest else 3)).date()],
    )


def test_tle001_a_shipment_that_arrived_today_does_not_show_its_outcome(internal_app, demo_lake):
    shipment = seized_on(Gateway(demo_lake), newest=True)
    assert shipment, "the demo lake has a seizure on its last day"
    text = text_of(detail_panel(shipment))
    assert "Outcome in the lake" not in text and "Examination recorded: seized" not in text
    assert "No examination recorded yet" in text


def test_tle002_an_older_examination_is_shown_as_recorded_since(internal_app, demo_lake):
    shipment = seized_on(Gateway(demo_lake), newest=False)
    text = text_of(detail_panel(shipment))
    assert "Recorded since arrival" in text and "Examination recorded: seized" in text


def test_tle003_contradicting_feedback_needs_a_reason(client, demo_lake):
    shipment = seized_on(Gateway(demo_lake), newest=False)
    values = {f"{SELECTED}.data": shipment, f"{CLEAN}.n_clicks": 1, f"{NOTE}.value": ""}
    refused = call(client, f"{STATUS}.children", values, f"{CLEAN}.n_clicks")
    assert refused[STATUS]["children"].startswith("Not saved")
    # the saving path without writing to the shared lake's store: the same decision, directly
    record = queue_queries.shipment_detail(shipment)
    now = queue_queries.as_of()
    save, message = feedback_decision(record, "clean", "lab: the powder was sugar", now)
    assert save and message.startswith("Saved as a correction")
    save, message = feedback_decision(record, "seized", "", now)
    assert save and message.startswith("Saved:")


def test_tle004_scores_near_the_top_are_told_apart():
    from pages.targeting.detail import score_text

    top = [0.9991, 0.9995, 0.99995, 0.999995]
    shown = [score_text(s) for s in top]
    assert len(set(shown)) == len(top), shown
    assert score_text(0.42) == "42.0%"
