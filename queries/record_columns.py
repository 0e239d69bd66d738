"""The records grid's columns: what each shows, the SQL that reads it, and how it filters.

Its own module because two readers need it: ``queries/records.py`` builds the grid's SQL from
it, and ``queries/record_pages.py`` holds the same columns in memory for the first pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries import reference


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
        return None if self.names is None else reference.name_sql(self.names, self.sql)

    @property
    def sort_sql(self) -> str:
        """What the grid sorts by: the name people see, the code where there is none."""
        return reference.sort_by_name_sql(self.names, self.sql)


COLUMNS: tuple[Column, ...] = (
    Column("seizure_id", "Seizure", "seizure_id", "text"),
    Column("event_date", "Date", "event_date", "date"),
    Column("component", "Component", "component", "text", "component"),
    Column("area_id", "Field office / sector", "area_id", "text", "area"),
    Column("port_code", "Port", "port_code", "text", "port"),
    Column("mode", "Mode", "mode", "text", "mode"),
    Column("commodity", "Commodity", "commodity", "text", "commodity"),
    Column("category", "Category", "category", "text"),
    Column("quantity", "Quantity", "quantity", "number"),
    Column("unit", "Unit", "unit", "text"),
    Column("lbs", "Pounds", "lbs", "number"),
    Column("pills", "Pills", "pills", "number"),
    Column("source_country", "Source", "source_country", "text", "source"),
    Column("transit_country", "Transit", "transit_country", "text", "transit"),
    Column("concealment", "Concealment", "concealment", "text"),
    Column("de_minimis", "De minimis", "de_minimis", "bool"),
    Column("shipment_id", "Shipment", "shipment_id", "text"),
    Column("provenance", "Provenance", "provenance", "text"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_ORDER = "event_date DESC, seizure_id"
