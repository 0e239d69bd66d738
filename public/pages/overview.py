"""Public overview: the headline figures (fiscal year to date against the same months a year
earlier while the year is open) and the mix of drugs seized, nationwide or for one region."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from public import doses, figures, ui
from public import extract as px

dash.register_page(
    __name__, path="/", name="Overview", title="Chokepoint · Drug seizures at U.S. borders", order=0
)
KEYS = ("fy", "region", "component", "area", "drug", "measure")


def _detail(row: dict, info: px.Extract) -> str:
    prior = ui.number(row["prior_value"], row["prior_suppressed"])
    fy, before = row["fiscal_year"], row["prior_fiscal_year"]
    if row["prior_value"] is None and not row["prior_suppressed"]:
        return f"No FY{before} figures in the public data to compare with."
    if row["provisional"]:
        when = f"the same months of FY{before} ({ui.period_months(info, before)})"
    else:
        when = f"FY{before}"
    change = row["change_pct"]
    trend = "" if change is None else f" ({change:+.0f}%)"
    if row["suppressed"] or row["prior_suppressed"]:
        trend = ""
    return f"against {prior} in {when}{trend}. FY{fy}" + (
        f" to date covers {ui.period_months(info, fy)}." if row["provisional"] else "."
    )


def notes() -> html.Section:
    return html.Section(
        [
            html.H2("What these numbers mean", className="h5"),
            html.Ul(
                [
                    html.Li(
                        "A seizure event is one seizure by CBP officers or agents: not a person, "
                        "a case or a conviction. One event can hold a few grams or several tons."
                    ),
                    html.Li(
                        "More seizures can mean more smuggling, more or better enforcement, or "
                        "both. These figures alone cannot tell which."
                    ),
                    html.Li(
                        "Weights are CBP's reported pounds of each drug as seized, at unknown "
                        "purity; fentanyl includes powder and pills."
                    ),
                    html.Li(
                        "The open fiscal year is provisional: CBP revises recent months as "
                        "records are completed."
                    ),
                ],
                className="small mb-0",
            ),
        ],
        className="public-card card card-body mb-3",
    )


def yearly_card(q: px.PublicQuery, info: px.Extract, measure: str):
    """Every fiscal year's total for the drug chosen (all drugs when none is), with every drug
    type by year in the table: the yearly view CBP's dashboard opens with."""
    frame = px.yearly_by_drug(q, info)
    drug = px.drug_label(q.drug_type)
    unit = "pounds" if measure == "lbs" else "seizure events"
    part = frame.filter((pl.col("drug_type") == drug) & ~pl.col("suppressed"))
    closed = part.filter(~pl.col("provisional"))
    if closed.height:
        top = closed.sort(measure, descending=True).row(0, named=True)
        summary = (
            f"The most {unit} of {drug.lower()} in a full fiscal year: "
            f"{ui.number(top[measure])} in FY{top['fiscal_year']}. The open year (grey) is "
            "to date."
        )
    else:
        summary = "No full fiscal year is published for this selection."
    chart = figures.yearly_figure(frame, measure, drug)
    if q.value == "doses":
        fentanyl = doses.with_doses(frame.filter(pl.col("drug_type") == "Fentanyl"))
        chart = figures.dose_range_figure(
            fentanyl.with_columns(("FY" + pl.col("fiscal_year").cast(pl.Utf8)).alias("year")),
            "year",
        )
        summary += " Doses: the range from the Potential doses page, worked out from pounds."
    pivot = frame.pivot(on="fiscal_year", index="drug_type", values=measure)
    years = [c for c in pivot.columns if c != "drug_type"]
    return ui.figure_card(
        "yearly",
        f"{px.MEASURES[q.value]} of {drug.lower()} by fiscal year, {q.where}",
        chart,
        summary,
        ui.table(
            pivot,
            {"drug_type": "Drug type", **{y: f"FY{y}" for y in years}},
            f"{px.MEASURES[measure]} by drug type and fiscal year",
        ),
        download=("yearly-by-drug", q),
    )


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    fy = q.fy or info.latest_fy
    rows = px.headline(q, info)
    where = q.where
    cards = [
        ui.kpi(
            row["measure"],
            ui.number(row["value"], row["suppressed"]),
            _detail(row, info),
            row["provisional"],
        )
        for row in rows.iter_rows(named=True)
    ]
    mix = px.drug_mix(q, info)
    measure = "events" if q.value == "events" else "lbs"
    shown = mix.filter(~pl.col("suppressed"))
    lead = shown.row(0, named=True) if shown.height else None
    place = where.lower() if where == "Nationwide" else where
    if lead and measure == "lbs":
        summary = (
            f"{lead['drug_type']} was the heaviest drug seized ({ui.number(lead['lbs'])} lbs) "
            f"in FY{fy}, {place}."
        )
    elif lead:
        summary = (
            f"{lead['drug_type']} was seized most often ({ui.number(lead['events'])} events) "
            f"in FY{fy}, {place}."
        )
    else:
        summary = "Every drug type is suppressed for this selection."
    suppressed = mix.filter(pl.col("suppressed")).height
    if suppressed:
        summary += f" {suppressed} drug types are suppressed (too few events to show)."
    return html.Div(
        [
            ui.page_header(
                "Drug seizures at U.S. borders",
                "Seizures by CBP's Office of Field Operations (ports of entry) and U.S. Border "
                "Patrol (between ports), from CBP's published statistics.",
            ),
            ui.filter_bar(q, KEYS, list(info.fiscal_years), info),
            html.Section(
                [
                    html.H2(
                        f"{where}, FY{fy}" + (" to date" if fy == info.open_fy else ""),
                        className="h5",
                    ),
                    html.Div(cards, className="row"),
                    html.P(
                        html.A(
                            "Download these figures (CSV)",
                            href=ui.download_href("headline", q),
                            className="small csv-link",
                            download="",
                        ),
                        className="mb-3",
                    ),
                ],
                id="headline",
            ),
            ui.figure_card(
                "mix",
                f"Drugs seized in FY{fy}, {where}",
                figures.mix_figure(mix, measure),
                summary,
                ui.table(
                    mix,
                    {"drug_type": "Drug type", "events": "Events", "lbs": "Pounds"},
                    "Events and pounds by drug type",
                ),
                download=("drug-mix", q),
            ),
            yearly_card(q, info, measure),
            notes(),
            ui.provenance(info),
        ]
    )
