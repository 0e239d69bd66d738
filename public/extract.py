"""The public extract, read-only: the only data the public app can reach. No Dash here.

The data come through ``PublicGateway`` (``public/gateway.py``), whose DuckDB database is
confined to ``<data>/public/``. The functions below are the public views: each takes a checked
``PublicQuery`` and returns the small frame a page shows and its CSV download writes, so the two
can never differ.

Suppressed cells have null ``events`` and ``lbs`` and ``suppressed = true``; ``csv_frame`` writes
them as the word "suppressed". Filters come from the URL as slugs and are checked against fixed
vocabularies before any SQL exists; values reach DuckDB only as bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from lake.reference import CBP_DRUG_TYPES, REGIONS
from public.gateway import PublicGateway, gateway
from queries import public_reads as reads

NATION = "United States"
ALL_DRUGS = "All drugs"
DRUG_TYPES = CBP_DRUG_TYPES  # as CBP spells them; DRUG_LABELS below for people
DRUG_LABELS = {"Lsd": "LSD", "Other Drugs**": "Other drugs", "Khat (Catha Edulis)": "Khat"}
SUPPRESSED = "suppressed"
MODE_NAMES = {
    "land_pov": "Personal vehicle",
    "land_truck": "Commercial truck",
    "land_pedestrian": "Pedestrian",
    "land_bus": "Bus",
    "land_rail": "Rail",
    "air_passenger": "Air passenger",
    "air_cargo": "Air cargo",
    "sea_vessel": "Vessel",
    "sea_container": "Sea container",
    "mail": "International mail",
    "express": "Express consignment",
    "between_ports": "Between ports",
}
DOSE_COLUMNS = ("doses_low", "doses_high", "doses_if_pure")
COMPONENTS = {"ofo": "OFO", "usbp": "USBP"}
COMPONENT_LABELS = {"OFO": "Field Operations (ports of entry)", "USBP": "Border Patrol"}
COMPONENT_SHORT = {"OFO": "Field Operations", "USBP": "Border Patrol"}
MEASURES = {"lbs": "Pounds", "events": "Seizure events", "doses": "Potential doses"}
# the modes table splits drugs into fentanyl and the rest (finer cells would mostly be hidden)
MODES_DRUGS = ("Fentanyl",)
MODES_OTHER = ("Precursor chemicals", "Production equipment", "Other seizures")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


REGION_BY_SLUG = {slug(r): r for r in REGIONS}
DRUG_BY_SLUG = {slug(DRUG_LABELS.get(d, d)): d for d in DRUG_TYPES}
KEYS = ("fy", "region", "component", "area", "drug", "measure")


def drug_label(drug_type: str) -> str:
    return DRUG_LABELS.get(drug_type, drug_type)


class BadQuery(ValueError):
    """A query string the public app does not accept; the message is safe to show."""


@dataclass(frozen=True)
class Area:
    """A field office or Border Patrol sector the public filters can pick."""

    area_id: str
    name: str
    region: str
    component: str

    @property
    def slug(self) -> str:
        return slug(self.name)


@dataclass(frozen=True)
class PublicQuery:
    """The public filters, as CBP's own dashboard has them: a fiscal year (None = latest), a
    region, a component (OFO or USBP), a field office or sector, a drug type, and the measure
    the charts show (None = the page's default, pounds)."""

    fy: int | None = None
    region: str | None = None
    drug: str | None = None
    component: str | None = None
    area: Area | None = None
    measure: str | None = None

    def to_query(self) -> dict[str, str]:
        out = {}
        if self.fy is not None:
            out["fy"] = str(self.fy)
        if self.region:
            out["region"] = slug(self.region)
        if self.component:
            out["component"] = self.component.lower()
        if self.area:
            out["area"] = self.area.slug
        if self.drug:
            out["drug"] = slug(drug_label(self.drug))
        if self.measure:
            out["measure"] = self.measure
        return out

    @property
    def geo(self) -> str:
        """The cube's geo key: an office or sector, a component within a region or the nation,
        a region, or the nation."""
        if self.area:
            return self.area.area_id
        scope = self.region or NATION
        return f"{scope}|{self.component}" if self.component else scope

    @property
    def where(self) -> str:
        """The place as a person reads it: "Nationwide", "Southwest Border, Border Patrol"."""
        if self.area:
            return self.area.name
        parts = [self.region or "Nationwide"]
        if self.component:
            parts.append(COMPONENT_LABELS[self.component])
        return ", ".join(parts)

    @property
    def drug_type(self) -> str:
        return self.drug or ALL_DRUGS

    @property
    def value(self) -> str:
        """The measure shown: pounds unless another was picked."""
        return self.measure or "lbs"


FOUR_DIGITS = re.compile(r"[0-9]{4}")  # ASCII only: str.isdigit() also accepts "²⁰²⁵" and "٢٠٢٥"


def parse_query(
    args: Mapping[str, str | list[str]], fiscal_years: list[int], areas: tuple[Area, ...] = ()
) -> PublicQuery:
    """Check a query string (as a mapping) against the fixed vocabularies; raise ``BadQuery``
    naming the first key or value that is not allowed."""
    for key, value in args.items():
        if key not in KEYS:
            raise BadQuery(f"unknown filter {key[:40]!r}")
        if not isinstance(value, str):
            raise BadQuery(f"give {key!r} once")
    fy = args.get("fy")
    if fy and not (FOUR_DIGITS.fullmatch(fy) and int(fy) in fiscal_years):
        raise BadQuery(f"no fiscal year {fy[:10]!r} in the public data")
    region = args.get("region")
    if region and region not in REGION_BY_SLUG:
        raise BadQuery(f"unknown region {region[:40]!r}")
    drug = args.get("drug")
    if drug and drug not in DRUG_BY_SLUG:
        raise BadQuery(f"unknown drug type {drug[:40]!r}")
    component = args.get("component")
    if component and component not in COMPONENTS:
        raise BadQuery(f"unknown component {component[:40]!r} (ofo or usbp)")
    area = None
    if args.get("area"):
        area = next((a for a in areas if a.slug == args["area"]), None)
        if area is None:
            raise BadQuery(f"unknown field office or sector {args['area'][:40]!r}")
        if region and area.region != REGION_BY_SLUG[region]:
            raise BadQuery(f"{area.name} is not in the {REGION_BY_SLUG[region]} region")
        if component and area.component != COMPONENTS[component]:
            raise BadQuery(f"{area.name} is not part of {COMPONENT_LABELS[COMPONENTS[component]]}")
    measure = args.get("measure")
    if measure and measure not in MEASURES:
        raise BadQuery(f"unknown measure {measure[:40]!r} (lbs, events or doses)")
    if measure == "doses" and (not drug or DRUG_BY_SLUG[drug] != "Fentanyl"):
        raise BadQuery("potential doses are worked out for fentanyl only")
    return PublicQuery(
        fy=int(fy) if fy else None,
        region=REGION_BY_SLUG[region] if region else None,
        drug=DRUG_BY_SLUG[drug] if drug else None,
        component=COMPONENTS[component] if component else None,
        area=area,
        measure=measure or None,
    )


def parse(args: Mapping[str, str | list[str]], info: Extract) -> PublicQuery:
    """``parse_query`` against the extract's own years and offices."""
    return parse_query(args, all_fiscal_years(info), info.areas)


# -- facts about the extract ----------------------------------------------------------------
@dataclass(frozen=True)
class Extract:
    """What every public view states: as-of date, vintage, open year and the rule."""

    version: str
    as_of: str
    cbp_through: str
    open_fy: int | None
    fiscal_years: tuple[int, ...]
    modelled_years: tuple[int, ...]
    modelled_as_of: str | None
    vintages: tuple[dict, ...]
    min_events: int
    dominance: float
    built_at: str
    areas: tuple[Area, ...] = ()

    @property
    def latest_fy(self) -> int:
        return self.fiscal_years[-1]


def extract(gw: PublicGateway | None = None) -> Extract | None:
    g = gw or gateway()
    manifest = g.manifest()
    if not manifest.get("version"):
        return None
    cbp = manifest["cbp"]
    return Extract(
        version=manifest["version"],
        as_of=manifest["as_of"],
        cbp_through=cbp["through"],
        open_fy=cbp.get("open_fiscal_year"),
        fiscal_years=tuple(cbp["fiscal_years"]),
        modelled_years=tuple(manifest["modelled"]["fiscal_years"]),
        modelled_as_of=manifest["modelled"]["as_of"],
        vintages=tuple(cbp["vintages"]),
        min_events=manifest["rule"]["min_events"],
        dominance=manifest["rule"]["dominance"],
        built_at=manifest["built_at"],
        areas=_areas(g, manifest["version"]),
    )


@lru_cache(maxsize=4)
def _areas(g: PublicGateway, version: str) -> tuple[Area, ...]:
    """The extract's field offices and sectors (read once per extract version)."""
    if not g.has("areas"):
        return ()
    return tuple(Area(*row) for row in reads.extract_areas(g).iter_rows())


def all_fiscal_years(info: Extract) -> list[int]:
    return sorted(set(info.fiscal_years) | set(info.modelled_years))


def _cube(
    where: reads.CubeWhere, params: list, columns: reads.CubeColumns, gw: PublicGateway | None
) -> pl.DataFrame:
    return reads.cube(gw or gateway(), where, params, columns)


# -- the public views -------------------------------------------------------------------------
HEADLINE_ROWS = (
    ("Seizure events, all drugs", ALL_DRUGS, "events"),
    ("Pounds seized, all drugs", ALL_DRUGS, "lbs"),
    ("Fentanyl, pounds", "Fentanyl", "lbs"),
    ("Methamphetamine, pounds", "Methamphetamine", "lbs"),
    ("Cocaine, pounds", "Cocaine", "lbs"),
)


def headline(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Fiscal-year-to-date against the same months a year earlier (the open year), or the
    whole year against the year before (a closed year), for the region or the nation."""
    fy = q.fy or info.latest_fy
    open_year = fy == info.open_fy
    prior_period = "FYTD" if open_year else "FY"
    frame = _cube(
        "year_and_prior",
        [q.geo, fy, fy - 1, prior_period],
        "totals",
        gw,
    )
    rows = []
    for label, drug, measure in HEADLINE_ROWS:
        now = frame.filter((pl.col("fiscal_year") == fy) & (pl.col("drug_type") == drug))
        before = frame.filter((pl.col("fiscal_year") == fy - 1) & (pl.col("drug_type") == drug))
        value = now[measure][0] if now.height else None
        prior = before[measure][0] if before.height else None
        change = (value - prior) / prior if value is not None and prior else None
        rows.append(
            {
                "measure": label,
                "fiscal_year": fy,
                "period": "FYTD" if open_year else "FY",
                "value": value,
                "suppressed": bool(now["suppressed"][0]) if now.height else False,
                "prior_fiscal_year": fy - 1,
                "prior_value": prior,
                "prior_suppressed": bool(before["suppressed"][0]) if before.height else False,
                "change_pct": round(change * 100, 1) if change is not None else None,
                "provisional": open_year,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"value": pl.Float64, "prior_value": pl.Float64})


def drug_mix(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Each drug type in the fiscal year, heaviest (or most seized, by the chosen measure)
    first."""
    fy = q.fy or info.latest_fy
    frame = _cube(
        "year_by_drug",
        [q.geo, fy, ALL_DRUGS],
        "totals",
        gw,
    )
    order = "events" if q.value == "events" else "lbs"
    return frame.with_columns(
        pl.col("drug_type").replace_strict(DRUG_LABELS, default=pl.col("drug_type"))
    ).sort(pl.col(order).fill_null(-1), descending=True)


def yearly_by_drug(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Every fiscal year's total of every drug type (and all drugs), for the place chosen:
    the table CBP's dashboard shows under its charts."""
    frame = _cube(
        "every_year",
        [q.geo],
        "yearly",
        gw,
    )
    if frame.is_empty():
        return frame
    order = {d: i for i, d in enumerate((ALL_DRUGS, *DRUG_TYPES))}
    return (
        frame.with_columns(pl.col("drug_type").replace_strict(order).alias("_order"))
        .sort("fiscal_year", "_order")
        .drop("_order")
        .with_columns(pl.col("drug_type").replace_strict(DRUG_LABELS, default=pl.col("drug_type")))
    )


def monthly(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    return _cube(
        "months_of_drug",
        [q.geo, q.drug_type],
        "monthly",
        gw,
    ).sort("month")


def _area_scope(q: PublicQuery) -> list:
    """``queries.public_reads.AREA_SCOPE``'s parameters for the query's drug and place."""
    area = q.area.area_id if q.area else None
    return [q.drug_type, q.region, q.region, q.component, q.component, area, area]


def areas(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Field offices and sectors in the fiscal year, with their map positions."""
    by = "events" if q.value == "events" else "lbs"
    return reads.area_year(gw or gateway(), q.fy or info.latest_fy, _area_scope(q), by)


def area_months(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Every field office or sector by month of the fiscal year: the finest published cells."""
    return reads.area_months(gw or gateway(), q.fy or info.latest_fy, _area_scope(q))


def fentanyl_by_year(q: PublicQuery, info: Extract, gw: PublicGateway | None = None):
    return _cube(
        "fentanyl_years",
        [q.geo],
        "fentanyl",
        gw,
    ).sort("fiscal_year")


def modes_commodity(q: PublicQuery) -> str:
    """The modes table's commodity for the chosen drug: fentanyl, or all drugs (the table does
    not split the other drug types)."""
    return q.drug if q.drug in MODES_DRUGS else ALL_DRUGS


def _modes_frame(where: reads.ModesWhere, params: list, gw: PublicGateway | None) -> pl.DataFrame:
    frame = reads.modes_rows(gw or gateway(), where, params)
    if frame.is_empty():
        return frame
    return frame.with_columns(pl.col("mode").replace_strict(MODE_NAMES, default=pl.col("mode")))


def modes_year(q: PublicQuery, info: Extract) -> int | None:
    """The fiscal year the modes page shows: the one every other page defaults to, where the
    modelled data cover it."""
    if not info.modelled_years:
        return None
    if q.fy is not None:
        return q.fy
    return info.latest_fy if info.latest_fy in info.modelled_years else info.modelled_years[-1]


def modes(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Modelled national totals of the chosen drug (fentanyl or all drugs) by mode, in the
    fiscal year, where they pass the rules."""
    fy = modes_year(q, info)
    if fy is None:
        return pl.DataFrame()
    return _modes_frame("year_of_commodity", [fy, modes_commodity(q)], gw)


def modes_by_year(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """The chosen drug by mode in every modelled fiscal year."""
    return _modes_frame("commodity", [modes_commodity(q)], gw)


def modes_other(q: PublicQuery, info: Extract, gw: PublicGateway | None = None) -> pl.DataFrame:
    """Precursor chemicals, production equipment and other seizures by mode in the year: the
    commodities CBP's drug figures leave out."""
    fy = modes_year(q, info)
    if fy is None:
        return pl.DataFrame()
    frame = _modes_frame("year_of_commodities", [fy, list(MODES_OTHER)], gw)
    if frame.is_empty():
        return frame
    # a commodity with no seizure at all that year is one line in the page's note, not 13 zeros
    seized = frame.filter((pl.col("mode") == "All modes") & (pl.col("events") != 0))["commodity"]
    order = {c: i for i, c in enumerate(MODES_OTHER)}
    return (
        frame.filter(pl.col("commodity").is_in(seized.to_list()))
        .with_columns(
            pl.col("commodity").replace_strict(order).alias("_c"),
            (pl.col("mode") != "All modes").alias("_m"),
        )
        .sort("_c", "_m", pl.col("events").fill_null(0), descending=[False, False, True])
        .drop("_c", "_m")
    )


def _text(column: str) -> pl.Expr:
    """A number as text; whole numbers without a trailing ".0"."""
    value = pl.col(column).cast(pl.Float64)
    return (
        pl.when(value.is_not_null() & (value == value.floor()))
        .then(value.cast(pl.Int64).cast(pl.Utf8))
        .otherwise(value.cast(pl.Utf8))
    )


def csv_frame(frame: pl.DataFrame, info: Extract) -> pl.DataFrame:
    """The frame as it is downloaded: suppressed values written as "suppressed" (never 0, never
    blank), the flag columns dropped, the as-of date and extract version on every row."""
    flags = {c: "suppressed" for c in ("events", "lbs", "value", *DOSE_COLUMNS)}
    flags["prior_value"] = "prior_suppressed"
    out = frame
    for column, flag in flags.items():
        if column in out.columns:
            out = out.with_columns(
                pl.when(pl.col(flag))
                .then(pl.lit(SUPPRESSED))
                .otherwise(_text(column))
                .alias(column)
            )
    if "prior_value" in out.columns:
        out = out.with_columns(pl.col("prior_value").fill_null("not published"))
    if "change_pct" in out.columns:
        hidden = pl.col("suppressed") | pl.col("prior_suppressed")
        out = out.with_columns(
            pl.when(hidden)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col("change_pct").cast(pl.Utf8).fill_null("n/a"))
            .alias("change_pct")
        )
    drop = [c for c in ("suppressed", "prior_suppressed") if c in out.columns]
    return out.drop(drop).with_columns(
        pl.lit(info.as_of).alias("as_of"), pl.lit(info.version).alias("extract_version")
    )
