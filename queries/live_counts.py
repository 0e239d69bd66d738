"""How much arrived after a moment: the "new since you opened this page" counter.

Each page load asks with its own moment, so the answer is rarely cached. A lake file's newest
``ingested_at`` is in its footer (read once per file, ``queries/file_stats.py``), and generated
rows share one ``ingested_at`` per run while batches carry their own: only the few files holding
newer rows are counted, and when none does there is no query at all (a scan of the footers of a
20M-shipment lake through DuckDB was a noticeable cost on every page load).
"""

from __future__ import annotations

from datetime import datetime

from queries.file_stats import column_max
from queries.gateway import Gateway, default_gateway


def arrived_since(since: datetime, gateway: Gateway | None = None) -> tuple[int, int]:
    """(seizures, shipments) that entered the lake after ``since`` (UTC, naive)."""
    gw = gateway or default_gateway()
    counts = []
    for table in ("seizures", "shipments"):
        newer = [f for f in gw.files(table) if (column_max([f], "ingested_at") or since) > since]
        if not newer:
            counts.append(0)
            continue
        # read_parquet over the manifest's own files, which lie in the data folder the gateway
        # may read; the list and the moment are bound
        sql = "SELECT count(*) FROM read_parquet(?, union_by_name = true) WHERE ingested_at > ?"
        counts.append(int(gw.scalar(sql, [[str(f) for f in newer], since]) or 0))
    return counts[0], counts[1]
