"""Read one inbox file (CSV, JSON lines or parquet) into a frame, or refuse it whole with a reason.

Problems of a single row (a CSV row with too few or too many fields, a JSON line that is not an
object, a blank line) do not sink the file: the row is kept, with its values as far as they could
be read, and a reason that the validator puts first. Problems of the file itself (not UTF-8,
UTF-16, broken quoting, a truncated parquet file, no rows, no recognisable table) raise
``FileRefused``: the file goes to quarantine as it is.

The fast paths are polars' own readers; the Python ``csv``/``json`` modules only run when polars
cannot say which line is which (multi-line quoted fields, invalid JSON lines).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

from ingest.live.incoming import LIVE_TABLES, WHAT, required_columns, target_types

TABLE_IN_NAME = re.compile(r"^(seizures|shipments|referral_events)(?:[-_.]|$)", re.IGNORECASE)
FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
EXTRA_FIELDS = "extra_fields"  # overflow of CSV rows longer than the header
BLANK = "row: blank line"
RAGGED = "row: number of fields differs from the header"
CHECK_FAILED = "file: could not be checked (internal error)"  # a bug, reported as a failed batch


class FileRefused(Exception):
    """The file as a whole cannot be read as a batch; ``reason`` is short and countable."""

    def __init__(self, reason: str, detail: str = "", table: str | None = None, rows: int = 0):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail, self.table, self.rows = reason, detail, table, rows


@dataclass
class RawBatch:
    """A file's rows with their original column names and values (text or typed)."""

    table: str
    format: str
    frame: pl.DataFrame
    source_row: pl.Series  # CSV: line number (header = 1); JSON lines: line number; parquet: 1..n
    row_reason: pl.Series | None  # per-row reader problems, null where the row read fine

    @property
    def height(self) -> int:
        return self.frame.height


def file_format(name: str) -> str | None:
    lower = name.lower()
    return next((fmt for ext, fmt in FORMATS.items() if lower.endswith(ext)), None)


def table_from_name(name: str) -> str | None:
    match = TABLE_IN_NAME.match(name)
    return match.group(1).lower() if match else None


def table_from_columns(columns: list[str]) -> str | None:
    """The one live table whose required columns the file's columns include, if exactly one."""
    have = set(columns)
    matches = [t for t in LIVE_TABLES if set(required_columns(t)) <= have]
    return matches[0] if len(matches) == 1 else None


_NON_SPACE = re.compile(rb"\S")


def _check_text(raw: bytes) -> bytes:
    """Refuse what cannot be UTF-8 text (UTF-16, NUL bytes, nothing but spaces); strip a BOM.

    Only cheap byte scans here: whether the bytes decode is left to polars (which refuses bad
    UTF-8 itself) and to ``_decode``, which names the first bad byte.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or max(raw[:40:2].count(0), raw[1:40:2].count(0)) > 8:
        raise FileRefused("file: UTF-16 text (files must be UTF-8)", rows=_line_count(raw))
    if b"\x00" in raw:
        raise FileRefused("file: binary data in a text file (NUL bytes)")
    if not _NON_SPACE.search(raw):
        raise FileRefused("file: empty")
    return raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        detail = f"byte 0x{raw[exc.start]:02x} at line {line} (latin-1 or cp1252?)"
        raise FileRefused("file: not UTF-8 text", detail, rows=_line_count(raw)) from exc


def _line_count(raw: bytes) -> int:
    """Rows a refused text file seems to hold (lines after the header), for the report."""
    newline = b"\n\x00" if raw[:2] == b"\xff\xfe" else b"\n"
    lines = [line for line in raw.split(newline) if line.strip(b"\x00\r\n\t ")]
    return max(0, len(lines) - 1)


DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def estimated_rows(name: str, raw: bytes) -> int:
    """Rows a file seems to hold when it could not be read: its lines after a CSV header
    (``_line_count``), its lines in JSON lines, the row count in a parquet footer (0 when even
    that is unreadable)."""
    fmt = file_format(name)
    if fmt == "parquet":
        try:
            return pq.ParquetFile(io.BytesIO(raw)).metadata.num_rows
        except Exception:  # noqa: BLE001 -- unreadable footer: nothing countable
            return 0
    return _line_count(raw) + (0 if fmt == "csv" else 1) if raw.strip() else 0


def _header(raw: bytes) -> list[str]:
    first = _decode(raw.split(b"\n", 1)[0]).rstrip("\r")
    try:
        header = next(csv.reader([first]))
    except (csv.Error, StopIteration) as exc:
        raise FileRefused("file: malformed CSV header", str(exc), rows=_line_count(raw)) from exc
    _refuse_other_delimiter(first, len(header), raw)
    header = [h.strip() for h in header]
    if not header or any(not h for h in header):
        raise FileRefused("file: CSV header has an empty column name")
    if len(set(header)) != len(header):
        raise FileRefused("file: CSV header repeats a column name")
    return header


def _refuse_other_delimiter(first_line: str, fields: int, raw: bytes) -> None:
    """A header that splits into more fields on ``;``, a tab or ``|`` than on commas is a file
    written with another separator (Excel writes ``;`` in many locales): refused whole, naming it.
    """
    for delimiter, name in DELIMITERS.items():
        try:
            other = len(next(csv.reader([first_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if other > fields and other >= 2:
            raise FileRefused(
                f"file: separated by {name}, expected ','",
                f"the header splits into {other} fields on {name} and {fields} on commas",
                rows=_line_count(raw),
            )


def _count(raw: bytes, byte: bytes) -> int:
    """Occurrences of one byte (numpy compares 16 bytes at a time; bytes.count does not)."""
    return int(np.count_nonzero(np.frombuffer(raw, dtype=np.uint8) == byte[0]))


def read_csv(raw: bytes) -> tuple[pl.DataFrame, pl.Series, pl.Series | None]:
    """All-text frame, line numbers, per-row reader reasons (``None`` if every row read fine).

    polars reads the file and refuses rows longer than the header. Shorter rows and blank lines
    it would pad silently, so the file's separators are counted: when the commas and newlines
    outside quoted values are exactly what ``rows x columns`` needs, every row had its fields and
    line numbers are row numbers. Otherwise the csv module reads it again, record by record.
    """
    header = _header(raw)
    newline = raw.find(b"\n")
    if newline < 0 or not _NON_SPACE.search(raw, newline + 1):
        raise FileRefused("file: no rows (header only)")
    try:
        frame = pl.read_csv(raw, infer_schema=False, new_columns=header)
    except pl.exceptions.PolarsError:
        return _read_csv_slow(_decode(raw), header)
    lines = _count(raw, b"\n") + (0 if raw.endswith(b"\n") else 1)
    commas = _count(raw, b",")
    if b'"' in raw:
        inside = frame.select(pl.all().str.count_matches(",", literal=True).sum()).row(0)
        commas -= sum(v or 0 for v in inside)
    if lines != frame.height + 1 or commas != (len(header) - 1) * lines:
        return _read_csv_slow(_decode(raw), header)
    return frame, pl.int_range(2, frame.height + 2, eager=True).alias("source_row"), None


def _read_csv_slow(text: str, header: list[str]) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """Record by record with the csv module: knows where quoted newlines end a record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width + 1)]
    rows, reasons = [], []
    try:
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            rows.append(start)
            start = reader.line_num + 1
            if not record:
                reasons.append(BLANK)
            else:
                reasons.append(RAGGED if len(record) != width else None)
            padded = record[:width] + [None] * (width - len(record))
            for i, value in enumerate(padded):
                columns[i].append(value if value else None)
            columns[width].append(",".join(record[width:]) or None)
    except csv.Error as exc:
        raise FileRefused(
            "file: malformed CSV",
            f"{exc} (line {reader.line_num})",
            rows=_line_count(text.encode()),
        ) from exc
    if not rows:
        raise FileRefused("file: no rows (header only)")
    data = dict(zip(header, columns[:width], strict=True))
    if any(v is not None for v in columns[width]):
        data[EXTRA_FIELDS] = columns[width]
    frame = pl.DataFrame(data, schema={k: pl.String for k in data})
    return frame, pl.Series("source_row", rows), pl.Series("row_reason", reasons, pl.String)


def read_jsonl(
    raw: bytes, table: str | None = None
) -> tuple[pl.DataFrame, pl.Series, pl.Series | None]:
    """Arrow reads the lines with strict types; each line is read on its own when any is not a
    JSON object or when a column mixes JSON types.

    Arrow's reader refuses a column whose type changes from one line to another, where polars
    would turn it into text (``{"text": ...}``, ``true``, ``1``) and a value's verdict would
    depend on the other lines. Columns the contract holds as text, dates or timestamps are read
    as strings (no timestamp guessing); every other column keeps its JSON type, which the
    checks then judge (``true`` is no number). The line-by-line path judges each value by its
    own JSON type (``_json_type_fits``).
    """
    frame = _read_jsonl_strict(raw, table)
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if frame is not None and frame.width and frame.height == lines:
        return frame, pl.int_range(1, lines + 1, eager=True).alias("source_row"), None
    numbered = [(i, ln) for i, ln in enumerate(_decode(raw).split("\n"), start=1) if ln.strip()]
    if frame is not None and frame.width and frame.height == len(numbered):
        return frame, pl.Series("source_row", [i for i, _ in numbered]), None
    return _read_jsonl_slow([line for _, line in numbered], [i for i, _ in numbered], table)


_AS_STRING = (pl.String, pl.Date, pl.Datetime)


def _read_jsonl_strict(raw: bytes, table: str | None) -> pl.DataFrame | None:
    """The file as a frame if every line is an object and no column mixes JSON types, else None.

    The table (from the name, else from the first line's keys) says which columns are read as
    strings; only keys that occur in the file are declared, so an absent column stays absent.
    """
    stripped = raw.lstrip()
    end = stripped.find(b"\n")
    try:
        head = json.loads(stripped if end < 0 else stripped[:end])
    except ValueError:
        return None
    if not isinstance(head, dict):
        return None
    table = table or table_from_columns(list(head))
    targets = target_types(table) if table else {}
    declared = [
        pa.field(name, pa.string())
        for name, dtype in targets.items()
        if isinstance(dtype, _AS_STRING) and (name in head or _has_key(raw, name))
    ]
    options = pj.ParseOptions(explicit_schema=pa.schema(declared))
    try:
        table_read = pj.read_json(io.BytesIO(raw), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return pl.from_arrow(table_read)


def _has_key(raw: bytes, name: str) -> bool:
    key = json.dumps(name).encode()
    return raw.find(key + b":") >= 0 or re.search(re.escape(key) + rb"\s*:", raw) is not None


def _json_type_fits(value: object, dtype: pl.DataType) -> bool:
    """Whether a JSON value's own type can stand for ``dtype`` (text is parsed later, as CSV's).

    Numbers may stand for text (an id written 12345), never for true/false, dates or times;
    true/false only for booleans; objects and lists for nothing.
    """
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, dict | list):
        return False
    if isinstance(value, bool):
        return dtype == pl.Boolean
    return dtype == pl.String or dtype.is_numeric()


def _read_jsonl_slow(lines: list[str], numbers: list[int], table: str | None = None):
    """Line by line: invalid JSON, a non-object, or a value of the wrong JSON type for its
    column becomes a refused row with its reason, not a refused file."""
    records, reasons, keys = [], [], {}
    for line in lines:
        try:
            value = json.loads(line)
            problem = None if isinstance(value, dict) else "row: not a JSON object"
        except ValueError:
            value, problem = {}, "row: not valid JSON"
        record = value if problem is None else {}
        keys.update(dict.fromkeys(record))
        records.append(record)
        reasons.append(problem)
    if not keys:
        raise FileRefused("file: no JSON objects", rows=len(lines))
    table = table or table_from_columns(list(keys))
    targets = target_types(table) if table else {}
    typed_keys = [k for k in keys if k in targets]
    for i, record in enumerate(records):
        if reasons[i] is not None:
            continue
        for k in typed_keys:
            if not _json_type_fits(record.get(k), targets[k]):
                reasons[i] = f"{k}: {WHAT[targets[k].base_type()]}"
                break

    def text(v):
        return v if isinstance(v, str) or v is None else json.dumps(v)

    data = {k: [text(r.get(k)) for r in records] for k in keys}
    frame = pl.DataFrame(data, schema={k: pl.String for k in keys})
    return frame, pl.Series("source_row", numbers), pl.Series("row_reason", reasons, pl.String)


def read_parquet(raw: bytes) -> tuple[pl.DataFrame, pl.Series, None]:
    if len(raw) < 12 or raw[:4] != b"PAR1" or raw[-4:] != b"PAR1":
        raise FileRefused("file: not a readable parquet file", "truncated or not parquet")
    try:
        frame = pl.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow and polars raise many kinds for corrupt files
        raise FileRefused("file: not a readable parquet file", str(exc)[:300]) from exc
    if frame.height == 0:
        raise FileRefused("file: no rows")
    return frame, pl.int_range(1, frame.height + 1, eager=True).alias("source_row"), None


def read_batch(name: str, raw: bytes) -> RawBatch:
    """Parse a file's bytes; its table comes from its name, else from its columns."""
    table = table_from_name(name)
    fmt = file_format(name)
    if fmt is None:
        raise FileRefused("file: unsupported type (use .csv, .jsonl or .parquet)", table=table)
    if not raw:
        raise FileRefused("file: empty", table=table)
    try:
        if fmt == "parquet":
            frame, source_row, reason = read_parquet(raw)
        else:
            text = _check_text(raw)
            if fmt == "csv":
                frame, source_row, reason = read_csv(text)
            else:
                frame, source_row, reason = read_jsonl(text, table)
    except FileRefused as exc:
        exc.table = exc.table or table
        raise
    table = table or table_from_columns(frame.columns)
    if table is None:
        raise FileRefused(
            "file: unknown table (name does not start with seizures, shipments or referral_events, "
            "and the columns match no single table)",
            rows=frame.height,
        )
    known = [c for c in frame.columns if c in target_types(table)]
    if not known:
        found = ", ".join(frame.columns[:8]) + (", ..." if frame.width > 8 else "")
        raise FileRefused(
            f"file: none of the {table} columns", f"columns found: {found}", table, frame.height
        )
    return RawBatch(table, fmt, frame, source_row, reason)
