"""Named queries over the public extract's views (``cbp_cube``, ``modes_cube``, ``areas``).

The public instance's extract reader (``public/extract.py``) decides what each page shows; the
statements it runs are here, with every other statement of the project, so one folder holds all
there is to review for bound parameters. Each query takes the public gateway (anything with
``has`` and ``frame``) and plain values; the text of a statement is fixed, chosen by name from the
tables below, and every value is a bound parameter. A view the extract does not carry gives an
empty frame.
"""

from __future__ import annotations

from typing import Literal, Protocol

import polars as pl

from queries.executor import Params


class ExtractGateway(Protocol):
    """What these queries need of the public gateway (``public/gateway.py``)."""

    def has(self, view: str) -> bool: ...

    def frame(self, sql: str, params: Params = None) -> pl.DataFrame: ...


# Which cells of the CBP cube a page reads, by name: geo is a region, a component, an office
# or the nation; period 'FY' is a fiscal year's total, period_kind 'month' a month.
CUBE_WHERE = {
    "year_and_prior": "geo = ? AND ((fiscal_year = ? AND period = 'FY') "
    "OR (fiscal_year = ? AND period = ?))",
    "year_by_drug": "geo = ? AND fiscal_year = ? AND period = 'FY' AND drug_type <> ?",
    "every_year": "geo = ? AND period = 'FY'",
    "months_of_drug": "geo = ? AND drug_type = ? AND period_kind = 'month'",
    "fentanyl_years": "geo = ? AND drug_type = 'Fentanyl' AND period = 'FY'",
}
CUBE_COLUMNS = {
    "totals": "fiscal_year, drug_type, events, lbs, suppressed",
    "yearly": "fiscal_year, fy_partial AS provisional, drug_type, events, lbs, suppressed",
    "monthly": "month_start AS month, fiscal_year, events, lbs, suppressed",
    "fentanyl": "fiscal_year, fy_partial AS provisional, events, lbs, suppressed",
}
CubeWhere = Literal[
    "year_and_prior", "year_by_drug", "every_year", "months_of_drug", "fentanyl_years"
]
CubeColumns = Literal["totals", "yearly", "monthly", "fentanyl"]

# Offices and sectors of one drug type, narrowed to a region, a component or one office (each
# None for all): parameters drug, region, region, component, component, area, area.
AREA_SCOPE = """c.geo_level = 'area' AND c.drug_type = ? AND (? IS NULL OR c.region = ?)
          AND (? IS NULL OR c.component = ?) AND (? IS NULL OR c.geo = ?)"""

MODES_WHERE = {
    "year_of_commodity": "fiscal_year = ? AND commodity = ?",
    "commodity": "commodity = ?",
    "year_of_commodities": "fiscal_year = ? AND list_contains(?, commodity)",
}
ModesWhere = Literal["year_of_commodity", "commodity", "year_of_commodities"]


def extract_areas(g: ExtractGateway) -> pl.DataFrame:
    """The extract's field offices and sectors: id, name, region, component, by name."""
    if not g.has("areas"):
        return pl.DataFrame()
    return g.frame("SELECT area_id, name, region, component FROM areas ORDER BY name")


def cube(g: ExtractGateway, where: CubeWhere, params: list, columns: CubeColumns) -> pl.DataFrame:
    """Cells of the CBP cube: ``where`` and ``columns`` name fixed texts above."""
    if not g.has("cbp_cube"):
        return pl.DataFrame()
    return g.frame(
        f"SELECT {CUBE_COLUMNS[columns]} FROM cbp_cube WHERE {CUBE_WHERE[where]}",  # noqa: S608
        params,
    )


def area_year(
    g: ExtractGateway, fiscal_year: int, scope: list, by: Literal["events", "lbs"]
) -> pl.DataFrame:
    """Offices and sectors in a fiscal year with their map positions, largest ``by`` first;
    ``scope`` is ``AREA_SCOPE``'s parameters."""
    if not (g.has("cbp_cube") and g.has("areas")):
        return pl.DataFrame()
    order = {"events": "c.events", "lbs": "c.lbs"}[by]
    return g.frame(
        f"""
        SELECT a.name, a.component, a.region, a.latitude, a.longitude,
               c.events, c.lbs, c.suppressed
        FROM cbp_cube c JOIN areas a ON a.area_id = c.geo
        WHERE c.fiscal_year = ? AND c.period = 'FY' AND {AREA_SCOPE}
        ORDER BY {order} DESC NULLS LAST, a.name
        """,  # noqa: S608 -- AREA_SCOPE and the order column are fixed text
        [fiscal_year, *scope],
    )


def area_months(g: ExtractGateway, fiscal_year: int, scope: list) -> pl.DataFrame:
    """Every office or sector by month of a fiscal year: the finest published cells."""
    if not (g.has("cbp_cube") and g.has("areas")):
        return pl.DataFrame()
    return g.frame(
        f"""
        SELECT a.name, c.month_start AS month, c.events, c.lbs, c.suppressed
        FROM cbp_cube c JOIN areas a ON a.area_id = c.geo
        WHERE c.fiscal_year = ? AND c.period_kind = 'month' AND {AREA_SCOPE}
        ORDER BY a.name, c.month_start
        """,  # noqa: S608 -- AREA_SCOPE is fixed text
        [fiscal_year, *scope],
    )


def modes_rows(g: ExtractGateway, where: ModesWhere, params: list) -> pl.DataFrame:
    """Rows of the modelled modes table, by fiscal year with each year's 'All modes' first."""
    if not g.has("modes_cube"):
        return pl.DataFrame()
    return g.frame(
        f"""
        SELECT fiscal_year, fy_partial AS provisional, commodity, mode, events, lbs, suppressed
        FROM modes_cube WHERE {MODES_WHERE[where]}
        ORDER BY fiscal_year, mode = 'All modes' DESC, mode
        """,  # noqa: S608 -- the WHERE text is fixed, chosen by name
        params,
    )
