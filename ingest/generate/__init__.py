"""``python -m ingest generate``: the seeded, deterministic demo lake.

Order matters: seizure events first (rebuilt from the imported CBP cells, continued to today, plus
modelled precursor and equipment seizures), then the shipments that carried some of them, then the
referrals that followed. The same seed and the same "today" give the same lake, byte for byte in
content.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

import settings
from ingest.generate.extras import continuation_cells, equipment_units, modelled_events
from ingest.generate.seizures import (
    PortContext,
    assign_modes,
    assign_ports,
    cells_to_events,
    finish_events,
    month_last_day,
    refine_commodity,
)
from lake import reference
from lake.contract import conform
from lake.writer import replace_table_files
from queries import generator_sources
from queries.gateway import Gateway

GENERATED_PREFIX = "gen-"
TRAFFIC_MEASURES = ("Personal Vehicles", "Trucks", "Pedestrians", "Buses", "Trains")
TRAFFIC_MONTHS = (date(2019, 1, 1), date(2025, 1, 1))  # [start, end): 2019-2024


class MissingInputError(RuntimeError):
    """The generator needs the real CBP (and BTS) files imported first."""


@dataclass
class GenerateReport:
    seizures: int = 0
    shipments: int = 0
    referrals: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def rows_per_second(self) -> float:
        total = self.seizures + self.shipments + self.referrals
        return total / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        return (
            f"generated {self.seizures:,} seizures, {self.shipments:,} shipments, "
            f"{self.referrals:,} referrals in {self.seconds:.1f} s "
            f"({self.rows_per_second():,.0f} rows/s; {steps})"
        )


def today() -> date:
    pinned = settings.get("today")
    return date.fromisoformat(pinned) if pinned else datetime.now(UTC).date()


def published_cells(gateway: Gateway) -> pl.DataFrame:
    """CBP's nationwide monthly cells (newest vintage per fiscal year)."""
    if not gateway.has("cbp_public"):
        raise MissingInputError("no CBP data in the lake: run `python -m ingest import-cbp` first")
    return generator_sources.cbp_monthly_cells(gateway)


def port_context(gateway: Gateway) -> PortContext:
    """Real land-port traffic (BTS, 2019-2024) weights the port a seizure is placed at."""
    traffic: dict[str, float] = {}
    shares: dict[str, dict[str, float]] = {}
    if gateway.has("border_crossings"):
        rows = generator_sources.port_crossings(gateway, TRAFFIC_MEASURES, *TRAFFIC_MONTHS)
        for code, group in rows.group_by("port_code", maintain_order=True):
            total = float(group["crossings"].sum())
            traffic[code[0]] = total
            shares[code[0]] = {
                m: (v / total if total else 0.0)
                for m, v in zip(group["measure"], group["crossings"], strict=True)
            }
    return PortContext(reference.ports(), traffic, shares)


def _detail(events: pl.DataFrame, commodity: np.ndarray, rng, ctx, provenance: str):
    port = assign_ports(events, rng, ctx)
    mode = assign_modes(events, port, commodity, rng, ctx)
    return finish_events(events, commodity, port, mode, rng, reference.commodities(), provenance)


def scaled_cells(cells: pl.DataFrame, extra: int, rng: np.random.Generator) -> pl.DataFrame:
    """About ``extra`` more events spread over the published cells in proportion to their counts,
    each added event carrying its cell's mean weight: a load-testing lake with more seizures than
    CBP reported, shaped like the real ones. Such rows are ``modelled``, never ``cbp_cell``, so
    the headline figures stay traceable to the publication."""
    total = int(cells["events"].sum())
    if extra <= 0 or total == 0:
        return cells.clear()
    counts = rng.poisson(cells["events"].to_numpy() * (extra / total))
    return (
        cells.with_columns(
            pl.Series("extra", counts, pl.Int64),
        )
        .with_columns(
            (pl.col("lbs") * pl.col("extra") / pl.col("events")).alias("lbs"),
            pl.col("extra").alias("events"),
        )
        .drop("extra")
        .filter(pl.col("events") > 0)
    )


def build_seizures(
    gateway: Gateway, rng: np.random.Generator, until: date, target: int | None = None
) -> pl.DataFrame:
    """Seizure events: the published CBP cells exactly, continued to ``until``, plus modelled
    precursor and equipment seizures; with ``target``, modelled events shaped like the published
    ones are added until about ``target`` events exist (load testing at national scale)."""
    cells = published_cells(gateway).with_columns(
        pl.col("month_start")
        .map_elements(lambda m: month_last_day(m, until), return_dtype=pl.Date)
        .alias("last_day")
    )
    cells = cells.filter(pl.col("month_start") <= until)
    ctx = port_context(gateway)
    base = (
        reference.commodities()
        .filter(pl.col("cbp_drug_type").is_not_null())
        .unique("cbp_drug_type", keep="first", maintain_order=True)
    )
    base_commodity = dict(zip(base["cbp_drug_type"], base["commodity_id"], strict=True))
    base_commodity.update({"Fentanyl": "fentanyl_powder", "Other Drugs**": "other_drugs"})
    parts = []
    for provenance, source in (
        ("cbp_cell", cells),
        ("continuation", continuation_cells(cells, until, rng)),
    ):
        events = cells_to_events(source, rng)
        commodity = refine_commodity(events, rng, base_commodity)
        parts.append(
            _detail(events, commodity, rng, ctx, provenance).with_columns(
                pl.lit(None, pl.Float64).alias("equipment_pieces")
            )
        )
    first_month = cells["month_start"].min()
    extra, commodity, port, mode = modelled_events(
        reference.commodities(), ctx, first_month, until, rng
    )
    extra_events = extra.drop("commodity", "category")
    finished = finish_events(
        extra_events, commodity, port, mode, rng, reference.commodities(), "modelled"
    )
    parts.append(finished)
    made = sum(part.height for part in parts)
    if target and target > made:
        extra_cells = scaled_cells(cells, target - made, rng)
        events = cells_to_events(extra_cells, rng)
        commodity = refine_commodity(events, rng, base_commodity)
        parts.append(
            _detail(events, commodity, rng, ctx, "modelled").with_columns(
                pl.lit(None, pl.Float64).alias("equipment_pieces")
            )
        )
    seizures = equipment_units(pl.concat(parts, how="diagonal_relaxed"))
    seizures = seizures.sort(["event_date", "area_id", "commodity", "lbs"], nulls_last=True)
    seq = pl.int_range(1, pl.len() + 1).over("fiscal_year").cast(pl.Utf8).str.zfill(7)
    return seizures.with_columns(
        pl.concat_str(pl.lit("SZ"), pl.col("fiscal_year").cast(pl.Utf8), seq).alias("seizure_id"),
        pl.lit(None, pl.Utf8).alias("shipment_id"),
    )


def _replace_generated(table: str, frame: pl.DataFrame, stem: str, data_dir: Path) -> None:
    """Make the new generated files visible and the previous run's invisible, in one swap."""
    replace_table_files(table, frame, stem, data_dir, replace_prefix=GENERATED_PREFIX)


def generate_demo(
    shipments: int = 1_000_000,
    seed: int | None = None,
    progress: bool = True,
    data_dir: Path | None = None,
    until: date | None = None,
    seizures: int | None = None,
) -> GenerateReport:
    from ingest.generate.referrals import make_referral_events
    from ingest.generate.shipments import make_shipments

    data_dir = data_dir or settings.data_dir()
    seed = settings.get("seed") if seed is None else seed
    until = until or today()
    report = GenerateReport()
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    batch_id = f"generate-{seed}"
    ingested_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    gateway = Gateway(data_dir)
    bar = tqdm(
        total=shipments + 3, disable=not progress, unit="row", unit_scale=True, desc="generate"
    )

    def mark(step: str, t0: float) -> float:
        now = time.perf_counter()
        report.timings[step] = now - t0
        return now

    t = time.perf_counter()
    target = seizures
    seizures = build_seizures(gateway, rng, until, target)
    bar.update(1)
    t = mark("seizures", t)
    first_day = seizures["event_date"].min()
    made = [0]

    def advance(rows: int) -> None:
        bar.update(rows - made[0])
        made[0] = rows

    shipment_frame, links = make_shipments(
        shipments, rng, seizures, first_day, until, batch_id, ingested_at, progress=advance
    )
    advance(shipments)
    t = mark("shipments", t)
    seizures = seizures.drop("shipment_id").join(links, on="seizure_id", how="left")
    seizures = seizures.with_columns(
        pl.lit(batch_id).alias("batch_id"), pl.lit(ingested_at).alias("ingested_at")
    )
    events = make_referral_events(seizures, rng, until, batch_id, ingested_at)
    bar.update(1)
    t = mark("referrals", t)
    stem = f"{GENERATED_PREFIX}{seed}"
    _replace_generated("seizures", conform("seizures", seizures), stem, data_dir)
    _replace_generated("shipments", conform("shipments", shipment_frame), stem, data_dir)
    _replace_generated("referral_events", events, stem, data_dir)
    bar.update(1)
    bar.close()
    mark("write", t)
    report.seizures, report.shipments, report.referrals = (
        seizures.height,
        shipment_frame.height,
        events.filter(pl.col("step") == "referred").height,
    )
    report.seconds = time.perf_counter() - started
    return report
