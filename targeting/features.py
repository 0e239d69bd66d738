"""The learned score's inputs: the red flags plus route, party and commodity history.

Every feature is a plain number computed from one shipment and its point-in-time history (see
``targeting.history``), so the same function serves training, evaluation and live scoring. Each
has a label an analyst can read, because the score's reasons quote them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from targeting import rules
from targeting.history import PRIOR_STRENGTH

MODES = ("express", "mail", "air_cargo", "sea_container", "land_truck", "land_rail")
NEW_PARTY_MIN_HISTORY_DAYS = rules.FIRST_SEEN_MIN_HISTORY_DAYS
Z_CAP = 10.0


@dataclass(frozen=True)
class Feature:
    name: str
    high: str  # the reason when a value above average pushed the score up
    low: str  # the reason when a value below average did (e.g. "Not a Section 321 entry")
    expr: pl.Expr


def _log1p(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64).clip(lower_bound=0).log1p()


def _flag(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False).cast(pl.Float64)


def _count(column: str) -> pl.Expr:
    return (pl.col(column) - 1).cast(pl.Float64).clip(lower_bound=0)


def _definitions() -> tuple[Feature, ...]:
    established = pl.col("history_days") >= NEW_PARTY_MIN_HISTORY_DAYS
    z = pl.col("value_z").fill_null(0.0).clip(-Z_CAP, Z_CAP)
    party_seizures = (
        pl.col("shipper_prior_s") + pl.col("consignee_prior_s") + pl.col("address_prior_s")
    )
    out = [
        Feature(f"rule_{r.name}", r.label, f"No '{r.label}' flag", _flag(pl.col(f"rule_{r.name}")))
        for r in rules.RULES
    ]
    out += [
        Feature(
            "value_below_norm",
            "Value per kg far below the HTS line's norm",
            "Value per kg not below the HTS line's norm",
            (-z).clip(lower_bound=0),
        ),
        Feature(
            "value_above_norm",
            "Value per kg far above the HTS line's norm",
            "Value per kg not above the HTS line's norm",
            z.clip(lower_bound=0),
        ),
        Feature(
            "shipper_new",
            "Shipper never seen before",
            "Shipper seen before",
            _flag(established & (pl.col("shipper_prior_n") == 0)),
        ),
        Feature(
            "consignee_new",
            "Consignee never seen before",
            "Consignee seen before",
            _flag(established & (pl.col("consignee_prior_n") == 0)),
        ),
        Feature(
            "address_new",
            "Delivery address never seen before",
            "Address seen before",
            _flag(established & (pl.col("address_prior_n") == 0)),
        ),
        Feature(
            "shipper_history",
            "Shipper with many earlier shipments",
            "Shipper with few or no earlier shipments",
            _log1p("shipper_prior_n"),
        ),
        Feature(
            "consignee_history",
            "Consignee with many earlier shipments",
            "Consignee with few or no earlier shipments",
            _log1p("consignee_prior_n"),
        ),
        Feature(
            "party_seizures",
            "Shipper, consignee or address seized on before",
            "No earlier seizures of these parties",
            party_seizures.cast(pl.Float64).log1p(),
        ),
        Feature(
            "route_risk",
            "Route's seizure rate above all traffic's",
            "Route's seizure rate below all traffic's",
            (pl.col("route_rate") / pl.col("base_rate")).log(),
        ),
        Feature("route_history", "Busy route", "Little-used route", _log1p("route_prior_n")),
        Feature(
            "route_new",
            "Route barely seen before",
            "Established route",
            _flag(established & (pl.col("route_prior_n") < PRIOR_STRENGTH / 10)),
        ),
        Feature(
            "hts_risk",
            "HTS line's seizure rate above all traffic's",
            "HTS line's seizure rate below all traffic's",
            (pl.col("hts_rate") / pl.col("base_rate")).log(),
        ),
        Feature(
            "address_window",
            "Many parcels to the address in the last days",
            "Few parcels to the address in the last days",
            _count("address_window_n").log1p(),
        ),
        Feature(
            "address_names",
            "Several consignee ids at the address in the last days",
            "One consignee id at the address in the last days",
            _count("address_window_names"),
        ),
        Feature(
            "consignee_window",
            "Many parcels to the consignee in the last days",
            "Few parcels to the consignee in the last days",
            _count("consignee_window_n").log1p(),
        ),
        Feature(
            "entry_86",
            "Section 321 (Type 86) entry",
            "Not a Section 321 (Type 86) entry",
            _flag(pl.col("entry_type") == "86"),
        ),
        Feature(
            "transit",
            "Shipped via a transit country",
            "Shipped direct",
            _flag(pl.col("transit_country").is_not_null()),
        ),
        Feature(
            "master_carton",
            "Part of a master carton",
            "Not in a master carton",
            _flag(pl.col("master_carton")),
        ),
        Feature(
            "preprinted_label",
            "Preprinted domestic label",
            "No preprinted domestic label",
            _flag(pl.col("preprinted_domestic_label")),
        ),
        Feature(
            "log_value",
            "High declared value",
            "Low declared value",
            pl.col("declared_value_usd").clip(lower_bound=0).log1p(),
        ),
        Feature(
            "log_weight",
            "Heavy",
            "Light",
            pl.col("declared_weight_kg").clip(lower_bound=0).log1p(),
        ),
    ]
    out += [
        Feature(
            f"mode_{m}",
            f"Mode: {m.replace('_', ' ')}",
            f"Mode other than {m.replace('_', ' ')}",
            _flag(pl.col("mode") == m),
        )
        for m in MODES
    ]
    return tuple(out)


FEATURES: tuple[Feature, ...] = _definitions()
FEATURE_NAMES = tuple(f.name for f in FEATURES)
FEATURE_LABELS = {f.name: f.high for f in FEATURES}
FEATURE_LOW_LABELS = {f.name: f.low for f in FEATURES}


def with_rules(history: pl.DataFrame) -> pl.DataFrame:
    """The history frame with one ``rule_<name>`` column per red flag."""
    return pl.concat([history, rules.apply_rules(history)], how="horizontal")


def matrix(frame: pl.DataFrame, names: tuple[str, ...] = FEATURE_NAMES) -> np.ndarray:
    """Feature values (rows x ``names``) of a frame that has history and rule columns."""
    by_name = {f.name: f for f in FEATURES}
    exprs = [by_name[n].expr.cast(pl.Float64).fill_nan(0.0).fill_null(0.0).alias(n) for n in names]
    values = frame.select(exprs).to_numpy()
    values[~np.isfinite(values)] = 0.0
    return values


def rule_count(frame: pl.DataFrame) -> np.ndarray:
    """The rules-only score: how many red flags fired."""
    cols = [f"rule_{n}" for n in rules.RULE_NAMES]
    total = frame.select(pl.sum_horizontal([pl.col(c).cast(pl.Int32) for c in cols]))
    return total.to_series().to_numpy().astype(np.float64)
