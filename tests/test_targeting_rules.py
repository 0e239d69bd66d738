"""Each red flag fires on a hand-written row that shows its pattern and stays quiet on a row that
does not. Rows are written out in full here, never produced by the generator."""

from __future__ import annotations

import polars as pl
import pytest

from targeting import rules

# A plain, unremarkable shipment with some history: no rule should fire on it.
PLAIN = {
    "shipment_id": "T1",
    "hts_code": "6109.10.0012",
    "description": "men's cotton t-shirt",
    "dea_transaction_id": None,
    "entry_type": "86",
    "master_carton": False,
    "preprinted_domestic_label": False,
    "consignee_name": "Maria Garcia",
    "value_z": 0.4,
    "address_window_n": 1,
    "address_window_names": 1,
    "consignee_window_n": 1,
    "pair_window_n": 1,
    "history_days": 900,
    "shipper_prior_n": 40,
    "consignee_prior_n": 3,
    "shipper_prior_s": 0,
    "consignee_prior_s": 0,
    "address_prior_s": 0,
    "route_rate": 0.02,
    "base_rate": 0.02,
}


def frame(*changes: dict) -> pl.DataFrame:
    """One row per ``changes`` dict, each the plain row with those values replaced."""
    rows = [{**PLAIN, **change, "shipment_id": f"T{i}"} for i, change in enumerate(changes)]
    return pl.DataFrame(rows, schema_overrides={"dea_transaction_id": pl.Utf8})


def fired(rule_name: str, *changes: dict) -> list[bool]:
    return rules.RULE_BY_NAME[rule_name].check(frame(*changes)).to_list()


def test_tgr001_nothing_fires_on_a_plain_shipment():
    flags = rules.apply_rules(frame({}))
    assert flags.columns == [f"rule_{n}" for n in rules.RULE_NAMES]
    assert flags.row(0) == (False,) * len(rules.RULES)


@pytest.mark.parametrize(
    "change",
    [
        {"hts_code": "2933.37.0000", "description": "npp reference standard"},  # watchlist line
        {"hts_code": "2933.39.2000", "description": "pyridine compound"},  # commodities prefix
        {"hts_code": "2942.00.5000", "description": "4-ANPP 99%"},  # named in the text
        {"hts_code": "3824.99.9297", "description": "Methylamine hydrochloride"},
    ],
)
def test_tgr002_precursor_watchlist_fires_on_line_prefix_or_name(change):
    assert fired("precursor_watchlist", change) == [True]


def test_tgr003_precursor_watchlist_ignores_benign_chemistry_and_lookalike_words():
    quiet = [
        {"hts_code": "2942.00.5000", "description": "research chemical"},
        {"hts_code": "6109.10.0012", "description": "snapper fishing shirt"},  # "npp" inside
    ]
    assert fired("precursor_watchlist", *quiet) == [False, False]


def test_tgr004_press_without_dea_needs_a_machine_and_no_id():
    rows = [
        {"hts_code": "8479.89.9499", "description": "Rotary Tablet Press"},  # named, no id
        {
            "hts_code": "8479.89.9499",
            "description": "rotary tablet press",
            "dea_transaction_id": "DEA452-12345678",
        },  # declared: fine
        {"hts_code": "8479.89.9499", "description": "sugar press machine"},  # disguised
        {"hts_code": "8422.30.9100", "description": "capsule filling machine"},
        {"hts_code": "8479.89.9499", "description": "industrial mixer"},  # other machine
        {"hts_code": "8504.40.9580", "description": "phone charger"},
    ]
    assert fired("press_without_dea", *rows) == [True, False, True, True, False, False]


def test_tgr005_tooling_watchlist_fires_on_die_and_press_part_lines():
    rows = [
        {"hts_code": "8207.30.6062", "description": "punch and die set"},
        {"hts_code": "8479.90.9496", "description": "feeder assembly"},
        {"hts_code": "8708.99.8180", "description": "auto parts"},
    ]
    assert fired("tooling_watchlist", *rows) == [True, True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gift", True),
        ("DAILY NECESSITIES", True),
        ("Freight of all kinds", True),
        ("  sample ", True),
        ("9", True),
        ("", True),
        ("cotton socks", False),
        ("gift wrapping paper", False),  # names a good
    ],
)
def test_tgr006_vague_description(text, expected):
    assert fired("vague_description", {"description": text}) == [expected]


def test_tgr007_description_contradicting_the_hts_chapter():
    rows = [
        {"hts_code": "2942.00.5000", "description": "cosmetic raw material"},  # 33 text, ch. 29
        {"hts_code": "3304.99.5000", "description": "organic chemical"},  # chemical, ch. 33
        {"hts_code": "3304.99.5000", "description": "skin care cream"},  # fits
        {"hts_code": "8479.89.9499", "description": "candy making machine"},  # machine fits 84
        {"hts_code": "2942.00.5000", "description": "daily necessities"},  # names nothing
    ]
    assert fired("description_mismatch", *rows) == [True, True, False, False, False]


def test_tgr008_value_outlier_either_way_and_never_without_a_norm():
    rows = [{"value_z": -5.2}, {"value_z": 4.0}, {"value_z": -3.0}, {"value_z": None}]
    assert fired("value_outlier", *rows) == [True, True, False, False]


def test_tgr009_de_minimis_carton_needs_all_three():
    rows = [
        {"entry_type": "86", "master_carton": True, "preprinted_domestic_label": True},
        {"entry_type": "11", "master_carton": True, "preprinted_domestic_label": True},
        {"entry_type": "86", "master_carton": True, "preprinted_domestic_label": False},
        {"entry_type": "86", "master_carton": False, "preprinted_domestic_label": True},
    ]
    assert fired("de_minimis_carton", *rows) == [True, False, False, False]


def test_tgr010_split_parcels_by_address_names_or_one_sender():
    rows = [
        {"address_window_n": 7, "address_window_names": 5},  # many names at one address
        {"address_window_n": 7, "address_window_names": 1},  # one busy consignee
        {"consignee_window_n": 40},  # busy importer, many senders
        {"pair_window_n": 6, "consignee_window_n": 6},  # one sender, one consignee, many parcels
        {"address_window_n": 4, "address_window_names": 4},  # below the parcel count
    ]
    assert fired("split_parcels", *rows) == [True, False, False, True, False]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("John Doe", True),
        ("TEST TEST", True),
        ("N/A", True),
        ("Mickey Mouse", True),
        ("xxx", True),
        ("-", True),
        ("Unknown Receiver", True),
        ("John Doherty", False),
        ("Testa Rossa LLC", False),
        ("王伟", False),  # a name in another script is a name
    ],
)
def test_tgr011_placeholder_consignee(name, expected):
    assert fired("placeholder_consignee", {"consignee_name": name}) == [expected]


def test_tgr012_first_seen_party_only_once_history_exists():
    rows = [
        {"shipper_prior_n": 0},
        {"consignee_prior_n": 0},
        {"shipper_prior_n": 0, "history_days": 20},  # young lake: everyone is new
        {},
    ]
    assert fired("first_seen_party", *rows) == [True, True, False, False]


def test_tgr013_seizure_linked_party():
    rows = [{"shipper_prior_s": 1}, {"address_prior_s": 2}, {}]
    assert fired("seizure_linked_party", *rows) == [True, True, False]


def test_tgr014_risky_route_compares_the_smoothed_rate_with_all_traffic():
    rows = [
        {"route_rate": 0.09, "base_rate": 0.02},
        {"route_rate": 0.05, "base_rate": 0.02},
        {"route_rate": 0.06, "base_rate": 0.02},  # exactly three times
    ]
    assert fired("risky_route", *rows) == [True, False, True]


def test_tgr015_registry_is_complete_and_documented():
    names = [r.name for r in rules.RULES]
    assert len(names) == len(set(names))
    for rule in rules.RULES:
        assert rule.label and len(rule.label) <= 28, rule.name
        assert len(rule.description) > 40 and rule.source, rule.name
        assert set(rule.needs) <= set(PLAIN), rule.name
        assert rule.check(frame({})).dtype == pl.Boolean


def test_tgr016_fired_lists_name_the_rules_in_registry_order():
    flags = rules.apply_rules(frame({}, {"consignee_name": "John Doe", "description": "gift"}))
    assert rules.fired_lists(flags).to_list() == [
        [],
        ["vague_description", "placeholder_consignee"],
    ]
