"""The per-batch report: a JSON file next to the quarantine and a row of the ``ingest_log`` table.

The JSON report is written before the batch's rows become visible, so a batch redone after a
crash finds what its first attempt decided; the ``ingest_log`` row is written after, so the log
only ever describes rows readers can see.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest.live.paths import report_path
from lake.contract import conform
from lake.writer import write_bytes_atomic


def utc_now() -> datetime:
    """Now in UTC, naive, like every timestamp in the lake."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class BatchReport:
    batch_id: str
    source_file: str
    table_name: str
    received_at: datetime
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    reasons: dict[str, int]
    status: str
    format: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    validated_at: datetime | None = None
    lake_files: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    raw_copy: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.rows_accepted + self.rows_quarantined != self.rows_read:
            raise ValueError(
                f"batch {self.batch_id}: {self.rows_accepted} accepted + "
                f"{self.rows_quarantined} quarantined != {self.rows_read} read"
            )

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), default=_iso, indent=1).encode()

    @classmethod
    def from_json(cls, text: bytes | str) -> BatchReport:
        data = json.loads(text)
        for key in ("received_at", "first_event_at", "last_event_at", "validated_at"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, data_dir: Path | None = None) -> Path:
        return write_bytes_atomic(self.to_json(), report_path(self.batch_id, data_dir))

    def summary(self) -> str:
        reasons = "; ".join(f"{r} x{n}" for r, n in self.reasons.items())
        return (
            f"{self.source_file} -> {self.table_name}: {self.rows_accepted:,} accepted, "
            f"{self.rows_quarantined:,} quarantined of {self.rows_read:,} ({self.status}, batch "
            f"{self.batch_id})" + (f" [{reasons}]" if reasons else "")
        )

    def log_frame(self, finished_at: datetime) -> pl.DataFrame:
        """The batch's row of ``ingest_log``, partitioned by the day it was received."""
        row = {
            "batch_id": self.batch_id,
            "source_file": self.source_file,
            "table_name": self.table_name,
            "received_at": self.received_at,
            "finished_at": finished_at,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "reasons": json.dumps(self.reasons, sort_keys=True),
            "ignored_columns": json.dumps(self.ignored_columns),
            "first_event_at": self.first_event_at,
            "last_event_at": self.last_event_at,
            "status": self.status,
            "day": self.received_at.date(),
        }
        frame = pl.DataFrame([row]).with_columns(
            pl.col("received_at", "finished_at", "first_event_at", "last_event_at").cast(
                pl.Datetime("us")
            )
        )
        return conform("ingest_log", frame)


def load_report(batch_id: str, data_dir: Path | None = None) -> BatchReport | None:
    try:
        return BatchReport.from_json(report_path(batch_id, data_dir).read_bytes())
    except (FileNotFoundError, ValueError, TypeError):
        return None  # never written, or unreadable: the batch is redone from its file


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
