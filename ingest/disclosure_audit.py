"""The audit of a disclosure-controlled table: how narrowly can a reader pin each hidden cell?

A reader of the extract knows every published cell, every relation between cells (a total is the
sum of its parts, across every dimension and granularity at once), that counts are whole numbers,
that nothing is negative, and that a hidden cell is not zero (a true zero is published as 0). For
each hidden cell the smallest and largest value consistent with all of that together is found by
mathematical programming (HiGHS: integer programming for event counts, linear programming for
pounds), one connected group of hidden cells at a time. This is the attack statistical agencies
audit against (tau-ARGUS's interval audit, sdcTable's ``protectionLevel``): a pattern passes only
if every hidden cell's interval reaches at least the protection level above and below its true
value (below, as far as the non-zero bound allows).

Pure: arrays in, intervals out. ``ingest/disclosure.py`` uses it to choose complements and
``ingest/publish.py`` refuses to write an extract whose audit fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

INF = float("inf")
POUND_SCALE = 10_000.0


@dataclass(frozen=True)
class Protection:
    """How far from its true value a hidden cell's feasible interval must reach, each way:
    the larger of an absolute amount and a share of the value (``events`` events, ``lbs`` pounds).
    """

    events: float = 3.0
    lbs: float = 3.0
    share: float = 0.20

    def level(self, value: np.ndarray, measure: str) -> np.ndarray:
        floor = self.events if measure == "events" else self.lbs
        return np.maximum(floor, self.share * np.abs(value))


@dataclass
class Intervals:
    """The feasible interval of every hidden cell of one measure (NaN where not hidden)."""

    measure: str
    lo: np.ndarray
    hi: np.ndarray

    def width(self) -> np.ndarray:
        return self.hi - self.lo


def equations(
    relations: list[tuple[np.ndarray, np.ndarray]], hidden: np.ndarray, values: np.ndarray
) -> tuple[list[list[int]], list[list[float]], list[float]]:
    """Every relation with a hidden member, over the hidden cells only: ``total - sum(parts) =
    0`` with the published members moved to the right-hand side. Returns (cells, coefficients,
    right-hand sides), one entry per equation."""
    cells_out, coefs_out, rhs_out = [], [], []
    for parent, children in relations:
        members = np.concatenate([parent[:, None], children], axis=1)
        signs = np.concatenate([[1.0], -np.ones(children.shape[1])])
        h = hidden[members]
        for r in np.flatnonzero(h.any(axis=1)):
            row: dict[int, float] = {}
            rhs = 0.0
            for cell, sign, is_hidden in zip(members[r], signs, h[r], strict=True):
                if is_hidden:
                    row[int(cell)] = row.get(int(cell), 0.0) + sign
                else:
                    rhs -= sign * values[cell]
            row = {c: v for c, v in row.items() if v}
            if row:
                cells_out.append(list(row))
                coefs_out.append(list(row.values()))
                rhs_out.append(rhs)
    return cells_out, coefs_out, rhs_out


def propagate(
    cells: list[list[int]],
    coefs: list[list[float]],
    rhs: list[float],
    lower: dict[int, float],
    integer: bool,
    rounds: int = 100,
) -> tuple[dict[int, float], dict[int, float]]:
    """Bounds every hidden cell must satisfy, by propagation: in ``sum(a * x) = b`` each cell
    lies between ``b`` minus the largest and minus the smallest the others can add up to. Sound
    (the true interval is inside) but not always tight: it is what a reader gets with a
    spreadsheet, fast enough for thousands of hidden cells. ``feasible_intervals`` is exact."""
    lo = dict(lower)
    hi = dict.fromkeys(lower, INF)
    for _ in range(rounds):
        changed = False
        for row, a, b in zip(cells, coefs, rhs, strict=True):
            mins = [lo[c] * v if v > 0 else hi[c] * v for c, v in zip(row, a, strict=True)]
            maxs = [hi[c] * v if v > 0 else lo[c] * v for c, v in zip(row, a, strict=True)]
            total_min, total_max = sum(mins), sum(maxs)
            for k, (c, v) in enumerate(zip(row, a, strict=True)):
                rest_min = _without(total_min, mins, k)
                rest_max = _without(total_max, maxs, k)
                bounds = sorted(((b - rest_max) / v, (b - rest_min) / v))
                new_lo, new_hi = bounds
                if integer:
                    new_lo = np.ceil(new_lo - 1e-6) if np.isfinite(new_lo) else new_lo
                    new_hi = np.floor(new_hi + 1e-6) if np.isfinite(new_hi) else new_hi
                if new_lo > lo[c] + 1e-9:
                    lo[c], changed = new_lo, True
                if new_hi < hi[c] - 1e-9:
                    hi[c], changed = new_hi, True
        if not changed:
            break
    return lo, hi


def _without(total: float, terms: list[float], k: int) -> float:
    """``total`` less its ``k``-th term, where infinite terms cannot simply be subtracted."""
    if np.isfinite(terms[k]):
        return total - terms[k]
    rest = terms[:k] + terms[k + 1 :]
    return sum(rest)


def _components(cells: list[list[int]], hidden_cells: np.ndarray) -> list[tuple[list[int], list]]:
    """Groups of hidden cells tied by equations, each with the equations it holds."""
    parent = {int(c): int(c) for c in hidden_cells}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in cells:
        first = find(row[0])
        for c in row[1:]:
            other = find(c)
            if other != first:
                parent[other] = first
    groups: dict[int, list[int]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    rows: dict[int, list[int]] = {}
    for i, row in enumerate(cells):
        rows.setdefault(find(row[0]), []).append(i)
    return [(members, rows.get(root, [])) for root, members in groups.items()]


_local = threading.local()


def _solver():
    """This thread's HiGHS instance, emptied (one per thread: it prints its banner once)."""
    import highspy

    h = getattr(_local, "highs", None)
    if h is None:
        h = _local.highs = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
    h.clearModel()
    return h


def _solve_group(
    members: list[int],
    rows: list[int],
    cells: list[list[int]],
    coefs: list[list[float]],
    rhs: list[float],
    lower: np.ndarray,
    integer: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each member subject to the group's equations and the lower bounds."""
    import highspy

    col = {c: j for j, c in enumerate(members)}
    n = len(members)
    if not rows:  # a hidden cell in no relation with a hidden partner: only its bounds hold
        return lower[members].astype(float), np.full(n, INF)
    h = _solver()
    lo_bounds = np.asarray(lower[members], dtype=np.float64)
    h.addCols(n, np.zeros(n), lo_bounds, np.full(n, highspy.kHighsInf), 0, [], [], [])
    if integer:
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
        )
    starts, index, value, bounds = [], [], [], []
    for i in rows:
        starts.append(len(index))
        index.extend(col[c] for c in cells[i])
        value.extend(coefs[i])
        bounds.append(rhs[i])
    b = np.asarray(bounds, dtype=np.float64)
    h.addRows(
        len(rows),
        b,
        b,
        len(index),
        np.asarray(starts, dtype=np.int32),
        np.asarray(index, dtype=np.int32),
        np.asarray(value, dtype=np.float64),
    )
    lo, hi = np.empty(n), np.empty(n)
    for j in range(n):
        h.changeColCost(j, 1.0)
        for sense, out in ((highspy.ObjSense.kMinimize, lo), (highspy.ObjSense.kMaximize, hi)):
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out[j] = h.getInfo().objective_function_value
            elif status in (  # the true values are a solution: the system is never infeasible
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                out[j] = INF if sense == highspy.ObjSense.kMaximize else -INF
            else:
                state = h.modelStatusToString(status)
                raise RuntimeError(f"audit: the published relations are {state}")
        h.changeColCost(j, 0.0)
    return lo, hi


def feasible_intervals(
    relations: list[tuple[np.ndarray, np.ndarray]],
    hidden: np.ndarray,
    values: np.ndarray,
    measure: str,
) -> Intervals:
    """Each hidden cell's interval given the published cells of one measure: event counts are
    whole numbers of at least 1 (a hidden cell is not zero), pounds are at least 0."""
    hidden_cells = np.flatnonzero(hidden)
    lo = np.full(len(values), np.nan)
    hi = np.full(len(values), np.nan)
    if not len(hidden_cells):
        return Intervals(measure, lo, hi)
    integer = measure == "events"
    lower = np.zeros(len(values))
    if integer:
        lower[hidden] = 1.0
    # pounds in whole ten-thousandths, as the cube adds them: totals then equal their parts
    # exactly, where float sums would make the relations infeasible by a rounding error
    scale = 1.0 if integer else POUND_SCALE
    scaled = np.round(np.nan_to_num(values) * scale)
    cells, coefs, rhs = equations(relations, hidden, scaled)
    for members, rows in _components(cells, hidden_cells):
        a, b = _solve_group(members, rows, cells, coefs, rhs, lower, integer)
        lo[members], hi[members] = a / scale, b / scale
    if integer:  # whole numbers: the solver's tolerance must not shave a value off
        lo = np.where(np.isfinite(lo), np.ceil(lo - 1e-6), lo)
        hi = np.where(np.isfinite(hi), np.floor(hi + 1e-6), hi)
    return Intervals(measure, lo, hi)


def structural_floor(relations: list[tuple[np.ndarray, np.ndarray]], events: np.ndarray):
    """The fewest events each cell can hold given only which cells are zero: one for a
    non-zero cell, and for a total at least the floors of its parts added up (a total over two
    non-zero cells holds at least two). Zeros are published, so a reader knows this whatever is
    hidden, and no suppression pattern can protect a cell below it."""
    floor = (events > 0).astype(np.float64)
    changed = True
    while changed:
        changed = False
        for parent, children in relations:
            below = floor[children].sum(axis=1)
            raise_to = below > floor[parent]
            if raise_to.any():
                floor[parent[raise_to]] = below[raise_to]
                changed = True
    return floor


def shortfall(
    intervals: Intervals,
    values: np.ndarray,
    hidden: np.ndarray,
    protection: Protection,
    floor: np.ndarray | float | None = None,
) -> np.ndarray:
    """Hidden cells whose interval does not reach the protection level on both sides (below:
    as far as the cell's structural floor allows: one event, or its non-zero parts)."""
    need = protection.level(values, intervals.measure)
    if floor is None:
        floor = 1.0 if intervals.measure == "events" else 0.0
    below = np.minimum(need, np.maximum(values - floor, 0.0))
    with np.errstate(invalid="ignore"):
        short = (intervals.hi - values < need - 1e-9) | (values - intervals.lo < below - 1e-9)
    return hidden & short


@dataclass
class CubeAudit:
    """The audit of one table: intervals of its hidden cells for events and for pounds, and
    which hidden cells fall short of the protection level."""

    events: Intervals
    lbs: Intervals
    short: np.ndarray

    def narrowest(self, measure: str = "events") -> float | None:
        """The narrowest interval (hi - lo) of any hidden cell, None if none is hidden."""
        intervals = self.events if measure == "events" else self.lbs
        widths = intervals.width()[~np.isnan(intervals.lo)]
        return float(widths.min()) if widths.size else None


def audit_cube(cube, hidden: np.ndarray, protection: Protection, sensitive=None) -> CubeAudit:
    """Audit a suppression pattern of a ``disclosure.Cube``.

    Event counts are whole numbers of at least 1 in a hidden cell; pounds are audited where the
    cell has any (equipment is counted in pieces and has no weight to protect). As statistical
    agencies do (tau-ARGUS, sdcTable), the protection level is required of the ``sensitive``
    cells, those primary suppression hid (default: every hidden cell); a complement, hidden to
    protect them, must only not be recoverable exactly.
    """
    sensitive = hidden if sensitive is None else sensitive & hidden
    values = cube.events.astype(np.float64)
    events = feasible_intervals(cube.relations, hidden, values, "events")
    lbs = feasible_intervals(cube.relations, hidden, cube.lbs, "lbs")
    weightless = cube.lbs <= 0
    lbs.lo[weightless], lbs.hi[weightless] = np.nan, np.nan
    floor = structural_floor(cube.relations, values)
    short = shortfall(events, values, sensitive, protection, floor)
    short |= shortfall(lbs, cube.lbs, sensitive & ~weightless, protection)
    with np.errstate(invalid="ignore"):
        pinned = hidden & ~sensitive & (events.width() < 0.5)
        pinned |= hidden & ~sensitive & ~weightless & (lbs.width() < 0.5 / POUND_SCALE)
    return CubeAudit(events, lbs, short | pinned)


__all__ = [
    "CubeAudit",
    "Intervals",
    "Protection",
    "audit_cube",
    "equations",
    "feasible_intervals",
    "propagate",
    "shortfall",
    "structural_floor",
]
