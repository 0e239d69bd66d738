"""The disclosure audit: the attack works on the old pattern, and the new extract survives it.

The old extract hid CBP's own cells and protected them one relation at a time; a reader who
combines every published relation, the whole-number counts and the "a hidden cell is not zero"
rule pins hundreds of them exactly. The self-test runs that attack (``propagate``: what a
spreadsheet can do) on the old pattern and checks every pinned value against the truth. The new
extract publishes CBP's cells as CBP does, controls what the product adds (the modelled modes),
and its audit (integer and linear programming over everything published) must find no hidden
cell narrower than the protection level.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ingest.disclosure import Dimension, Rule, build_cube, known_cells, protect, suppress
from ingest.disclosure_audit import (
    Protection,
    audit_cube,
    equations,
    feasible_intervals,
    propagate,
    structural_floor,
)
from ingest.publish import (
    cbp_cubes,
    geo_dimension,
    public_dir,
    publish,
    read_manifest,
)
from lake import reference
from public.gateway import PublicGateway
from queries.extract_sources import cbp_leaf_cells
from queries.gateway import Gateway
from tests.grids import grid


def old_cbp_cubes(gateway: Gateway, rule: Rule):
    """The closed fiscal years' CBP cubes as the old extract built them, with its suppression
    pattern (the one-relation-at-a-time rules, before the audit)."""
    old_geo = geo_dimension(components=False)  # regions and the nation only, as then
    for fy, is_open, cube in cbp_cubes(cbp_leaf_cells(gateway), old_geo):
        if not is_open:
            yield fy, cube, suppress(cube, rule)


@pytest.mark.slow
def test_aud001_the_attack_pins_hundreds_of_cells_of_the_old_extract(demo_lake):
    pinned, small, values = 0, 0, []
    for _fy, cube, hidden in old_cbp_cubes(Gateway(demo_lake), Rule()):
        cells, coefs, rhs = equations(cube.relations, hidden, cube.events.astype(float))
        lower = {int(c): 1.0 for c in np.flatnonzero(hidden)}
        lo, hi = propagate(cells, coefs, rhs, lower, integer=True)
        exact = [c for c in lo if lo[c] == hi[c]]
        values += [(lo[c], int(cube.events[c])) for c in exact]
        pinned += len(exact)
        small += sum(1 for c in exact if cube.events[c] < 10)
    assert pinned >= 300 and small >= 250, (pinned, small)
    assert all(found == true for found, true in values), "the attack recovers the true values"


def test_aud002_intervals_use_every_relation_integers_and_the_non_zero_bound():
    cube = grid([[1, 12, 40], [30, 30, 30]])  # one small cell, its row total published
    hidden = np.zeros(cube.size, dtype=bool)
    keys = cube.keys().with_row_index()

    def at(row, col):
        return int(keys.filter((pl.col("row") == row) & (pl.col("col") == col))["index"][0])

    # r0 c0 (1) and r0 c1 (12) hidden: their sum (13) is known from the row, each is >= 1
    hidden[[at("r0", "c0"), at("r0", "c1")]] = True
    hidden[[at("r1", "c0"), at("r1", "c1")]] = True  # and the columns are covered too
    iv = feasible_intervals(cube.relations, hidden, cube.events.astype(float), "events")
    assert (iv.lo[at("r0", "c0")], iv.hi[at("r0", "c0")]) == (1, 12)
    # without the column complements the column totals pin both small cells exactly
    alone = np.zeros(cube.size, dtype=bool)
    alone[[at("r0", "c0"), at("r0", "c1")]] = True
    iv = feasible_intervals(cube.relations, alone, cube.events.astype(float), "events")
    assert iv.lo[at("r0", "c0")] == iv.hi[at("r0", "c0")] == 1
    audit = audit_cube(cube, alone, Protection())
    assert audit.short[at("r0", "c0")]


def test_aud002b_a_total_of_non_zero_parts_is_protected_down_to_their_count_only():
    """A reader who sees the zeros knows a total over two non-zero cells holds at least two
    events, whatever is hidden; the audit cannot ask for more below than that (it did, and
    refused every extract in which a drug total by bus was two single seizures)."""
    cube = grid([[1, 0, 40], [1, 0, 50]])
    keys = cube.keys().with_row_index()

    def at(row, col):
        return int(keys.filter((pl.col("row") == row) & (pl.col("col") == col))["index"][0])

    floor = structural_floor(cube.relations, cube.events.astype(float))
    assert floor[at("R", "c0")] == 2 and floor[at("r0", "c0")] == 1 and floor[at("R", "c1")] == 0
    hidden = np.zeros(cube.size, dtype=bool)
    hidden[[at("r0", "c0"), at("r1", "c0"), at("R", "c0"), at("r0", "c2"), at("r1", "c2")]] = True
    hidden[[at("R", "c2")]] = True
    audit = audit_cube(cube, hidden, Protection(), sensitive=hidden)
    assert audit.events.lo[at("R", "c0")] == 2
    assert not audit.short[at("R", "c0")]


def test_aud002c_a_cell_the_published_cells_determine_is_published():
    """All drugs and fentanyl are CBP's own totals; the other drugs are their difference, so
    hiding them would protect nothing: they are known, and counted as published."""
    cube = grid([[3, 40], [30, 30]])
    keys = cube.keys().with_row_index()

    def at(row, col):
        return int(keys.filter((pl.col("row") == row) & (pl.col("col") == col))["index"][0])

    cube.fixed[[at("R", "C"), at("r0", "C")]] = True
    known = known_cells(cube)
    assert known[at("r1", "C")] and not known[at("r0", "c0")]
    done = protect(cube, Rule(), Protection())
    assert not done.hidden[at("r1", "C")] and done.hidden[at("r0", "c0")]


def test_aud003_protect_meets_the_protection_level_on_hand_made_tables():
    rng = np.random.default_rng(5)
    for _ in range(5):
        values = rng.integers(0, 60, size=(4, 5))
        values[rng.integers(0, 4), rng.integers(0, 5)] = rng.integers(1, 5)
        cube = grid(values.tolist())
        done = protect(cube, Rule(), Protection())
        again = audit_cube(cube, done.hidden, Protection(), sensitive=done.primary)
        assert not again.short.any()
        p = Protection().level(cube.events.astype(float), "events")
        for c in np.flatnonzero(done.primary):
            v = cube.events[c]
            assert again.events.hi[c] - v >= p[c]
            assert v - again.events.lo[c] >= min(p[c], v - 1)


def test_aud004_the_new_extract_shows_cbps_cells_and_passes_its_audit(public_data):
    gw = PublicGateway(public_dir(public_data))
    cube = gw.frame("SELECT * FROM cbp_cube")
    assert not cube["suppressed"].any(), "CBP's own cells are shown as CBP publishes them"
    fentanyl = cube.filter(
        (pl.col("geo") == "United States")
        & (pl.col("drug_type") == "Fentanyl")
        & pl.col("period").is_in(["2018-10", "2019-03"])
    ).sort("period")
    lake = Gateway(public_data).frame(
        "SELECT strftime(month_start, '%Y-%m') AS period, sum(events) AS events FROM cbp_public "
        "WHERE publication = 'nationwide' AND component IN ('OFO', 'USBP') "
        "AND drug_type = 'Fentanyl' AND month_start IN ('2018-10-01', '2019-03-01') "
        "GROUP BY 1 ORDER BY 1"
    )
    assert fentanyl["events"].to_list() == lake["events"].to_list()
    manifest = read_manifest(public_data)
    assert manifest["protection"] == {"events": 3.0, "lbs": 3.0, "share": 0.2}
    assert manifest["audit"]["hidden_cells"] == int(
        gw.frame("SELECT count(*) AS n FROM modes_cube WHERE suppressed")["n"][0]
    )
    assert manifest["audit"]["narrowest_events"] >= 1


def test_aud005_an_attacker_with_the_extract_cannot_narrow_a_modes_cell(public_data):
    """Rebuild the modes table from what the extract publishes (hidden cells' true values from
    the lake, to measure against) and run the audit as an outsider would."""
    published = PublicGateway(public_dir(public_data)).frame("SELECT * FROM modes_cube")
    truth = Gateway(public_data).frame(
        "SELECT fiscal_year::INTEGER AS fiscal_year, CASE category WHEN 'precursor' THEN "
        "'Precursor chemicals' WHEN 'equipment' THEN 'Production equipment' WHEN 'other' THEN "
        "'Other seizures' ELSE CASE cbp_drug_type WHEN 'Fentanyl' THEN 'Fentanyl' ELSE "
        "'Other drugs' END END AS commodity, mode, count(*) AS events, "
        "coalesce(sum(round(lbs, 4)::DECIMAL(18, 4)), 0)::DOUBLE AS lbs FROM seizures "
        "GROUP BY ALL"
    )
    modes = tuple(reference.modes()["mode"].to_list())
    others = ("Precursor chemicals", "Production equipment", "Other seizures")
    dims = (
        Dimension(
            "commodity",
            ("Fentanyl", "Other drugs", *others),
            (
                ("All drugs", ("Fentanyl", "Other drugs")),
                ("All categories", ("All drugs", *others)),
            ),
        ),
        Dimension("mode", modes, (("All modes", modes),)),
    )
    checked = 0
    for fy in published["fiscal_year"].unique().to_list():
        cube = build_cube(truth.filter(pl.col("fiscal_year") == fy), dims)
        shown = cube.keys().join(
            published.filter(pl.col("fiscal_year") == fy).select(
                "commodity", "mode", "events", "suppressed"
            ),
            on=["commodity", "mode"],
            how="left",
            maintain_order="left",
        )
        hidden = shown["suppressed"].to_numpy()
        visible = ~hidden
        assert (shown["events"].to_numpy()[visible] == cube.events[visible]).all()
        small = (cube.events > 0) & (cube.events < 10) & hidden
        audit = audit_cube(cube, hidden, Protection(), sensitive=small)
        assert not audit.short.any(), fy
        checked += int(hidden.sum())
    assert checked > 0


def test_aud006_publish_refuses_an_extract_that_cannot_pass(public_data, tmp_path):
    before = read_manifest(public_data)
    impossible = Protection(events=10**6, lbs=10**9, share=100.0)
    with pytest.raises(RuntimeError, match="cannot be protected"):
        publish(public_data, protection=impossible)
    assert read_manifest(public_data) == before
