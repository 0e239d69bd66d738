"""Statistical disclosure control for the public extract: which published cells must be hidden.

A public table is a *cube*: every combination of the values of its dimensions, where a dimension
has leaf values (months, field offices, drug types) and totals over them (fiscal year, region,
nation, all drugs). Publishing totals next to their parts creates linear relations
(``total = sum of parts``), and hiding a cell is useless if the relations give it back, which is
how suppressed cells of public health tables have been recovered by differencing.

1. **Primary suppression** hides a cell with fewer than ``min_events`` events (zero is not
   hidden: there is no event to protect), and, where event-level data exist, a cell dominated by
   one seizure (the largest event is more than ``dominance`` of the cell's pounds).
2. **Complementary suppression** then hides more cells until (a) no relation has exactly one
   hidden member, (b) the hidden part of every published total is itself at least ``min_events``
   events, (c) an exact linear-algebra test finds no hidden cell that the published cells
   determine, and (d) the audit (``ingest/disclosure_audit.py``) finds every hidden cell's
   feasible interval, given everything published, at least the protection level wide on each
   side. Complements are the smallest non-zero cells, so the least information is lost.

Everything here is pure: arrays in, a mask out. ``ingest/publish.py`` applies it; the method is
described for the public in ``docs/PUBLIC_METHODS.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import polars as pl

from ingest.disclosure_audit import CubeAudit, Protection, audit_cube

PRIME = (1 << 61) - 1  # exact elimination modulo a large prime (see ``determined``)
LBS_SCALE = 10_000


@dataclass(frozen=True)
class Rule:
    """The primary suppression rule (CDC WONDER's <10 count rule; sdcTable's (1, 85%) dominance)."""

    min_events: int = 10
    dominance: float = 0.85


@dataclass(frozen=True)
class Dimension:
    """One axis of a cube: leaf values and the published totals over them.

    ``totals`` pairs a total's value with the values it adds up; a part may itself be a total
    (nation = regions, region = areas) and a leaf may count in several totals (a month counts in
    the fiscal year and in the fiscal-year-to-date).
    """

    name: str
    leaves: tuple[str, ...]
    totals: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self) -> tuple[str, ...]:
        return self.leaves + tuple(t for t, _ in self.totals)

    def leaf_totals(self) -> dict[str, list[str]]:
        """Each leaf -> every value it counts in (itself and every total above it)."""
        parts = dict(self.totals)
        memo: dict[str, set[str]] = {}

        def expand(value: str) -> set[str]:
            if value not in memo:
                memo[value] = {value}
                for total, members in parts.items():
                    if value in members:
                        memo[value] |= expand(total)
            return memo[value]

        return {leaf: sorted(expand(leaf)) for leaf in self.leaves}


@dataclass
class Cube:
    """Every published cell of one table, in mixed-radix order over ``dims``."""

    dims: tuple[Dimension, ...]
    events: np.ndarray
    lbs: np.ndarray
    largest: np.ndarray  # pounds of the largest single event; NaN where unknown
    relations: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    # cells a reader knows from another published table (a total CBP itself publishes): never
    # hidden, never chosen as a complement, and counted as published by the audit
    fixed: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.fixed is None:
            self.fixed = np.zeros(len(self.events), dtype=bool)

    @property
    def size(self) -> int:
        return len(self.events)

    def keys(self) -> pl.DataFrame:
        """The cells' dimension values, one row per cell in cube order."""
        columns = list(zip(*product(*(d.values() for d in self.dims)), strict=True))
        return pl.DataFrame({d.name: list(c) for d, c in zip(self.dims, columns, strict=True)})


def known_cells(cube: Cube) -> np.ndarray:
    """The fixed cells and every cell they determine: where all members of a relation but one
    are known, so is that one (all drugs and fentanyl published by CBP give the other drugs).
    Such a cell cannot be hidden, so it is published and counted as published."""
    known = cube.fixed.copy()
    changed = True
    while changed:
        changed = False
        for parent, children in cube.relations:
            members = np.concatenate([parent[:, None], children], axis=1)
            unknown = ~known[members]
            rows = np.flatnonzero(unknown.sum(axis=1) == 1)
            if rows.size:
                cells = members[rows][unknown[rows]]
                known[cells] = True
                changed = True
    return known


def _strides(dims: tuple[Dimension, ...]) -> list[int]:
    sizes = [len(d.values()) for d in dims]
    return [int(np.prod(sizes[i + 1 :], dtype=np.int64)) for i in range(len(dims))]


def build_cube(base: pl.DataFrame, dims: tuple[Dimension, ...]) -> Cube:
    """Aggregate leaf rows (dimension columns, ``events``, ``lbs``, optional ``largest_lbs``)
    into every published cell, and list the relations between the cells."""
    names = [d.name for d in dims]
    frame = base.select(
        *names,
        pl.col("events").cast(pl.Int64),
        pl.col("lbs").cast(pl.Float64).fill_null(0.0),
        (pl.col("largest_lbs") if "largest_lbs" in base.columns else pl.lit(None))
        .cast(pl.Float64)
        .alias("largest_lbs"),
    )
    for d in dims:
        unknown = set(frame[d.name].unique().to_list()) - set(d.leaves)
        if unknown:
            raise ValueError(f"{d.name}: values outside the dimension: {sorted(unknown)[:5]}")
        frame = frame.with_columns(
            pl.col(d.name).replace_strict(d.leaf_totals(), return_dtype=pl.List(pl.Utf8))
        ).explode(d.name)
    # pounds are added as whole ten-thousandths: float sums in a parallel group-by depend on the
    # order, and a published extract must come out the same from the same lake
    cells = frame.group_by(names).agg(
        pl.col("events").sum(),
        ((pl.col("lbs") * LBS_SCALE).round().cast(pl.Int64).sum() / LBS_SCALE).alias("lbs"),
        pl.col("largest_lbs").max(),
    )
    strides = _strides(dims)
    index = np.zeros(cells.height, dtype=np.int64)
    for d, stride in zip(dims, strides, strict=True):
        position = {v: i for i, v in enumerate(d.values())}
        index += cells[d.name].replace_strict(position, return_dtype=pl.Int64).to_numpy() * stride
    size = strides[0] * len(dims[0].values())
    events = np.zeros(size, dtype=np.int64)
    lbs = np.zeros(size, dtype=np.float64)
    largest = np.full(size, np.nan)
    events[index] = cells["events"].to_numpy()
    lbs[index] = cells["lbs"].to_numpy()
    largest[index] = cells["largest_lbs"].fill_null(np.nan).to_numpy()
    return Cube(dims, events, lbs, largest, _relations(dims, strides))


def _relations(dims: tuple[Dimension, ...], strides: list[int]) -> list:
    """For each total of each dimension, at every combination of the other dimensions' values:
    (the total's cell indices, a matrix of its parts' cell indices)."""
    relations = []
    sizes = [len(d.values()) for d in dims]
    for axis, d in enumerate(dims):
        position = {v: i for i, v in enumerate(d.values())}
        others = [np.arange(n) for i, n in enumerate(sizes) if i != axis]
        other_strides = [s for i, s in enumerate(strides) if i != axis]
        grids = np.meshgrid(*others, indexing="ij") if others else []
        offset = sum((g.ravel() * s for g, s in zip(grids, other_strides, strict=True)), start=0)
        offset = np.asarray(offset, dtype=np.int64).reshape(-1)
        for total, parts in d.totals:
            parent = offset + position[total] * strides[axis]
            children = np.stack([offset + position[p] * strides[axis] for p in parts], axis=1)
            relations.append((parent, children))
    return relations


def primary(cube: Cube, rule: Rule) -> np.ndarray:
    """Cells too small (1 to ``min_events - 1`` events) or dominated by one seizure."""
    small = (cube.events > 0) & (cube.events < rule.min_events)
    with np.errstate(invalid="ignore"):
        dominated = (cube.lbs > 0) & (cube.largest > rule.dominance * cube.lbs)
    return (small | dominated) & ~cube.fixed


def _pick(cube: Cube, candidates: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per row, the candidate cell with the fewest events among those allowed; -1 if none."""
    weight = np.where(ok, cube.events[candidates] + cube.lbs[candidates] * 1e-9, np.inf)
    best = np.argmin(weight, axis=1)
    chosen = candidates[np.arange(len(candidates)), best]
    return np.where(np.isfinite(weight.min(axis=1)), chosen, -1)


def _line_rules(cube: Cube, hidden: np.ndarray, rule: Rule) -> bool:
    """One pass of rules (a) and (b) over every relation; True if a cell was added."""
    added = False
    for parent, children in cube.relations:
        members = np.concatenate([parent[:, None], children], axis=1)
        h = hidden[members]
        lone = h.sum(axis=1) == 1
        hidden_part = np.where(h[:, 1:], cube.events[children], 0).sum(axis=1)
        thin = ~h[:, 0] & (hidden_part > 0) & (hidden_part < rule.min_events)
        need = lone | thin
        if not need.any():
            continue
        rows = np.flatnonzero(need)
        kids = children[rows]
        free = ~hidden[kids] & (cube.events[kids] > 0) & ~cube.fixed[kids]
        choice = _pick(cube, kids, free)
        # no free part left: the total itself must go (it equals the hidden parts), unless it is
        # known from elsewhere; then the audit decides whether the pattern is safe
        choice = np.where(choice < 0, parent[rows], choice)
        choice = choice[~cube.fixed[choice]]
        fresh = choice[~hidden[choice]]
        if len(fresh):
            hidden[fresh] = True
            added = True
    return added


def _equations(cube: Cube, hidden: np.ndarray) -> list[dict[int, int]]:
    """Every relation with a hidden member, over the hidden cells only (known cells are
    constants): total - sum(parts) = 0, coefficients modulo ``PRIME``."""
    rows: list[dict[int, int]] = []
    for parent, children in cube.relations:
        members = np.concatenate([parent[:, None], children], axis=1)
        h = hidden[members]
        for r in np.flatnonzero(h.any(axis=1)):
            row: dict[int, int] = {}
            for j, cell in enumerate(members[r]):
                if h[r, j]:
                    row[int(cell)] = (row.get(int(cell), 0) + (1 if j == 0 else PRIME - 1)) % PRIME
            row = {c: v for c, v in row.items() if v}
            if row:
                rows.append(row)
    return rows


def determined(cube: Cube, hidden: np.ndarray) -> list[int]:
    """Hidden cells whose value the published cells determine exactly.

    A hidden cell ``j`` is determined iff the unit vector ``e_j`` lies in the row space of the
    relations restricted to hidden cells, iff the reduced row-echelon form has a row equal to
    ``e_j``. The elimination is exact, modulo a 61-bit prime (the relations have coefficients
    +1/-1, so a spurious dependence modulo such a prime would need a minor divisible by it).
    """
    pivots: dict[int, dict[int, int]] = {}
    holders: dict[int, set[int]] = {}  # column -> pivot columns whose row contains it
    for row in sorted(_equations(cube, hidden), key=len):
        for col in [c for c in row if c in pivots]:
            factor = row.get(col, 0)
            if factor:
                for c, v in pivots[col].items():
                    value = (row.get(c, 0) - factor * v) % PRIME
                    if value:
                        row[c] = value
                    else:
                        row.pop(c, None)
        if not row:
            continue
        col = min(row, key=lambda c: (len(holders.get(c, ())), c))
        inverse = pow(row[col], PRIME - 2, PRIME)
        row = {c: v * inverse % PRIME for c, v in row.items()}
        for other in list(holders.get(col, ())):
            target = pivots[other]
            factor = target[col]
            for c, v in row.items():
                value = (target.get(c, 0) - factor * v) % PRIME
                if value:
                    if c not in target:
                        holders.setdefault(c, set()).add(other)
                    target[c] = value
                elif c in target:
                    del target[c]
                    holders[c].discard(other)
        pivots[col] = row
        for c in row:
            holders.setdefault(c, set()).add(col)
    return sorted(col for col, row in pivots.items() if len(row) == 1)


def _cover(cube: Cube, hidden: np.ndarray, cells: list[int]) -> int:
    """For each determined cell, hide the smallest free cell of a relation it belongs to."""
    targets = set(cells)
    added = 0
    for parent, children in cube.relations:
        if not targets:
            break
        members = np.concatenate([parent[:, None], children], axis=1)
        hit = np.isin(members, list(targets)).any(axis=1)
        for r in np.flatnonzero(hit):
            present = targets.intersection(members[r].tolist())
            if not present:
                continue
            if _hide_smallest_free(cube, hidden, members[r]):
                added += 1
                targets -= present
    return added


def _hide_smallest_free(cube: Cube, hidden: np.ndarray, members: np.ndarray) -> bool:
    """Hide the smallest non-zero cell of ``members`` that is neither hidden nor fixed."""
    free = ~hidden[members] & (cube.events[members] > 0) & ~cube.fixed[members]
    if not free.any():
        return False
    hidden[int(_pick(cube, members[None, :], free[None, :])[0])] = True
    return True


def suppress(cube: Cube, rule: Rule, max_rounds: int = 200) -> np.ndarray:
    """The cells to hide: primary suppression, then complements until the pattern is safe."""
    hidden = primary(cube, rule)
    for _ in range(max_rounds):
        while _line_rules(cube, hidden, rule):
            pass
        exposed = determined(cube, hidden)
        if not exposed:
            return hidden
        if not _cover(cube, hidden, exposed):
            # nothing left to hide next to them: hide every non-zero cell (never reached in
            # practice, but a publication must fail safe)
            hidden |= (cube.events > 0) & ~cube.fixed
    raise RuntimeError("complementary suppression did not converge")


@dataclass
class Protected:
    """A cube's suppression pattern and its audit."""

    hidden: np.ndarray
    primary: np.ndarray
    audit: CubeAudit

    @property
    def complementary(self) -> np.ndarray:
        return self.hidden & ~self.primary


def protect(
    cube: Cube, rule: Rule, protection: Protection | None = None, max_rounds: int = 100
) -> Protected:
    """Primary suppression, then complements until the audit finds every hidden cell protected.

    The line and exact-determination rules (``suppress``) give a first pattern cheaply; then
    each cell whose audited interval falls short of ``protection`` gets the smallest free cell of
    each relation it is in hidden beside it, and the audit runs again.
    """
    protection = protection or Protection()
    cube.fixed = known_cells(cube)
    first = primary(cube, rule)
    hidden = suppress(cube, rule)
    for _ in range(max_rounds):
        audit = audit_cube(cube, hidden, protection, sensitive=first)
        short = audit.short
        if not short.any():
            return Protected(hidden, first, audit)
        added = False
        for parent, children in cube.relations:
            members = np.concatenate([parent[:, None], children], axis=1)
            for r in np.flatnonzero(short[members].any(axis=1)):
                added |= _hide_smallest_free(cube, hidden, members[r])
        if not added:
            raise RuntimeError(
                f"disclosure control: {int(short.sum())} hidden cells cannot be protected to "
                "the protection level with the cells available"
            )
        while _line_rules(cube, hidden, rule):
            pass
    raise RuntimeError("disclosure control: complements did not converge")


__all__ = [
    "Cube",
    "Dimension",
    "Protected",
    "Rule",
    "build_cube",
    "determined",
    "primary",
    "protect",
    "suppress",
]
