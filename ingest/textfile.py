"""Read a CSV (plain or gzip) as all-text columns, so parsing and its errors are ours to report."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import polars as pl


def read_text_csv(path: Path) -> pl.DataFrame:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return pl.read_csv(io.BytesIO(raw), infer_schema=False, encoding="utf8")
