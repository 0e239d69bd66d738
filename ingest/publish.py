"""``python -m ingest publish``: the public extract, built from the lake, aggregates only.

The public app never sees the lake. This step writes everything it may show into
``<data>/public/``, already disclosure-controlled (``ingest/disclosure.py``):

- ``cbp_cube``: CBP's published drug seizures (nationwide publication, OFO + USBP, the newest
  vintage of each fiscal year), per fiscal year x month / fiscal year / fiscal-year-to-date x
  field office or sector / region / nation x drug type / all drugs;
- ``modes_cube``: national totals per fiscal year x commodity (fentanyl, other drugs, all drugs,
  precursor chemicals, production equipment, other) x mode of transport from the internal
  (modelled) seizure events, where they pass the count and dominance rules;
- ``areas``: names, regions and map positions of the field offices and sectors.

Nothing below these aggregates is written: no event, no port, no day, no shipment, no party.
Suppressed cells have null values and ``suppressed = true``.

Writes are atomic: the files go to a hidden temporary folder, which is renamed to
``v-<content digest>/``; then ``manifest.json`` (the version, its folder, the as-of date, the
CBP vintages, the rule) is replaced with an atomic rename. A reader sees the old extract or the
new one, never a mix. Publishing the same lake twice gives the same version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl

import settings
from ingest.disclosure import Cube, Dimension, Rule, build_cube, protect
from ingest.disclosure_audit import Protection
from lake import reference
from lake.layout import data_version
from lake.writer import fsync_dir, write_bytes_atomic, write_parquet_atomic
from queries import extract_sources
from queries.gateway import Gateway

MANIFEST = "manifest.json"
FORMAT = 1
NATION = "United States"
ALL_DRUGS = "All drugs"
ALL_CATEGORIES = "All categories"
ALL_MODES = "All modes"
# the modes table's commodities, as the public reads them
MODES_DRUGS = ("Fentanyl", "Other drugs")
MODES_OTHER = ("Precursor chemicals", "Production equipment", "Other seizures")
MODES_COMMODITY_NAMES = dict(zip(("precursor", "equipment", "other"), MODES_OTHER, strict=True))
FY_TOTAL = "FY"
FYTD_TOTAL = "FYTD"
KEEP_OLD_VERSIONS = 1  # the previous extract stays for requests already reading it


@dataclass(frozen=True)
class PublishReport:
    version: str
    folder: Path
    fiscal_years: tuple[int, ...]
    cbp_through: date
    cells: int
    suppressed: int
    modes_cells: int
    modes_suppressed: int
    modes_primary: int = 0
    modes_complementary: int = 0
    narrowest_events: float | None = None
    narrowest_lbs: float | None = None
    protection: Protection = Protection()

    def summary(self) -> str:
        p = self.protection
        audit = (
            f"audit passed: every primary cell's feasible interval reaches the protection "
            f"level (+/- the larger of {p.events:g} events or {p.lbs:g} lbs and {p.share:.0%}), "
            f"no complement is recoverable; narrowest audited interval "
            f"{_width(self.narrowest_events, 'events')}, {_width(self.narrowest_lbs, 'lbs')}"
        )
        return (
            f"public extract {self.version}: FY{self.fiscal_years[0]}-FY{self.fiscal_years[-1]}, "
            f"CBP through {self.cbp_through:%b %Y}; {self.cells:,} CBP cells as CBP publishes "
            f"them ({self.suppressed:,} suppressed), {self.modes_cells:,} modelled mode cells "
            f"({self.modes_suppressed:,} suppressed: {self.modes_primary:,} primary, "
            f"{self.modes_complementary:,} complementary); {audit} -> {self.folder}"
        )


def _width(value: float | None, unit: str) -> str:
    return f"no hidden cell ({unit})" if value is None else f"{value:,.0f} {unit}"


def public_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "public"


def default_rule() -> Rule:
    return Rule(min_events=settings.get("public_min_events"))


def default_protection() -> Protection:
    return Protection(
        events=settings.get("public_protection_events"),
        lbs=settings.get("public_protection_lbs"),
        share=settings.get("public_protection_share"),
    )


# -- CBP public data ----------------------------------------------------------------------
def _vintages(gw: Gateway) -> list[dict]:
    return [
        {**row, "vintage_through": row["vintage_through"].isoformat()}
        for row in extract_sources.cbp_vintages(gw).iter_rows(named=True)
    ]


COMPONENTS = ("OFO", "USBP")


def component_geo(scope: str, component: str) -> str:
    """The geo key of one component's total in a region or the nation: ``Southwest Border|OFO``."""
    return f"{scope}|{component}"


def geo_dimension(components: bool = True) -> Dimension:
    """Field offices and sectors, with the totals CBP's own dashboard filters by: each region,
    each component (OFO, USBP) within a region and nationwide (unless ``components`` is
    false), and the nation."""
    areas = reference.areas()
    regions = tuple(
        (r, tuple(areas.filter(pl.col("region") == r)["area_id"].to_list()))
        for r in reference.REGIONS
    )
    split = []
    for c in COMPONENTS if components else ():
        parts = []
        for r in reference.REGIONS:
            members = areas.filter((pl.col("region") == r) & (pl.col("component") == c))
            if members.height:
                split.append((component_geo(r, c), tuple(members["area_id"].to_list())))
                parts.append(component_geo(r, c))
        split.append((component_geo(NATION, c), tuple(parts)))
    return Dimension(
        "geo",
        tuple(areas["area_id"].to_list()),
        regions + tuple(split) + ((NATION, reference.REGIONS),),
    )


def _months_of(fiscal_year: int, through: date | None) -> tuple[str, ...]:
    """The fiscal year's months as ``YYYY-MM``, October first, up to ``through``."""
    months = []
    for i in range(12):
        year, month = (fiscal_year - 1, 10 + i) if i < 3 else (fiscal_year, i - 2)
        if through is not None and date(year, month, 1) > through:
            break
        months.append(f"{year:04d}-{month:02d}")
    return tuple(months)


def cbp_cubes(
    leaves: pl.DataFrame, geo: Dimension | None = None
) -> Iterator[tuple[int, bool, Cube]]:
    """(fiscal year, still open, the year's cube of CBP cells and their totals): months x field
    office or sector x drug type, with the fiscal year, the fiscal-year-to-date of the year
    before the open one, the places of ``geo`` (default: regions, components and the nation)
    and all drugs."""
    geo = geo or geo_dimension()
    drugs = Dimension(
        "drug_type", reference.CBP_DRUG_TYPES, ((ALL_DRUGS, reference.CBP_DRUG_TYPES),)
    )
    through = leaves["month_start"].max()
    open_years = set(leaves.filter(pl.col("fy_partial"))["fiscal_year"].unique().to_list())
    open_fy = max(open_years) if open_years else None
    ytd = len(_months_of(open_fy, through)) if open_fy else None
    for fy in sorted(leaves["fiscal_year"].unique().to_list()):
        months = _months_of(fy, through if fy == open_fy else None)
        totals: tuple = ((FY_TOTAL, months),)
        if open_fy is not None and fy == open_fy - 1:
            totals += ((FYTD_TOTAL, months[:ytd]),)
        period = Dimension("period", months, totals)
        base = leaves.filter(pl.col("fiscal_year") == fy).select(
            pl.col("month_start").dt.strftime("%Y-%m").alias("period"),
            pl.col("area_id").alias("geo"),
            "drug_type",
            "events",
            "lbs",
        )
        yield fy, fy == open_fy, build_cube(base, (period, geo, drugs))


def cbp_cube_frame(leaves: pl.DataFrame) -> pl.DataFrame:
    """CBP's published cells and their totals over every fiscal year of ``leaves``, shown as
    CBP publishes them: CBP's own monthly file already holds every month x office or sector x
    drug cell, so hiding any of them would protect nothing and show less than CBP does."""
    frames = [
        cube.keys().with_columns(
            pl.lit(fy, pl.Int32).alias("fiscal_year"),
            pl.lit(is_open).alias("fy_partial"),
            pl.Series("events", cube.events).cast(pl.Int64),
            pl.Series("lbs", cube.lbs).round(2),
            pl.lit(False).alias("suppressed"),
        )
        for fy, is_open, cube in cbp_cubes(leaves)
    ]
    return _label_cbp(pl.concat(frames))


def _label_cbp(cube: pl.DataFrame) -> pl.DataFrame:
    areas = reference.areas().select("area_id", "region", "component")
    scope = pl.col("geo").str.split("|").list.first()
    level = (
        pl.when(scope == NATION)
        .then(pl.lit("nation"))
        .when(scope.is_in(list(reference.REGIONS)))
        .then(pl.lit("region"))
        .otherwise(pl.lit("area"))
    )
    split_component = pl.col("geo").str.split("|").list.get(1, null_on_oob=True)
    kind = (
        pl.when(pl.col("period") == FY_TOTAL)
        .then(pl.lit("fy"))
        .when(pl.col("period") == FYTD_TOTAL)
        .then(pl.lit("fytd"))
        .otherwise(pl.lit("month"))
    )
    return (
        cube.with_columns(level.alias("geo_level"), kind.alias("period_kind"))
        .join(areas, left_on="geo", right_on="area_id", how="left")
        .with_columns(
            pl.when(pl.col("geo_level") == "region")
            .then(scope)
            .otherwise(pl.col("region"))
            .alias("region"),
            pl.coalesce(pl.col("component"), split_component).alias("component"),
            pl.when(pl.col("period_kind") == "month")
            .then(pl.col("period").str.to_date("%Y-%m", strict=False))
            .alias("month_start"),
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("events")).alias("events"),
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("lbs")).alias("lbs"),
        )
        .select(
            "fiscal_year",
            "fy_partial",
            "period",
            "period_kind",
            "month_start",
            "geo_level",
            "geo",
            "region",
            "component",
            "drug_type",
            "events",
            "lbs",
            "suppressed",
        )
        .sort("fiscal_year", "period_kind", "period", "geo_level", "geo", "drug_type")
    )


# -- modelled seizure events: national totals by category and mode ------------------------
@dataclass
class ModesCube:
    """The modelled modes table, and what its disclosure control did."""

    frame: pl.DataFrame
    primary: int = 0
    complementary: int = 0
    narrowest_events: float | None = None
    narrowest_lbs: float | None = None
    audited: int = 0


def modes_cube_frame(
    gw: Gateway,
    rule: Rule,
    cbp_events: dict[tuple[int, str], int],
    protection: Protection | None = None,
) -> ModesCube:
    """Events and pounds per fiscal year x commodity x mode, protected and audited.

    Commodities are fentanyl and the other drugs (their total is all drugs), precursor
    chemicals, production equipment and other seizures. Finer drug types (a handful of LSD or
    khat seizures by bus) would leave so few events per cell that most of the table would be
    hidden; fentanyl is the drug this table exists for.

    ``cbp_events`` are CBP's published events per (fiscal year, drug type or "All drugs"):
    where a modelled "all modes" drug cell adds up to it (the events are rebuilt from CBP's
    cells), a reader knows that cell from CBP's own file, so it is fixed as published and the
    audit counts it. Raises when a hidden cell cannot be protected: such an extract is never
    written.
    """
    if not gw.has("seizures"):
        return ModesCube(pl.DataFrame())
    leaves = extract_sources.modes_leaves(gw).with_columns(
        pl.col("commodity").replace(MODES_COMMODITY_NAMES)
    )
    commodities = Dimension(
        "commodity",
        (*MODES_DRUGS, *MODES_OTHER),
        ((ALL_DRUGS, MODES_DRUGS), (ALL_CATEGORIES, (ALL_DRUGS, *MODES_OTHER))),
    )
    modes = tuple(reference.modes()["mode"].to_list())
    mode = Dimension("mode", modes, ((ALL_MODES, modes),))
    open_fy = leaves["fiscal_year"].max()
    out = ModesCube(pl.DataFrame())
    frames, narrow = [], {"events": [], "lbs": []}
    for fy in sorted(leaves["fiscal_year"].unique().to_list()):
        part = leaves.filter(pl.col("fiscal_year") == fy)
        cube = build_cube(part, (commodities, mode))
        keys = cube.keys()
        published = np.array(
            [
                cbp_events.get((fy, c), -1) if m == ALL_MODES else -1
                for c, m in keys.select("commodity", "mode").iter_rows()
            ]
        )
        cube.fixed = cube.events == published
        done = protect(cube, rule, protection)
        hidden = done.hidden
        out.primary += int(done.primary.sum())
        out.complementary += int(done.complementary.sum())
        out.audited += int(hidden.sum())
        for measure in narrow:
            value = done.audit.narrowest(measure)
            if value is not None:
                narrow[measure].append(value)
        frames.append(
            keys.with_columns(
                pl.lit(fy, pl.Int32).alias("fiscal_year"),
                pl.lit(fy == open_fy).alias("fy_partial"),
                pl.lit(part["through"].max()).alias("through"),
                pl.when(pl.Series(hidden))
                .then(None)
                .otherwise(pl.Series(cube.events))
                .alias("events"),
                pl.when(pl.Series(hidden))
                .then(None)
                .otherwise(pl.Series(cube.lbs).round(2))
                .alias("lbs"),
                pl.Series("suppressed", hidden),
            )
        )
    out.frame = pl.concat(frames).sort("fiscal_year", "commodity", "mode")
    out.narrowest_events = min(narrow["events"], default=None)
    out.narrowest_lbs = min(narrow["lbs"], default=None)
    return out


def cbp_published_events(leaves: pl.DataFrame) -> dict[tuple[int, str], int]:
    """CBP's published events per (fiscal year, drug type), and per (fiscal year, "All
    drugs"): the modes table's cells a reader can look up in CBP's own file."""
    by_drug = leaves.group_by("fiscal_year", "drug_type").agg(pl.col("events").sum())
    by_year = leaves.group_by("fiscal_year").agg(pl.col("events").sum())
    out = {(int(fy), drug): int(n) for fy, drug, n in by_drug.iter_rows()}
    out.update({(int(fy), ALL_DRUGS): int(n) for fy, n in by_year.iter_rows()})
    return out


def areas_frame() -> pl.DataFrame:
    """Labels and map positions of the field offices and sectors (public reference data)."""
    names = reference.area_names()
    return reference.areas().select(
        "area_id",
        pl.col("area_id").replace_strict(names).alias("name"),
        "component",
        "region",
        "kind",
        "latitude",
        "longitude",
    )


# -- writing ------------------------------------------------------------------------------
def _digest(frames: dict[str, pl.DataFrame], rule: Rule, protection: Protection) -> str:
    digest = hashlib.blake2b(digest_size=6)
    digest.update(f"{FORMAT}:{rule.min_events}:{rule.dominance}:{protection};".encode())
    for name, frame in sorted(frames.items()):
        digest.update(name.encode())
        digest.update(frame.write_csv().encode())
    return digest.hexdigest()


def _write_version(root: Path, version: str, frames: dict[str, pl.DataFrame]) -> Path:
    """Write the files under a hidden name, then rename the folder into place in one step."""
    final = root / f"v-{version}"
    if final.is_dir():
        return final
    staging = root / f".staging-{uuid.uuid4().hex[:8]}"
    try:
        for name, frame in frames.items():
            write_parquet_atomic(frame.to_arrow(), staging / f"{name}.parquet")
        os.replace(staging, final)
        fsync_dir(root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


def _retire_old(root: Path, current: str) -> None:
    """Keep the current extract and the previous one; anything older goes."""
    olds = sorted(
        (p for p in root.glob("v-*") if p.is_dir() and p.name != f"v-{current}"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in olds[KEEP_OLD_VERSIONS:]:
        shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(".staging-*"):
        shutil.rmtree(path, ignore_errors=True)


def read_manifest(data_dir: Path | None = None) -> dict | None:
    try:
        return json.loads((public_dir(data_dir) / MANIFEST).read_text())
    except FileNotFoundError:
        return None


def publish(
    data_dir: Path | None = None, rule: Rule | None = None, protection: Protection | None = None
) -> PublishReport:
    """Build the extract from the lake in ``data_dir`` and make it the public one.

    Nothing is written unless the audit of every controlled table passes (``modes_cube_frame``
    raises otherwise): the previous extract stays the public one.
    """
    data_dir = data_dir or settings.data_dir()
    rule = rule or default_rule()
    protection = protection or default_protection()
    gw = Gateway(data_dir)
    if not gw.has("cbp_public"):
        raise RuntimeError("no CBP public data in the lake: run `python -m ingest import-cbp`")
    leaves = extract_sources.cbp_leaf_cells(gw)
    modes_cube = modes_cube_frame(gw, rule, cbp_published_events(leaves), protection)
    frames = {
        "cbp_cube": cbp_cube_frame(leaves),
        "modes_cube": modes_cube.frame,
        "areas": areas_frame(),
    }
    frames = {k: v for k, v in frames.items() if not v.is_empty()}
    version = _digest(frames, rule, protection)
    root = public_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    folder = _write_version(root, version, frames)
    through: date = leaves["month_start"].max()
    cube = frames["cbp_cube"]
    modes = frames.get("modes_cube", pl.DataFrame({"suppressed": [], "through": []}))
    open_years = cube.filter(pl.col("fy_partial"))["fiscal_year"].unique().to_list()
    manifest = {
        "format": FORMAT,
        "version": version,
        "folder": folder.name,
        "files": {name: f"{folder.name}/{name}.parquet" for name in frames},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": date(
            through.year, through.month, monthrange(through.year, through.month)[1]
        ).isoformat(),
        "lake_version": data_version(data_dir),
        "cbp": {
            "publication": "nationwide",
            "components": ["OFO", "USBP"],
            "through": through.isoformat(),
            "open_fiscal_year": max(open_years) if open_years else None,
            "fiscal_years": sorted(cube["fiscal_year"].unique().to_list()),
            "vintages": _vintages(gw),
        },
        "modelled": {
            "as_of": modes["through"].max().isoformat() if modes.height else None,
            "fiscal_years": sorted(modes["fiscal_year"].unique().to_list()) if modes.height else [],
        },
        "rule": {"min_events": rule.min_events, "dominance": rule.dominance},
        "protection": {
            "events": protection.events,
            "lbs": protection.lbs,
            "share": protection.share,
        },
        "audit": {
            "hidden_cells": modes_cube.audited,
            "narrowest_events": modes_cube.narrowest_events,
            "narrowest_lbs": modes_cube.narrowest_lbs,
        },
        "suppressed": {
            name: int(f["suppressed"].sum())
            for name, f in frames.items()
            if "suppressed" in f.columns
        },
    }
    write_bytes_atomic(json.dumps(manifest, indent=1).encode(), root / MANIFEST)
    _retire_old(root, version)
    return PublishReport(
        version=version,
        folder=folder,
        fiscal_years=tuple(manifest["cbp"]["fiscal_years"]),
        cbp_through=through,
        cells=cube.height,
        suppressed=int(cube["suppressed"].sum()),
        modes_cells=modes.height,
        modes_suppressed=int(modes["suppressed"].sum()) if modes.height else 0,
        modes_primary=modes_cube.primary,
        modes_complementary=modes_cube.complementary,
        narrowest_events=modes_cube.narrowest_events,
        narrowest_lbs=modes_cube.narrowest_lbs,
        protection=protection,
    )
