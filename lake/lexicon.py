"""The words and HTS codes the red flags look for, and where each list comes from.

Two sources only, so a rule can be audited: the public indicators CBP and DEA officials cite
(shared research notes, section 6a: junk texts such as "gift", "daily necessities", "freight of all
kinds" or a lone number; fake consignees such as "unknown", "present", "Mickey Mouse"), and the
committed reference tables (``hts_codes.csv`` watchlist lines, ``commodities.csv`` HTS prefixes
and description terms). Nothing is taken from the demo generator, so the rules cannot "know" what
it planted.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from lake import reference

# Descriptions that name no good at all (CBP/DEA "junk data" examples, widened with their kin).
JUNK_PHRASES: frozenset[str] = frozenset(
    {
        "gift",
        "gifts",
        "present",
        "sample",
        "samples",
        "free sample",
        "daily necessities",
        "daily necessity",
        "daily use",
        "daily goods",
        "freight of all kinds",
        "fak",
        "general merchandise",
        "general cargo",
        "merchandise",
        "goods",
        "items",
        "products",
        "product",
        "stuff",
        "misc",
        "miscellaneous",
        "various",
        "various goods",
        "commodity",
        "household goods",
        "household items",
        "personal effects",
        "personal items",
        "accessories",
        "parts",
        "spare parts",
        "samples no commercial value",
        "no commercial value",
        "raw material",
        "raw materials",
        "industrial raw material",
        "chemical",
        "chemicals",
        "chemical product",
        "chemical products",
        "organic chemical",
        "intermediate",
        "reagent",
        "material",
        "materials",
        "cosmetic raw material",
        "food additive",
        "powder",
        "white powder",
    }
)
LONE_NUMBER = re.compile(r"^[\d\s.,#-]*$")  # "9", "123", "" — a number is not a description

# Placeholder consignee names (fake-consignee examples, widened with common fillers).
PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {
        "unknown",
        "present",
        "mickey mouse",
        "minnie mouse",
        "donald duck",
        "john doe",
        "jane doe",
        "john smith",
        "test",
        "test test",
        "testing",
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "customer",
        "consignee",
        "receiver",
        "recipient",
        "buyer",
        "client",
        "xxx",
        "xx",
        "x",
        "abc",
        "asdf",
        "name",
        "no name",
        "tbd",
        "to be advised",
    }
)
# Also: runs of x, names of only digits and punctuation ("-", "123"), "test ...", "... doe",
# anything with "unknown". Letters of any script count as a name ("王伟" is one).
PLACEHOLDER_PATTERN = re.compile(r"^(x+|[\W\d_]*|test\b.*|.*\bdoe|.*\bunknown\b.*)$")

# Word groups that say what kind of good a text names, and the HTS chapters that fit each.
# A text that names goods of some group but is declared under none of that group's chapters
# contradicts its HTS code (e.g. "cosmetic raw material" under chapter 29, organic chemicals).
CHAPTER_GROUPS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "apparel": (
        frozenset(
            {
                "shirt",
                "t-shirt",
                "tee",
                "dress",
                "jeans",
                "socks",
                "hoodie",
                "sweater",
                "sweatshirt",
                "bra",
                "leggings",
                "trousers",
                "shorts",
                "garment",
                "scarf",
                "shoes",
                "sneakers",
                "sandals",
                "slippers",
                "slides",
            }
        ),
        frozenset({"61", "62", "63", "64", "65"}),
    ),
    "chemical": (
        frozenset(
            {
                "chemical",
                "compound",
                "acid",
                "chloride",
                "amine",
                "derivative",
                "reagent",
                "solvent",
                "hydrochloride",
                "piperidine",
                "piperidone",
                "aniline",
                "pyridine",
                "heterocyclic",
                "methylamine",
                "ephedrine",
                "intermediate",
            }
        ),
        frozenset({"28", "29", "30", "32", "34", "38"}),
    ),
    "cosmetic": (
        frozenset(
            {
                "cosmetic",
                "cosmetics",
                "cream",
                "lotion",
                "serum",
                "mascara",
                "eyeliner",
                "eyeshadow",
                "makeup",
                "perfume",
                "shampoo",
                "skin",
            }
        ),
        frozenset({"33", "34"}),
    ),
    "food": (
        frozenset(
            {
                "food",
                "tea",
                "coffee",
                "candy",
                "snack",
                "snacks",
                "supplement",
                "vitamin",
                "gummies",
                "protein",
                "avocados",
                "fruit",
                "spice",
            }
        ),
        frozenset(
            {"02", "03", "04", "07", "08", "09", "16", "17", "18", "19", "20", "21", "22", "84"}
        ),  # food machines (candy making machine) are chapter 84
    ),
    "electronics": (
        frozenset(
            {
                "phone",
                "smartphone",
                "charger",
                "cable",
                "earbuds",
                "headphones",
                "battery",
                "laptop",
                "adapter",
                "router",
                "usb",
            }
        ),
        frozenset({"84", "85", "90", "39"}),  # phone cases are plastic (39)
    ),
    "toy": (
        frozenset({"toy", "toys", "doll", "puzzle", "plush"}),
        frozenset({"95"}),
    ),
    "machine": (
        frozenset(
            {
                "machine",
                "press",
                "filler",
                "mixer",
                "pump",
                "motor",
                "die",
                "dies",
                "punch",
                "tooling",
            }
        ),
        frozenset({"82", "84", "85", "90"}),
    ),
}

WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")


def normalise(text: str | None) -> str:
    """Lower case, single spaces: how every lexicon entry is written."""
    return " ".join((text or "").lower().split())


def words(text: str | None) -> set[str]:
    return set(WORD.findall(normalise(text)))


@cache
def hts_lines() -> pl.DataFrame:
    """``hts_codes.csv``: code, chapter and watchlist ("" when none) of each HTS line."""
    return pl.read_csv(
        reference.REFERENCE_DIR / "hts_codes.csv",
        schema_overrides={"hts_code": pl.Utf8, "chapter": pl.Utf8, "watchlist": pl.Utf8},
    ).with_columns(pl.col("chapter").str.zfill(2), pl.col("watchlist").fill_null(""))


@cache
def watchlist_lines(kind: str) -> tuple[str, ...]:
    """HTS lines whose ``watchlist`` is ``kind`` (precursor or equipment)."""
    lines = hts_lines().filter(pl.col("watchlist") == kind)
    return tuple(sorted(lines["hts_code"]))


@cache
def commodity_prefixes(*commodity_ids: str) -> tuple[str, ...]:
    """The HTS prefixes ``commodities.csv`` lists for these commodities (``2933.39`` etc.)."""
    frame = reference.commodities().filter(pl.col("commodity_id").is_in(list(commodity_ids)))
    out: set[str] = set()
    for codes in frame["hts_codes"].drop_nulls():
        out.update(c.strip() for c in codes.split(";") if c.strip())
    return tuple(sorted(out))


@cache
def category_prefixes(category: str) -> tuple[str, ...]:
    ids = reference.commodities().filter(pl.col("category") == category)["commodity_id"]
    return commodity_prefixes(*ids.to_list())


@cache
def terms_pattern(*commodity_ids: str) -> str:
    """A regex matching any description term of these commodities as whole words."""
    frame = reference.commodities().filter(pl.col("commodity_id").is_in(list(commodity_ids)))
    terms: set[str] = set()
    for cell in frame["description_terms"].drop_nulls():
        terms.update(normalise(t) for t in cell.split(";") if t.strip())
    ordered = sorted(terms, key=len, reverse=True)  # longest first: "tablet press" over "press"
    return r"(?:^|[^a-z0-9])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?:$|[^a-z0-9])"


@cache
def category_terms_pattern(category: str) -> str:
    ids = reference.commodities().filter(pl.col("category") == category)["commodity_id"]
    return terms_pattern(*ids.to_list())


def chapter_contradiction(text: str | None, chapter: str | None) -> bool:
    """True when the text names goods of some group and the chapter fits none of those groups."""
    found = words(text)
    matched = [chapters for terms, chapters in CHAPTER_GROUPS.values() if found & terms]
    if not matched or not chapter:
        return False
    return not any(chapter in chapters for chapters in matched)
