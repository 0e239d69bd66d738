"""Contract-complete seizure rows for tests that write small lakes of their own."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from lake.contract import conform


def seizures(n: int, prefix: str, day: date = date(2025, 1, 5)) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "seizure_id": [f"{prefix}{i:06d}" for i in range(n)],
            "event_date": [day] * n,
            "component": ["OFO"] * n,
            "region": ["Southwest Border"] * n,
            "area_id": ["tucson-field-office"] * n,
            "port_code": ["2604"] * n,
            "land_filter": ["Land Only"] * n,
            "mode": ["land_pov"] * n,
            "commodity": ["methamphetamine"] * n,
            "category": ["drug"] * n,
            "cbp_drug_type": ["Methamphetamine"] * n,
            "quantity": [1.0] * n,
            "unit": ["lbs"] * n,
            "lbs": [1.0] * n,
            "de_minimis": [False] * n,
            "provenance": ["reported"] * n,
            "batch_id": [prefix] * n,
            "ingested_at": [datetime(2025, 1, 5)] * n,
            "fiscal_year": [2025] * n,
        }
    )
    for column in ("pills", "source_country", "transit_country", "concealment", "shipment_id"):
        frame = frame.with_columns(pl.lit(None).alias(column))
    return conform("seizures", frame)


def varied(n: int, day: date, first: int) -> pl.DataFrame:
    """Events over two ports, two sources, a fentanyl event and a modelled one."""
    return seizures(n, f"S{first}-", day).with_columns(
        pl.Series("port_code", ["2604", "0712"] * (n // 2) + ["2604"] * (n % 2)),
        pl.Series("source_country", ["MX", None] * (n // 2) + ["CN"] * (n % 2)),
        pl.Series("lbs", [float(first + i) + 0.25 for i in range(n)]),
        pl.Series("pills", [None, 100] * (n // 2) + [7] * (n % 2), dtype=pl.Int64),
        pl.Series("cbp_drug_type", ["Fentanyl"] + ["Methamphetamine"] * (n - 1)),
        pl.Series("provenance", ["modelled"] + ["reported"] * (n - 1)),
    )


def referral_events(days: list[date], prefix: str = "R") -> pl.DataFrame:
    """One referred case per day, as contract-complete ``referral_events`` rows."""
    n = len(days)
    frame = pl.DataFrame(
        {
            "event_id": [f"{prefix}{i:06d}-01" for i in range(n)],
            "referral_id": [f"{prefix}{i:06d}" for i in range(n)],
            "step": ["referred"] * n,
            "occurred_on": days,
            "agency": ["HSI"] * n,
            "seizure_id": [f"SZ{prefix}{i:06d}" for i in range(n)],
            "batch_id": ["test"] * n,
            "ingested_at": [datetime(2025, 1, 1)] * n,
            "fiscal_year": [d.year + (d.month >= 10) for d in days],
        }
    )
    return conform("referral_events", frame.with_columns(pl.col("fiscal_year").cast(pl.Int16)))
