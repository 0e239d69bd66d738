"""Red flags: one named, documented function per published indicator, and the ``RULES`` registry.

Each rule takes the shipments frame and returns one boolean per row (never null). Rules that look
at history read the point-in-time columns ``targeting.history`` adds (``shipper_prior_n``,
``route_rate``, ``value_z``, ...): that history only holds what was known before the shipment
arrived, so a rule can never peek at its own outcome. ``needs`` in the registry lists the
columns a rule reads, so a unit test can hand-write the smallest frame that exercises it.

Thresholds are constants here, next to the rule that uses them, so a reviewer can tune them in one
place; every one is explained where it is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from lake import lexicon

VALUE_Z = 3.5  # robust z of log value per kg beyond which a declared value is implausible
SPLIT_MIN_PARCELS = 5  # parcels to one address in the window ...
SPLIT_MIN_NAMES = 3  # ... under at least this many different consignee ids
SPLIT_PAIR_PARCELS = 5  # or this many parcels from one shipper to one consignee in the window
FIRST_SEEN_MIN_HISTORY_DAYS = 180  # before that, every party is "new" and the flag means nothing
ROUTE_RISK_RATIO = 3.0  # smoothed route seizure rate at least this many times all traffic's
PRESS_WORDS = r"press|tablet|tablett|capsule|pill|pellet|candy|sugar|compression|encapsul"


def _text() -> pl.Expr:
    return pl.col("description").fill_null("").str.to_lowercase().str.strip_chars()


def _series(frame: pl.DataFrame, expr: pl.Expr, name: str) -> pl.Series:
    return frame.select(expr.fill_null(False).alias(name)).to_series()


def _hts_starts(prefixes: tuple[str, ...]) -> pl.Expr:
    code = pl.col("hts_code").fill_null("")
    expr = pl.lit(False)
    for prefix in prefixes:
        expr = expr | code.str.starts_with(prefix)
    return expr


# -- the rules -------------------------------------------------------------------------------
def precursor_watchlist(frame: pl.DataFrame) -> pl.Series:
    """Declared under a precursor HTS line (``hts_codes.csv`` watchlist, ``commodities.csv``
    prefixes) or naming a listed precursor in the text (4-AP, NPP, ANPP, P2P, methylamine...)."""
    lines = pl.col("hts_code").is_in(list(lexicon.watchlist_lines("precursor")))
    prefix = _hts_starts(lexicon.category_prefixes("precursor"))
    named = _text().str.contains(lexicon.category_terms_pattern("precursor"))
    return _series(frame, lines | prefix | named, "precursor_watchlist")


def press_without_dea(frame: pl.DataFrame) -> pl.Series:
    """A tableting or encapsulating machine with no DEA import transaction id (DEA Form 452).

    The machine is recognised by its text (tablet press, capsule filler...) or, for disguised
    ones, by a tableting-machine HTS line whose text still speaks of a press, tablet, capsule,
    pellet, candy or sugar machine; other machines on those broad lines need no DEA id.
    """
    machine_ids = ("pill_press", "encapsulating_machine")
    named = _text().str.contains(lexicon.terms_pattern(*machine_ids))
    on_line = _hts_starts(lexicon.commodity_prefixes(*machine_ids))
    pressy = _text().str.contains(PRESS_WORDS)
    no_id = pl.col("dea_transaction_id").fill_null("").str.strip_chars() == ""
    return _series(frame, (named | (on_line & pressy)) & no_id, "press_without_dea")


def tooling_watchlist(frame: pl.DataFrame) -> pl.Series:
    """Tablet dies, punches, molds and press parts (HTS 8207.30, 8479.90 per commodities.csv):
    not regulated like a press, but what a press needs to make counterfeit pills."""
    prefixes = lexicon.commodity_prefixes("die_set", "press_parts")
    return _series(frame, _hts_starts(prefixes), "tooling_watchlist")


def vague_description(frame: pl.DataFrame) -> pl.Series:
    """A text that names no good: "gift", "sample", "daily necessities", "freight of all kinds",
    a lone number (CBP's "junk data" examples), even when a 10-digit HTS code is given."""
    text = _text().str.replace_all(r"\s+", " ")
    junk = text.is_in(list(lexicon.JUNK_PHRASES)) | text.str.contains(lexicon.LONE_NUMBER.pattern)
    return _series(frame, junk, "vague_description")


def description_mismatch(frame: pl.DataFrame) -> pl.Series:
    """The text names goods of a kind the declared HTS chapter cannot hold ("cosmetic raw
    material" under chapter 29, organic chemicals): the classic misclassification signal."""
    pairs = frame.select(
        pl.col("description").fill_null("").alias("d"),
        pl.col("hts_code").fill_null("").str.slice(0, 2).alias("c"),
    )
    unique = pairs.unique()
    verdict = unique.with_columns(
        pl.struct("d", "c")
        .map_elements(
            lambda r: lexicon.chapter_contradiction(r["d"], r["c"]), return_dtype=pl.Boolean
        )
        .alias("v")
    )
    joined = pairs.join(verdict, on=["d", "c"], how="left", maintain_order="left")
    return joined["v"].fill_null(False).alias("description_mismatch")


def value_outlier(frame: pl.DataFrame) -> pl.Series:
    """Declared value per kg far from the HTS line's norm: robust z (median and MAD of the 12
    months before) beyond ``VALUE_Z`` either way. Lines without enough history never fire."""
    return _series(frame, pl.col("value_z").abs() >= VALUE_Z, "value_outlier")


def de_minimis_carton(frame: pl.DataFrame) -> pl.Series:
    """Section 321 (Type 86) parcel in a master carton with a preprinted domestic label: the
    precursor-smuggling pattern the CBP fentanyl strategy names."""
    expr = (
        (pl.col("entry_type") == "86")
        & pl.col("master_carton").fill_null(False)
        & pl.col("preprinted_domestic_label").fill_null(False)
    )
    return _series(frame, expr, "de_minimis_carton")


def split_parcels(frame: pl.DataFrame) -> pl.Series:
    """One address receiving many parcels under several consignee ids, or one consignee
    receiving many parcels from one shipper, within the history window (consignment splitting).

    A busy consignee alone is not a flag: big importers receive parcels daily from many senders.
    """
    expr = (
        (pl.col("address_window_n") >= SPLIT_MIN_PARCELS)
        & (pl.col("address_window_names") >= SPLIT_MIN_NAMES)
    ) | (pl.col("pair_window_n") >= SPLIT_PAIR_PARCELS)
    return _series(frame, expr, "split_parcels")


def placeholder_consignee(frame: pl.DataFrame) -> pl.Series:
    """A consignee name that names nobody: "John Doe", "Test Test", "N/A", "Unknown",
    "Mickey Mouse" (fake-consignee examples CBP officials cite)."""
    name = pl.col("consignee_name").fill_null("").str.to_lowercase().str.strip_chars()
    name = name.str.replace_all(r"\s+", " ")
    expr = name.is_in(list(lexicon.PLACEHOLDER_NAMES)) | name.str.contains(
        lexicon.PLACEHOLDER_PATTERN.pattern
    )
    return _series(frame, expr, "placeholder_consignee")


def first_seen_party(frame: pl.DataFrame) -> pl.Series:
    """The shipper or the consignee never shipped before (counted over earlier days), once the
    lake holds enough history for "never" to mean something."""
    expr = (pl.col("history_days") >= FIRST_SEEN_MIN_HISTORY_DAYS) & (
        (pl.col("shipper_prior_n") == 0) | (pl.col("consignee_prior_n") == 0)
    )
    return _series(frame, expr, "first_seen_party")


def seizure_linked_party(frame: pl.DataFrame) -> pl.Series:
    """The shipper, consignee or delivery address was on a seized shipment before (outcomes
    count after ``history.OUTCOME_LAG_DAYS``)."""
    expr = (pl.col("shipper_prior_s") + pl.col("consignee_prior_s") + pl.col("address_prior_s")) > 0
    return _series(frame, expr, "seizure_linked_party")


def risky_route(frame: pl.DataFrame) -> pl.Series:
    """Origin > transit > port > mode with a seizure rate at least ``ROUTE_RISK_RATIO`` times
    that of all traffic, smoothed with a Beta prior so a handful of shipments cannot top it."""
    expr = pl.col("route_rate") >= ROUTE_RISK_RATIO * pl.col("base_rate")
    return _series(frame, expr, "risky_route")


# -- the registry ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    name: str
    label: str  # the chip text
    description: str
    source: str
    check: Callable[[pl.DataFrame], pl.Series]
    needs: tuple[str, ...]


SOURCE_STRATEGY = "CBP Strategy to Combat Fentanyl (2023), via STR Trade Report"
SOURCE_TYPE86 = "Trade press on CBP's Type 86 test (2023-2024): 'junk data', fake consignees"
SOURCE_DEA452 = "DEA Form 452 (21 CFR 1310.05); INCB national approach, United States"
SOURCE_REFERENCE = "data/reference hts_codes.csv and commodities.csv"
SOURCE_VALUATION = "WCO valuation anomaly methods; CBP: weight/value ratios that don't make sense"
SOURCE_SPLITTING = "UN/CEFACT de minimis abuse (consignment splitting); CBP master cartons"
SOURCE_HISTORY = "Point-in-time lake history (this project)"

RULES: tuple[Rule, ...] = (
    Rule(
        "precursor_watchlist",
        "Precursor line",
        precursor_watchlist.__doc__ or "",
        SOURCE_REFERENCE,
        precursor_watchlist,
        ("hts_code", "description"),
    ),
    Rule(
        "press_without_dea",
        "Press without DEA id",
        press_without_dea.__doc__ or "",
        SOURCE_DEA452,
        press_without_dea,
        ("hts_code", "description", "dea_transaction_id"),
    ),
    Rule(
        "tooling_watchlist",
        "Dies / press parts",
        tooling_watchlist.__doc__ or "",
        SOURCE_REFERENCE,
        tooling_watchlist,
        ("hts_code",),
    ),
    Rule(
        "vague_description",
        "Vague description",
        vague_description.__doc__ or "",
        SOURCE_TYPE86,
        vague_description,
        ("description",),
    ),
    Rule(
        "description_mismatch",
        "Text contradicts HTS",
        description_mismatch.__doc__ or "",
        SOURCE_VALUATION,
        description_mismatch,
        ("hts_code", "description"),
    ),
    Rule(
        "value_outlier",
        "Value/kg outlier",
        value_outlier.__doc__ or "",
        SOURCE_VALUATION,
        value_outlier,
        ("value_z",),
    ),
    Rule(
        "de_minimis_carton",
        "Type 86 master carton",
        de_minimis_carton.__doc__ or "",
        SOURCE_STRATEGY,
        de_minimis_carton,
        ("entry_type", "master_carton", "preprinted_domestic_label"),
    ),
    Rule(
        "split_parcels",
        "Split parcels",
        split_parcels.__doc__ or "",
        SOURCE_SPLITTING,
        split_parcels,
        ("address_window_n", "address_window_names", "pair_window_n"),
    ),
    Rule(
        "placeholder_consignee",
        "Placeholder name",
        placeholder_consignee.__doc__ or "",
        SOURCE_TYPE86,
        placeholder_consignee,
        ("consignee_name",),
    ),
    Rule(
        "first_seen_party",
        "First-seen party",
        first_seen_party.__doc__ or "",
        SOURCE_HISTORY,
        first_seen_party,
        ("history_days", "shipper_prior_n", "consignee_prior_n"),
    ),
    Rule(
        "seizure_linked_party",
        "Party linked to seizures",
        seizure_linked_party.__doc__ or "",
        SOURCE_HISTORY,
        seizure_linked_party,
        ("shipper_prior_s", "consignee_prior_s", "address_prior_s"),
    ),
    Rule(
        "risky_route",
        "High-risk route",
        risky_route.__doc__ or "",
        SOURCE_HISTORY,
        risky_route,
        ("route_rate", "base_rate"),
    ),
)
RULE_BY_NAME = {r.name: r for r in RULES}
RULE_NAMES = tuple(r.name for r in RULES)


def apply_rules(frame: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per rule, named ``rule_<name>``, in registry order."""
    return pl.DataFrame([rule.check(frame).alias(f"rule_{rule.name}") for rule in RULES])


def fired_lists(flags: pl.DataFrame) -> pl.Series:
    """The names of the rules that fired on each row, as a list column (registry order).

    Rows are folded into a bit mask first: a million rows share a few hundred distinct sets of
    flags, so each list is built once per set, not once per row.
    """
    if flags.height == 0:
        return pl.Series("flags", [], dtype=pl.List(pl.Utf8))
    bits = [pl.col(f"rule_{n}").cast(pl.Int64) * (1 << i) for i, n in enumerate(RULE_NAMES)]
    masks = flags.select(pl.sum_horizontal(bits).alias("mask"))
    unique = masks.unique("mask")
    lists = [[n for i, n in enumerate(RULE_NAMES) if m >> i & 1] for m in unique["mask"]]
    table = unique.with_columns(pl.Series("flags", lists, dtype=pl.List(pl.Utf8)))
    joined = masks.join(table, on="mask", how="left", maintain_order="left")
    return joined["flags"]
