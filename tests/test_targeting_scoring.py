"""Scoring: the scores table covers every shipment once, a live batch scores exactly like the
batch job, scoring a thousand new shipments is fast, and a lake without a model still ranks."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from queries.gateway import Gateway
from targeting import rules, scoring


@pytest.fixture(scope="module")
def scored(scored_lake) -> Gateway:
    """The scored copy of the demo lake (the internal app serves the same one)."""
    return Gateway(scored_lake)


def test_tgc001_every_shipment_scored_once(scored):
    counts = scored.frame(
        "SELECT (SELECT count(*) FROM shipments) AS shipments, count(*) AS scores, "
        "count(DISTINCT shipment_id) AS ids, min(score) AS lo, max(score) AS hi, "
        "count(DISTINCT model_version) AS versions FROM scores"
    ).row(0, named=True)
    assert counts["scores"] == counts["ids"] == counts["shipments"]
    assert 0.0 <= counts["lo"] < counts["hi"] <= 1.0
    assert counts["versions"] == 1
    flags = scored.frame("SELECT DISTINCT unnest(flags) AS f FROM scores")["f"].to_list()
    assert set(flags) <= set(rules.RULE_NAMES) and len(flags) >= 6
    orphans = scored.scalar("SELECT count(*) FROM scores s ANTI JOIN shipments USING (shipment_id)")
    assert orphans == 0


def test_tgc002_high_scores_carry_reasons_and_flags(scored):
    top = scored.frame("SELECT score, flags, reasons FROM scores ORDER BY score DESC LIMIT 20")
    assert all(r for r in top["reasons"])
    assert all(len(f) > 0 for f in top["flags"])


def test_tgc003_live_scores_equal_the_batch_scores(scored):
    last = scored.scalar("SELECT max(arrived_at) FROM shipments")
    batch = scored.frame(
        "SELECT * FROM shipments WHERE arrived_at > ? ORDER BY arrived_at DESC",
        [last - timedelta(days=10)],
    )
    live = scoring.score_shipments(batch, scored)
    assert live["shipment_id"].to_list() == batch["shipment_id"].to_list()  # input order
    assert live.columns == list(scoring.SCORE_COLUMNS)
    stored = scored.frame(
        "SELECT shipment_id, score, flags, reasons FROM scores WHERE list_contains(?, shipment_id)",
        [batch["shipment_id"].to_list()],
    )
    joined = live.join(stored, on="shipment_id", suffix="_lake")
    assert joined.height == batch.height
    assert (joined["score"] - joined["score_lake"]).abs().max() < 1e-9
    assert joined["flags"].to_list() == joined["flags_lake"].to_list()
    assert joined["reasons"].to_list() == joined["reasons_lake"].to_list()


def new_batch(gateway: Gateway, size: int) -> pl.DataFrame:
    """``size`` new shipments: lake rows given new ids and today's arrival, nothing examined."""
    last = gateway.scalar("SELECT max(arrived_at) FROM shipments")
    rows = gateway.frame("SELECT * FROM shipments ORDER BY arrived_at DESC LIMIT ?", [size])
    return rows.with_columns(
        pl.format("NEW{}", pl.int_range(pl.len()).cast(pl.Utf8).str.zfill(6)).alias("shipment_id"),
        (pl.lit(last) + pl.duration(seconds=pl.int_range(pl.len()) + 1)).alias("arrived_at"),
        pl.lit(False).alias("examined"),
        pl.lit("not_examined").alias("outcome"),
        pl.lit(None, pl.Utf8).alias("seizure_id"),
    )


def test_tgc004_a_thousand_new_shipments_are_each_scored_the_same_twice(scored):
    """Scored again from the day's snapshot (built once), every row gets the same score; how
    fast is measured by ``python -m bench --backfill``, not here."""
    batch = new_batch(scored, 1000)
    first = scoring.score_shipments(batch, scored)
    again = scoring.score_shipments(batch, scored)
    assert again.height == 1000 and again["score"].null_count() == 0
    assert again["score"].to_list() == first["score"].to_list()


def test_tgc007_prepare_builds_the_days_snapshot_ahead(scored, monkeypatch):
    from queries import targeting_history

    batch = new_batch(scored, 20).with_columns(
        pl.col("arrived_at") + pl.duration(days=30)  # a day nobody has scored yet
    )
    scoring.prepare(scored, batch["arrived_at"].min())

    def refuse(*_args):
        raise AssertionError("snapshot rebuilt although prepared")

    monkeypatch.setattr(targeting_history, "day_priors", refuse)
    monkeypatch.setattr(targeting_history, "month_norms", refuse)
    out = scoring.score_shipments(
        batch.filter(pl.col("arrived_at").dt.date() == batch["arrived_at"].min().date()), scored
    )
    assert out.height > 0


def test_tgc005_written_scores_reach_the_lake(scored, tmp_path):
    batch = new_batch(scored, 5)
    live = scoring.score_shipments(batch, scored)
    written = scoring.write_scores(live, batch, "live-test", scored.data_dir)
    try:
        assert written
        scored.refresh(force=True)  # the gateway looks for new files at most twice a second
        back = scored.frame(
            "SELECT shipment_id, score FROM scores WHERE starts_with(shipment_id, 'NEW') "
            "ORDER BY shipment_id"
        )
        assert back["shipment_id"].to_list() == sorted(batch["shipment_id"].to_list())
    finally:
        from lake.writer import commit

        commit("scores", remove=written, data_dir=scored.data_dir)
        scored.refresh(force=True)
    assert scored.scalar("SELECT count(*) FROM scores WHERE starts_with(shipment_id, 'NEW')") == 0


def test_tgc006_without_a_model_the_score_is_the_share_of_flags(scored, tmp_path):
    batch = new_batch(scored, 50).with_columns(pl.lit("John Doe").alias("consignee_name"))
    plain = Gateway(tmp_path)  # an empty data folder: no lake, no model
    out = scoring.score_shipments(batch, plain)
    assert set(out["model_version"]) == {scoring.RULES_ONLY}
    fired = out["flags"].list.len()
    assert (out["score"] - fired / len(rules.RULES)).abs().max() < 1e-6  # rounded to 6 places
    assert all("placeholder_consignee" in f for f in out["flags"])
    assert all("Placeholder name" in r for r in out["reasons"])
    assert scoring.score_shipments(batch.head(0), plain).columns == list(scoring.SCORE_COLUMNS)


def test_tgc008_arrivals_are_scored_off_the_feeds_path(scored):
    """The watcher hands a batch's shipments to the background scorer and moves on; once the
    scorer is drained, the batch's scores are in the lake under the batch's name."""
    from ingest.live.batch import BATCH_PREFIX, drain_scoring, run_off_path
    from lake.layout import table_files
    from lake.writer import commit

    batch = new_batch(scored, 7)
    run_off_path(scoring.score_arrivals, batch, f"{BATCH_PREFIX}bg-test", scored.data_dir)
    drain_scoring(timeout=120)
    written = [p for p in table_files("scores", scored.data_dir) if "bg-test" in p.name]
    try:
        assert written and all(p.name.startswith(BATCH_PREFIX) for p in written)
        scored.refresh(force=True)
        n = scored.scalar("SELECT count(*) FROM scores WHERE starts_with(shipment_id, 'NEW')")
        assert n == batch.height
    finally:
        commit("scores", remove=written, data_dir=scored.data_dir)
        scored.refresh(force=True)
