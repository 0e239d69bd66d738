"""The data contract of the fact tables in code: names, types, nullability, allowed values.

``docs/DATA.md`` documents the same contract for people; ``tests/test_data_docs.py`` checks that
the two agree, and ``tests/test_generate_demo.py`` that built tables conform. Partition columns
(``fiscal_year``, ``year``, ``vintage``) live in folder names, not in the files.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    doc: str


def _schema(columns: tuple[Column, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in columns])


SEIZURE_PROVENANCE = ("cbp_cell", "continuation", "modelled", "reported")
CONCEALMENTS = (
    "vehicle_compartment",
    "gas_tank",
    "tires",
    "body_carry",
    "luggage",
    "commercial_cargo",
    "mislabeled_goods",
    "parcel",
    "backpack",
    "vessel_compartment",
    "unknown",
)
UNITS = ("lbs", "pills", "pieces")
ENTRY_TYPES = ("01", "11", "86")  # formal consumption, informal, Section 321 de minimis (Type 86)
OUTCOMES = ("not_examined", "cleared", "seized")
REFERRAL_AGENCIES = ("HSI", "DEA", "FBI", "USPIS", "State/local task force")
BATCH_STATUSES = ("accepted", "partial", "refused")

SEIZURES: tuple[Column, ...] = (
    Column("seizure_id", pa.string(), False, "Unique id of the seizure event"),
    Column("event_date", pa.date32(), False, "Day of the seizure"),
    Column("event_time", pa.timestamp("us"), True, "When it happened (UTC); live feed only"),
    Column("component", pa.string(), False, "OFO (at ports) or USBP (between ports)"),
    Column("region", pa.string(), False, "Southwest Border, Northern Border or Coastal/Interior"),
    Column("area_id", pa.string(), False, "Field office or Border Patrol sector (areas.csv)"),
    Column("port_code", pa.string(), True, "CBP port (ports.csv); null between ports and abroad"),
    Column("land_filter", pa.string(), False, "CBP's Land Only / Other split"),
    Column("mode", pa.string(), False, "Mode of transport (modes.csv)"),
    Column("commodity", pa.string(), False, "Commodity id (commodities.csv)"),
    Column("category", pa.string(), False, "drug, precursor, equipment or other"),
    Column(
        "cbp_drug_type", pa.string(), True, "CBP drug type the event counts under; null if none"
    ),
    Column("quantity", pa.float64(), False, "Amount in the commodity's unit"),
    Column("unit", pa.string(), False, "lbs, pills or pieces"),
    Column("lbs", pa.float64(), True, "Weight in pounds; null for equipment counted in pieces"),
    Column("pills", pa.int64(), True, "Tablets seized, for pill seizures"),
    Column("source_country", pa.string(), True, "ISO 3166-1 alpha-2 of the source country"),
    Column("transit_country", pa.string(), True, "ISO alpha-2 of the last transit country"),
    Column("concealment", pa.string(), True, "How the goods were hidden"),
    Column("de_minimis", pa.bool_(), False, "Seized from a Section 321 (Type 86) shipment"),
    Column("shipment_id", pa.string(), True, "Manifest line the seizure came from, if any"),
    Column("provenance", pa.string(), False, "cbp_cell, continuation, modelled or reported"),
    Column("batch_id", pa.string(), False, "Batch that brought the row"),
    Column("ingested_at", pa.timestamp("us"), False, "When the row entered the lake (UTC)"),
)

SHIPMENTS: tuple[Column, ...] = (
    Column("shipment_id", pa.string(), False, "Unique id of the manifest line"),
    Column("arrived_at", pa.timestamp("us"), False, "Arrival time at the port (UTC)"),
    Column("port_code", pa.string(), False, "CBP port of arrival (ports.csv)"),
    Column("area_id", pa.string(), False, "Field office of the port"),
    Column("mode", pa.string(), False, "Mode of transport (modes.csv)"),
    Column("hts_code", pa.string(), False, "Declared HTS code, dotted (2933.33.0100)"),
    Column("description", pa.string(), False, "Declared description of the goods"),
    Column("declared_value_usd", pa.float64(), False, "Declared value in U.S. dollars"),
    Column("declared_weight_kg", pa.float64(), False, "Declared gross weight in kilograms"),
    Column("origin_country", pa.string(), False, "ISO alpha-2 of the country of origin"),
    Column("transit_country", pa.string(), True, "ISO alpha-2 of the last country of lading"),
    Column("shipper_id", pa.string(), False, "Shipper party id"),
    Column("consignee_id", pa.string(), False, "Consignee party id"),
    Column("consignee_name", pa.string(), False, "Consignee name as declared"),
    Column("consignee_address_id", pa.string(), False, "Delivery address id"),
    Column("carrier", pa.string(), False, "Carrier name"),
    Column("entry_type", pa.string(), False, "01 formal, 11 informal, 86 Section 321 de minimis"),
    Column("master_carton", pa.bool_(), False, "Part of a master carton of many parcels"),
    Column("preprinted_domestic_label", pa.bool_(), False, "Carries a preprinted U.S. label"),
    Column("dea_transaction_id", pa.string(), True, "DEA import transaction id, if declared"),
    Column("examined", pa.bool_(), False, "CBP examined the shipment"),
    Column("outcome", pa.string(), False, "not_examined, cleared or seized"),
    Column("seizure_id", pa.string(), True, "Seizure event when seized"),
    Column("batch_id", pa.string(), False, "Batch that brought the row"),
    Column("ingested_at", pa.timestamp("us"), False, "When the row entered the lake (UTC)"),
)
# What a manifest line declares, as the source sent it: the shipments' columns before the ones the
# lake adds (the linked seizure, the batch and the ingest time). The shipment detail, the
# targeting detail and point-in-time history all read these.
SHIPMENT_DECLARED: tuple[str, ...] = tuple(
    c.name for c in SHIPMENTS if c.name not in ("seizure_id", "batch_id", "ingested_at")
)

REFERRAL_EVENTS: tuple[Column, ...] = (
    Column("event_id", pa.string(), False, "Unique id of the event (the sender's own)"),
    Column("referral_id", pa.string(), False, "Referral the event belongs to"),
    Column("step", pa.string(), False, "Step of the lifecycle (lake/referral_lifecycle.py)"),
    Column("occurred_on", pa.date32(), False, "Day the step happened"),
    Column("agency", pa.string(), False, "Receiving agency of the referral"),
    Column("case_number", pa.string(), True, "Case number at the receiving agency"),
    Column("seizure_id", pa.string(), True, "Seizure referred (on the referred step)"),
    Column("shipment_id", pa.string(), True, "Shipment behind that seizure, if any"),
    Column("recorded_by", pa.string(), True, "Who recorded it: user:<name> or the sender"),
    Column("note", pa.string(), True, "Free text from whoever recorded the step"),
    Column("batch_id", pa.string(), False, "Batch that brought the row"),
    Column("ingested_at", pa.timestamp("us"), False, "When the row entered the lake (UTC)"),
)

CBP_PUBLIC: tuple[Column, ...] = (
    Column("fiscal_year", pa.int16(), False, "Fiscal year (October-September)"),
    Column("fy_partial", pa.bool_(), False, "The year was in progress in this vintage (FYTD)"),
    Column("month", pa.int8(), False, "Calendar month 1-12"),
    Column("component", pa.string(), False, "OFO, USBP or AMO"),
    Column("region", pa.string(), False, "Region as published"),
    Column("land_filter", pa.string(), False, "Land Only / Other (AMO: Land / Other)"),
    Column("area", pa.string(), False, "Area of Responsibility or AMO branch as published"),
    Column("drug_type", pa.string(), False, "CBP drug type as published"),
    Column("events", pa.int64(), False, "Count of Event"),
    Column("lbs", pa.float64(), False, "Sum Qty (lbs)"),
    Column("month_start", pa.date32(), False, "First day of the month"),
    Column("area_id", pa.string(), False, "Slug of area (matches areas.csv for OFO/USBP)"),
    Column("publication", pa.string(), False, "nationwide (OFO + USBP) or amo"),
    Column("vintage_through", pa.date32(), False, "Last month the vintage covers"),
    Column("source_file", pa.string(), False, "File the vintage was read from"),
    Column("imported_at", pa.timestamp("us"), False, "When it was imported (UTC)"),
)

BORDER_CROSSINGS: tuple[Column, ...] = (
    Column("port_code", pa.string(), False, "BTS/CBP 4-digit port code"),
    Column("port_name", pa.string(), False, "Port name as published"),
    Column("state", pa.string(), False, "State as published"),
    Column("border", pa.string(), False, "US-Mexico or US-Canada"),
    Column("month_start", pa.date32(), False, "First day of the month"),
    Column("measure", pa.string(), False, "Trucks, Personal Vehicles, Pedestrians, ..."),
    Column("value", pa.int64(), False, "Inbound crossings (duplicate keys summed)"),
)

INGEST_LOG: tuple[Column, ...] = (
    Column("batch_id", pa.string(), False, "Batch id: digest of the file's bytes"),
    Column("source_file", pa.string(), False, "Name of the file in the inbox"),
    Column("table_name", pa.string(), False, "seizures, shipments, referral_events or unknown"),
    Column("received_at", pa.timestamp("us"), False, "When the watcher first saw the file (UTC)"),
    Column("finished_at", pa.timestamp("us"), False, "When the batch's rows became visible (UTC)"),
    Column("rows_read", pa.int64(), False, "Rows read from the file"),
    Column("rows_accepted", pa.int64(), False, "Rows that entered the lake"),
    Column("rows_quarantined", pa.int64(), False, "Rows refused, each with a reason"),
    Column("reasons", pa.string(), False, "JSON object: reason -> rows"),
    Column("ignored_columns", pa.string(), False, "JSON list of columns read but not stored"),
    Column("first_event_at", pa.timestamp("us"), True, "Earliest event time of accepted rows"),
    Column("last_event_at", pa.timestamp("us"), True, "Latest event time of accepted rows"),
    Column("status", pa.string(), False, "accepted, partial or refused"),
)

SCORES: tuple[Column, ...] = (
    Column("shipment_id", pa.string(), False, "Shipment scored (shipments.shipment_id)"),
    Column("score", pa.float64(), False, "Targeting score in [0, 1]; higher = examine first"),
    Column("model_version", pa.string(), False, "Model that scored it, or rules-only"),
    Column("flags", pa.list_(pa.string()), False, "Red flags (rule names) that fired"),
    Column("reasons", pa.string(), False, "Features that pushed the score up, as text"),
    Column("scored_at", pa.timestamp("us"), False, "When it was scored (UTC)"),
    # the shipment's queue columns, copied so the queue ranks a window from the scores alone
    *(
        Column(c.name, c.type, True, f"{c.doc} (copied from shipments)")
        for c in SHIPMENTS
        if c.name
        in (
            "arrived_at",
            "port_code",
            "area_id",
            "mode",
            "hts_code",
            "description",
            "declared_value_usd",
            "origin_country",
            "transit_country",
            "shipper_id",
            "consignee_id",
            "consignee_name",
            "consignee_address_id",
            "outcome",
        )
    ),
)

CONTRACT: dict[str, tuple[Column, ...]] = {
    "seizures": SEIZURES,
    "shipments": SHIPMENTS,
    "referral_events": REFERRAL_EVENTS,
    "cbp_public": CBP_PUBLIC,
    "border_crossings": BORDER_CROSSINGS,
    "ingest_log": INGEST_LOG,
    "scores": SCORES,
}
SCHEMAS: dict[str, pa.Schema] = {name: _schema(cols) for name, cols in CONTRACT.items()}


def conform(table: str, frame):  # polars.DataFrame -> polars.DataFrame
    """Select and cast a frame to the contract's columns and order (partition column kept).

    A nullable column the frame lacks is added as nulls, so adding an optional column to the
    contract (``seizures.event_time``) does not break writers that have nothing to put in it; a
    missing required column is still an error.
    """
    import polars as pl

    from lake.layout import TABLES

    partition = TABLES[table].partition
    target = pl.from_arrow(SCHEMAS[table].empty_table()).schema
    nullable = {c.name for c in CONTRACT[table] if c.nullable}
    exprs = [
        pl.col(name).cast(dtype)
        if name in frame.columns or name not in nullable
        else pl.lit(None, dtype).alias(name)
        for name, dtype in target.items()
    ]
    if partition in frame.columns:
        exprs.append(pl.col(partition))
    return frame.select(exprs)
