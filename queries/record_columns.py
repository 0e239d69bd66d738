"""The records grid's columns: what each shows, the SQL that reads it, and how it filters.

Its own module because two readers need it: ``queries/records.py`` builds the grid's SQL from
it, and ``queries/engine/record_pages.py`` holds the same columns in memory for the first pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries import code_names


@dataclass(frozen=True)
class Column:
    key: str  # grid colId and output name
    label: str  # header people read
    sql: str  # expression over the seizures view
    kind: str  # "text", "number", "date" or "bool": decides which filters apply
    names: str | None = None  # a reference.NAMES_BY_KEY key: the grid shows names for codes

    @property
    def name_sql(self) -> str | None:
        """The name of the row's code (NULL for a code without one), from ``code_names``."""
        # the kind and the expression are this module's fixed COLUMNS
        return None if self.names is None else code_names.name_sql(self.names, self.sql)

    @property
    def sort_sql(self) -> str:
        """What the grid sorts by: the name people see, the code where there is none."""
        return code_names.sort_by_name_sql(self.names, self.sql)


# What an analyst reads first comes first: at 1440 px the date, commodity, pounds and port
# show without scrolling.
COLUMNS: tuple[Column, ...] = (
    Column("seizure_id", "Seizure", "seizure_id", "text"),
    Column("event_date", "Date", "event_date", "date"),
    Column("commodity", "Commodity", "commodity", "text", "commodity"),
    Column("lbs", "Pounds", "lbs", "number"),
    Column("port_code", "Port", "port_code", "text", "port"),
    Column("mode", "Mode", "mode", "text", "mode"),
    Column("area_id", "Field office / sector", "area_id", "text", "area"),
    Column("quantity", "Quantity", "quantity", "number"),
    Column("unit", "Unit", "unit", "text"),
    Column("pills", "Pills", "pills", "number"),
    Column("category", "Category", "category", "text", "category"),
    Column("component", "Component", "component", "text", "component"),
    Column("source_country", "Source", "source_country", "text", "source"),
    Column("transit_country", "Transit", "transit_country", "text", "transit"),
    Column("concealment", "Concealment", "concealment", "text", "concealment"),
    Column("de_minimis", "De minimis", "de_minimis", "bool"),
    Column("shipment_id", "Shipment", "shipment_id", "text"),
    Column("provenance", "Provenance", "provenance", "text", "provenance"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_ORDER = "event_date DESC, seizure_id"
