"""How much arrived after a moment: the "new since you opened this page" counter.

Generated rows share one ``ingested_at`` per run and batches carry their own, so the parquet
row-group statistics on ``ingested_at`` let DuckDB skip almost everything here.
"""

from __future__ import annotations

from datetime import datetime

from queries.gateway import Gateway, default_gateway


def arrived_since(since: datetime, gateway: Gateway | None = None) -> tuple[int, int]:
    """(seizures, shipments) that entered the lake after ``since`` (UTC, naive)."""
    gw = gateway or default_gateway()
    counts = []
    for table in ("seizures", "shipments"):
        if not gw.has(table):
            counts.append(0)
            continue
        sql = f"SELECT count(*) FROM {table} WHERE ingested_at > ?"  # noqa: S608 -- fixed names
        counts.append(int(gw.scalar(sql, [since]) or 0))
    return counts[0], counts[1]
