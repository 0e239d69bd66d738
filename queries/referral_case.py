"""One referral in full, for the investigator who works it and the agency it goes to: the case's
state, every event of its timeline, the seizure and the shipment behind it, and the seizures
related to it by its parties or by its route.

The seizure and its manifest line are read as the Explorer's record detail reads them
(``queries.records.record_detail``), so the two pages can never show one seizure differently.
"""

from __future__ import annotations

from lake import referral_lifecycle as lifecycle
from queries import records
from queries.gateway import Gateway, default_gateway

RELATED_ROWS = 10  # latest related seizures shown per kind; the total is counted
MAX_ID = 64
_STEP_ORDER = "[" + ", ".join(f"'{s}'" for s in lifecycle.STEPS) + "]"  # fixed names
EVENT_COLUMNS = (
    "event_id",
    "step",
    "occurred_on",
    "agency",
    "case_number",
    "recorded_by",
    "note",
    "seizure_id",
    "shipment_id",
)
CASE_COLUMNS = (
    "referral_id",
    "seizure_id",
    "shipment_id",
    "agency",
    "status",
    "is_open",
    "case_number",
    "referred_on",
    "last_event_on",
    "outcome",
    "follow_up_seizures",
    "events",
)
RELATED_COLUMNS = """
    z.seizure_id, z.event_date, z.commodity, z.quantity, z.unit, z.port_code, z.mode,
    z.source_country, z.transit_country, r.referral_id, r.status,
    count(*) OVER () AS total
"""


def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def _valid(referral_id: object) -> bool:
    return isinstance(referral_id, str) and 0 < len(referral_id) <= MAX_ID


def summary(referral_id: str, gateway: Gateway | None = None) -> dict | None:
    """The case as the ``referrals`` view derives it from its events; None when unknown."""
    gw = _gw(gateway)
    if not _valid(referral_id) or not gw.has("referrals"):
        return None
    sql = f"SELECT {', '.join(CASE_COLUMNS)} FROM referrals WHERE referral_id = ?"  # noqa: S608
    rows = gw.frame(sql, [referral_id]).to_dicts()
    return rows[0] if rows else None


def timeline(referral_id: str, gateway: Gateway | None = None) -> list[dict]:
    """Every event of the case, in the order it happened (day, then the lifecycle's order of
    steps on one day), as recorded: step, day, agency, case number, who recorded it, note."""
    gw = _gw(gateway)
    if not _valid(referral_id) or not gw.has("referral_events"):
        return []
    sql = f"""
        SELECT {", ".join(EVENT_COLUMNS)} FROM referral_events
        WHERE referral_id = ?
        ORDER BY occurred_on, list_position({_STEP_ORDER}, step), ingested_at, event_id
    """  # noqa: S608 -- fixed column and step names
    return gw.frame(sql, [referral_id]).to_dicts()


def _same_parties(gw: Gateway, seizure_id: str, shipment: dict) -> list[dict]:
    """Seizures from other manifest lines of the same shipper or consignee, latest first."""
    sql = f"""
        SELECT {RELATED_COLUMNS},
               sh.shipper_id = ? AS same_shipper, sh.consignee_id = ? AS same_consignee
        FROM shipments sh
        JOIN seizures z ON z.seizure_id = sh.seizure_id
        LEFT JOIN referrals r ON r.seizure_id = z.seizure_id
        WHERE (sh.shipper_id = ? OR sh.consignee_id = ?) AND z.seizure_id <> ?
        ORDER BY z.event_date DESC, z.seizure_id
        LIMIT ?
    """  # noqa: S608 -- fixed columns
    shipper, consignee = shipment["shipper_id"], shipment["consignee_id"]
    params = [shipper, consignee, shipper, consignee, seizure_id, RELATED_ROWS]
    return gw.frame(sql, params).to_dicts()


def _same_route(gw: Gateway, seizure: dict) -> list[dict]:
    """Seizures on the same route: same source and transit country, port and mode (an empty
    transit or port matches an empty one), latest first."""
    sql = f"""
        SELECT {RELATED_COLUMNS}
        FROM seizures z
        LEFT JOIN referrals r ON r.seizure_id = z.seizure_id
        WHERE z.source_country IS NOT DISTINCT FROM ?
          AND z.transit_country IS NOT DISTINCT FROM ?
          AND z.port_code IS NOT DISTINCT FROM ?
          AND z.mode = ? AND z.seizure_id <> ?
        ORDER BY z.event_date DESC, z.seizure_id
        LIMIT ?
    """  # noqa: S608 -- fixed columns
    params = [
        seizure["source_country"],
        seizure["transit_country"],
        seizure["port_code"],
        seizure["mode"],
        seizure["seizure_id"],
        RELATED_ROWS,
    ]
    return gw.frame(sql, params).to_dicts()


def related(seizure: dict, shipment: dict | None, gateway: Gateway | None = None) -> dict:
    """The latest seizures sharing the case's parties (when it has a manifest line) and its
    route, each with its referral if it has one, and how many there are of each kind."""
    gw = _gw(gateway)
    parties = _same_parties(gw, seizure["seizure_id"], shipment) if shipment else []
    route = _same_route(gw, seizure)
    return {
        "parties": parties,
        "parties_total": parties[0]["total"] if parties else 0,
        "route": route,
        "route_total": route[0]["total"] if route else 0,
    }


def case(referral_id: str, gateway: Gateway | None = None) -> dict | None:
    """Everything the case view and the referral package show: ``summary``, ``events``,
    ``seizure``, ``shipment`` (None when the seizure had no manifest line) and ``related``.
    None when no referral has that id."""
    gw = _gw(gateway)
    head = summary(referral_id, gw)
    if head is None:
        return None
    detail = records.record_detail(head["seizure_id"], gw) or {"seizure": None, "shipment": None}
    seizure, shipment = detail["seizure"], detail["shipment"]
    return {
        "summary": head,
        "events": timeline(referral_id, gw),
        "seizure": seizure,
        "shipment": shipment,
        "related": related(seizure, shipment, gw) if seizure else _nothing_related(),
    }


def _nothing_related() -> dict:
    return {"parties": [], "parties_total": 0, "route": [], "route_total": 0}
