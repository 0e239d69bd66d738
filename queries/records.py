"""Seizure records one page at a time, one record in full, and any named query as a CSV stream.

The records grid pages, sorts and filters on the server, never in the browser: a filtered lake can
hold millions of rows and the grid only ever needs the fifty on screen. A page and its total are
questions of the seizure engine (``queries.engine.record_page``, ``record_count``): DuckDB, or
for the everyday orders without column filters, the engine's pages in memory. AG Grid describes
what it wants as JSON (a sort model and a filter model); that JSON comes from the browser, so it is
translated here against the fixed ``COLUMNS`` whitelist and anything unknown is refused with a
message before any SQL exists. Column names come only from ``COLUMNS``; every value is a bound
parameter.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable, Iterator
from datetime import date

import polars as pl
import pyarrow.csv as pacsv

from lake.contract import SHIPMENT_DECLARED
from queries import engine, seizure_referrals
from queries.engine.sql import RECORD_SELECT_SQL, monthly_trend_sql
from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.record_columns import COLUMN_BY_KEY, COLUMNS, DEFAULT_ORDER, Column

MAX_WINDOW = 1_000  # most rows one grid request may ask for
MAX_CONDITIONS = 10  # per column in a combined filter
MAX_TEXT = 200  # characters of one text filter value
KG_PER_LB = 0.45359237


class GridModelError(ValueError):
    """A sort or filter model the grid sent that cannot be honoured; safe to show a user."""


# -- AG Grid models -> SQL -------------------------------------------------------------------
# Each template has "{c}" for the column expression and one "?" per bound value. Text matching is
# case-insensitive like AG Grid's own text filter, and, like it, "not equal"/"not contains" keep
# empty cells. Ranges are inclusive: the grid's columns set inRangeInclusive to match.
TEXT_OPS = {
    "contains": "contains(lower({c}), lower(?))",
    "notContains": "({c} IS NULL OR NOT contains(lower({c}), lower(?)))",
    "equals": "lower({c}) = lower(?)",
    "notEqual": "({c} IS NULL OR lower({c}) <> lower(?))",
    "startsWith": "starts_with(lower({c}), lower(?))",
    "endsWith": "ends_with(lower({c}), lower(?))",
}
NEGATED_TEXT_OPS = frozenset({"notContains", "notEqual"})
ORDER_OPS = {
    "equals": "{c} = ?",
    "notEqual": "{c} <> ?",
    "lessThan": "{c} < ?",
    "lessThanOrEqual": "{c} <= ?",
    "greaterThan": "{c} > ?",
    "greaterThanOrEqual": "{c} >= ?",
    "inRange": "{c} BETWEEN ? AND ?",
}
BLANK_OPS = {
    "text": ("({c} IS NULL OR trim({c}) = '')", "({c} IS NOT NULL AND trim({c}) <> '')"),
    "number": ("{c} IS NULL", "{c} IS NOT NULL"),
    "date": ("{c} IS NULL", "{c} IS NOT NULL"),
    "bool": ("{c} IS NULL", "{c} IS NOT NULL"),
}
FILTER_TYPES = {"text": "text", "number": "number", "date": "date", "bool": "text"}


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GridModelError(f"{what}: {str(value)[:40]!r} is not a number")
    return value


def _day(value: object, what: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise GridModelError(f"{what}: {str(value)[:40]!r} is not a date") from None


def _text(value: object, what: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise GridModelError(f"{what}: a text filter needs text")
    text = str(value)
    if len(text) > MAX_TEXT:
        raise GridModelError(f"{what}: at most {MAX_TEXT} characters")
    return text


def _condition(column: Column, model: object) -> tuple[str, list]:
    """One simple condition ({"filterType", "type", "filter", ...}) as SQL and parameters."""
    what = f"Filter on {column.label}"
    if not isinstance(model, dict):
        raise GridModelError(f"{what}: malformed condition")
    ftype, op = model.get("filterType", FILTER_TYPES[column.kind]), model.get("type")
    if ftype != FILTER_TYPES[column.kind] and not (column.kind == "bool" and ftype == "boolean"):
        raise GridModelError(f"{what}: a {str(ftype)[:20]!r} filter does not fit this column")
    c = column.sql
    if op in ("blank", "notBlank"):
        return BLANK_OPS[column.kind][op == "notBlank"].format(c=c), []
    if column.kind == "bool":
        wanted = {"true": True, "false": False}
        value = str(model.get("filter")).lower() if op == "equals" else op
        if value not in wanted:
            raise GridModelError(f"{what}: unknown condition {str(op)[:30]!r}")
        return f"{c} = ?", [wanted[value]]
    if column.kind == "text":
        if op not in TEXT_OPS:
            raise GridModelError(f"{what}: unknown condition {str(op)[:30]!r}")
        text = _text(model.get("filter"), what)
        if column.name_sql is None:
            return TEXT_OPS[op].format(c=c), [text]
        # a coded column matches on its code or on the name the grid shows ("tucson" and
        # "Tucson Field Office" both find tucson-field-office); "not" conditions need both
        joined = " AND " if op in NEGATED_TEXT_OPS else " OR "
        both = joined.join(f"({TEXT_OPS[op].format(c=e)})" for e in (c, column.name_sql))
        return f"({both})", [text, text]
    if op not in ORDER_OPS:
        raise GridModelError(f"{what}: unknown condition {str(op)[:30]!r}")
    if column.kind == "number":
        values = [_number(model.get("filter"), what)]
        if op == "inRange":
            values.append(_number(model.get("filterTo"), what))
    else:
        values = [_day(model.get("dateFrom"), what)]
        if op == "inRange":
            values.append(_day(model.get("dateTo"), what))
    return ORDER_OPS[op].format(c=c), values


def _column_filter(column: Column, model: object) -> tuple[str, list]:
    """A column's filter: one condition, or several joined by AND/OR."""
    if not isinstance(model, dict):
        raise GridModelError(f"Filter on {column.label}: malformed filter")
    if "operator" not in model:
        return _condition(column, model)
    operator = model["operator"]
    if operator not in ("AND", "OR"):
        raise GridModelError(f"Filter on {column.label}: unknown operator {str(operator)[:10]!r}")
    conditions = model.get("conditions")
    if conditions is None:  # the shape AG Grid used before version 29
        conditions = [model[k] for k in ("condition1", "condition2") if k in model]
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise GridModelError(f"Filter on {column.label}: 1 to {MAX_CONDITIONS} conditions")
    parts = [_condition(column, c) for c in conditions]
    sql = f" {operator} ".join(f"({s})" for s, _ in parts)
    return f"({sql})", [v for _, values in parts for v in values]


def grid_where(filter_model: object) -> tuple[str, list]:
    """AG Grid's filter model as one SQL condition ("TRUE" when empty) and its parameters."""
    if not filter_model:
        return "TRUE", []
    if not isinstance(filter_model, dict):
        raise GridModelError("The grid's filter model is malformed")
    parts, params = [], []
    for key, model in filter_model.items():
        column = COLUMN_BY_KEY.get(key)
        if column is None:
            raise GridModelError(f"Cannot filter on unknown column {str(key)[:40]!r}")
        sql, values = _column_filter(column, model)
        parts.append(sql)
        params.extend(values)
    return " AND ".join(parts), params


def grid_order(sort_model: object) -> str:
    """AG Grid's sort model as ORDER BY text; seizure_id breaks ties so pages never overlap."""
    if not sort_model:
        return DEFAULT_ORDER
    if not isinstance(sort_model, list) or len(sort_model) > len(COLUMNS):
        raise GridModelError("The grid's sort model is malformed")
    terms, keys = [], set()
    for item in sort_model:
        if not isinstance(item, dict):
            raise GridModelError("The grid's sort model is malformed")
        column = COLUMN_BY_KEY.get(item.get("colId"))
        if column is None:
            raise GridModelError(f"Cannot sort on unknown column {str(item.get('colId'))[:40]!r}")
        direction = {"asc": "ASC", "desc": "DESC"}.get(item.get("sort"))
        if direction is None:
            raise GridModelError(f"Unknown sort direction {str(item.get('sort'))[:10]!r}")
        if column.key not in keys:
            terms.append(f"{column.sort_sql} {direction} NULLS LAST")
            keys.add(column.key)
    if "seizure_id" not in keys:
        terms.append("seizure_id")
    return ", ".join(terms)


# -- queries ----------------------------------------------------------------------------------
def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def json_rows(frame: pl.DataFrame) -> list[dict]:
    """The rows as dicts, dates as ISO text (converted by column: per value, the check cost
    as much as the page itself)."""
    return frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d")).to_dicts()


def fetch_page(
    filters: Filters,
    start_row: int,
    end_row: int,
    sort_model: list | None = None,
    filter_model: dict | None = None,
    gateway: Gateway | None = None,
) -> tuple[list[dict], int]:
    """Rows [start_row, end_row) of the filtered seizures in the grid's order, and how many
    rows match in all. Dates come back as ISO text, ready for the browser."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start_row, end_row)):
        raise GridModelError("startRow and endRow must be whole numbers")
    if start_row < 0 or end_row <= start_row:
        raise GridModelError(f"Rows {start_row} to {end_row} are not a window")
    end_row = min(end_row, start_row + MAX_WINDOW)
    grid = grid_where(filter_model)  # refuse bad models before any SQL runs
    order = grid_order(sort_model)
    gw = _gw(gateway)
    if not gw.has("seizures"):
        return [], 0
    rows = engine.answer(engine.record_page(filters, order, start_row, end_row, grid), gw)
    return json_rows(rows), engine.answer(engine.record_count(filters, grid), gw)


SEIZURE_DETAIL = (*(c.key for c in COLUMNS), "region", "land_filter", "cbp_drug_type", "batch_id")
SHIPMENT_DETAIL = SHIPMENT_DECLARED


def _one(gw: Gateway, table: str, columns: tuple[str, ...], key: str, value: str) -> list[dict]:
    if not gw.has(table):
        return []
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?"  # noqa: S608 -- fixed names
    return gw.frame(sql, [value]).to_dicts()


def record_detail(seizure_id: str, gateway: Gateway | None = None) -> dict | None:
    """One seizure with its shipment (what was declared) and its referrals (what followed), so a
    page can put "declared" next to "found". None when no seizure has that id."""
    if not isinstance(seizure_id, str) or not 0 < len(seizure_id) <= 64:
        return None
    gw = _gw(gateway)
    found = _one(gw, "seizures", SEIZURE_DETAIL, "seizure_id", seizure_id)
    if not found:
        return None
    seizure = found[0]
    lbs = seizure.get("lbs")
    seizure["found_kg"] = None if lbs is None else lbs * KG_PER_LB
    shipment = None
    if seizure["shipment_id"]:
        rows = _one(gw, "shipments", SHIPMENT_DETAIL, "shipment_id", seizure["shipment_id"])
        shipment = rows[0] if rows else None
    referrals = seizure_referrals.referrals_of(seizure_id, gw)
    return {"seizure": seizure, "shipment": shipment, "referrals": referrals}


# -- exports ----------------------------------------------------------------------------------
def _records_sql(filters: Filters) -> tuple[str, list]:
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"SELECT {RECORD_SELECT_SQL} FROM seizures WHERE {where.sql} ORDER BY {DEFAULT_ORDER}"  # noqa: S608 -- whitelisted
    return sql, where.params


EXPORT_KINDS: dict[str, Callable[[Filters], tuple[str, list]]] = {
    "records": _records_sql,
    "monthly": monthly_trend_sql,
}


def export_sql(filters: Filters, kind: str) -> tuple[str, list]:
    """The SQL and parameters of a named export over the filtered seizures."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export {kind[:40]!r}")
    return EXPORT_KINDS[kind](filters)


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def stream_csv(
    sql: str, params: list | None = None, gateway: Gateway | None = None, batch_rows: int = 50_000
) -> Iterator[bytes]:
    """CSV bytes, header first, then one chunk per record batch, so a million-row export never
    sits in memory. The query runs when the first chunk is asked for.

    It runs in a session of its own (``Gateway.session``): a download can outlive the request
    that started it, and must not hold the thread's shared cursor. Its batches have no time
    limit, because stopping a query half way would hand the user a silently truncated file.
    """
    with _gw(gateway).session() as session:
        reader = session.batches(sql, params, batch_rows)
        buffer = io.BytesIO()
        writer = pacsv.CSVWriter(buffer, reader.schema)
        yield _drain(buffer)
        for batch in reader:
            writer.write_batch(batch)
            yield _drain(buffer)
        writer.close()
        tail = _drain(buffer)
        if tail:
            yield tail


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")


def export_filename(kind: str, view_or_filters: object, as_of: date | None) -> str:
    """A file name that says what is in the file, e.g.
    ``chokepoint-records_fy2025_area-tucson-field-office_asof-2026-11-27.csv``.

    Only letters, digits, ``_``, ``.`` and ``-``; a key with many values shows two and a count,
    and a name that would still be long ends in a short digest instead of the filter list.
    """
    filters = getattr(view_or_filters, "filters", view_or_filters)
    parts = []
    for key, value in filters.to_query().items():
        if key == "fy":
            parts.append(f"fy{value}")
            continue
        values = value.split(",")
        if len(values) > 2:
            values = [*values[:2], f"and-{len(values) - 2}-more"]
        parts.append(_slug(f"{key}-{'.'.join(values)}"))
    if len("_".join(parts)) > 120:
        digest = hashlib.sha1(filters.to_query_string().encode()).hexdigest()[:8]
        parts = [f"{len(parts)}-filters-{digest}"]
    stem = "_".join([f"chokepoint-{_slug(kind)}", *parts])
    if as_of:
        stem += f"_asof-{as_of.isoformat()}"
    return f"{stem}.csv"
