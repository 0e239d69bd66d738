"""The Referrals page's reads against independent computations on the demo lake: the funnel
counted with SQL of the test's own over the raw events (not the ``referrals`` view), the time
to outcome fitted by lifelines directly on one duration per case (not the page's weighted rows),
the stalled list and one case read back from the events as they were written."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from lake import referral_lifecycle as lifecycle
from pages.referrals import survival
from queries import referral_case, referrals, seizure_stats
from queries.filters import Filters
from tests.referral_helpers import (
    own_durations,
    own_funnel,
    own_seizures,
    raw_lake,
    rows,
)

FILTER_SETS = (
    Filters(),
    Filters(fy=2024, category=("drug",)),
    Filters(mode=("express", "mail"), start=date(2022, 1, 1), end=date(2025, 6, 30)),
)
STEPS_WITH_DAYS = ("accepted", "investigation_opened", "warrant", "arrest", "prosecution")


@pytest.fixture(scope="module")
def raw(demo_lake):
    """A plain DuckDB over the lake's files: the test's own reads, no view of the app's."""
    return raw_lake(demo_lake)


@pytest.mark.parametrize("filters", FILTER_SETS, ids=["all", "fy2024-drugs", "parcels-dated"])
def test_refq001_funnel_counts_equal_an_independent_count(raw, demo_gateway, filters):
    expected = own_funnel(raw, filters)
    got = referrals.funnel(filters, demo_gateway)
    assert sum(v["referred"] for v in expected.values()) > 50  # a real sample, not an empty one
    assert {r["agency"]: {s: r[s] for s in lifecycle.FUNNEL} for r in got.to_dicts()} == expected
    assert seizure_stats.matching_events(filters, demo_gateway) == own_seizures(raw, filters)


def _same(a: float | None, b: float) -> bool:
    return (a is None and not np.isfinite(b)) or (a is not None and a == pytest.approx(b))


@pytest.mark.parametrize("step", STEPS_WITH_DAYS)
@pytest.mark.parametrize("filters", FILTER_SETS[:2], ids=["all", "fy2024-drugs"])
def test_refq002_kaplan_meier_equals_lifelines_on_one_duration_per_case(
    raw, demo_gateway, filters, step
):
    cases, as_of = own_durations(raw, filters, step)
    assert referrals.as_of(demo_gateway) == as_of
    fits = {
        c.group: c
        for c in survival.curves(referrals.durations(filters, step, "agency", as_of, demo_gateway))
    }
    assert set(fits) == set(cases["agency"].unique())
    for agency, group in cases.group_by("agency"):
        (agency,) = agency
        page = fits[agency]
        km = KaplanMeierFitter().fit(group["days"].to_numpy(), group["reached"].to_numpy())
        assert page.referrals == group.height
        assert page.reached == int(group["reached"].sum())
        assert page.ended == int((~group["reached"] & group["finished"]).sum())
        assert page.still_open == group.height - page.reached - page.ended
        assert _same(page.median, km.median_survival_time_)
        lower, upper = median_survival_times(km.confidence_interval_).iloc[0]
        assert _same(page.median_lower, lower) and _same(page.median_upper, upper)
        days = page.days
        assert page.incidence == pytest.approx(1 - km.survival_function_at_times(days).to_numpy())
        bands = (
            km.confidence_interval_.reindex(km.confidence_interval_.index.union(days))
            .ffill()
            .loc[days]
        )
        assert page.lower == pytest.approx(1 - bands.iloc[:, 1].to_numpy())
        assert page.upper == pytest.approx(1 - bands.iloc[:, 0].to_numpy())
        year = 1 - km.survival_function_at_times([365]).iloc[0]
        assert page.within_year == pytest.approx(year)
        at_risk = {d: int((group["days"] >= d).sum()) for d in survival.AT_RISK_DAYS}
        assert page.at_risk == at_risk


def test_refq003_a_case_closed_without_the_step_counts_as_never_reaching_it(raw, demo_gateway):
    """Closed and declined cases count as not having got there, not as censored at their
    closing day: over seizures old enough that every case was followed past the chart's three
    years, nothing is censored on the chart, and each curve is exactly the share of the cases
    that got there within so many days. Censoring the closed ones would overstate it."""
    as_of = referrals.as_of(demo_gateway)
    old = Filters(end=as_of - timedelta(days=survival.HORIZON_DAYS + 30))
    cases, _ = own_durations(raw, old, "arrest")
    rows = referrals.durations(old, "arrest", "agency", as_of, demo_gateway)
    page = {c.group: c for c in survival.curves(rows)}
    assert sum(c.ended for c in page.values()) > 0
    for (agency,), group in cases.group_by("agency"):
        curve = page[agency]
        followed = [(as_of - referred).days for referred in group["referred"]]
        assert min(followed) > survival.HORIZON_DAYS  # every case followed past the chart
        reached_days = group.filter(pl.col("reached"))["days"].to_numpy()
        share = [float((reached_days <= d).sum() / group.height) for d in curve.days]
        assert curve.incidence == pytest.approx(share)
        # the reading the page does not make: a closed case censored at its closing day
        ended = group["finished"] & ~group["reached"]
        naive_days = np.where(ended, group["ended_days"].to_numpy(), group["days"].to_numpy())
        naive = KaplanMeierFitter().fit(naive_days, group["reached"].to_numpy())
        horizon = survival.HORIZON_DAYS
        overstated = 1 - naive.survival_function_at_times([horizon]).iloc[0]
        assert overstated > curve.incidence[-1] + 0.01


def test_refq004_stalled_cases_are_the_open_ones_quiet_longest_first(raw, demo_gateway):
    as_of = referrals.as_of(demo_gateway)
    cutoff = as_of - timedelta(days=90)
    expected = rows(
        raw,
        """SELECT referral_id FROM cases
           WHERE NOT finished AND last_event <= ?
           ORDER BY last_event, referred, referral_id""",
        [cutoff],
    )
    shown, total = referrals.stalled(Filters(), as_of, 90, 0, 50, demo_gateway)
    assert total == len(expected) > 0
    assert [r["referral_id"] for r in shown] == [r[0] for r in expected[:50]]
    assert all(r["idle_days"] >= 90 for r in shown)
    page_two, _ = referrals.stalled(Filters(), as_of, 90, 50, 100, demo_gateway)
    assert [r["referral_id"] for r in page_two] == [r[0] for r in expected[50:100]]


def test_refq005_a_case_holds_every_event_in_the_order_it_happened(raw, demo_gateway):
    (referral_id,) = rows(
        raw,
        "SELECT referral_id FROM cases WHERE warrant IS NOT NULL AND finished "
        "ORDER BY referral_id LIMIT 1",
    )[0]
    found = referral_case.case(referral_id, demo_gateway)
    events = rows(
        raw, "SELECT event_id, step, occurred_on FROM ev WHERE referral_id = ?", [referral_id]
    )
    order = {s: i for i, s in enumerate(lifecycle.STEPS)}
    expected = sorted(events, key=lambda e: (e[2], order[e[1]]))
    assert [(e["event_id"], e["step"], e["occurred_on"]) for e in found["events"]] == expected
    assert found["summary"]["status"] == "closed" and not found["summary"]["is_open"]
    seizure = found["seizure"]
    (seizure_id,) = rows(
        raw, "SELECT seizure_id FROM ev WHERE referral_id = ? AND step = 'referred'", [referral_id]
    )[0]
    assert seizure["seizure_id"] == seizure_id


def test_refq006_related_seizures_share_the_route_or_the_parties(raw, demo_gateway):
    con = raw
    (referral_id,) = rows(
        con,
        """SELECT c.referral_id FROM cases c JOIN sh ON sh.seizure_id = c.seizure_id
           ORDER BY c.referral_id LIMIT 1""",
    )[0]
    found = referral_case.case(referral_id, demo_gateway)
    seizure, shipment = found["seizure"], found["shipment"]
    assert shipment is not None
    (route,) = rows(
        con,
        """SELECT count(*) FROM sz WHERE seizure_id <> ? AND mode = ?
           AND coalesce(source_country, '') = coalesce(?, '')
           AND coalesce(transit_country, '') = coalesce(?, '')
           AND coalesce(port_code, '') = coalesce(?, '')""",
        [
            seizure["seizure_id"],
            seizure["mode"],
            seizure["source_country"],
            seizure["transit_country"],
            seizure["port_code"],
        ],
    )[0]
    (parties,) = rows(
        con,
        """SELECT count(*) FROM sh JOIN sz ON sz.seizure_id = sh.seizure_id
           WHERE (sh.shipper_id = ? OR sh.consignee_id = ?) AND sz.seizure_id <> ?""",
        [shipment["shipper_id"], shipment["consignee_id"], seizure["seizure_id"]],
    )[0]
    related = found["related"]
    assert related["route_total"] == route and related["parties_total"] == parties
    assert len(related["route"]) == min(route, referral_case.RELATED_ROWS)
    dates = [r["event_date"] for r in related["route"]]
    assert dates == sorted(dates, reverse=True)


def test_refq007_unknown_steps_groups_and_ids_are_refused_before_any_sql(demo_gateway):
    with pytest.raises(ValueError):
        referrals.durations(Filters(), "closed", "agency", date(2026, 1, 1), demo_gateway)
    with pytest.raises(ValueError):
        referrals.durations(Filters(), "arrest", "port; DROP", date(2026, 1, 1), demo_gateway)
    assert referral_case.case("no-such-referral", demo_gateway) is None
    assert referral_case.case("x" * 65, demo_gateway) is None
