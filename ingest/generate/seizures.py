"""Seizure events rebuilt from CBP's public monthly cells, plus the details CBP does not publish.

The exactness promise: grouping the ``cbp_cell`` events by fiscal year x month x component x area x
drug type gives back CBP's published event count and pounds in every cell. Each cell's pounds are
split across its events by a heavy-tailed random share (one big bust often dominates a cell), so the
split sums to the cell's total to floating-point precision.

Everything below the cell (the day, the port inside the area, the mode, fentanyl powder vs pills,
countries, concealment) is modelled, and the lake marks it with ``provenance``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from ingest.generate import routes
from ingest.generate.sampling import choose_by_group, key_array

LBS_PER_GRAM = 1 / 453.59237


@dataclass(frozen=True)
class PortContext:
    """What the generator knows about ports: type, area, and real land-port traffic mix."""

    ports: pl.DataFrame  # ports.csv
    traffic: dict[str, float]  # port_code -> inbound crossings (BTS), land ports only
    measure_share: dict[str, dict[str, float]]  # port_code -> {BTS measure: share}

    def port_type(self) -> dict[str, str]:
        return dict(zip(self.ports["port_code"], self.ports["port_type"], strict=True))

    def area_of_port(self) -> dict[str, str]:
        return dict(zip(self.ports["port_code"], self.ports["area_id"], strict=True))

    def region_of_port(self) -> dict[str, str]:
        return dict(zip(self.ports["port_code"], self.ports["region"], strict=True))

    def weight(self, port_code: str, port_type: str) -> float:
        if port_type == "land":
            return max(self.traffic.get(port_code, 0.0), 1.0)
        return {"air": 3e6, "sea": 2e6, "imf": 2e6, "ecf": 2e6}.get(port_type, 1e6)

    def candidates(self, area_id: str, land_only: bool | None) -> dict[str, float]:
        """Ports of an area, weighted; land ports for 'Land Only' cells, others otherwise."""
        rows = self.ports.filter(pl.col("area_id") == area_id)
        if land_only is not None:
            wanted = rows.filter((pl.col("port_type") == "land") == land_only)
            rows = wanted if wanted.height else rows
        return {
            code: self.weight(code, kind)
            for code, kind in zip(rows["port_code"], rows["port_type"], strict=True)
        }


def cells_to_events(cells: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per event; each cell's pounds split by heavy-tailed shares that sum exactly.

    ``cells`` needs: fiscal_year, month_start, last_day (last day events may fall on),
    component, region, land_filter, area_id, drug_type, events, lbs.
    """
    counts = cells["events"].to_numpy().astype(np.int64)
    cell_of_event = np.repeat(np.arange(cells.height), counts)
    families = cells["drug_type"].str.to_lowercase().to_numpy()
    sigma_by_cell = np.array(
        [
            routes.SIZE_SIGMA.get(_family_of_drug_type(f), routes.SIZE_SIGMA["default"])
            for f in families
        ]
    )
    shares = rng.lognormal(0.0, sigma_by_cell[cell_of_event])
    share_sums = np.bincount(cell_of_event, weights=shares, minlength=cells.height)
    lbs = cells["lbs"].to_numpy()[cell_of_event] * shares / share_sums[cell_of_event]
    first = cells["month_start"].to_numpy().astype("datetime64[D]")
    last = cells["last_day"].to_numpy().astype("datetime64[D]")
    span = (last - first).astype(np.int64) + 1
    offsets = np.floor(rng.random(len(cell_of_event)) * span[cell_of_event]).astype(np.int64)
    event_date = first[cell_of_event] + offsets
    return (
        cells.select("fiscal_year", "component", "region", "land_filter", "area_id", "drug_type")[
            cell_of_event
        ]
        .rename({"drug_type": "cbp_drug_type"})
        .with_columns(
            pl.Series("event_date", event_date).cast(pl.Date),
            pl.Series("lbs", lbs),
        )
    )


def _family_of_drug_type(drug_type_lower: str) -> str:
    for family in ("marijuana", "cocaine", "fentanyl"):
        if family in drug_type_lower:
            return family
    return "meth" if "meth" in drug_type_lower else "default"


def refine_commodity(
    events: pl.DataFrame, rng: np.random.Generator, base_commodity: dict[str, str]
) -> np.ndarray:
    """CBP drug type -> commodity: fentanyl split into powder and pills, xylazine and nitazenes
    carved out of "Other Drugs**" (CBP counts both there), by fiscal-year shares."""
    drug = events["cbp_drug_type"].to_numpy().astype(object)
    fy = events["fiscal_year"].to_numpy()
    out = np.array([base_commodity[d] for d in drug], dtype=object)
    u = rng.random(len(drug))
    pill_share = np.array([routes.share_for_year(routes.FENTANYL_PILL_SHARE, y) for y in fy])
    is_fentanyl = drug == "Fentanyl"
    out[is_fentanyl & (u < pill_share)] = "fentanyl_pills"
    out[is_fentanyl & (u >= pill_share)] = "fentanyl_powder"
    xyl = np.array([routes.XYLAZINE_SHARE.get(y, 0.0 if y < 2022 else 0.1) for y in fy])
    nit = np.array([routes.NITAZENE_SHARE.get(y, 0.0 if y < 2023 else 0.03) for y in fy])
    is_other = drug == "Other Drugs**"
    out[is_other & (u < xyl)] = "xylazine"
    out[is_other & (u >= xyl) & (u < xyl + nit)] = "nitazenes"
    return out


def assign_ports(events: pl.DataFrame, rng: np.random.Generator, ctx: PortContext) -> np.ndarray:
    keys = key_array(
        events["component"].to_numpy().astype(object),
        events["area_id"].to_numpy().astype(object),
        events["land_filter"].to_numpy().astype(object),
    )

    def table(key: str):
        component, area_id, land_filter = key.split("|")
        if component != "OFO":
            return None
        return ctx.candidates(area_id, land_filter == "Land Only")

    return choose_by_group(rng, keys, table)


def assign_modes(
    events: pl.DataFrame,
    port_code: np.ndarray,
    commodity: np.ndarray,
    rng: np.random.Generator,
    ctx: PortContext,
) -> np.ndarray:
    port_type = ctx.port_type()
    kinds = np.array([port_type.get(p, "") if p else "" for p in port_code], dtype=object)
    family = np.array([routes.DRUG_FAMILY.get(c, "default") for c in commodity], dtype=object)
    component = events["component"].to_numpy().astype(object)
    land_filter = events["land_filter"].to_numpy().astype(object)
    keys = key_array(component, land_filter, port_code, kinds, family)

    def table(key: str):
        comp, lf, code, kind, fam = key.split("|")
        if comp == "USBP":
            return {"between_ports": 1.0} if lf == "Land Only" else {"sea_vessel": 1.0}
        if kind == "land":
            propensity = routes.LAND_MODE_PROPENSITY.get(
                fam, routes.LAND_MODE_PROPENSITY["default"]
            )
            shares = ctx.measure_share.get(code, {})
            weights = {
                mode: p * shares.get(routes.BTS_MEASURE_OF_MODE[mode], 0.0)
                for mode, p in propensity.items()
            }
            return weights if sum(weights.values()) > 0 else {"land_pov": 1.0}
        if kind in routes.MODES_OF_PORT_TYPE:
            return routes.MODES_OF_PORT_TYPE[kind]
        return {"air_passenger": 1.0}  # preclearance: no U.S. port, travellers by air

    return choose_by_group(rng, keys, table)


def route_family(mode: str, region: str) -> str:
    if mode.startswith("air"):
        return "air"
    if mode in ("mail", "express"):
        return "parcel"
    if mode.startswith("sea"):
        return "sea"
    return "northern" if region == "Northern Border" else "southwest"


def assign_countries(
    commodity: np.ndarray,
    category: np.ndarray,
    mode: np.ndarray,
    region: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    family = np.array(
        [
            routes.DRUG_FAMILY.get(c, cat if cat in ("precursor", "equipment") else "other")
            for c, cat in zip(commodity, category, strict=True)
        ],
        dtype=object,
    )
    rfam = np.array([route_family(m, r) for m, r in zip(mode, region, strict=True)], dtype=object)
    keys = key_array(family, rfam)

    def table(key: str):
        fam, rf = key.split("|")
        return routes.ROUTES.get((fam, rf)) or routes.ROUTES.get((fam, "any"))

    drawn = choose_by_group(rng, keys, table)
    source = np.array([d.split(">")[0] if d else None for d in drawn], dtype=object)
    transit = np.array([(d.split(">")[1] or None) if d else None for d in drawn], dtype=object)
    return source, transit


def finish_events(
    events: pl.DataFrame,
    commodity: np.ndarray,
    port_code: np.ndarray,
    mode: np.ndarray,
    rng: np.random.Generator,
    commodities: pl.DataFrame,
    provenance: str,
) -> pl.DataFrame:
    """Units, pills, countries, concealment and de minimis, given commodity, port and mode."""
    category_of = dict(zip(commodities["commodity_id"], commodities["category"], strict=True))
    category = np.array([category_of[c] for c in commodity], dtype=object)
    region = events["region"].to_numpy().astype(object)
    source, transit = assign_countries(commodity, category, mode, region, rng)
    concealment = choose_by_group(rng, mode.astype(str), routes.CONCEALMENT_OF_MODE.get)
    parcel = np.isin(mode.astype(str), ["mail", "express"])
    de_minimis = parcel & (rng.random(len(mode)) < 0.55)
    frame = events.with_columns(
        pl.Series("commodity", commodity.tolist(), dtype=pl.Utf8),
        pl.Series("category", category.tolist(), dtype=pl.Utf8),
        pl.Series("port_code", port_code.tolist(), dtype=pl.Utf8),
        pl.Series("mode", mode.tolist(), dtype=pl.Utf8),
        pl.Series("source_country", source.tolist(), dtype=pl.Utf8),
        pl.Series("transit_country", transit.tolist(), dtype=pl.Utf8),
        pl.Series("concealment", concealment.tolist(), dtype=pl.Utf8),
        pl.Series("de_minimis", de_minimis),
        pl.lit(provenance).alias("provenance"),
    )
    is_pills = pl.col("commodity") == "fentanyl_pills"
    pills = (pl.col("lbs") / (routes.PILL_GRAMS * LBS_PER_GRAM)).round().cast(pl.Int64)
    return frame.with_columns(
        pl.when(is_pills).then(pl.max_horizontal(pills, pl.lit(1))).alias("pills"),
        pl.when(is_pills).then(pl.lit("pills")).otherwise(pl.lit("lbs")).alias("unit"),
    ).with_columns(
        pl.when(is_pills)
        .then(pl.col("pills").cast(pl.Float64))
        .otherwise(pl.col("lbs"))
        .alias("quantity")
    )


def month_last_day(month_start: date, today: date) -> date:
    last = date(
        month_start.year,
        month_start.month,
        calendar.monthrange(month_start.year, month_start.month)[1],
    )
    return min(last, today)
