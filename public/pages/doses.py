"""Public potential doses: fentanyl seized each fiscal year as a range of potentially lethal
doses, with the assumptions behind each end of the range and their sources."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from public import doses, figures, ui
from public import extract as px

dash.register_page(
    __name__, path="/doses", name="Potential doses", title="Chokepoint · Potential doses", order=3
)
KEYS = ("region", "component", "area")


def assumptions() -> html.Section:
    rows = [
        html.Tr([html.Th(a.name, scope="row"), html.Td(a.value), html.Td(a.source)])
        for a in doses.ASSUMPTIONS
    ]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Assumption", "Value", "Source")]))
    return html.Section(
        [
            html.H2("How the range is worked out", className="h5"),
            html.P(
                "CBP publishes the weight of fentanyl seized, powder and pills together, not its "
                "purity. The low end assumes every pound was counterfeit pills at the lowest "
                "fentanyl content measured in pills CBP seized; the high end assumes every pound "
                "was powder at 10% purity. The figure often quoted, 226,796 doses a pound, "
                "assumes pure fentanyl and is shown only as a ceiling.",
                className="small",
            ),
            html.Div(
                html.Table(
                    [
                        html.Caption("Assumptions", className="visually-hidden"),
                        head,
                        html.Tbody(rows),
                    ],
                    className="table table-sm mb-2",
                ),
                className="table-scroll",
                tabIndex="0",
                role="region",
                **{"aria-label": "Assumptions table"},
            ),
            html.P(
                "A potentially lethal dose is a toxicology benchmark. The range is not a count "
                "of lives saved or deaths prevented: seized drugs might never have reached anyone, "
                "and people who use drugs often have tolerance.",
                className="small mb-0",
            ),
        ],
        className="public-card card card-body mb-3",
    )


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    frame = doses.with_doses(px.fentanyl_by_year(q, info))
    where = q.where if q.where != "Nationwide" else "nationwide"
    shown = frame.filter(~pl.col("suppressed"))
    if shown.height:
        last = shown.row(-1, named=True)
        summary = (
            f"FY{last['fiscal_year']}{' to date' if last['provisional'] else ''}: "
            f"{ui.number(last['lbs'])} lbs of fentanyl, between {ui.number(last['doses_low'])} and "
            f"{ui.number(last['doses_high'])} potentially lethal doses."
        )
    else:
        summary = "Fentanyl seizures are suppressed for every year of this selection."
    hidden = int(frame["suppressed"].sum()) if frame.height else 0
    if hidden:
        summary += f" {hidden} years are suppressed."
    return html.Div(
        [
            ui.page_header(
                "Potential doses of fentanyl seized",
                "Pounds of fentanyl turned into potentially lethal 2 mg doses, as a range that "
                "allows for purity and pill content.",
            ),
            ui.filter_bar(q, KEYS, list(info.fiscal_years), info),
            ui.figure_card(
                "doses",
                f"Potentially lethal doses in the fentanyl seized, {where}",
                figures.doses_figure(frame),
                summary,
                ui.table(
                    frame,
                    {
                        "fiscal_year": "Fiscal year",
                        "lbs": "Fentanyl, pounds",
                        "doses_low": "Doses, low",
                        "doses_high": "Doses, high",
                        "doses_if_pure": "If pure (ceiling)",
                    },
                    "Fentanyl pounds and potentially lethal doses by fiscal year",
                ),
                download=("doses", q),
            ),
            assumptions(),
            ui.provenance(info),
        ]
    )
