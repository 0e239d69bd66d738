"""Importing the real CBP and BTS files: headline figures, vintage handling, AMO kept apart."""

from __future__ import annotations

import gzip
import shutil

import polars as pl
import pytest

from ingest.bts import import_bts_file
from ingest.cbp import CbpFormatError, import_cbp_file
from lake.layout import table_files
from queries.cbp_published import headline_by_year
from queries.gateway import Gateway
from tests.repo import REAL

NATIONWIDE = sorted(REAL.glob("cbp-nationwide-*.csv.gz"))
AMO = sorted(REAL.glob("cbp-amo-*.csv.gz"))
OLDEST, MIDDLE, NEWEST = (
    REAL / "cbp-nationwide-drugs-fy19-fy22.csv.gz",
    REAL / "cbp-nationwide-drugs-fy20-fy23.csv.gz",
    REAL / "cbp-nationwide-drugs-fy23-fy26-dec.csv.gz",
)
PUBLISHED_FENTANYL = {2021: 11_201.32, 2022: 14_699.88, 2023: 27_022.85}


def totals(gateway: Gateway) -> dict:
    frame = gateway.frame(
        "SELECT publication, fiscal_year, sum(events)::BIGINT e, round(sum(lbs), 4) l "
        "FROM cbp_public GROUP BY ALL ORDER BY ALL"
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in frame.iter_rows()}


def test_imp001_fentanyl_headline_matches_cbp(tmp_path):
    for path in NATIONWIDE + AMO:
        import_cbp_file(path, tmp_path)
    fentanyl = headline_by_year("Fentanyl", Gateway(tmp_path))
    by_year = dict(zip(fentanyl["fiscal_year"], fentanyl["lbs"], strict=True))
    for year, lbs in PUBLISHED_FENTANYL.items():
        assert by_year[year] == pytest.approx(lbs, abs=0.01), year


def test_imp002_vintage_order_and_repeats_change_no_total(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for path in (OLDEST, MIDDLE, NEWEST):
        import_cbp_file(path, first)
    expected = totals(Gateway(first))
    # Newest first, then older ones, then everything again: same totals.
    for path in (NEWEST, MIDDLE, OLDEST, NEWEST, OLDEST):
        import_cbp_file(path, second)
    assert totals(Gateway(second)) == expected
    assert len(table_files("cbp_public", second)) == 3


def test_imp003_recompressed_copy_is_the_same_vintage(tmp_path):
    plain = tmp_path / "newest.csv"
    with gzip.open(NEWEST) as source, open(plain, "wb") as sink:
        shutil.copyfileobj(source, sink)
    a = import_cbp_file(NEWEST, tmp_path / "lake")
    b = import_cbp_file(plain, tmp_path / "lake")
    assert a.vintage == b.vintage
    assert len(table_files("cbp_public", tmp_path / "lake")) == 1


def test_imp004_newest_vintage_is_chosen_by_content(tmp_path):
    for path in (NEWEST, MIDDLE):
        import_cbp_file(path, tmp_path)
    chosen = Gateway(tmp_path).frame(
        "SELECT DISTINCT fiscal_year, vintage_through, fy_partial FROM cbp_public ORDER BY 1"
    )
    rows = {r[0]: (r[1], r[2]) for r in chosen.iter_rows()}
    # FY2023 exists in both vintages; the one reaching Dec 2025 wins.
    assert rows[2023][0].isoformat() == "2025-12-01"
    assert rows[2020][0].isoformat() == "2023-09-01"
    assert rows[2026][1] is True and rows[2023][1] is False


def test_imp005_amo_is_its_own_component_outside_the_headline(tmp_path):
    for path in NATIONWIDE + AMO:
        import_cbp_file(path, tmp_path)
    gw = Gateway(tmp_path)
    amo = gw.frame("SELECT DISTINCT component FROM cbp_public WHERE publication = 'amo'")
    assert amo["component"].to_list() == ["AMO"]
    with_amo = gw.scalar(
        "SELECT sum(lbs) FROM cbp_public WHERE fiscal_year = 2022 AND drug_type = 'Fentanyl'"
    )
    headline = headline_by_year("Fentanyl", gw).filter(fiscal_year=2022)["lbs"][0]
    assert headline == pytest.approx(14_699.88, abs=0.01)
    assert with_amo > headline


def test_imp006_bad_rows_are_quarantined_with_a_reason(tmp_path):
    bad = tmp_path / "cbp-bad.csv"
    with gzip.open(OLDEST, "rt") as source:
        lines = source.read().splitlines()[:6]
    lines[2] = lines[2].replace("APR", "APRIL?", 1)
    lines[3] = lines[3].rsplit(",", 1)[0] + ",-4"
    bad.write_text("\n".join(lines) + "\n")
    result = import_cbp_file(bad, tmp_path / "lake")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    reasons = pl.read_parquet(tmp_path / "lake" / "quarantine" / "cbp_public" / "*.parquet")[
        "reason"
    ]
    assert sorted(reasons.to_list()) == [
        "Month (abbv) is not a month abbreviation",
        "Sum Qty (lbs) is not a non-negative number",
    ]


def test_imp007_not_a_cbp_file_is_refused(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(CbpFormatError, match="expected columns"):
        import_cbp_file(other, tmp_path)
    assert table_files("cbp_public", tmp_path) == []


def test_imp008_bts_duplicates_summed_and_codes_kept(demo_gateway):
    dupes = demo_gateway.scalar(
        "SELECT count(*) FROM (SELECT port_code, month_start, measure FROM border_crossings "
        "GROUP BY ALL HAVING count(*) > 1)"
    )
    assert dupes == 0
    codes = demo_gateway.frame(
        "SELECT DISTINCT port_code FROM border_crossings WHERE port_code LIKE '0%' LIMIT 3"
    )
    assert codes.height and all(len(c) == 4 for c in codes["port_code"])


def test_imp009_bts_reimport_is_idempotent(tmp_path):
    source = REAL / "bts-border-crossing-entry-data-1996-2025feb.csv.gz"
    first = import_bts_file(source, tmp_path)
    sql = "SELECT count(*), sum(value) FROM border_crossings"
    before = Gateway(tmp_path).frame(sql).row(0)
    second = import_bts_file(source, tmp_path)
    assert Gateway(tmp_path).frame(sql).row(0) == before
    assert first.duplicate_keys_summed == second.duplicate_keys_summed == 11
    assert first.rows_read == 399_406
