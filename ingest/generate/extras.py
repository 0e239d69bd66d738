"""Seizures the public files do not contain: months after the last published month, and
precursor-chemical and production-equipment seizures.

Continuation keeps each series' seasonality (the same calendar month of the last three years) and
its drug's recent national trend, so the demo reaches today and the live feed follows on. Precursor
and equipment volumes are scaled to public figures: GAO-25-107667 counts about 460,000 lb of
fentanyl plus precursors and about 10,000 pieces of production equipment seized in FY2021-FY2024.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingest.generate import routes
from ingest.generate.sampling import choose, choose_by_group
from ingest.generate.seizures import PortContext, month_last_day
from lake.fiscal import fiscal_year_of

SERIES = ["component", "region", "land_filter", "area_id", "drug_type"]
EQUIPMENT_PIECES_FY21_24 = 10_000
PRECURSOR_LBS_FY21_24 = 385_000  # GAO's ~460,000 lb less the ~75,000 lb of fentanyl itself
MODELLED_MODES = {"express": 0.42, "mail": 0.14, "air_cargo": 0.16, "sea_container": 0.16}
MODELLED_MODES_LAND = 0.12  # commercial trucks at southwest land ports
PORT_TYPE_OF_MODE = {"express": "ecf", "mail": "imf", "air_cargo": "air", "sea_container": "sea"}
PRECURSOR_WEIGHTS = {
    "4_ap": 0.22,
    "1_boc_4_ap": 0.2,
    "npp": 0.14,
    "anpp": 0.14,
    "norfentanyl": 0.05,
    "propionyl_chloride": 0.1,
    "benzylfentanyl": 0.05,
    "4_piperidone": 0.06,
}
EQUIPMENT_WEIGHTS = {"pill_press": 0.3, "die_set": 0.4, "press_parts": 0.22}


def months_between(first: date, last: date) -> list[date]:
    months, current = [], date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def continuation_cells(cells: pl.DataFrame, today: date, rng: np.random.Generator) -> pl.DataFrame:
    """Modelled monthly cells from the month after the last published one through today."""
    last_real = cells["month_start"].max()
    future = months_between(
        date(last_real.year + last_real.month // 12, last_real.month % 12 + 1, 1), today
    )
    if not future:
        return cells.clear().with_columns(pl.lit(None, pl.Date).alias("last_day"))
    window_start = date(last_real.year - 3, last_real.month, 1)
    recent = cells.filter(pl.col("month_start") > window_start)
    with_month = recent.with_columns(pl.col("month_start").dt.month().alias("cal_month"))
    seasonal = with_month.group_by([*SERIES, "cal_month"]).agg(
        (pl.col("events").sum() / 3).alias("base_events")
    )
    size = with_month.group_by(SERIES).agg(
        (pl.col("lbs").sum() / pl.col("events").sum()).alias("lbs_per_event")
    )
    year_ago = date(last_real.year - 1, last_real.month, 1)
    two_years_ago = date(last_real.year - 2, last_real.month, 1)
    trend = (
        cells.filter(pl.col("month_start") > two_years_ago)
        .group_by("drug_type")
        .agg(
            pl.col("events").filter(pl.col("month_start") > year_ago).sum().alias("last"),
            pl.col("events").filter(pl.col("month_start") <= year_ago).sum().alias("prior"),
        )
        .with_columns(
            (pl.col("last") / pl.col("prior")).clip(0.8, 1.2).fill_nan(1.0).alias("trend")
        )
        .select("drug_type", "trend")
    )
    calendar_frame = pl.DataFrame({"month_start": future}).with_columns(
        pl.col("month_start").dt.month().alias("cal_month"),
        pl.col("month_start")
        .map_elements(lambda m: month_last_day(m, today), return_dtype=pl.Date)
        .alias("last_day"),
    )
    frame = (
        seasonal.join(calendar_frame, on="cal_month")
        .join(size, on=SERIES)
        .join(trend, on="drug_type", how="left")
        .with_columns(
            ((pl.col("last_day") - pl.col("month_start")).dt.total_days() + 1).alias(
                "days_covered"
            ),
            pl.col("month_start").dt.month_end().dt.day().alias("days_in_month"),
        )
        .sort([*SERIES, "month_start"])
    )
    lam = (
        frame["base_events"].to_numpy()
        * frame["trend"].fill_null(1.0).to_numpy()
        * frame["days_covered"].to_numpy()
        / frame["days_in_month"].to_numpy()
    )
    events = rng.poisson(lam)
    noise = rng.lognormal(0.0, 0.4, len(events))
    lbs = events * frame["lbs_per_event"].fill_nan(0.0).to_numpy() * noise
    return (
        frame.with_columns(
            pl.Series("events", events).cast(pl.Int64),
            pl.Series("lbs", lbs),
            pl.col("month_start")
            .map_elements(fiscal_year_of, return_dtype=pl.Int16)
            .alias("fiscal_year"),
        )
        .filter(pl.col("events") > 0)
        .select("fiscal_year", "month_start", "last_day", *SERIES, "events", "lbs")
    )


def _ports_of_type(ctx: PortContext, port_type: str, border: str | None = None) -> dict[str, float]:
    """Ports of one type, weighted; airports stand in when the reference has none of that type."""
    rows = ctx.ports.filter(pl.col("port_type") == port_type)
    if border:
        rows = rows.filter(pl.col("border") == border)
    if rows.is_empty() and port_type != "air":
        return _ports_of_type(ctx, "air")
    return {code: ctx.weight(code, port_type) for code in rows["port_code"]}


def modelled_events(
    commodities: pl.DataFrame,
    ctx: PortContext,
    first_month: date,
    today: date,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Precursor and equipment seizures at ports: (events, commodity, port_code, mode).

    Monthly counts ramp up to FY2023 and stay high; quantities are heavy-tailed and then scaled
    so FY2021-FY2024 match the public totals.
    """
    known = set(commodities["commodity_id"])
    precursor = {k: v for k, v in PRECURSOR_WEIGHTS.items() if k in known}
    equipment = {k: v for k, v in EQUIPMENT_WEIGHTS.items() if k in known}
    equipment.update({c: 0.08 for c in known if c == "encapsulating_machine"})
    frames = []
    for month in months_between(first_month, today):
        fy = fiscal_year_of(month)
        ramp = min(1.0, 0.35 + 0.16 * max(0, fy - 2019))
        days = (month_last_day(month, today) - month).days + 1
        for category, weights, rate in (
            ("precursor", precursor, 150),
            ("equipment", equipment, 70),
        ):
            n = int(rng.poisson(rate * ramp * days / 30.4))
            if n == 0 or not weights:
                continue
            frames.append(
                pl.DataFrame(
                    {
                        "fiscal_year": np.full(n, fy, dtype=np.int16),
                        "event_date": np.datetime64(month, "D")
                        + np.floor(rng.random(n) * days).astype("timedelta64[D]"),
                        "category": [category] * n,
                        "commodity": choose(rng, weights, n).astype(str),
                    }
                )
            )
    events = pl.concat(frames).with_columns(pl.col("event_date").cast(pl.Date))
    n = events.height
    mode_weights = dict(MODELLED_MODES) | {"land_truck": MODELLED_MODES_LAND}
    mode = choose(rng, mode_weights, n)
    land = _ports_of_type(ctx, "land", "US-Mexico")
    port_code = choose_by_group(
        rng,
        mode.astype(str),
        lambda m: land if m == "land_truck" else _ports_of_type(ctx, PORT_TYPE_OF_MODE[m]),
    )
    area_of, region_of = ctx.area_of_port(), ctx.region_of_port()
    is_equipment = events["category"].to_numpy() == "equipment"
    raw = np.where(
        is_equipment,
        np.maximum(1.0, np.round(rng.lognormal(0.7, 1.0, n))),
        rng.lognormal(1.6, 2.0, n),
    )
    fy = events["fiscal_year"].to_numpy()
    in_window = (fy >= 2021) & (fy <= 2024)
    pieces_scale = EQUIPMENT_PIECES_FY21_24 / raw[is_equipment & in_window].sum()
    lbs_scale = PRECURSOR_LBS_FY21_24 / raw[~is_equipment & in_window].sum()
    quantity = np.where(
        is_equipment, np.maximum(1.0, np.round(raw * pieces_scale)), raw * lbs_scale
    )
    events = events.with_columns(
        pl.lit("OFO").alias("component"),
        pl.Series("area_id", [area_of[p] for p in port_code], dtype=pl.Utf8),
        pl.Series("region", [region_of[p] for p in port_code], dtype=pl.Utf8),
        pl.Series(
            "land_filter",
            np.where(mode == "land_truck", "Land Only", "Other"),
            dtype=pl.Utf8,
        ),
        pl.lit(None, pl.Utf8).alias("cbp_drug_type"),
        pl.Series("lbs", np.where(is_equipment, np.nan, quantity)).fill_nan(None),
        pl.Series("equipment_pieces", np.where(is_equipment, quantity, np.nan)),
    )
    return events, events["commodity"].to_numpy().astype(object), port_code, mode


def equipment_units(frame: pl.DataFrame) -> pl.DataFrame:
    """Equipment is counted in pieces, not pounds."""
    is_equipment = pl.col("category") == "equipment"
    return frame.with_columns(
        pl.when(is_equipment).then(pl.lit("pieces")).otherwise(pl.col("unit")).alias("unit"),
        pl.when(is_equipment)
        .then(pl.col("equipment_pieces"))
        .otherwise(pl.col("quantity"))
        .alias("quantity"),
    ).drop("equipment_pieces")


__all__ = ["continuation_cells", "modelled_events", "equipment_units", "routes"]
