"""Seized fentanyl weight as potentially lethal doses: a range, with every assumption stated.

CBP's public figures give pounds of fentanyl, powder and pills together, at unknown purity. The
figure often quoted (1 lb = 453,592 mg / 2 mg = 226,796 doses) assumes the weight is pure
fentanyl, which seized fentanyl almost never is. We show a range instead:

- **low**: every pound is counterfeit tablets of about 0.1 g each at the lowest fentanyl content
  measured in tablets CBP seized at the Southwest border, 0.012 mg a tablet (CFSRE, "Sentinel
  Snapshot: Purity of Tablets Seized at the US Southwest Border", 2020-2023 samples; DEA's
  laboratory reports 0.02-5.1 mg);
- **high**: every pound is powder at 10 % purity (DHS OIG-19-67: CBP's Office of Field Operations
  "predominantly seizes fentanyl at low purity levels", 10 % or less). The highest tablet content
  measured, 6.6 mg in 0.1 g (6.6 %), is below it;
- **if pure**: the quoted figure, shown as a ceiling, not an estimate. Powder shipped by mail from
  China has been reported above 90 % pure (DEA National Drug Threat Assessment), so a year with
  much such powder can exceed the high end.

A potentially lethal dose is 2 mg (DEA, "One Pill Can Kill"; CBP, "Frontline Against Fentanyl").
It is a toxicology benchmark, not a count of lives saved or deaths prevented.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MG_PER_LB = 453_592.37
LETHAL_DOSE_MG = 2.0
TABLET_MASS_MG = 100.0  # about 0.1 g a counterfeit tablet (the demo data assume the same)
TABLET_CONTENT_MG = (0.012, 6.6)  # CFSRE, CBP-seized Southwest-border tablets, 2020-2023
POWDER_PURITY_HIGH = 0.10  # DHS OIG-19-67: OFO seizes fentanyl predominantly at <= 10 % purity


@dataclass(frozen=True)
class Assumption:
    name: str
    value: str
    source: str


ASSUMPTIONS = (
    Assumption("Potentially lethal dose", "2 mg of fentanyl", "DEA, One Pill Can Kill (2022); CBP"),
    Assumption(
        "Counterfeit tablet",
        "about 0.1 g, containing 0.012 to 6.6 mg of fentanyl",
        "CFSRE Sentinel Snapshot (tablets seized by CBP at the Southwest border, 2020-2023); "
        "DEA laboratory: 0.02 to 5.1 mg",
    ),
    Assumption(
        "Powder purity",
        "10 % or less, as OFO predominantly seizes",
        "DHS Office of Inspector General, OIG-19-67",
    ),
    Assumption(
        "If pure (ceiling)",
        "every pound is fentanyl: 226,796 doses a pound",
        "The arithmetic of press releases; not an estimate",
    ),
)


def purity_low() -> float:
    """Fentanyl share of tablet weight at the lowest measured content."""
    return TABLET_CONTENT_MG[0] / TABLET_MASS_MG


def doses_per_lb() -> dict[str, float]:
    per_lb = MG_PER_LB / LETHAL_DOSE_MG
    return {
        "doses_low": per_lb * purity_low(),
        "doses_high": per_lb * POWDER_PURITY_HIGH,
        "doses_if_pure": per_lb,
    }


def with_doses(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the dose range to a frame with ``lbs`` (null where suppressed stays null)."""
    factors = doses_per_lb()
    return frame.with_columns(
        (pl.col("lbs") * factor).round(0).alias(name) for name, factor in factors.items()
    )
