"""The same file twice adds nothing; a redo after a lost ledger adds nothing either."""

from __future__ import annotations

import polars as pl

from ingest.live.compact import compact_all
from lake.layout import data_version, read_manifest
from tests.ingest_helpers import (
    assert_conserved,
    csv_bytes,
    drop,
    lake_frame,
    run_once,
    valid_rows,
    where_ids,
)


def serials(data_dir) -> dict[str, int]:
    return {t: read_manifest(t, data_dir).get("serial", 0) for t in ("seizures", "ingest_log")}


def test_idm001_the_same_file_dropped_twice_adds_nothing(tmp_path):
    content = csv_bytes(valid_rows("seizures", 20))
    drop(tmp_path, "seizures-a.csv", content)
    (first,) = run_once(tmp_path)
    assert first.rows_accepted == 20
    version, before = data_version(tmp_path), serials(tmp_path)
    drop(tmp_path, "seizures-a.csv", content)  # same name, same bytes
    drop(tmp_path, "seizures-copy.csv", content)  # another name, same bytes
    assert run_once(tmp_path) == []  # both recognised as done: no report, no batch
    assert data_version(tmp_path) == version, "no manifest was rewritten"
    assert serials(tmp_path) == before
    assert lake_frame(tmp_path, "seizures").height == 20
    assert lake_frame(tmp_path, "ingest_log").height == 1
    assert not list((tmp_path / "inbox").glob("*.csv"))
    assert sorted(p.name for p in (tmp_path / "inbox" / "done").iterdir()) == [
        "seizures-a.csv",
        "seizures-copy.csv",
    ]


def test_idm002_the_same_rows_in_another_file_are_duplicates(tmp_path):
    frame = valid_rows("shipments", 10)
    drop(tmp_path, "shipments-a.csv", csv_bytes(frame))
    drop(tmp_path, "shipments-b.csv", csv_bytes(frame.reverse()))  # other bytes, same rows
    a, b = sorted(run_once(tmp_path), key=lambda r: r.source_file)
    assert a.rows_accepted == 10
    assert b.reasons == {"shipment_id: already in the lake": 10}
    in_lake, in_quarantine = where_ids(tmp_path, "shipments")
    assert len(in_lake) == len(set(in_lake)) == 10
    assert sorted(in_quarantine) == sorted(in_lake)
    assert_conserved([a, b])


def _forget_ledger(data_dir) -> None:
    (data_dir / "state" / "ledger.jsonl").unlink()


def test_idm003_redo_without_ledger_finds_the_committed_batch(tmp_path):
    content = csv_bytes(
        valid_rows("seizures", 15).vstack(
            valid_rows("seizures", 1, tag=9).with_columns(pl.lit(-1.0).alias("quantity"))
        )
    )
    drop(tmp_path, "seizures-a.csv", content)
    (first,) = run_once(tmp_path)
    version, before = data_version(tmp_path), serials(tmp_path)
    _forget_ledger(tmp_path)  # as if killed between the commits and the ledger
    drop(tmp_path, "seizures-a.csv", content)
    (again,) = run_once(tmp_path)
    assert (again.rows_accepted, again.rows_quarantined) == (15, 1)
    assert again.batch_id == first.batch_id
    assert data_version(tmp_path) == version and serials(tmp_path) == before
    in_lake, in_quarantine = where_ids(tmp_path, "seizures")
    assert len(in_lake) == 15 and len(in_quarantine) == 1


def test_idm004_redo_after_compaction_finds_rows_in_the_compacted_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_COMPACT_MIN_FILES", "3")
    contents = [csv_bytes(valid_rows("seizures", 5, tag=i)) for i in range(3)]
    for i, content in enumerate(contents):
        drop(tmp_path, f"seizures-{i}.csv", content)
    run_once(tmp_path)
    assert {c.table for c in compact_all(tmp_path)} == {"seizures", "ingest_log"}
    names = [p.split("/")[-1] for p in read_manifest("seizures", tmp_path)["files"]]
    assert len(names) == 1 and names[0].startswith("compact-")
    version = data_version(tmp_path)
    _forget_ledger(tmp_path)
    drop(tmp_path, "seizures-1.csv", contents[1])
    (again,) = run_once(tmp_path)
    assert again.rows_accepted == 5  # what the first attempt decided, not "duplicates"
    assert data_version(tmp_path) == version
    assert lake_frame(tmp_path, "seizures").height == 15
    assert lake_frame(tmp_path, "ingest_log").height == 3
