"""The referral package: one case as the receiving agency needs it (the referral, its seizure,
the shipment and manifest line behind it, every event of its timeline), as JSON or CSV, at
``/export/referral-package.json?referral=<id>`` and ``.csv``.

Under ``/export/`` so the guard applies the policy's export rule (investigators only) and the
download is audited; the package names the records it holds (``web.export_holds``), so its
audit row keeps the referral's, the seizure's and the shipment's ids. Codes are kept (another
agency's system reads them) with the name beside each one a person reads.

The JSON nests the parts; the CSV is one row per event with the case, the seizure and the
shipment repeated on each, so it opens as one table.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import polars as pl
from flask import Flask, Response, request

from accounts import web
from lake import reference
from lake import referral_lifecycle as lifecycle
from queries import referral_case
from queries.executor import QueryError

PACKAGE_PATH = "/export/referral-package"
ENDPOINT = "chokepoint_referral_package"
SEIZURE_FIELDS = (
    "seizure_id",
    "event_date",
    "area_id",
    "port_code",
    "mode",
    "commodity",
    "category",
    "quantity",
    "unit",
    "lbs",
    "pills",
    "source_country",
    "transit_country",
    "concealment",
)
SHIPMENT_FIELDS = (
    "shipment_id",
    "arrived_at",
    "port_code",
    "mode",
    "hts_code",
    "description",
    "declared_value_usd",
    "declared_weight_kg",
    "origin_country",
    "transit_country",
    "shipper_id",
    "consignee_id",
    "consignee_name",
    "consignee_address_id",
    "carrier",
    "entry_type",
)
# code field -> (its name's field, the reference names it is looked up in)
NAMED = {
    "agency": ("agency_name", "agency"),
    "area_id": ("area_name", "area"),
    "port_code": ("port_name", "port"),
    "mode": ("mode_name", "mode"),
    "commodity": ("commodity_name", "commodity"),
    "source_country": ("source_country_name", "source"),
    "transit_country": ("transit_country_name", "transit"),
    "origin_country": ("origin_country_name", "source"),
    "concealment": ("concealment_name", "concealment"),
}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _named(record: dict, fields: tuple[str, ...]) -> dict:
    """The fields in order, each code followed by its name."""
    out: dict = {}
    for field in fields:
        out[field] = _plain(record.get(field))
        if field in NAMED:
            name_field, key = NAMED[field]
            code = record.get(field)
            out[name_field] = reference.names_for(key).get(code, code) if code else None
    return out


def package(found: dict, prepared_by: str) -> dict:
    """The package of ``referral_case.case``'s answer, as plain JSON values."""
    head = found["summary"]
    referral = _named(head, ("referral_id", "agency", "case_number"))
    referral.update(
        status=head["status"],
        status_name=lifecycle.LABELS.get(head["status"], head["status"]),
        is_open=head["is_open"],
        referred_on=_plain(head["referred_on"]),
        last_event_on=_plain(head["last_event_on"]),
    )
    timeline = []
    for event in found["events"]:
        item = _named(event, ("event_id", "step", "occurred_on", "agency", "case_number"))
        item["step_name"] = lifecycle.LABELS.get(event["step"], event["step"])
        item.update(recorded_by=event["recorded_by"], note=event["note"])
        timeline.append(item)
    seizure, shipment = found["seizure"], found["shipment"]
    return {
        "referral": referral,
        "seizure": _named(seizure, SEIZURE_FIELDS) if seizure else None,
        "shipment": _named(shipment, SHIPMENT_FIELDS) if shipment else None,
        "timeline": timeline,
        "prepared": {
            "by": prepared_by,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "synthetic": True,  # demo records: never evidence
        },
    }


def _prefixed(prefix: str, record: dict) -> dict:
    """A part's fields as CSV columns: its own id as it is, the rest after ``prefix``."""
    return {k if k.startswith(prefix) else prefix + k: v for k, v in record.items()}


def package_rows(pack: dict) -> pl.DataFrame:
    """The package as one table: a row per event, the case, seizure and shipment on each."""
    seizure = pack["seizure"] or _named({}, SEIZURE_FIELDS)
    shipment = pack["shipment"] or _named({}, SHIPMENT_FIELDS)
    same = {
        **_prefixed("referral_", pack["referral"]),
        **_prefixed("seizure_", seizure),
        **_prefixed("shipment_", shipment),
    }
    rows = [{**same, **_prefixed("event_", event)} for event in pack["timeline"]]
    return pl.DataFrame(rows, infer_schema_length=None)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def download(kind: str) -> Response:
    """The package of ``?referral=<id>`` as ``kind`` (json or csv)."""
    referral_id = request.args.get("referral", "")
    if not referral_id:
        return _text("Name the referral: ?referral=<id>.", 400)
    try:
        found = referral_case.case(referral_id)
    except QueryError as exc:
        return _text(f"The package could not be built: {exc}", 500)
    if found is None:
        return _text(f"No referral {referral_id[:64]!r}.", 404)
    identity = web.current()
    pack = package(found, identity.name if identity else "")
    parts = ((pack["seizure"], "seizure_id"), (pack["shipment"], "shipment_id"))
    web.export_holds([pack["referral"]["referral_id"], *(p[key] for p, key in parts if p)])
    stem = f"chokepoint-referral-{referral_id}"
    if kind == "json":
        body, mimetype = json.dumps(pack, indent=2, ensure_ascii=False), "application/json"
    else:
        body, mimetype = package_rows(pack).write_csv(), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{kind}"',
            "Cache-Control": "no-store",
        },
    )


def package_json() -> Response:
    return download("json")


def package_csv() -> Response:
    return download("csv")


def register_routes(server: Flask) -> None:
    """The two package routes on the Flask server (before ``/export/<name>.csv``'s rule in
    precedence: a fixed path wins over a pattern)."""
    for kind, view in (("json", package_json), ("csv", package_csv)):
        endpoint = f"{ENDPOINT}_{kind}"
        if endpoint not in server.view_functions:
            server.add_url_rule(f"{PACKAGE_PATH}.{kind}", endpoint, view, methods=["GET"])
