"""The shipment generator: contract, determinism, link rules, planted patterns."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pycountry
import pytest

from ingest.generate.shipments.declarations import CHEMICAL_COVER
from ingest.generate.shipments.hts import DESCRIPTIONS, VAGUE_TEXTS, hts_table
from ingest.generate.shipments.linking import (
    CARGO_MODES,
    LINK_SHARE_CARGO,
    LINK_SHARE_CARGO_CHEMICAL,
    LINK_SHARE_EXPRESS,
    LINK_SHARE_MAIL,
    LINKABLE_MODES,
    MAX_LINKED_SHARE,
    select_linked,
)
from ingest.generate.shipments.vocabulary import (
    EMERGING_ORIGIN,
    EMERGING_PORT_PREFERENCE,
    EMERGING_TRANSIT,
    PORT_TYPES_OF_MODE,
)
from lake import reference
from lake.contract import SHIPMENTS
from tests.generate_fixtures import (
    END,
    MACHINE_TEXTS,
    PARCEL,
    PLACEHOLDERS,
    N,
    _expected_schema,
    _fiscal_year,
    _make,
)

# ---------------------------------------------------------------------------------------------
# Shipments
# ---------------------------------------------------------------------------------------------


def test_gen101_schema_matches_contract(ships, links, referral_events):
    assert dict(ships.schema) == _expected_schema("shipments")
    assert ships.height == N
    assert links.columns == ["seizure_id", "shipment_id"]
    assert dict(referral_events.schema) == _expected_schema("referral_events")
    required = [c.name for c in SHIPMENTS if not c.nullable]
    assert ships.select(pl.col(required).null_count().sum()).sum_horizontal().item() == 0
    assert ships.select((_fiscal_year("arrived_at") == pl.col("fiscal_year")).all()).item()


def test_gen102_same_seed_same_frames_other_seed_differs(seizures, ships, links):
    again, again_links = _make(7, seizures=seizures)
    assert again.equals(ships)
    assert again_links.equals(links)
    other, _ = _make(8, seizures=seizures)
    assert not other.equals(ships)
    assert other["shipper_id"].to_list() != ships["shipper_id"].to_list()


def test_gen103_shipment_ids_unique_and_shaped(ships, links):
    assert ships["shipment_id"].n_unique() == ships.height
    assert ships["shipment_id"].str.contains(r"^MF\d{12}$").all()
    fy_in_id = ships["shipment_id"].str.slice(2, 4).cast(pl.Int16)
    assert (fy_in_id == ships["fiscal_year"]).all()
    assert ships["shipper_id"].str.contains(r"^SH\d{7,}$").all()
    assert ships["consignee_id"].str.contains(r"^CE\d{8,}$").all()
    assert ships["consignee_address_id"].str.contains(r"^AD\d{8,}$").all()
    assert links["seizure_id"].n_unique() == links.height
    assert links["shipment_id"].n_unique() == links.height


def test_gen104_link_rules(ships, links, seizures):
    seized = ships["outcome"] == "seized"
    assert (seized == ships["seizure_id"].is_not_null()).all()
    assert ships.filter(seized)["examined"].all()
    assert not ships.filter(~pl.col("examined"))["outcome"].is_in(["seized", "cleared"]).any()
    assert (ships.filter(pl.col("examined"))["outcome"] != "not_examined").all()
    joined = ships.filter(seized).join(seizures, on="seizure_id", suffix="_s")
    assert joined.height == links.height == int(seized.sum())
    assert (joined["port_code"] == joined["port_code_s"]).all()
    assert (joined["mode"] == joined["mode_s"]).all()
    assert (joined["arrived_at"].dt.date() == joined["event_date"]).all()
    assert (joined["origin_country"] == joined["source_country"].fill_null("CN")).all()
    same_transit = joined["transit_country"].eq_missing(joined["transit_country_s"])
    assert (same_transit | (joined["transit_country_s"] == joined["origin_country"])).all()
    parcel = joined.filter(pl.col("mode").is_in(PARCEL))
    assert ((parcel["entry_type"] == "86") == parcel["de_minimis"]).all()
    # Only seizures at a port by a linkable mode have a line; between ports, passengers and
    # vehicles never do. More seizures qualify than the cap allows, so exactly the cap links.
    linked = seizures.filter(pl.col("seizure_id").is_in(links["seizure_id"].implode()))
    assert linked["port_code"].is_not_null().all()
    assert set(linked["mode"].unique()) <= set(LINKABLE_MODES)
    assert links.height == int(MAX_LINKED_SHARE * N)


def _link_group(frame: pl.DataFrame) -> pl.DataFrame:
    """The cap's preference classes: chemical (precursor, equipment), de minimis, rest."""
    chemical = pl.col("category").is_in(["precursor", "equipment"])
    return frame.with_columns(
        pl.when(chemical)
        .then(pl.lit("chemical"))
        .when(pl.col("de_minimis"))
        .then(pl.lit("de_minimis"))
        .otherwise(pl.lit("rest"))
        .alias("group")
    )


def _linked_share(seizures: pl.DataFrame, linked: pl.DataFrame, by: list) -> dict[tuple, float]:
    """Share of ``seizures`` that are in ``linked``, per combination of the ``by`` columns."""
    flagged = seizures.with_columns(
        pl.col("seizure_id").is_in(linked["seizure_id"].implode()).alias("linked")
    )
    rows = flagged.group_by(by).agg(pl.col("linked").mean()).rows()
    return {tuple(row[:-1]): row[-1] for row in rows}


def test_gen120_link_shares_by_mode_before_the_cap(seizures):
    """Most seizures come without a manifest line: express 0.8, mail 0.3, cargo 0.4 (0.9 for
    chemicals), nothing else; only seizures at a port qualify."""
    uncapped = select_linked(seizures, np.random.default_rng(7), 10**9)  # cap never binds
    at_port = seizures.filter(pl.col("port_code").is_not_null())
    chemical = pl.col("category").is_in(["precursor", "equipment"]).alias("chemical")
    share = _linked_share(at_port, uncapped, ["mode", chemical])
    size = {(m, c): k for m, c, k in at_port.group_by("mode", chemical).len().rows()}
    expected = {"express": LINK_SHARE_EXPRESS, "mail": LINK_SHARE_MAIL}
    for (mode, is_chemical), got in share.items():
        if mode in expected:
            want = expected[mode]
        elif mode in CARGO_MODES:
            want = LINK_SHARE_CARGO_CHEMICAL if is_chemical else LINK_SHARE_CARGO
        else:
            assert got == 0, mode
            continue
        four_sigma = 4 * (want * (1 - want) / size[(mode, is_chemical)]) ** 0.5
        assert got == pytest.approx(want, abs=four_sigma), (mode, is_chemical)
    assert uncapped["port_code"].is_not_null().all()
    # A full demo has ~0.5 M seizures for 1 M rows: far more candidates than the 2 % cap.
    assert uncapped.height > MAX_LINKED_SHARE * N


def test_gen121_cap_prefers_chemical_then_de_minimis_seizures(seizures):
    uncapped = select_linked(seizures, np.random.default_rng(5), 10**9)
    n = 20_000  # the cap keeps about one candidate in ten, as in a full demo
    capped = select_linked(seizures, np.random.default_rng(5), n)
    assert capped.height == int(MAX_LINKED_SHARE * n) < uncapped.height
    assert capped["seizure_id"].is_in(uncapped["seizure_id"].implode()).all()
    assert capped["seizure_id"].is_sorted()
    share = _linked_share(_link_group(uncapped), capped, ["group"])
    chemical, de_minimis, rest = share[("chemical",)], share[("de_minimis",)], share[("rest",)]
    assert chemical > 2.5 * de_minimis
    assert de_minimis > 2.5 * rest > 0
    again = select_linked(seizures, np.random.default_rng(5), n)
    assert again.equals(capped)


def test_gen105_mode_fits_port_type(ships):
    ports = reference.ports().select("port_code", "port_type")
    joined = ships.join(ports, on="port_code", how="left")
    assert joined["port_type"].null_count() == 0
    allowed = {mode: set(kinds) for mode, kinds in PORT_TYPES_OF_MODE.items()}
    pairs = joined.group_by("mode", "port_type").len()
    for mode, kind, _ in pairs.iter_rows():
        assert kind in allowed[mode], (mode, kind)
    if (reference.ports()["port_type"] == "imf").any():
        assert (joined.filter(pl.col("mode") == "mail")["port_type"] == "imf").all()
    area = ships.join(reference.ports().select("port_code", "area_id"), on="port_code")
    assert (area["area_id"] == area["area_id_right"]).all()


def test_gen106_entry_types_follow_value_and_mode(ships):
    value = pl.col("declared_value_usd")
    is86 = pl.col("entry_type") == "86"
    assert ships.filter(is86 & ((value > 800) | ~pl.col("mode").is_in(PARCEL))).height == 0
    assert ships.filter((pl.col("entry_type") == "01") & (value <= 2500)).height == 0
    assert ships.filter((pl.col("entry_type") == "11") & (value > 2500)).height == 0
    cargo = ships.filter(~pl.col("mode").is_in(PARCEL))
    assert (cargo["entry_type"] == "01").mean() > 0.6
    parcel = ships.filter(pl.col("mode").is_in(PARCEL))
    assert (parcel["entry_type"] == "86").mean() > 0.85
    assert (ships["declared_value_usd"] > 0).all() and (ships["declared_weight_kg"] > 0).all()


def test_gen107_examined_share_and_targeting(ships):
    examined = ships["examined"].mean()
    assert 0.01 <= examined <= 0.06
    cleared = ships.filter(pl.col("outcome") == "cleared")
    assert cleared.height > 0
    # Exams concentrate on red flags: vague texts are over-represented among cleared rows.
    vague = pl.col("description").str.to_lowercase().is_in(list(VAGUE_TEXTS))
    assert cleared.select(vague.mean()).item() > 2 * ships.select(vague.mean()).item()


def test_gen108_skew_ports_hts_modes_countries(ships):
    parcel = ships.filter(pl.col("mode").is_in(PARCEL))
    assert parcel.height / ships.height > 0.6
    port_share = parcel["port_code"].value_counts(sort=True)["count"].to_numpy() / parcel.height
    assert port_share[0] > 2.5 * port_share[len(port_share) // 2]
    hts_share = ships["hts_code"].value_counts(sort=True)["count"].to_numpy() / ships.height
    assert hts_share[:5].sum() > 0.2
    assert ships["hts_code"].n_unique() > 40
    assert (parcel["origin_country"] == "CN").mean() > 0.55
    modes = set(ships["mode"].unique())
    assert {"express", "mail", "air_cargo", "sea_container", "land_truck", "land_rail"} <= modes
    border = reference.ports().select("port_code", "border")
    trucks = ships.filter(pl.col("mode") == "land_truck").join(border, on="port_code")
    sw = trucks.filter(pl.col("border") == "US-Mexico")
    north = trucks.filter(pl.col("border") == "US-Canada")
    assert (sw["origin_country"] == "MX").mean() > 0.9
    assert (north["origin_country"] == "CA").mean() > 0.9
    carriers = dict(ships.group_by("mode").agg(pl.col("carrier").unique().sort()).iter_rows())
    assert carriers["mail"] == ["USPS international mail"]
    assert {"DHL Express", "FedEx", "UPS"} <= set(carriers["express"])
    transit_null = ships.filter(pl.col("seizure_id").is_null())["transit_country"].is_null()
    assert transit_null.mean() > 0.85


def test_gen109_countries_are_iso_alpha2(ships):
    iso = {c.alpha_2 for c in pycountry.countries}
    used = set(ships["origin_country"].unique()) | set(
        ships["transit_country"].drop_nulls().unique()
    )
    assert used <= iso


def test_gen110_parties_repeat_and_names_are_stable(ships):
    shippers = ships["shipper_id"].value_counts(sort=True)["count"]
    assert shippers[0] > 0.01 * ships.height
    assert shippers.n_unique() > 50
    consignees = ships["consignee_id"].value_counts(sort=True)["count"]
    assert consignees[0] > 20 and (consignees == 1).sum() > 1_000
    named = ships.filter(~pl.col("consignee_name").is_in(list(PLACEHOLDERS)))
    per_id = named.group_by("consignee_id").agg(pl.col("consignee_name").n_unique())
    assert (per_id["consignee_name"] == 1).all()
    assert ships["consignee_name"].n_unique() > 1_000


def test_gen111_volume_grows_with_weekly_seasonality(ships):
    parcel = ships.filter(pl.col("mode").is_in(PARCEL) & pl.col("seizure_id").is_null())
    per_year = dict(parcel.group_by("fiscal_year").len().iter_rows())
    assert per_year[2024] > 1.8 * per_year[2019]
    weekday = parcel["arrived_at"].dt.weekday()  # Monday 1 .. Sunday 7
    assert (weekday <= 5).sum() / 5 > 1.3 * (weekday >= 6).sum() / 2
    last = datetime.combine(END, datetime.max.time())
    assert ships.filter(pl.col("seizure_id").is_null())["arrived_at"].max() <= last
    assert ships.filter(pl.col("seizure_id").is_null())["arrived_at"].min() >= datetime(2018, 10, 1)


def test_gen112_master_cartons_with_preprinted_labels_cluster(ships):
    both = ships.filter(pl.col("master_carton") & pl.col("preprinted_domestic_label"))
    assert both.height > 50
    assert both.height / ships.height < 0.01
    per_address = both["consignee_address_id"].value_counts(sort=True)["count"]
    assert both.height / len(per_address) > 3
    assert per_address[0] >= 10
    assert (both["entry_type"] == "86").mean() > 0.9
    # A cluster: one shipper, many consignee names, within a few days at one port.
    top = both.filter(pl.col("consignee_address_id") == both["consignee_address_id"].mode()[0])
    assert top["shipper_id"].n_unique() == 1
    assert top["consignee_id"].n_unique() > 5
    assert (top["arrived_at"].max() - top["arrived_at"].min()).days <= 4
    legit_mc = ships.filter(pl.col("master_carton") & ~pl.col("preprinted_domestic_label"))
    assert legit_mc["consignee_address_id"].n_unique() > 0.8 * legit_mc.height


def test_gen113_emerging_transit_route_grows_from_fy2025(ships):
    express = set(reference.ports().filter(pl.col("port_type") == "ecf")["port_code"])
    port = next(p for p in EMERGING_PORT_PREFERENCE if p in express)
    route = ships.filter(
        (pl.col("origin_country") == EMERGING_ORIGIN)
        & (pl.col("transit_country") == EMERGING_TRANSIT)
        & (pl.col("port_code") == port)
    )
    per_year = dict(route.group_by("fiscal_year").len().iter_rows())
    assert per_year.get(2024, 0) <= 2
    months = pl.col("arrived_at").dt.year() * 12 + pl.col("arrived_at").dt.month()
    half = ((months - (2024 * 12 + 10)) // 6).alias("half")  # Oct-Mar, Apr-Sep, Oct-Mar
    halves = (
        route.filter(pl.col("fiscal_year") >= 2025)
        .group_by(half)
        .len()
        .sort("half")["len"]
        .to_list()
    )
    assert len(halves) == 3 and halves[0] < halves[1] < halves[2]
    elsewhere = ships.filter(
        (pl.col("transit_country") == EMERGING_TRANSIT) & (pl.col("port_code") != port)
    )
    assert route.height > 5 * elsewhere.height
    assert route["examined"].mean() < 0.2


def test_gen114_placeholder_consignees_over_represented_when_seized(ships):
    placeholder = pl.col("consignee_name").is_in(list(PLACEHOLDERS))
    seized = ships.filter(pl.col("outcome") == "seized").select(placeholder.mean()).item()
    other = ships.filter(pl.col("outcome") != "seized").select(placeholder.mean()).item()
    assert seized > 0.08
    assert seized > 10 * other
    assert other > 0  # some honest filers use them too


def test_gen115_mis_manifested_precursors(ships, seizures):
    hts = hts_table().select("hts_code", "value_per_kg_median", "watchlist")
    rows = (
        ships.filter(pl.col("seizure_id").is_not_null())
        .join(seizures.select("seizure_id", "category"), on="seizure_id")
        .filter(pl.col("category") == "precursor")
        .join(hts, on="hts_code")
        .with_columns(
            (pl.col("declared_value_usd") / pl.col("declared_weight_kg")).alias("vpk"),
        )
    )
    assert rows.height > 20
    assert (rows["vpk"] < 0.2 * rows["value_per_kg_median"]).mean() > 0.8
    assert (rows["watchlist"] != "precursor").mean() > 0.6
    vague = rows["description"].str.to_lowercase().is_in(list(VAGUE_TEXTS))
    assert 0.2 < vague.mean() < 0.8
    # The same scheme is out there unexamined: benign chemical lines, CN/IN, far below the norm.
    cover = list(CHEMICAL_COVER)
    hidden = (
        ships.filter(pl.col("hts_code").is_in(cover) & (pl.col("outcome") == "not_examined"))
        .join(hts, on="hts_code")
        .filter(
            pl.col("declared_value_usd") / pl.col("declared_weight_kg")
            < 0.2 * pl.col("value_per_kg_median")
        )
    )
    assert hidden.height > 10
    assert hidden["origin_country"].is_in(["CN", "IN"]).mean() > 0.8


def test_gen116_tableting_machines_without_dea_id(ships, seizures):
    machines = ships.filter(pl.col("description").str.to_lowercase().is_in(list(MACHINE_TEXTS)))
    legit = machines.filter(pl.col("outcome") != "seized")
    assert legit.height > 20
    assert legit["dea_transaction_id"].is_not_null().mean() > 0.6
    assert ships["dea_transaction_id"].drop_nulls().str.contains(r"^DEA452-\d{8}$").all()
    with_id = ships.filter(pl.col("dea_transaction_id").is_not_null())
    assert with_id["description"].str.to_lowercase().is_in(list(MACHINE_TEXTS)).all()
    equipment = ships.join(
        seizures.filter(pl.col("category") == "equipment").select("seizure_id"), on="seizure_id"
    )
    assert equipment.height > 10
    assert equipment["dea_transaction_id"].null_count() == equipment.height
    assert machines.filter(pl.col("dea_transaction_id").is_null()).height > legit.height * 0.1


def test_gen117_links_capped_at_a_small_share_of_rows(seizures):
    n = 2_000
    ships, links = _make(3, n=n, seizures=seizures)
    assert ships.height == n
    assert links.height == int(MAX_LINKED_SHARE * n)
    assert (ships["outcome"] == "seized").sum() == links.height
    assert ships.filter(pl.col("seizure_id").is_null()).height >= (1 - MAX_LINKED_SHARE) * n
    again, again_links = _make(3, n=n, seizures=seizures)
    assert again_links.equals(links)
    empty, no_links = _make(3, n=n, seizures=seizures.clear())
    assert empty.height == n and no_links.height == 0


def test_gen118_progress_reports_rows_made(seizures):
    seen: list[int] = []
    _make(5, n=20_000, seizures=seizures, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 20_000


def test_gen119_hts_reference_is_consistent():
    hts = hts_table()
    assert 60 <= hts.height <= 100
    assert hts["hts_code"].n_unique() == hts.height
    assert hts["hts_code"].str.contains(r"^\d{4}\.\d{2}\.\d{4}$").all()
    assert (hts["hts_code"].str.slice(0, 2) == hts["chapter"]).all()
    assert set(hts["channel"].unique()) <= {"de_minimis", "cargo", "both"}
    assert set(hts["watchlist"].unique()) <= {"precursor", "equipment", ""}
    assert set(hts["hts_code"]) == set(DESCRIPTIONS)
    # Every precursor and equipment commodity's HTS prefixes reach at least one watchlist line.
    commodities = reference.commodities().filter(
        pl.col("category").is_in(["precursor", "equipment"])
    )
    lines = hts.filter(pl.col("watchlist") != "")["hts_code"].to_list()
    for row in commodities.iter_rows(named=True):
        prefixes = [p for p in (row["hts_codes"] or "").split(";") if p]
        assert any(line.startswith(p[:7]) for p in prefixes for line in lines), row["commodity_id"]
