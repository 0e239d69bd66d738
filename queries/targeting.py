"""The targeting queue, one shipment in full, its parties' history and similar past seizures.

The queue ranks arriving shipments by their current score (the latest ``scored_at`` per
shipment); shipments not scored yet come last, so a batch that just arrived is visible at once.
Pages and sorts run in DuckDB, like the records grid; the sort model is checked against a fixed
column whitelist, and every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from lake.contract import SHIPMENT_DECLARED
from queries import code_names
from queries.file_stats import column_max, column_nulls, in_partitions
from queries.filters import SHIPMENT_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.records import MAX_WINDOW, GridModelError
from queries.targeting_watch import WatchSql, watch_sql

QUEUE_DAYS = 7  # without dates in the filters, the queue shows the last week of arrivals
HISTORY_ROWS = 8
SIMILAR_ROWS = 6


@dataclass(frozen=True)
class QueueColumn:
    key: str
    label: str
    sql: str  # expression over the joined window (alias w) and current scores (alias c)
    kind: str
    names: str | None = None  # a reference.NAMES_BY_KEY key: the grid shows and sorts by names


QUEUE_COLUMNS: tuple[QueueColumn, ...] = (
    QueueColumn("score", "Score", "c.score", "number"),
    QueueColumn("shipment_id", "Shipment", "w.shipment_id", "text"),
    QueueColumn("arrived_at", "Arrived (UTC)", "w.arrived_at", "date"),
    QueueColumn("port_code", "Port", "w.port_code", "text", "port"),
    QueueColumn("mode", "Mode", "w.mode", "text", "mode"),
    QueueColumn("origin_country", "Origin", "w.origin_country", "text", "source"),
    QueueColumn("transit_country", "Transit", "w.transit_country", "text", "transit"),
    QueueColumn("hts_code", "HTS", "w.hts_code", "text"),
    QueueColumn("description", "Description", "w.description", "text"),
    QueueColumn("consignee_name", "Consignee", "w.consignee_name", "text"),
    QueueColumn("declared_value_usd", "Value (USD)", "w.declared_value_usd", "number"),
    QueueColumn("outcome", "Outcome", "w.outcome", "text"),
)
QUEUE_BY_KEY = {c.key: c for c in QUEUE_COLUMNS}
# what the queue's columns and the watches read; a window of a whole year is sorted, so the
# other twelve columns of a shipment are left on disk
WINDOW_COLUMNS = (
    "shipment_id",
    "arrived_at",
    "port_code",
    "mode",
    "origin_country",
    "transit_country",
    "hts_code",
    "description",
    "declared_value_usd",
    "consignee_name",
    "outcome",
    "shipper_id",
    "consignee_id",
    "consignee_address_id",
)


def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def as_of(gateway: Gateway | None = None) -> datetime | None:
    """The latest arrival in the lake: "now" for the queue's default window."""
    gw = _gw(gateway)
    if not gw.has("shipments"):
        return None
    # from the files' footers: a scan of every arrival cost a quarter second at 20M shipments
    return gw.memo("targeting-as-of", lambda: column_max(gw.files("shipments"), "arrived_at"))


def window(filters: Filters, gateway: Gateway | None = None) -> tuple[datetime, datetime] | None:
    """[start, end) of the queue: the filters' dates, else the last ``QUEUE_DAYS`` days."""
    last = as_of(gateway)
    if last is None:
        return None
    lo, hi = filters.period()
    end = datetime.combine((hi or last.date()) + timedelta(days=1), datetime.min.time())
    start = datetime.combine(lo, datetime.min.time()) if lo else end - timedelta(days=QUEUE_DAYS)
    return start, end


def window_label(span: tuple[datetime, datetime]) -> str:
    """The window's days as people read them: first and last day, both included (the window's
    end is the midnight after its last day, which a label would show one day late)."""
    start, end = span
    return f"{start:%d %b %Y} – {end - timedelta(microseconds=1):%d %b %Y}"


def fiscal_years(start: datetime, end: datetime) -> list[int]:
    """The fiscal years of the window [start, end), which partition shipments and scores.

    ``end`` is excluded: a fiscal year's window ends at midnight on 1 October, the first
    instant of the next year, and naming that year too costs more than its files' pruning.
    With one file in the scan DuckDB drops the arrival bounds a file's statistics show it
    meets throughout; with two it decodes every arrival (a year of one office's parcels at
    national scale counted over the year's file is more than twice as fast as with the next
    year's beside it).
    """
    last = end - timedelta(microseconds=1)
    return list(range(start.year + (start.month >= 10), last.year + (last.month >= 10) + 1))


def _window_sql(
    filters: Filters, span: tuple[datetime, datetime], scores_by_arrival: bool = False
) -> tuple[str, list]:
    """The shipments of the queue window and their current scores, as CTEs ``w`` and ``c``.

    ``c`` carries only the score: the rule flags and reasons (long text) are looked up for the
    page's rows alone, not for every shipment of the window. With ``scores_by_arrival`` (every
    score row of the window's years carries its shipment's arrival) the window's bounds keep
    DuckDB to the score files of its months.
    """
    where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
    years = fiscal_years(*span)
    by_arrival = "AND arrived_at >= ? AND arrived_at < ?" if scores_by_arrival else ""
    sql = f"""
        WITH w AS (
            SELECT {", ".join(WINDOW_COLUMNS)} FROM shipments
            WHERE list_contains(?, fiscal_year) AND arrived_at >= ? AND arrived_at < ?
              AND ({where.sql})
        ),
        c AS (
            SELECT shipment_id, max_by(score, scored_at) AS score
            FROM scores
            WHERE list_contains(?, fiscal_year) {by_arrival}
              AND shipment_id IN (SELECT shipment_id FROM w)
            GROUP BY shipment_id
        )
    """  # noqa: S608 -- predicate fragments come from the FilterTarget whitelist
    bounds = [span[0], span[1]] if scores_by_arrival else []
    return sql, [years, span[0], span[1], *where.params, years, *bounds]


def queue_order(sort_model: object, prefixed: bool = True) -> str:
    """ORDER BY for the grid's sort model; default: highest score first, unscored last.

    ``prefixed`` names columns as the joined window does (``w.``, ``c.``); without it, as the
    score rows do, which carry the same columns under the same names."""

    def name(column: QueueColumn) -> str:
        return column.sql if prefixed else column.key

    tie = name(QUEUE_BY_KEY["shipment_id"])
    default = (
        f"{name(QUEUE_BY_KEY['score'])} DESC NULLS LAST, {name(QUEUE_BY_KEY['arrived_at'])} DESC, "
        f"{tie}"
    )
    if not sort_model:
        return default
    if not isinstance(sort_model, list) or len(sort_model) > len(QUEUE_COLUMNS):
        raise GridModelError("The grid's sort model is malformed")
    terms = []
    for item in sort_model:
        column = QUEUE_BY_KEY.get(item.get("colId")) if isinstance(item, dict) else None
        direction = {"asc": "ASC", "desc": "DESC"}.get(item.get("sort")) if column else None
        if column is None or direction is None:
            raise GridModelError("Cannot sort the queue that way")
        by = code_names.sort_by_name_sql(column.names, name(column))
        terms.append(f"{by} {direction} NULLS LAST")
    return ", ".join([*terms, tie])


def _scores_ready(gw: Gateway) -> bool:
    return gw.has("shipments") and gw.has("scores")


def fetch_queue(
    filters: Filters,
    start_row: int,
    end_row: int,
    sort_model: list | None = None,
    watches: WatchSql | None = None,
    gateway: Gateway | None = None,
) -> tuple[list[dict], int]:
    """Rows [start_row, end_row) of the ranked queue and the number of shipments in it.

    The page is ranked from the score rows alone when they can answer exactly
    (``_page_from_scores``), else through the join of the window's shipments and their scores.
    """
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start_row, end_row)):
        raise GridModelError("startRow and endRow must be whole numbers")
    if start_row < 0 or end_row <= start_row:
        raise GridModelError(f"Rows {start_row} to {end_row} are not a window")
    end_row = min(end_row, start_row + MAX_WINDOW)
    order = queue_order(sort_model)
    gw = _gw(gateway)
    span = window(filters, gw)
    if span is None or not _scores_ready(gw):
        return [], 0
    watches = watches or watch_sql([])
    total = _window_count(gw, filters, span)
    page = _page_from_scores(gw, filters, span, (start_row, end_row), sort_model, watches, total)
    if page is None:
        page = _page_from_join(gw, filters, span, (start_row, end_row), order, watches)
    out = []
    for row in page.to_dicts():
        row["arrived_at"] = row["arrived_at"].isoformat(sep=" ", timespec="minutes")
        row["flags"] = list(row["flags"] or [])
        row["watch_hits"] = list(row["watch_hits"] or [])
        out.append(row)
    return out, total


def _window_condition(filters: Filters, span: tuple[datetime, datetime]) -> tuple[str, list]:
    """The queue window as a WHERE condition over shipments, or over score rows, which carry
    the same columns under the same names."""
    where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
    condition = (
        f"list_contains(?, fiscal_year) AND arrived_at >= ? AND arrived_at < ? AND ({where.sql})"
    )
    return condition, [fiscal_years(*span), span[0], span[1], *where.params]


def _window_count(gw: Gateway, filters: Filters, span: tuple[datetime, datetime]) -> int:
    """Shipments in the queue window: a count over the filter columns alone. (Counting the
    ``w`` of ``_window_sql`` made DuckDB materialise the CTE, which ``c`` names too: every
    column of every shipment of the window: for a year of one office's express parcels at
    national scale, nearly three times as long as the count.)"""
    condition, params = _window_condition(filters, span)
    return int(gw.scalar(f"SELECT count(*) FROM shipments WHERE {condition}", params) or 0)  # noqa: S608


def _page_from_join(
    gw: Gateway,
    filters: Filters,
    span: tuple[datetime, datetime],
    rows: tuple[int, int],
    order: str,
    watches: WatchSql,
) -> pl.DataFrame:
    """The page through the join of the window's shipments and their current scores: exact in
    every case (unscored shipments, rows scored before score rows carried shipment columns),
    and slow over a national fiscal year (``_page_from_scores`` answers when it can)."""
    carried = _scores_carry_shipments(gw, fiscal_years(*span))
    head, params = _window_sql(filters, span, scores_by_arrival=carried)
    select = ", ".join(f"{c.sql} AS {c.key}" for c in QUEUE_COLUMNS)
    # the page alone lets DuckDB keep a top-n heap instead of sorting the whole window
    sql = f"""{head}
        SELECT {select}, {watches.hits_sql} AS watch_hits
        FROM w LEFT JOIN c USING (shipment_id)
        ORDER BY {order} LIMIT ? OFFSET ?
    """  # noqa: S608 -- columns from QUEUE_COLUMNS, watch SQL built from validated watches
    start_row, end_row = rows
    page = gw.frame(sql, [*params, *watches.hits_params, end_row - start_row, start_row])
    ids = page["shipment_id"].to_list()
    explained = _flags_and_reasons(gw, ids, fiscal_years(*span), span if carried else None)
    flags = [explained.get(i, (None, None))[0] for i in page["shipment_id"]]
    reasons = [explained.get(i, (None, None))[1] for i in page["shipment_id"]]
    return page.with_columns(
        pl.Series("flags", flags, dtype=pl.List(pl.Utf8)),
        pl.Series("reasons", reasons, dtype=pl.Utf8),
    )


def _page_from_scores(
    gw: Gateway,
    filters: Filters,
    span: tuple[datetime, datetime],
    rows: tuple[int, int],
    sort_model: list | None,
    watches: WatchSql,
    total: int,
) -> pl.DataFrame | None:
    """The page ranked from the score rows alone, or None when they cannot answer exactly.

    Score rows carry their shipment's queue columns, so a window is one scan with a top-n heap:
    over a national fiscal year, an order of magnitude faster than the join. (Ranking the few
    columns the order needs and then reading the page's rows in full costs more: the second
    read decodes the same row groups again.) Exactness:

    * every score row of the window's years must carry them (older rows do not): else None;
    * a shipment's current score is its latest row, so candidates with a newer row are dropped
      (the newer row ranks on its own); the first ``k`` rows are fetched, and ``k`` grows until
      the page is covered by current rows;
    * unscored shipments rank last by default: a page reaching past the scored ones, or a
      sort by another column while some shipment of the window is unscored, returns None.
    """
    start_row, end_row = rows
    years = fiscal_years(*span)
    if not _scores_carry_shipments(gw, years):
        return None
    condition, params = _window_condition(filters, span)
    if sort_model and gw.scalar(f"SELECT count(*) FROM scores WHERE {condition}", params) != total:  # noqa: S608
        return None  # unscored shipments would sort among the scored ones
    keys = ", ".join(c.key for c in QUEUE_COLUMNS)
    sql = f"""
        SELECT {keys}, flags, reasons, scored_at, {watches.hits_sql} AS watch_hits
        FROM scores WHERE {condition}
        ORDER BY {queue_order(sort_model, prefixed=False)} LIMIT ?
    """  # noqa: S608 -- columns from QUEUE_COLUMNS, watch SQL built from validated watches
    k = end_row + max(64, end_row - start_row)
    while True:
        candidates = gw.frame(sql, [*watches.hits_params, *params, k])
        exhausted = candidates.height < k
        current = _current_rows(gw, candidates, years)
        if current.height >= end_row or exhausted:
            break
        k *= 4
    if end_row > current.height and total > current.height:
        return None  # the page reaches the unscored shipments, which rank last
    return current.slice(start_row, end_row - start_row).drop("scored_at")


def _score_files(gw: Gateway, years: list[int]) -> list:
    return in_partitions(gw.files("scores"), "fiscal_year", years)


def _scores_carry_shipments(gw: Gateway, years: list[int]) -> bool:
    """Every score row of ``years`` carries its shipment's columns (rows written before the
    copy have a null arrival): from the files' footers, not a scan of the years' rows."""
    return column_nulls(_score_files(gw, years), "arrived_at") == 0


def _current_rows(gw: Gateway, candidates: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """``candidates`` without the rows a later scoring of the same shipment replaced.

    Only rows scored after the oldest candidate can replace one: when the years' latest
    ``scored_at`` (from the files' footers) is not later, nothing is read; else the row groups
    of the earlier runs are skipped by their ``scored_at`` statistics."""
    if candidates.is_empty():
        return candidates
    oldest = candidates["scored_at"].min()
    latest = column_max(_score_files(gw, years), "scored_at")  # footers, read once per file
    if latest is None or latest <= oldest:
        return candidates  # nothing was scored after the oldest candidate: none is replaced
    newer = gw.frame(
        """
        SELECT shipment_id, max(scored_at) AS latest FROM scores
        WHERE list_contains(?, fiscal_year) AND scored_at > ? AND list_contains(?, shipment_id)
        GROUP BY shipment_id
        """,
        [years, oldest, candidates["shipment_id"].unique(maintain_order=True).to_list()],
    )
    if newer.is_empty():
        return candidates
    joined = candidates.join(newer, on="shipment_id", how="left", maintain_order="left")
    current = pl.col("latest").is_null() | (pl.col("scored_at") >= pl.col("latest"))
    return joined.filter(current).drop("latest")


def _flags_and_reasons(
    gw: Gateway,
    shipment_ids: list[str],
    years: list[int],
    span: tuple[datetime, datetime] | None,
) -> dict[str, tuple[list | None, str | None]]:
    """The current rule flags and reasons of a page's shipments (long text, so read for the
    page alone, not for every shipment of the window). With the window's ``span`` (when every
    score row of its years carries its arrival) DuckDB reads the score files of its months."""
    if not shipment_ids:
        return {}
    by_arrival = "AND arrived_at >= ? AND arrived_at < ?" if span else ""
    found = gw.frame(
        f"""
        SELECT shipment_id, max_by(flags, scored_at) AS flags, max_by(reasons, scored_at) AS reasons
        FROM scores
        WHERE list_contains(?, fiscal_year) {by_arrival} AND list_contains(?, shipment_id)
        GROUP BY shipment_id
        """,  # noqa: S608 -- a fixed fragment; values are bound
        [years, *(span or ()), shipment_ids],
    )
    return {r["shipment_id"]: (r["flags"], r["reasons"]) for r in found.to_dicts()}


def watch_counts(
    filters: Filters, watches: WatchSql, gateway: Gateway | None = None
) -> dict[int, int]:
    """Shipments of the queue window matching each watch."""
    gw = _gw(gateway)
    span = window(filters, gw)
    if span is None or not watches.ids or not gw.has("shipments"):
        return {i: 0 for i in watches.ids}
    where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
    counts = ", ".join(f"count_if({c})" for c in watches.conditions)
    sql = f"""
        SELECT {counts} FROM shipments
        WHERE list_contains(?, fiscal_year) AND arrived_at >= ? AND arrived_at < ? AND ({where.sql})
    """  # noqa: S608 -- conditions built from validated watches; values bound
    params = [*watches.condition_params, fiscal_years(*span), span[0], span[1], *where.params]
    row = gw.frame(sql, params).row(0)
    return {i: int(n or 0) for i, n in zip(watches.ids, row, strict=True)}


# -- one shipment ----------------------------------------------------------------------------
SHIPMENT_COLUMNS = (*SHIPMENT_DECLARED, "seizure_id")


def shipment_detail(shipment_id: str, gateway: Gateway | None = None) -> dict | None:
    """A shipment with its current score, or None when no shipment has that id."""
    if not isinstance(shipment_id, str) or not 0 < len(shipment_id) <= 64:
        return None
    gw = _gw(gateway)
    if not gw.has("shipments"):
        return None
    sql = f"SELECT {', '.join(SHIPMENT_COLUMNS)} FROM shipments WHERE shipment_id = ?"  # noqa: S608
    rows = gw.frame(sql, [shipment_id]).to_dicts()
    if not rows:
        return None
    shipment = rows[0]
    shipment["score"] = None
    if gw.has("scores"):
        score = _current_score(gw, shipment).to_dicts()
        if score:
            shipment.update(score[0])
            shipment["flags"] = list(shipment["flags"] or [])
    return shipment


def _current_score(gw: Gateway, shipment: dict) -> pl.DataFrame:
    """The shipment's latest score row. Its fiscal year, arrival, office and mode name the few
    row groups that can hold it (the files are laid out by month, office and mode); rows
    written before score rows carried those columns can only be found by id."""
    arrived = shipment["arrived_at"]
    year = arrived.year + (arrived.month >= 10)
    head = "SELECT score, flags, reasons, model_version, scored_at FROM scores WHERE "
    tail = " ORDER BY scored_at DESC LIMIT 1"
    if _scores_carry_shipments(gw, [year]):
        where = (
            "fiscal_year = ? AND arrived_at = ? AND area_id = ? AND mode = ? AND shipment_id = ?"
        )
        params = [year, arrived, shipment["area_id"], shipment["mode"], shipment["shipment_id"]]
        return gw.frame(head + where + tail, params)
    return gw.frame(head + "shipment_id = ?" + tail, [shipment["shipment_id"]])


PARTY_COLUMNS = {
    "shipper": "shipper_id",
    "consignee": "consignee_id",
    "address": "consignee_address_id",
}


def party_history(shipment: dict, gateway: Gateway | None = None) -> dict[str, dict]:
    """For the shipper, consignee and address: earlier shipments, seizures, the latest few."""
    gw = _gw(gateway)
    out = {}
    for party, column in PARTY_COLUMNS.items():
        value = shipment[column]
        summary = gw.frame(
            f"""SELECT count(*) AS shipments, coalesce(count_if(outcome = 'seized'), 0) AS seized,
                       coalesce(count_if(examined), 0) AS examined, min(arrived_at) AS first_seen
                FROM shipments WHERE {column} = ? AND arrived_at < ?""",  # noqa: S608
            [value, shipment["arrived_at"]],
        ).row(0, named=True)
        commodity, join = ("z.commodity", "LEFT JOIN seizures z ON z.seizure_id = s.seizure_id")
        if not gw.has("seizures"):
            commodity, join = "NULL AS commodity", ""
        latest = gw.frame(
            f"""SELECT s.shipment_id, s.arrived_at, s.hts_code, s.description, s.outcome,
                       {commodity}
                FROM shipments s {join}
                WHERE s.{column} = ? AND s.arrived_at < ?
                ORDER BY (s.outcome = 'seized') DESC, s.arrived_at DESC LIMIT ?""",  # noqa: S608
            [value, shipment["arrived_at"], HISTORY_ROWS],
        )
        out[party] = {"id": value, **summary, "latest": latest.to_dicts()}
    return out


def similar_seizures(shipment: dict, gateway: Gateway | None = None) -> list[dict]:
    """Earlier seized shipments on the same HTS line or the same route, most alike first."""
    gw = _gw(gateway)
    if not gw.has("seizures"):
        return []
    sql = """
        SELECT s.shipment_id, s.arrived_at, s.port_code, s.mode, s.origin_country,
               s.transit_country, s.hts_code, s.description, z.commodity, z.seizure_id,
               (s.hts_code = ?)::INT + (s.origin_country = ?)::INT
                 + (coalesce(s.transit_country, '') = coalesce(?, ''))::INT
                 + (s.port_code = ?)::INT + (s.mode = ?)::INT AS alike
        FROM shipments s JOIN seizures z ON z.seizure_id = s.seizure_id
        WHERE s.outcome = 'seized' AND s.arrived_at < ? AND s.shipment_id <> ?
          AND (s.hts_code = ? OR (s.origin_country = ? AND s.port_code = ? AND s.mode = ?))
        ORDER BY alike DESC, s.arrived_at DESC LIMIT ?
    """
    sh = shipment
    params = [
        sh["hts_code"],
        sh["origin_country"],
        sh["transit_country"],
        sh["port_code"],
        sh["mode"],
        sh["arrived_at"],
        sh["shipment_id"],
        sh["hts_code"],
        sh["origin_country"],
        sh["port_code"],
        sh["mode"],
        SIMILAR_ROWS,
    ]
    return gw.frame(sql, params).to_dicts()


def iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
