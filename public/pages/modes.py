"""Public view of the modelled national totals by mode of transport: fentanyl or all drugs, in
pounds, events or potential doses, for a fiscal year and across the years, with precursor
chemicals and production equipment beside them.

CBP does not publish mode of transport; these totals come from this project's modelled demo
events and say so on the page. Only cells that pass the count and dominance rules are shown.
"""

from __future__ import annotations

from dataclasses import replace

import dash
import polars as pl
from dash import html

from public import doses, figures, ui
from public import extract as px

dash.register_page(
    __name__, path="/modes", name="Modes (modelled)", title="Chokepoint · Modes", order=4
)
KEYS = ("fy", "drug", "measure")
COLUMNS = {"mode": "Mode", "events": "Events", "lbs": "Pounds"}


def _not_applied(q: px.PublicQuery) -> html.P | None:
    """Filters carried over from another page that this national, fentanyl-or-all table
    cannot honour, said out loud rather than ignored silently."""
    notes = []
    if q.region or q.component or q.area:
        notes.append(
            f"Mode figures are national: {q.where} is not applied (by region or office most "
            "cells would have too few seizures to show)."
        )
    if q.drug and q.drug not in px.MODES_DRUGS:
        notes.append(
            f"Mode figures split drugs into fentanyl and all others: showing all drugs, not "
            f"{px.drug_label(q.drug).lower()}."
        )
    return html.P(" ".join(notes), className="small alert alert-info py-2") if notes else None


def _summary(frame: pl.DataFrame, q: px.PublicQuery, what: str) -> str:
    by_mode = frame.filter(pl.col("mode") != "All modes")
    shown = by_mode.filter(~pl.col("suppressed"))
    measure = "lbs" if q.value == "doses" else q.value
    text = ""
    if shown.height:
        lead = shown.sort(pl.col(measure).fill_null(0), descending=True).row(0, named=True)
        total = frame.filter(pl.col("mode") == "All modes")
        unit = "lbs" if measure == "lbs" else "events"
        text = f"{lead['mode']} carried the most {what}: {ui.number(lead[measure])} {unit}"
        if total.height and not total["suppressed"][0] and total[measure][0]:
            text += f" ({lead[measure] / total[measure][0]:.0%} of {ui.number(total[measure][0])})"
        text += ". "
    hidden = int(by_mode["suppressed"].sum())
    return text + f"{hidden} of {by_mode.height} modes are suppressed."


def _other_summary(other: pl.DataFrame) -> str:
    text = (
        "Seizures CBP's drug figures leave out: chemicals used to make synthetic drugs, and pill "
        "presses, die sets and other equipment (counted in pieces, so they have no pounds)."
    )
    present = set(other["commodity"].to_list()) if other.height else set()
    missing = [c for c in px.MODES_OTHER if c not in present]
    if missing:
        text += f" No {' or '.join(m.lower() for m in missing)} this year."
    return text


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    years = list(info.modelled_years)
    if q.fy is not None and q.fy not in years:
        return ui.error_view(f"no modelled figures for FY{q.fy}")
    frame = px.modes(q, info)
    if frame.is_empty():
        return html.Div([ui.page_header("Modes", ""), ui.no_extract()])
    fy = frame["fiscal_year"][0]
    q = replace(q, fy=int(fy))  # the year the page shows is the year its picker shows
    label = f"FY{fy}" + (" to date" if frame["provisional"][0] else "")
    commodity = px.modes_commodity(q)
    what = "fentanyl" if commodity == "Fentanyl" else "drugs"
    by_mode = frame.filter(pl.col("mode") != "All modes")
    if q.value == "doses":
        ranked = by_mode.sort(pl.col("lbs").fill_null(-1))  # the most at the top
        chart = figures.dose_range_figure(doses.with_doses(ranked), "mode", horizontal=True)
        title = f"Potential doses of fentanyl seized, by mode, {label} (modelled)"
    else:
        chart = figures.modes_figure(by_mode, q.value)
        title = f"{px.MEASURES[q.value]} of {what} by mode, {label} (modelled)"
    trend_measure = "lbs" if q.value == "doses" else q.value
    history = px.modes_by_year(q, info)
    other = px.modes_other(q, info)
    return html.Div(
        [
            ui.page_header(
                "Seizures by mode of transport (modelled)",
                "CBP does not publish how seized drugs travelled. These national totals come from "
                "this project's modelled demo data, not from CBP, and show the kind of figure a "
                "real extract would give.",
            ),
            html.P(
                html.Strong("Modelled demo data: not official statistics."),
                className="modelled-banner p-2 mb-3",
                role="note",
            ),
            ui.filter_bar(q, KEYS, years, info, drugs=px.MODES_DRUGS),
            _not_applied(q),
            ui.figure_card(
                "modes",
                title,
                chart,
                _summary(frame, q, what),
                ui.table(
                    doses.with_doses(frame) if q.value == "doses" else frame,
                    {**COLUMNS, **(ui.DOSE_COLUMNS if q.value == "doses" else {})},
                    f"Modelled events and pounds of {what} by mode, {label}",
                ),
                download=("modes", q),
            ),
            ui.figure_card(
                "modes-years",
                f"{px.MEASURES[trend_measure]} of {what} by mode, every fiscal year (modelled)",
                figures.modes_years_figure(history, trend_measure, int(fy)),
                f"The six modes that carried the most in FY{fy}; a gap is a suppressed year. "
                "The table lists every mode and year.",
                ui.table(
                    history,
                    {"fiscal_year": "Fiscal year", **COLUMNS},
                    f"Modelled events and pounds of {what} by mode and fiscal year",
                ),
                download=("modes-years", q),
            ),
            ui.figure_card(
                "modes-other",
                f"Precursor chemicals and production equipment by mode, {label} (modelled)",
                None,
                _other_summary(other),
                ui.table(
                    other,
                    {"commodity": "Commodity", **COLUMNS},
                    f"Modelled precursor and equipment seizures by mode, {label}",
                ),
                download=("modes-other", q),
            ),
            ui.provenance(info, modelled=True),
        ]
    )
