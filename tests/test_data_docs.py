"""docs/DATA.md and the code say the same thing: tables, columns, settings, filters and views.

The markdown is parsed, not grepped: a column counts only as a row of its own table's section.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

import settings
from components import url_state
from lake import contract
from lake import referral_lifecycle as lifecycle
from lake.layout import ROW_GROUP_ROWS, TABLES
from queries import filters, readonly
from queries.gateway import REFERENCE_VIEWS

DOC = Path(__file__).resolve().parents[1] / "docs" / "DATA.md"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")

# Columns whose allowed values are a fixed list in code; the doc must list every value.
ENUMERATIONS = {
    ("seizures", "provenance"): contract.SEIZURE_PROVENANCE,
    ("seizures", "concealment"): contract.CONCEALMENTS,
    ("seizures", "unit"): contract.UNITS,
    ("shipments", "entry_type"): contract.ENTRY_TYPES,
    ("shipments", "outcome"): contract.OUTCOMES,
    ("referral_events", "agency"): contract.REFERRAL_AGENCIES,
    ("referral_events", "step"): lifecycle.STEPS,
}


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _plain(cell: str) -> str:
    return cell.strip().strip("`").strip()


def section(text: str, title: str) -> list[str]:
    """Lines under the ``## title`` or ``### title`` heading, up to the next heading of the same
    or a higher level. Fails if the heading is missing or appears twice."""
    lines = text.splitlines()
    found = [
        (i, len(m.group(1)))
        for i, line in enumerate(lines)
        if (m := HEADING.match(line)) and _plain(m.group(2)) == title and len(m.group(1)) in (2, 3)
    ]
    assert len(found) == 1, (
        f"expected one '## {title}' or '### {title}' heading, found {len(found)}"
    )
    start, level = found[0]
    body: list[str] = []
    for line in lines[start + 1 :]:
        m = HEADING.match(line)
        if m and len(m.group(1)) <= level:
            break
        body.append(line)
    return body


def table_rows(lines: list[str]) -> list[list[str]]:
    """Cells of the first markdown table in ``lines``, header and separator left out."""
    rows: list[list[str]] = []
    in_table = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("|"):
            in_table = True
            rows.append([c.strip() for c in stripped.strip("|").split("|")])
        elif in_table:
            break
    assert len(rows) >= 2 and set(rows[1][0]) <= set("-: "), "no markdown table found"
    return rows[2:]


def duckdb_types(table: str) -> dict[str, str]:
    """The DuckDB type of each contract column, as DuckDB itself names it."""
    relation = duckdb.connect().from_arrow(contract.SCHEMAS[table].empty_table())
    return {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}


@pytest.fixture(scope="module")
def doc() -> str:
    return _text()


# -- fact tables ----------------------------------------------------------------------------------
@pytest.mark.parametrize("table", list(contract.CONTRACT))
def test_doc001_every_contract_column_is_a_row_of_its_section(doc, table):
    rows = table_rows(section(doc, table))
    documented = [_plain(r[0]) for r in rows]
    expected = [c.name for c in contract.CONTRACT[table]]
    missing = [c for c in expected if c not in documented]
    extra = [c for c in documented if c not in expected]
    assert not missing, f"{table}: columns missing from DATA.md: {missing}"
    assert not extra, f"{table}: DATA.md documents columns the contract lacks: {extra}"
    assert documented == expected, f"{table}: DATA.md rows are not in contract order"


@pytest.mark.parametrize("table", list(contract.CONTRACT))
def test_doc002_null_flags_match_the_contract(doc, table):
    rows = {_plain(r[0]): r for r in table_rows(section(doc, table))}
    wrong = []
    for column in contract.CONTRACT[table]:
        row = rows.get(column.name)
        assert row is not None and len(row) >= 5, f"{table}.{column.name}: row missing or short"
        flag = row[2].strip().lower()
        assert flag in ("yes", "no"), f"{table}.{column.name}: null flag {flag!r} is not yes/no"
        if (flag == "yes") != column.nullable:
            wrong.append(f"{column.name} (doc {flag}, code nullable={column.nullable})")
    assert not wrong, f"{table}: null flags disagree: {wrong}"


@pytest.mark.parametrize("table", list(contract.CONTRACT))
def test_doc003_types_are_the_duckdb_types_of_the_contract(doc, table):
    rows = {_plain(r[0]): r for r in table_rows(section(doc, table))}
    types = duckdb_types(table)
    wrong = {
        name: (_plain(rows[name][1]), kind)
        for name, kind in types.items()
        if name in rows and _plain(rows[name][1]).upper() != kind
    }
    assert not wrong, f"{table}: types disagree (doc, code): {wrong}"


@pytest.mark.parametrize(("table", "column"), list(ENUMERATIONS))
def test_doc004_allowed_values_are_listed(doc, table, column):
    rows = {_plain(r[0]): r for r in table_rows(section(doc, table))}
    allowed_cell = rows[column][3]
    missing = [v for v in ENUMERATIONS[(table, column)] if f"`{v}`" not in allowed_cell]
    assert not missing, f"{table}.{column}: allowed values missing from DATA.md: {missing}"


@pytest.mark.parametrize("table", list(TABLES))
def test_doc005_partition_and_sort_column_match_the_lake_layout(doc, table):
    body = "\n".join(section(doc, table))
    layout = TABLES[table]
    assert f"**Partition:** `{layout.partition}`" in body, f"{table}: partition not documented"
    assert f"**Sorted by:** `{layout.sort_by}`" in body, f"{table}: sort column not documented"
    on_disk = table_rows(section(doc, "On disk"))
    row = next((r for r in on_disk if _plain(r[0]) == table), None)
    assert row is not None, f"{table}: missing from the On disk table"
    assert (_plain(row[1]), _plain(row[2])) == (layout.partition, layout.sort_by)


def test_doc006_every_lake_table_has_a_contract_and_a_section(doc):
    assert set(TABLES) == set(contract.CONTRACT)
    for table in TABLES:
        section(doc, table)


def test_doc007_on_disk_states_the_row_group_size(doc):
    body = "\n".join(section(doc, "On disk"))
    assert f"{ROW_GROUP_ROWS:,}" in body
    assert "zstd" in body and "os.replace" in body


# -- reference tables -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*REFERENCE_VIEWS, "countries"])
def test_doc010_every_reference_view_has_a_section_with_its_columns(doc, name):
    from lake import reference

    frame = getattr(reference, name)()
    documented: set[str] = set()
    for row in table_rows(section(doc, name)):
        documented.update(_plain(c) for c in row[0].split(","))
    missing = [c for c in frame.columns if c not in documented]
    assert not missing, f"{name}: columns missing from DATA.md: {missing}"


def test_doc011_reference_section_points_to_sources(doc):
    body = "\n".join(section(doc, "Reference tables"))
    assert "data/reference/SOURCES.md" in body
    assert "<host>-IMF" in "\n".join(section(doc, "ports"))


# -- settings, filters, views ---------------------------------------------------------------------
def test_doc020_every_setting_is_documented_with_its_env_var_and_default(doc):
    rows = {_plain(r[0]): r for r in table_rows(section(doc, "Settings"))}
    for setting in settings.SETTINGS:
        row = rows.get(setting.name)
        assert row is not None, f"setting {setting.name} missing from DATA.md"
        assert _plain(row[1]) == settings.env_name(setting.name), f"{setting.name}: env var"
        default = _plain(row[2])
        expected = setting.default or "(empty)"
        assert default == expected, f"{setting.name}: default {default!r}, code {expected!r}"
    stale = set(rows) - {s.name for s in settings.SETTINGS}
    assert not stale, f"DATA.md documents settings that do not exist: {stale}"


def test_doc021_every_filter_key_is_documented(doc):
    body = section(doc, "Filters and links")
    keys = {_plain(r[0]) for r in table_rows(body)}
    wanted = {s.key for s in filters.SPECS}
    assert wanted <= keys, f"filter keys missing from DATA.md: {sorted(wanted - keys)}"
    assert keys <= wanted, f"DATA.md documents filter keys that do not exist: {keys - wanted}"
    text = "\n".join(body)
    for key in url_state.VIEW_KEYS:
        assert f"`{key}`" in text, f"view key {key} missing from DATA.md"
    for measure in url_state.MEASURES:
        assert f"`{measure}`" in text, f"measure {measure} missing from DATA.md"


def test_doc022_every_view_is_mentioned_in_querying(doc):
    text = "\n".join(section(doc, "Querying"))
    missing = [v for v in readonly.VIEWS if f"`{v}`" not in text]
    assert not missing, f"views missing from the Querying section: {missing}"
    for setting in ("query_row_cap", "query_time_limit_ms"):
        assert setting in text


def test_doc023_no_absolute_machine_paths(doc):
    found = re.findall(r"(?<![\w.])/(?:work|tmp|home|root|Users|var)/\S*", doc)
    assert not found, f"DATA.md names machine paths: {found}"
