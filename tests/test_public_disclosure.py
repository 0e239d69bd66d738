"""Disclosure control, as pure functions: primary and complementary suppression, and the exact
test that no suppressed cell can be solved from the published ones.

The exact solver is checked against an independent dense computation (numpy's SVD), and the
suppression against hand-made tables whose weak patterns are known: a lone suppressed cell in a
line, two small cells that add up to a tiny known total, and a "bridge" cell that every line
covers twice yet is still determined.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ingest.disclosure import Dimension, Rule, build_cube, determined, primary, suppress
from tests.grids import grid

RULE = Rule(min_events=10, dominance=0.85)


def cell(cube, row: str, col: str) -> int:
    keys = cube.keys()
    hit = keys.with_row_index().filter((pl.col("row") == row) & (pl.col("col") == col))
    return int(hit["index"][0])


def dense_determined(cube, hidden: np.ndarray) -> list[int]:
    """Independent check: project each unit vector onto the row space (SVD, floating point)."""
    cols = np.flatnonzero(hidden)
    position = {c: i for i, c in enumerate(cols)}
    rows = []
    for parent, children in cube.relations:
        members = np.concatenate([parent[:, None], children], axis=1)
        for r in range(len(members)):
            vector = np.zeros(len(cols))
            for j, c in enumerate(members[r]):
                if hidden[c]:
                    vector[position[c]] += 1 if j == 0 else -1
            if vector.any():
                rows.append(vector)
    if not rows:
        return []
    _, s, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    rank = int((s > 1e-9 * s[0]).sum())
    reach = (vt[:rank] ** 2).sum(axis=0)
    return sorted(int(c) for c in cols[reach > 1 - 1e-8])


def lines(cube, hidden):
    """Per relation row: (number hidden, hidden events among the parts, total hidden?)."""
    for parent, children in cube.relations:
        members = np.concatenate([parent[:, None], children], axis=1)
        for r in range(len(members)):
            h = hidden[members[r]]
            yield int(h.sum()), int(cube.events[children[r]][h[1:]].sum()), bool(h[0])


def test_pub_dc001_cube_adds_up_every_total_including_overlapping_ones():
    months = ("m1", "m2", "m3")
    period = Dimension("period", months, (("FY", months), ("FYTD", ("m1", "m2"))))
    place = Dimension("geo", ("a", "b", "c"), (("R1", ("a", "b")), ("N", ("R1", "c"))))
    base = pl.DataFrame(
        {
            "period": ["m1", "m2", "m3", "m1", "m3"],
            "geo": ["a", "a", "b", "c", "c"],
            "events": [1, 2, 3, 4, 5],
            "lbs": [10.0, 20.0, 30.0, 40.0, 50.0],
        }
    )
    cube = build_cube(base, (period, place))
    table = cube.keys().with_columns(pl.Series("events", cube.events))
    value = {(p, g): e for p, g, e in table.iter_rows()}
    assert value[("FY", "N")] == 15
    assert value[("FYTD", "N")] == 7  # m1 + m2 only
    assert value[("FY", "R1")] == 6
    assert value[("m3", "N")] == 8
    assert value[("m2", "b")] == 0
    assert cube.size == 5 * 5
    with pytest.raises(ValueError, match="outside"):
        build_cube(base.with_columns(pl.lit("zz").alias("geo")), (period, place))


def test_pub_dc002_primary_flags_small_and_dominated_cells_never_zeros():
    cube = grid(
        [[0, 3, 40], [12, 50, 60]],
        largest=[[0, 1, 39.0], [2, 10, 10]],  # 39 of 40 lbs in one seizure: dominated
    )
    flagged = primary(cube, RULE)
    assert flagged[cell(cube, "r0", "c1")]  # 3 events
    assert flagged[cell(cube, "r0", "c2")]  # dominated
    assert not flagged[cell(cube, "r0", "c0")]  # zero is published
    assert not flagged[cell(cube, "r1", "c0")]  # 12 events, largest 2 of 12 lbs


def test_pub_dc003_a_lone_small_cell_gets_complements_and_none_can_be_solved():
    cube = grid([[3, 20, 30], [25, 40, 50], [35, 45, 55]])
    hidden = suppress(cube, RULE)
    assert hidden[cell(cube, "r0", "c0")]
    assert hidden.sum() >= 4  # a 2x2 rectangle at least
    for count, _, _ in lines(cube, hidden):
        assert count != 1
    assert determined(cube, hidden) == [] == dense_determined(cube, hidden)
    assert not hidden[cell(cube, "R", "C")]  # the grand total is still published


def test_pub_dc004_two_small_cells_with_a_tiny_known_sum_are_protected():
    # r0: 1 + 1 + 40 = 42 published; hiding only the two 1s would give "they add up to 2", so
    # both are exactly 1. The hidden part of every published total must reach min_events.
    cube = grid([[1, 1, 40], [30, 30, 30], [30, 30, 30]])
    weak = primary(cube, RULE)
    assert any(0 < part < 10 and not total for _, part, total in lines(cube, weak))
    hidden = suppress(cube, RULE)
    for count, part, total in lines(cube, hidden):
        assert count != 1
        assert total or part == 0 or part >= RULE.min_events
    assert dense_determined(cube, hidden) == []


def test_pub_dc005_a_bridge_cell_is_determined_although_every_line_has_two_hidden():
    # two hidden 2x2 rectangles joined by one hidden cell: every row and column with a hidden
    # cell has at least two, yet the joining cell lies on no cycle and is fixed by the totals
    values = [[20] * 4 for _ in range(4)]
    cube = grid(values)
    hidden = np.zeros(cube.size, dtype=bool)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[cell(cube, f"r{r}", f"c{c}")] = True
    assert all(count != 1 for count, _, _ in lines(cube, hidden))
    bridge = cell(cube, "r1", "c2")
    assert determined(cube, hidden) == [bridge] == dense_determined(cube, hidden)
    hidden[cell(cube, "r1", "c3")] = True  # one more hidden cell puts the bridge on a cycle
    assert determined(cube, hidden) == [] == dense_determined(cube, hidden)


@pytest.mark.parametrize("seed", range(12))
def test_pub_dc006_random_tables_end_safe_by_the_independent_dense_test(seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(3, 7, size=2)
    values = (rng.poisson(rng.choice([4, 12, 40]), size=(rows, cols))).tolist()
    cube = grid(values)
    hidden = suppress(cube, RULE)
    small = (cube.events > 0) & (cube.events < RULE.min_events)
    assert hidden[small].all()
    assert not hidden[cube.events == 0].any()
    assert determined(cube, hidden) == dense_determined(cube, hidden) == []
    for count, part, total in lines(cube, hidden):
        assert count != 1
        assert total or part == 0 or part >= RULE.min_events


def test_pub_dc007_three_dimensions_with_hierarchies_end_safe():
    rng = np.random.default_rng(7)
    months = tuple(f"m{i}" for i in range(6))
    areas = tuple(f"a{i}" for i in range(6))
    drugs = ("x", "y", "z")
    dims = (
        Dimension("period", months, (("FY", months), ("FYTD", months[:3]))),
        Dimension("geo", areas, (("R1", areas[:3]), ("R2", areas[3:]), ("N", ("R1", "R2")))),
        Dimension("drug", drugs, (("all", drugs),)),
    )
    base = pl.DataFrame(
        [
            {"period": m, "geo": a, "drug": d, "events": int(rng.poisson(6)), "lbs": 1.0}
            for m in months
            for a in areas
            for d in drugs
        ]
    )
    cube = build_cube(base, dims)
    hidden = suppress(cube, RULE)
    assert hidden.sum() > primary(cube, RULE).sum()
    assert determined(cube, hidden) == dense_determined(cube, hidden) == []
