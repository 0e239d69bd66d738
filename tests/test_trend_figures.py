"""Trend charts hatch a period the data does not cover to its end, and say so in the legend:
a short last (or first) bar otherwise reads as a collapse in seizures."""

from __future__ import annotations

from datetime import date

import polars as pl

from components.figures import PARTIAL_PATTERN, month_in_progress, monthly_trend_figure
from pages.explorer.figures import trend_figure

KEY = "Partial period (hatched)"


def _months(*months: date) -> pl.DataFrame:
    n = len(months)
    return pl.DataFrame(
        {
            "month": list(months),
            "events": list(range(1, n + 1)),
            "lbs": [10.0 * (i + 1) for i in range(n)],
        }
    )


def test_trf001_the_month_in_progress():
    assert month_in_progress(date(2026, 12, 6)) == date(2026, 12, 1)
    assert month_in_progress(date(2026, 11, 30)) is None
    assert month_in_progress(date(2025, 2, 28)) is None
    assert month_in_progress(date(2024, 2, 28)) == date(2024, 2, 1)  # a leap year
    assert month_in_progress(None) is None


def test_trf002_overview_hatches_only_the_month_in_progress():
    trend = _months(date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
    fig = monthly_trend_figure(trend, "lbs", "Pounds", date(2026, 10, 31), date(2026, 12, 6))
    bars = {t.name: t for t in fig.data}
    assert list(bars["Published months"].marker.pattern.shape) == [""]
    assert list(bars["Modelled months"].marker.pattern.shape) == ["", PARTIAL_PATTERN]
    assert list(bars["Modelled months"].customdata) == ["", " (to 06 Dec)"]
    assert KEY in bars
    whole = monthly_trend_figure(trend, "lbs", "Pounds", date(2026, 10, 31), date(2026, 12, 31))
    assert KEY not in {t.name for t in whole.data}
    assert set(whole.data[1].marker.pattern.shape) == {""}


def test_trf003_explorer_hatches_partial_periods_and_keeps_a_plain_swatch():
    periods = [date(2026, 8, 31), date(2026, 9, 7), date(2026, 9, 14)]
    series = pl.DataFrame(
        {
            "period": periods,
            "label": ["2026-W36", "2026-W37", "2026-W38"],
            "value": [5.0, 9.0, 8.0],
            "rolling": [5.0, 7.0, 7.3],
            "prior_value": [None, None, None],
            "upper": [None, None, None],
            "lower": [None, None, None],
            "outside": [False, False, False],
            "partial": [True, False, False],
        },
        schema_overrides={"prior_value": pl.Float64, "upper": pl.Float64, "lower": pl.Float64},
    )
    fig = trend_figure(series, "week", "Pounds", yoy=False, published_through=None)
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    measure = bars["Pounds"]
    shapes = dict(zip(measure.x, measure.marker.pattern.shape, strict=True))
    assert shapes == {periods[0]: PARTIAL_PATTERN, periods[1]: "", periods[2]: ""}
    assert measure.marker.pattern.shape[0] == ""  # the legend draws the first point
    assert dict(zip(measure.x, measure.y, strict=True))[periods[0]] == 5.0
    assert KEY in bars
    whole = trend_figure(series.with_columns(partial=False), "week", "Pounds", False, None)
    assert KEY not in {t.name for t in whole.data}


def test_trf004_the_explorer_legend_sits_below_the_plot_in_trace_order():
    """At phone width each entry wraps to a row of its own: above the plot the rows covered its
    top bars; below the dates they push the plot up instead."""
    periods = [date(2026, 8, 31), date(2026, 9, 7)]
    series = pl.DataFrame(
        {
            "period": periods,
            "label": ["2026-W36", "2026-W37"],
            "value": [5.0, 9.0],
            "rolling": [5.0, 7.0],
            "prior_value": [4.0, 6.0],
            "upper": [9.0, 10.0],
            "lower": [1.0, 2.0],
            "outside": [False, True],
            "partial": [False, True],
        }
    )
    fig = trend_figure(series, "week", "Pounds", yoy=True, published_through=None)
    legend = fig.layout.legend
    assert legend.orientation == "h" and legend.y < 0 and legend.yanchor == "top"
    assert legend.traceorder == "normal"  # the measure first, the diamonds last
    named = [t.name for t in fig.data if t.showlegend is not False]
    assert named.index("Pounds") < named.index("Rolling mean") < named.index("Year earlier")


def test_trf006_control_limits_are_lines_that_leave_the_bars_one_colour():
    """Plotly draws a scatter's fill over bars: a band washed each bar above its lower limit, so
    every bar read as two stacked segments. The limits are two dotted lines, one legend entry."""
    periods = [date(2026, 8, 31), date(2026, 9, 7)]
    series = pl.DataFrame(
        {
            "period": periods,
            "label": ["2026-W36", "2026-W37"],
            "value": [5.0, 9.0],
            "rolling": [5.0, 7.0],
            "prior_value": [None, None],
            "upper": [9.0, 10.0],
            "lower": [1.0, 2.0],
            "outside": [False, False],
            "partial": [False, False],
        },
        schema_overrides={"prior_value": pl.Float64},
    )
    fig = trend_figure(series, "week", "Pounds", yoy=False, published_through=None)
    assert all(t.fill in (None, "none") for t in fig.data if t.type == "scatter")
    limits = [t for t in fig.data if t.name == "Control limits (±3σ)"]
    assert [list(t.y) for t in limits] == [[9.0, 10.0], [1.0, 2.0]]
    assert [t.showlegend for t in limits] == [True, False]
    assert {t.legendgroup for t in limits} == {"limits"}


def test_trf005_explorer_names_its_muted_modelled_periods():
    periods = [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]
    series = pl.DataFrame(
        {
            "period": periods,
            "label": ["Nov 2025", "Dec 2025", "Jan 2026"],
            "value": [5.0, 9.0, 8.0],
            "rolling": [5.0, 7.0, 7.3],
            "prior_value": [None, None, None],
            "upper": [None, None, None],
            "lower": [None, None, None],
            "outside": [False, False, False],
            "partial": [False, False, False],
        },
        schema_overrides={"prior_value": pl.Float64, "upper": pl.Float64, "lower": pl.Float64},
    )
    modelled_key = "Modelled (after CBP's published data)"
    fig = trend_figure(series, "month", "Pounds", False, published_through=date(2025, 12, 31))
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    colours = dict(zip(bars["Pounds"].x, bars["Pounds"].marker.color, strict=True))
    assert colours[periods[2]] == bars[modelled_key].marker.color != colours[periods[0]]
    notes = {row[0]: row[-1] for row in bars["Pounds"].customdata}
    assert (
        notes[f"{periods[2]}..2026-01-31"] == " (modelled)"
        and notes[f"{periods[0]}..2025-11-30"] == ""
    )
    published = trend_figure(series, "month", "Pounds", False, published_through=date(2026, 1, 31))
    assert modelled_key not in {t.name for t in published.data}


def test_trf_short_monthly_trends_tick_each_month():
    from datetime import date

    import polars as pl

    from components.figures import monthly_trend_figure

    trend = pl.DataFrame(
        {
            "month": [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)],
            "events": [10, 12, 3],
            "lbs": [1.0, 2.0, 3.0],
        }
    )
    figure = monthly_trend_figure(trend, "lbs", "Pounds", None, date(2026, 12, 7))
    assert figure.layout.xaxis.dtick == "M1" and figure.layout.xaxis.tickformat == "%b %Y"
