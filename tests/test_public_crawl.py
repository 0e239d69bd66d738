"""Crawl every public page and every CSV for every filter combination, then try to break the
disclosure control with what came back.

- no output carries an event-level row, a shipment or party field, or a cell below the threshold;
- each table a page shows holds the same values as its CSV download;
- a differencing attack: every published value is put into the linear relations the public
  totals obey (area -> region -> nation, drug -> all drugs, month -> fiscal year and fiscal year
  to date) and an exact elimination, written here independently of ``ingest/disclosure.py``,
  checks that no suppressed cell is determined by them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from ingest.publish import read_manifest
from public import extract as px
from tests.public_helpers import fetch, route

pytestmark = pytest.mark.slow  # every page and CSV for every filter: the full crawl
FORBIDDEN = re.compile(
    r"seizure_id|shipment_id|consignee|shipper|port_code|event_date|referral|carrier|batch_id"
    r"|source_country|transit_country|concealment|\bSZ20\d|\bMF20\d",
    re.IGNORECASE,
)
ALLOWED_COLUMNS = {
    "fiscal_year",
    "drug_type",
    "events",
    "lbs",
    "month",
    "name",
    "component",
    "region",
    "latitude",
    "longitude",
    "measure",
    "period",
    "value",
    "prior_fiscal_year",
    "prior_value",
    "change_pct",
    "provisional",
    "commodity",
    "mode",
    "doses_low",
    "doses_high",
    "doses_if_pure",
    "as_of",
    "extract_version",
}
PAGES = {
    "/": (("fy", "region", "component"), ("headline", "drug-mix", "yearly-by-drug")),
    "/trends": (("region", "component", "drug"), ("monthly",)),
    "/map": (("fy", "region", "drug"), ("areas", "area-months")),
    "/doses": (("region", "component"), ("doses",)),
    "/modes": (("fy", "drug"), ("modes", "modes-years", "modes-other")),
    "/methods": ((), ()),
}
PRIME = (1 << 61) - 1


def combinations(page: str, manifest: dict) -> list[dict]:
    years = (
        manifest["modelled"]["fiscal_years"]
        if page == "/modes"
        else manifest["cbp"]["fiscal_years"]
    )
    domains = {
        "fy": [None, *map(str, years)],
        "region": [None, *px.REGION_BY_SLUG],
        "component": [None, *px.COMPONENTS],
        "drug": [None, *px.DRUG_BY_SLUG],
    }
    keys = PAGES[page][0]
    return [
        {k: v for k, v in zip(keys, values, strict=True) if v}
        for values in itertools.product(*(domains[k] for k in keys))
    ]


@pytest.fixture(scope="module")
def crawl(public_site, public_data):  # noqa: F811
    """Every page render and every CSV, for every filter combination (fetched in parallel)."""
    manifest = read_manifest(public_data)
    jobs = []
    for page, (_, downloads) in PAGES.items():
        for combo in combinations(page, manifest):
            search = f"?{urlencode(combo)}" if combo else ""
            jobs.append(("page", page, combo, search))
            jobs += [("csv", name, combo, search) for name in downloads]

    def run(job):
        kind, name, _combo, search = job
        if kind == "page":
            return route(public_site, name, search)
        return fetch(public_site, f"/download/{name}.csv{search}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(run, jobs))
    return manifest, list(zip(jobs, answers, strict=True))


def tables(tree) -> list[list[list[str]]]:
    """Each table in a Dash layout JSON tree (pages send tables as Markdown), as rows of cell
    texts, header first."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            children = node.get("props", {}).get("children")
            if node.get("type") == "Markdown" and isinstance(children, str):
                rows = [line for line in children.splitlines() if line.startswith("|")]
                if rows:
                    cells = [[c.strip().strip("*") for c in r.strip("|").split("|")] for r in rows]
                    found.append([cells[0], *cells[2:]])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for n in node:
                walk(n)

    walk(tree)
    return found


def check_count(value: str, threshold: int, where: str) -> None:
    if value in ("suppressed", "not published"):
        return
    number = float(value.replace(",", ""))
    assert number == 0 or number >= threshold, f"{where}: a published cell of {value} events"


def test_pub_crawl001_no_event_rows_no_party_fields_no_small_added_cells(crawl):
    manifest, answers = crawl
    threshold = manifest["rule"]["min_events"]
    pages = csvs = 0
    for (kind, name, combo, _), (status, _headers, body) in answers:
        where = f"{kind} {name} {combo}"
        assert status == 200, where
        # CBP's own cells are published as CBP publishes them, small ones included; the
        # threshold holds for what this site adds (the modelled modes)
        added = "modes" in name
        limit = threshold if added else 0
        assert not FORBIDDEN.search(body), (where, FORBIDDEN.search(body).group(0))
        if kind == "page":
            pages += 1
            for table in tables(json.loads(body)):
                header = table[0]
                for row in table[1:]:
                    for column, value in zip(header, row, strict=True):
                        if column == "Events":
                            check_count(value, limit, where)
                        if column in ("Events", "Pounds") and row[header.index("Events")] == (
                            "suppressed"
                        ):
                            assert value == "suppressed", where
            continue
        csvs += 1
        rows = list(csv.DictReader(io.StringIO(body)))
        assert set(rows[0]) <= ALLOWED_COLUMNS if rows else body.startswith("no data"), where
        for row in rows:
            assert "" not in (row.get("events"), row.get("lbs"), row.get("value")), where
            if row.get("measure") == px.HEADLINE_ROWS[0][0]:
                check_count(row["value"], limit, where)
                check_count(row["prior_value"], limit, where)
            if "events" in row:
                check_count(row["events"], limit, where)
                if row["events"] == "suppressed":
                    assert row["lbs"] == "suppressed", where
    assert pages > 400 and csvs > 800


def test_pub_crawl002_page_tables_hold_what_their_csv_holds(crawl):
    _, answers = crawl
    by_key = {(k, n, json.dumps(c, sort_keys=True)): a for (k, n, c, _), a in answers}
    pairs = {"/map": ("areas", "Field office or sector", "name"), "/trends": ("monthly", "", "")}
    checked = 0
    for (kind, name, combo, _), (_, _, body) in answers:
        if kind != "page" or name not in pairs:
            continue
        download = pairs[name][0]
        rows = list(
            csv.DictReader(
                io.StringIO(by_key[("csv", download, json.dumps(combo, sort_keys=True))][2])
            )
        )
        shown = tables(json.loads(body))[0]
        events = shown[0].index("Events")
        page_values = sorted(r[events].replace(",", "") for r in shown[1:])
        csv_values = sorted(r["events"] for r in rows)
        assert page_values == csv_values, (name, combo)
        checked += 1
    assert checked > 300


# -- the differencing attack ------------------------------------------------------------------
def published_cells(answers, manifest) -> dict:
    """(measure, fiscal year, period, geo, drug) -> value or "suppressed", from the CSVs only.

    A cell shown by two outputs must be shown the same way by both."""
    cells: dict = {}
    areas_of: dict[str, str] = {}

    def put(key, value):
        if value == "not published":
            return
        value = value if value == "suppressed" else round(float(value), 2)
        assert cells.setdefault(key, value) == value, (key, cells[key], value)

    open_fy = manifest["cbp"]["open_fiscal_year"]
    for (kind, name, combo, _), (_, _, body) in answers:
        if kind != "csv" or name.startswith("modes"):
            continue
        drug = px.DRUG_BY_SLUG.get(combo.get("drug"), px.ALL_DRUGS)
        geo = px.PublicQuery(
            region=px.REGION_BY_SLUG.get(combo.get("region")),
            component=px.COMPONENTS.get(combo.get("component")),
        ).geo
        fy = int(combo.get("fy") or manifest["cbp"]["fiscal_years"][-1])
        for row in csv.DictReader(io.StringIO(body)):
            if name == "area-months":
                areas_of.setdefault(row["name"], "")
                for m in ("events", "lbs"):
                    put((m, fy, row["month"][:7], row["name"], drug), row[m])
            elif name == "areas":
                areas_of[row["name"]] = row["region"]
                for m in ("events", "lbs"):
                    put((m, fy, "FY", row["name"], drug), row[m])
            elif name == "monthly":
                for m in ("events", "lbs"):
                    put((m, int(row["fiscal_year"]), row["month"][:7], geo, drug), row[m])
            elif name == "drug-mix":
                labelled = {px.drug_label(d): d for d in px.DRUG_TYPES}[row["drug_type"]]
                for m in ("events", "lbs"):
                    put((m, fy, "FY", geo, labelled), row[m])
            elif name == "yearly-by-drug":
                labelled = {px.drug_label(d): d for d in (*px.DRUG_TYPES, px.ALL_DRUGS)}
                for m in ("events", "lbs"):
                    put((m, int(row["fiscal_year"]), "FY", geo, labelled[row["drug_type"]]), row[m])
            elif name == "doses":
                put(("lbs", int(row["fiscal_year"]), "FY", geo, "Fentanyl"), row["lbs"])
            elif name == "headline":
                label = {label: (d, m) for label, d, m in px.HEADLINE_ROWS}[row["measure"]]
                d, m = label
                put((m, fy, "FY", geo, d), row["value"])
                prior = "FYTD" if fy == open_fy else "FY"
                put((m, fy - 1, prior, geo, d), row["prior_value"])
    return cells, areas_of


def relations(cells: dict, areas_of: dict[str, str], measure: str, fy: int, ytd: int | None):
    """The sums every public table obeys, over the lattice of one fiscal year."""
    months = sorted({k[2] for k in cells if k[1] == fy and k[2][:1].isdigit()})
    regions = sorted({r for r in areas_of.values() if r})
    drugs = list(px.DRUG_TYPES)
    periods = [*months, "FY"] + (["FYTD"] if ytd else [])
    geos = [*areas_of, *regions, px.NATION]
    out = []
    for p, d in itertools.product(periods, [*drugs, px.ALL_DRUGS]):
        for r in regions:
            out.append(((p, r, d), [(p, a, d) for a, reg in areas_of.items() if reg == r]))
        out.append(((p, px.NATION, d), [(p, r, d) for r in regions]))
    for p, g in itertools.product(periods, geos):
        out.append(((p, g, px.ALL_DRUGS), [(p, g, d) for d in drugs]))
    for g, d in itertools.product(geos, [*drugs, px.ALL_DRUGS]):
        out.append((("FY", g, d), [(m, g, d) for m in months]))
        if ytd:
            out.append((("FYTD", g, d), [(m, g, d) for m in months[:ytd]]))
    return [
        ((measure, fy, *total), [(measure, fy, *part) for part in parts]) for total, parts in out
    ]


def solvable(equations: list[dict], unknown: set) -> set:
    """Unknowns fixed by the equations (Gauss-Jordan modulo a 61-bit prime; an unknown is
    fixed iff some row of the reduced echelon form mentions it alone)."""
    pivots: dict = {}
    for row in equations:
        row = {k: v % PRIME for k, v in row.items() if k in unknown and v % PRIME}
        for var in list(row):
            if var in pivots and var in row:
                factor = row[var]
                for k, v in pivots[var].items():
                    row[k] = (row.get(k, 0) - factor * v) % PRIME
                    if not row[k]:
                        del row[k]
        if not row:
            continue
        var = min(row, key=repr)
        inverse = pow(row[var], PRIME - 2, PRIME)
        row = {k: v * inverse % PRIME for k, v in row.items()}
        for other in pivots.values():
            if var in other:
                factor = other[var]
                for k, v in row.items():
                    other[k] = (other.get(k, 0) - factor * v) % PRIME
                    if not other[k]:
                        del other[k]
        pivots[var] = row
    return {var for var, row in pivots.items() if len(row) == 1}


def test_pub_crawl003_cbp_cells_are_all_published_and_add_up(crawl):
    manifest, answers = crawl
    cells, areas_of = published_cells(answers, manifest)
    assert len(areas_of) == 41 and all(areas_of.values())
    open_fy = manifest["cbp"]["open_fiscal_year"]
    ytd = len({k[2] for k in cells if k[1] == open_fy and k[2][:1].isdigit()})
    checked = consistent = 0
    for measure, fy in itertools.product(("events", "lbs"), manifest["cbp"]["fiscal_years"]):
        rels = relations(cells, areas_of, measure, fy, ytd if fy == open_fy - 1 else None)
        equations, unknown = [], set()
        for total, parts in rels:
            members = [total, *parts]
            if all(isinstance(cells.get(m), float) for m in members):
                gap = cells[total] - sum(cells[p] for p in parts)
                assert abs(gap) < 0.01 * len(parts) + 1e-9, (total, gap)  # the sums are right
                consistent += 1
                continue
            row: dict = {}
            for sign, m in ((1, total), *((-1, p) for p in parts)):
                if not isinstance(cells.get(m), float):
                    row[m] = row.get(m, 0) + sign
                    unknown.add(m)
            equations.append(row)
        hidden = {k for k, v in cells.items() if v == "suppressed" and k[:2] == (measure, fy)}
        assert not hidden & solvable(equations, unknown), (measure, fy)
        checked += len(hidden)
    assert checked == 0, "CBP's own cells are shown as CBP publishes them"
    assert consistent > 1000


def test_pub_crawl004_modelled_totals_cannot_be_solved_either(crawl):
    """Every modes CSV of every filter, put together as an outsider would: no suppressed cell
    follows from what is shown. Other drugs and all categories are never shown, so they are
    unknowns too (all drugs = fentanyl + other drugs; all = all drugs + the rest)."""
    _, answers = crawl
    by_year = defaultdict(dict)
    for (kind, name, _, _), (_, _, body) in answers:
        if kind == "csv" and name.startswith("modes"):
            for row in csv.DictReader(io.StringIO(body)):
                value = row["events"]
                cell = (row["commodity"], row["mode"])
                shown = value if value == "suppressed" else float(value)
                assert by_year[row["fiscal_year"]].setdefault(cell, shown) == shown, cell
    parts = {
        "All drugs": ["Fentanyl", "Other drugs"],
        "All categories": ["All drugs", *px.MODES_OTHER],
    }
    hidden_total = 0
    for cells in by_year.values():
        modes = sorted({m for _, m in cells} - {"All modes"})
        commodities = ["Fentanyl", "Other drugs", "All drugs", *px.MODES_OTHER, "All categories"]
        rels = [((c, "All modes"), [(c, m) for m in modes]) for c in commodities]
        rels += [
            ((total, m), [(c, m) for c in members])
            for total, members in parts.items()
            for m in [*modes, "All modes"]
        ]
        equations, unknown = [], set()
        for total, members in rels:
            row: dict = {}
            for sign, m in ((1, total), *((-1, p) for p in members)):
                if not isinstance(cells.get(m), float):
                    row[m] = row.get(m, 0) + sign
            if row:
                equations.append(row)
                unknown |= set(row)
            else:
                assert cells[total] == sum(cells[p] for p in members)
        hidden = {k for k, v in cells.items() if v == "suppressed"}
        assert not hidden & solvable(equations, unknown)
        hidden_total += len(hidden)
    assert len(by_year) >= 8 and hidden_total > 0
