"""Kill the watcher (SIGKILL) at every step of a batch, restart it: nothing lost, nothing doubled.

The kill is a failpoint (``CHOKEPOINT_FAILPOINT``): the process SIGKILLs itself at a named line,
so each run dies at exactly the step under test, with no timing race and no cleanup code run.
"""

from __future__ import annotations

import json
import signal

import polars as pl
import pytest

from ingest.live.failpoints import POINTS
from lake.layout import read_manifest
from tests.ingest_helpers import (
    csv_bytes,
    drop,
    ingest,
    lake_frame,
    parquet_bytes,
    run_once,
    valid_rows,
    where_ids,
)


@pytest.fixture
def inbox(tmp_path):
    """Three files: seizures with two bad rows, clean shipments, a file refused whole."""
    seizures = valid_rows("seizures", 20, tag=1)
    bad = valid_rows("seizures", 2, tag=2).with_columns(pl.lit(-1.0).alias("quantity"))
    drop(tmp_path, "seizures-a.csv", csv_bytes(pl.concat([seizures, bad])), age_s=30)
    shipments = valid_rows("shipments", 15, tag=3)
    drop(tmp_path, "shipments-b.parquet", parquet_bytes(shipments), age_s=20)
    drop(tmp_path, "seizures-c.csv", "seizure_id\nSZ\u00e9\n".encode("latin-1"), age_s=10)
    return tmp_path, seizures, bad, shipments


CRASHES = [p for p in POINTS if not p.startswith("compact")] + ["after_commit:2", "after_report:3"]


@pytest.mark.parametrize("point", CRASHES)
def test_crs001_killed_at_any_step_then_restarted(inbox, point):
    data_dir, seizures, bad, shipments = inbox
    crashed = ingest(data_dir, "watch", "--once", "--no-compact", failpoint=point)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    restarted = ingest(data_dir, "watch", "--once", "--no-compact")
    assert restarted.returncode == 0, restarted.stderr

    in_lake, in_quarantine = where_ids(data_dir, "seizures")
    assert in_lake == sorted(seizures["seizure_id"].to_list()), "each good row once"
    assert in_quarantine == sorted(bad["seizure_id"].to_list()), "each bad row once"
    assert where_ids(data_dir, "shipments") == (sorted(shipments["shipment_id"].to_list()), [])
    log = lake_frame(data_dir, "ingest_log")
    assert log.height == 3 and log["batch_id"].n_unique() == 3, "one log row per batch"
    assert (log["rows_accepted"] + log["rows_quarantined"] == log["rows_read"]).all()
    ledger = (data_dir / "state" / "ledger.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["batch_id"] for line in ledger) == sorted(log["batch_id"])
    assert sorted(p.name for p in (data_dir / "inbox").iterdir()) == ["done"]
    assert len(list((data_dir / "inbox" / "done").iterdir())) == 3
    refused = log.filter(pl.col("status") == "refused")
    assert refused["source_file"].to_list() == ["seizures-c.csv"]
    copy = data_dir / "quarantine" / "seizures" / f"{refused['batch_id'][0]}.csv"
    assert copy.read_bytes() == "seizure_id\nSZ\u00e9\n".encode("latin-1")


@pytest.mark.parametrize("point", ["compact_after_write", "compact_after_commit"])
def test_crs002_compaction_killed_then_rerun(tmp_path, point):
    frames = [valid_rows("shipments", 10, tag=i) for i in range(4)]
    for i, frame in enumerate(frames):
        drop(tmp_path, f"shipments-{i}.csv", csv_bytes(frame), age_s=60 - i)
    run_once(tmp_path)
    crashed = ingest(tmp_path, "compact", failpoint=point)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    rerun = ingest(tmp_path, "compact")
    assert rerun.returncode == 0, rerun.stderr
    ids = lake_frame(tmp_path, "shipments")["shipment_id"]
    expected = pl.concat(frames)["shipment_id"]
    assert sorted(ids.to_list()) == sorted(expected.to_list())
    names = [f.split("/")[-1] for f in read_manifest("shipments", tmp_path)["files"]]
    assert len(names) == 1 and names[0].startswith("compact-")
