"""PublicGateway on a hand-made extract: views exactly from the manifest, a new extract seen
without a restart, the row cap, SELECTs only. Real DuckDB over real parquet files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from public.gateway import MANIFEST, PublicGateway
from queries.executor import QueryError, RowCapExceeded


def _publish(public: Path, version: str, rows: int, files: dict[str, str] | None = None) -> None:
    """An extract version whose cbp_cube has ``rows`` rows, then its manifest swapped in by an
    atomic rename, as ``ingest/publish.py`` does."""
    folder = public / f"v-{version}"
    folder.mkdir(parents=True)
    pl.DataFrame({"fiscal_year": [2020 + i for i in range(rows)]}).write_parquet(
        folder / "cbp_cube.parquet"
    )
    listed = {"cbp_cube": f"v-{version}/cbp_cube.parquet", **(files or {})}
    (public / ".manifest.tmp").write_text(json.dumps({"version": version, "files": listed}))
    os.replace(public / ".manifest.tmp", public / MANIFEST)


@pytest.fixture
def public(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("CHOKEPOINT_LAKE_CHECK_S", "0")  # look at the manifest on every call
    folder = tmp_path / "public"
    folder.mkdir()
    return folder


def test_pgw001_views_are_exactly_the_manifests_files_inside_the_extract(public, tmp_path):
    outside = tmp_path / "outside.parquet"
    pl.DataFrame({"area_id": ["X"]}).write_parquet(outside)
    _publish(
        public, "one", 3, {"areas": "../outside.parquet", "modes_cube": "v-one/missing.parquet"}
    )
    gw = PublicGateway(public)
    assert gw.has("cbp_cube") and not gw.has("areas") and not gw.has("modes_cube")
    assert gw.manifest()["version"] == "one"
    with pytest.raises(QueryError):
        gw.frame("SELECT * FROM areas")


def test_pgw002_a_replaced_manifest_is_read_without_a_restart(public):
    _publish(public, "one", 3)
    gw = PublicGateway(public)
    count = "SELECT count(*) AS n FROM cbp_cube"
    assert gw.frame(count)["n"].to_list() == [3]
    _publish(public, "two", 5)
    assert gw.frame(count)["n"].to_list() == [5]  # not the first extract's cached answer
    assert gw.manifest()["version"] == "two"


def test_pgw003_the_row_cap_holds_and_says_when_it_cut(public, monkeypatch):
    _publish(public, "one", 5)
    gw = PublicGateway(public)
    years = "SELECT fiscal_year FROM cbp_cube ORDER BY fiscal_year"
    cut = gw.rows(years, cap=4)
    assert cut.truncated and cut.frame["fiscal_year"].to_list() == [2020, 2021, 2022, 2023]
    whole = gw.rows(years, cap=5)
    assert not whole.truncated and len(whole) == 5
    monkeypatch.setenv("CHOKEPOINT_QUERY_ROW_CAP", "4")
    with pytest.raises(RowCapExceeded):
        gw.frame(years)


def test_pgw004_only_single_selects_run(public):
    _publish(public, "one", 1)
    gw = PublicGateway(public)
    for sql in (
        f"COPY (SELECT 1 AS x) TO '{public}/written.csv'",
        "CREATE TABLE t AS SELECT 1",
        "SELECT 1; SELECT 2",
    ):
        with pytest.raises(QueryError, match="single SELECT"):
            gw.frame(sql)
    assert not (public / "written.csv").exists()
