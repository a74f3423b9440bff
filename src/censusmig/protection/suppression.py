"""Threshold rule with secondary suppression, and the attack test that proves it holds.

:func:`suppress` withholds every cell with 1 to ``threshold - 1`` unweighted contributors
(primary suppression; with the ``count-or-margin`` rule also every cell within that many
contributors of one of its margins), then withholds further cells (secondary, complementary
suppression) until no withheld cell can be worked out, or narrowed to less than the
protection interval, from what is published. :func:`attack` is that attacker: for every
withheld cell it solves two linear programmes (HiGHS), the smallest and the largest value
the cell can take given every published cell and every margin equation
(:func:`~censusmig.protection.equations.margin_equations`) of every table, all values at
least 0.

Everything works on the *joint* system of a run's tables: a cell that is the same quantity
in two tables (the same universe, the same code at every level not at its total, the same
computed value and count) is one unknown, suppressed alike in both tables, and the
equations of both tables constrain it together, so two overlapping tables (by region and
by region > district) cannot be differenced.

Secondary suppression is a greedy heuristic verified by the attack LPs (not a MIP):

1. While some margin equation has exactly one withheld cell (which it would give away),
   withhold the member of that equation with the lowest cost, preferring cells above 0
   (a zero cannot go lower, so it hides little) and cells that also close another such
   equation.
2. Solve the attack LPs; for every withheld cell whose feasible range is narrower than its
   protection interval, withhold the cheapest published cell of one of its equations
   (preferring cells at least as large as the missing width), then go back to 1.

The cost of withholding a cell is its value times (1 + the number of the table's dimensions
in which it is a total or subtotal): the information lost is the suppressed total, and a
margin, read by more users and for more purposes, costs more than an inner cell.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl

# highspy's Python wrapper (highspy.Highs) prints a banner on stdout when the first one is
# made, which would corrupt `tabulate --json`; its core class is the same solver, silent.
from highspy import _core as highs

from censusmig.classifications.codes import TOTAL
from censusmig.errors import CensusmigError
from censusmig.protection.equations import margin_equations
from censusmig.protection.settings import (
    COUNT_OR_MARGIN,
    PRIMARY,
    SECONDARY,
    SUPPRESSED,
    ProtectionSettings,
)
from censusmig.tables.table import (
    CONFIDENTIAL,
    FLAG,
    N_UNWEIGHTED,
    PERCENT,
    PERCENT_MOE,
    PERCENT_SE,
    SAMPLING_ERRORS,
    VALUE,
    Table,
)

TOLERANCE = 1e-9
"""How far below its protection interval a feasible range may fall and still hold (rounding)."""

_SNAP = 1e-6
"""An LP bound this close to a whole number is that number (the solver's own tolerance is
1e-7, and a count's bounds are whole numbers)."""

_NEIGHBOURHOOD = 64
"""Most withheld cells in the small LP that checks one cell during secondary suppression."""

_WITHHELD: tuple[str, ...] = (
    VALUE,
    N_UNWEIGHTED,
    PERCENT,
    *SAMPLING_ERRORS,
    PERCENT_SE,
    PERCENT_MOE,
)
"""Columns a suppressed cell publishes no value in (those the table has)."""


@dataclass(frozen=True)
class CellInterval:
    """What an attacker can learn about one suppressed cell: the range of its possible values.

    Attributes:
        recipe_id: The table's recipe.
        row: The cell's row in ``Table.cells``.
        lower: The smallest value consistent with everything published.
        upper: The largest (``inf`` when nothing published bounds it).
        required: The protection interval the range must reach, in the cell's unit (for a
            weighted cell: the interval in records times the cell's mean weight).
    """

    recipe_id: str
    row: int
    lower: float
    upper: float
    required: float

    @property
    def holds(self) -> bool:
        """True when the range is at least the protection interval wide."""
        return self.upper - self.lower >= self.required - TOLERANCE


@dataclass
class _System:
    """The joint additive system of a set of tables: cells, equations, what each cell is.

    A cell here is a quantity: the rows of several tables that hold the same quantity are one
    cell. Internal working state of this module, built once per call.

    Attributes:
        value: Computed value per cell.
        count: Unweighted count per cell.
        required: Protection interval per cell, in the cell's unit.
        cost: Cost of withholding the cell.
        primary: Whether the threshold rule withholds the cell.
        rows: Per table, row -> cell.
        members: Per equation, its cells: the total first, then its parts.
        equations_of: Per cell, the equations it is a member of.
    """

    value: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    required: npt.NDArray[np.float64]
    cost: npt.NDArray[np.float64]
    primary: npt.NDArray[np.bool_]
    rows: list[npt.NDArray[np.int64]]
    members: list[tuple[int, ...]]
    equations_of: list[list[int]] = field(default_factory=list)


def suppress(tables: Sequence[Table], settings: Sequence[ProtectionSettings]) -> tuple[Table, ...]:
    """Withhold small cells and enough others that none of them can be worked out.

    Args:
        tables: The computed tables protected by suppression, jointly (every cell they share
            is suppressed alike and every equation of each constrains the others).
        settings: ``settings[i]`` is the protection of ``tables[i]`` (threshold, rule,
            protection interval).

    Returns:
        The tables, same rows in the same order, where a withheld cell has ``flag`` ``x``,
        no value, count or sampling error, and ``_suppressed`` ``primary`` or ``secondary``
        (null for a published cell).
    """
    system = _system(tables, settings)
    withheld = system.primary.copy()
    counts = np.zeros(len(system.members), dtype=np.int64)
    for equation, members in enumerate(system.members):
        counts[equation] = int(withheld[list(members)].sum())
    _close(system, withheld, counts, [e for e in range(len(counts)) if counts[e] > 0])
    # Every point an LP finds stays feasible as more cells are withheld (a newly withheld
    # cell at its value satisfies every equation as before): ranges seen only ever grow.
    lowest = system.value.copy()
    highest = system.value.copy()
    unchecked = sorted(int(c) for c in np.flatnonzero(withheld))
    while True:
        failing: list[tuple[int, float]] = []
        for cell in unchecked:
            # The small LP first; a cell it cannot show wide enough gets its whole component.
            for limit in (_NEIGHBOURHOOD, len(withheld)):
                if highest[cell] - lowest[cell] < system.required[cell] - TOLERANCE:
                    _local_range(system, withheld, cell, lowest, highest, limit)
            missing = float(system.required[cell] - (highest[cell] - lowest[cell]))
            if missing > TOLERANCE:
                failing.append((cell, missing))
        if not failing:
            break
        before = withheld.copy()
        opened: list[int] = []
        for cell, missing in failing:
            partner = _widening_partner(system, withheld, cell, missing)
            if partner is not None and not withheld[partner]:
                opened += _withhold(system, withheld, counts, partner)
        if not opened:
            raise CensusmigError(
                "secondary suppression found no cell left to withhold for a cell its "
                "equations still disclose"
            )
        _close(system, withheld, counts, opened)
        added = np.flatnonzero(withheld & ~before)
        unchecked = sorted({cell for cell, _ in failing} | {int(c) for c in added})
    return tuple(
        _published(table, withheld[rows], system.primary[rows])
        for table, rows in zip(tables, system.rows, strict=True)
    )


def attack(
    computed: Sequence[Table],
    published: Sequence[Table],
    settings: Sequence[ProtectionSettings],
) -> tuple[CellInterval, ...]:
    """The attack test: the range of every suppressed cell given everything published.

    Args:
        computed: The tables as computed (to tell which rows are one quantity, and each
            cell's protection interval).
        published: The same tables as suppressed: a cell with no ``value`` is withheld.
        settings: ``settings[i]`` is the protection of ``computed[i]``.

    Returns:
        One interval per withheld row, table by table, rows ascending: the exact minimum and
        maximum of the cell over every non-negative solution of all the tables' margin
        equations together, the published cells fixed.

    Raises:
        CensusmigError: The published cells contradict the margin equations.
    """
    system = _system(computed, settings)
    # A cell is withheld when no table publishes it: one published copy gives it away.
    shown_anywhere = np.zeros(len(system.value), dtype=np.bool_)
    for table, rows in zip(published, system.rows, strict=True):
        shown = ~table.cells[VALUE].is_null().to_numpy()
        shown_anywhere[rows[shown]] = True
        system.value[rows[shown]] = table.cells[VALUE].drop_nulls().cast(pl.Float64).to_numpy()
    withheld = ~shown_anywhere
    # The computed values are one solution; small LPs around each cell find more (a cell
    # seen at 0 has its minimum, one seen at the bound a published margin sets its maximum),
    # and the LPs over whole components settle the rest.
    lowest = system.value.copy()
    highest = system.value.copy()
    for hidden in np.flatnonzero(withheld):
        _local_range(system, withheld, int(hidden), lowest, highest)
    lower = np.zeros(len(system.value))
    upper = np.zeros(len(system.value))
    for component in _components(system, withheld):
        low, high = _bounds(system, withheld, component, lowest, highest)
        lower[list(component)] = low
        upper[list(component)] = high
    found: list[CellInterval] = []
    for table, rows in zip(computed, system.rows, strict=True):
        for row in np.flatnonzero(withheld[rows]):
            cell = int(rows[row])
            found.append(
                CellInterval(
                    table.recipe_id,
                    int(row),
                    float(lower[cell]),
                    float(upper[cell]),
                    float(system.required[cell]),
                )
            )
    return tuple(found)


def _system(tables: Sequence[Table], settings: Sequence[ProtectionSettings]) -> _System:
    """The joint system of the tables: one cell per quantity, their equations, primaries."""
    index: dict[tuple[object, ...], int] = {}
    value: list[float] = []
    count: list[int] = []
    required: list[float] = []
    order: list[int] = []
    primary: list[bool] = []
    rows: list[npt.NDArray[np.int64]] = []
    equations: dict[tuple[int, tuple[int, ...]], None] = {}
    for table, setting in zip(tables, settings, strict=True):
        universe = (tuple(sorted(map(str, table.universe))), table.universe_label, table.weighted)
        levels = table.level_columns
        cells = table.cells
        values = cells[VALUE].cast(pl.Float64).fill_null(0.0).to_list()
        counts = cells[N_UNWEIGHTED].cast(pl.Int64).fill_null(0).to_list()
        mean_weight = _mean_weight(values, counts) if table.weighted else 1.0
        dimensions = [
            [levels.index(level) for level in dimension.levels] for dimension in table.dimensions
        ]
        threshold = setting.threshold
        here = np.empty(cells.height, dtype=np.int64)
        for row, codes in enumerate(cells.select(levels).iter_rows()):
            shown = tuple(
                sorted((lvl, c) for lvl, c in zip(levels, codes, strict=True) if c != TOTAL)
            )
            key = (universe, shown, values[row], counts[row])
            n = counts[row]
            weight = values[row] / n if table.weighted and n > 0 else mean_weight
            interval = setting.protection_interval * weight
            margin = sum(any(codes[i] == TOTAL for i in dim) for dim in dimensions)
            small = 0 < n < threshold
            cell = index.get(key)
            if cell is None:
                cell = index[key] = len(value)
                value.append(values[row])
                count.append(n)
                required.append(interval)
                order.append(margin)
                primary.append(small)
            else:
                required[cell] = max(required[cell], interval)
                order[cell] = max(order[cell], margin)
                primary[cell] = primary[cell] or small
            here[row] = cell
        rows.append(here)
        for equation in margin_equations(table):
            parts = tuple(int(here[p]) for p in equation.parts)
            total = int(here[equation.total])
            equations[(total, tuple(sorted(parts)))] = None
            if setting.rule == COUNT_OR_MARGIN:
                for part in parts:
                    if 0 < count[total] - count[part] < threshold:
                        primary[part] = True
    members = [(total, *parts) for total, parts in equations]
    equations_of: list[list[int]] = [[] for _ in value]
    for e, cells_of in enumerate(members):
        for cell in cells_of:
            equations_of[cell].append(e)
    values_array = np.array(value, dtype=np.float64)
    return _System(
        value=values_array,
        count=np.array(count, dtype=np.int64),
        required=np.array(required, dtype=np.float64),
        cost=values_array * (1 + np.array(order, dtype=np.float64)),
        primary=np.array(primary, dtype=np.bool_),
        rows=rows,
        members=members,
        equations_of=equations_of,
    )


def _mean_weight(values: Sequence[float], counts: Sequence[int]) -> float:
    """The table's mean weight (of its largest cell, the grand total): a zero cell's weight."""
    largest = max(range(len(counts)), key=counts.__getitem__, default=None)
    if largest is None or counts[largest] == 0:
        return 1.0
    return values[largest] / counts[largest]


def _withhold(
    system: _System, withheld: npt.NDArray[np.bool_], counts: npt.NDArray[np.int64], cell: int
) -> list[int]:
    """Withhold a cell; the equations it is in (to be looked at again)."""
    withheld[cell] = True
    for equation in system.equations_of[cell]:
        counts[equation] += 1
    return list(system.equations_of[cell])


def _missing(
    system: _System,
    withheld: npt.NDArray[np.bool_],
    counts: npt.NDArray[np.int64],
    equation: int,
) -> float:
    """How much more withheld value an equation needs so it discloses none of its cells.

    An equation with a single withheld cell gives it away. With its margin published, the
    withheld parts' sum is known, and none of them can range wider than that sum. 0: the
    equation alone discloses nothing (the attack LP still checks the whole system).
    """
    if counts[equation] == 0:
        return 0.0
    total, *parts = system.members[equation]
    if counts[equation] == 1:
        only = total if withheld[total] else next(p for p in parts if withheld[p])
        return max(float(system.required[only]), TOLERANCE)
    if withheld[total]:
        return 0.0
    hidden = [p for p in parts if withheld[p]]
    need = float(system.required[hidden].max())
    known = float(system.value[hidden].sum())
    return need - known if known < need - TOLERANCE else 0.0


def _close(
    system: _System,
    withheld: npt.NDArray[np.bool_],
    counts: npt.NDArray[np.int64],
    opened: Sequence[int],
) -> None:
    """Withhold partners until no equation on its own discloses a withheld cell.

    Equations are taken in their order (tables in order, then rows), so the pattern is the
    same for the same inputs.
    """
    heap = sorted(set(opened))
    while heap:
        equation = heapq.heappop(heap)
        missing = _missing(system, withheld, counts, equation)
        if missing <= 0:
            continue

        def rank(
            cell: int, equation: int = equation, missing: float = missing
        ) -> tuple[bool, bool, float, int]:
            size = float(system.value[cell])
            closes = sum(
                1 for other in system.equations_of[cell] if other != equation and counts[other] == 1
            )
            return (size <= 0, size < missing, float(system.cost[cell]) / (1 + closes), cell)

        candidates = [c for c in system.members[equation] if not withheld[c]]
        if not candidates:
            continue
        for new in _withhold(system, withheld, counts, min(candidates, key=rank)):
            heapq.heappush(heap, new)


def _widening_partner(
    system: _System, withheld: npt.NDArray[np.bool_], cell: int, missing: float
) -> int | None:
    """The published cell to withhold so that a too-narrow cell's range can widen.

    The cheapest published member of one of the cell's equations, preferring cells above 0
    and cells at least as large as the width missing; failing any, the cheapest published
    member of an equation of a withheld cell those equations hold.
    """

    def rank(candidate: int) -> tuple[bool, bool, float, int]:
        size = float(system.value[candidate])
        return (size <= 0, size < missing, float(system.cost[candidate]), candidate)

    near = [c for e in system.equations_of[cell] for c in system.members[e] if not withheld[c]]
    if near:
        return min(near, key=rank)
    neighbours = {c for e in system.equations_of[cell] for c in system.members[e]}
    further = [
        c
        for n in sorted(neighbours)
        for e in system.equations_of[n]
        for c in system.members[e]
        if not withheld[c]
    ]
    return min(further, key=rank) if further else None


def _components(system: _System, withheld: npt.NDArray[np.bool_]) -> list[tuple[int, ...]]:
    """The withheld cells in groups linked by equations (each group one independent LP)."""
    parent = {int(cell): int(cell) for cell in np.flatnonzero(withheld)}

    def root(cell: int) -> int:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for members in system.members:
        hidden = [c for c in members if withheld[c]]
        for other in hidden[1:]:
            a, b = root(hidden[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for cell in parent:
        groups.setdefault(root(cell), []).append(cell)
    return sorted(tuple(sorted(group)) for group in groups.values())


@dataclass
class _Programme:
    """The attack LP over some withheld cells, the other withheld cells fixed at a value.

    Attributes:
        solver: HiGHS, with one variable per cell and one row per equation touching them.
        cells: The variables' cells, in order.
        cap: Per variable, the bound a published margin sets on it (``inf`` when none).
    """

    solver: highs._Highs
    cells: tuple[int, ...]
    cap: npt.NDArray[np.float64]


def _programme(
    system: _System, withheld: npt.NDArray[np.bool_], cells: Sequence[int]
) -> _Programme:
    """The LP of the cells: every equation touching them, the cells values at least 0.

    A withheld cell not among ``cells`` is fixed at its ``system.value`` (for the attack on
    a whole component there is none: its equations touch no other withheld cell).
    """
    local = {cell: i for i, cell in enumerate(cells)}
    equations = sorted({e for cell in cells for e in system.equations_of[cell]})
    starts: list[int] = []
    index: list[int] = []
    coefficients: list[float] = []
    rhs = np.zeros(len(equations))
    cap = np.full(len(cells), np.inf)
    for row, equation in enumerate(equations):
        starts.append(len(index))
        total, *parts = system.members[equation]
        known = 0.0
        for position, cell in enumerate((total, *parts)):
            sign = 1.0 if position == 0 else -1.0
            if cell in local:
                index.append(local[cell])
                coefficients.append(sign)
            else:
                known += sign * system.value[cell]
        rhs[row] = -known
        if not withheld[total]:
            # A part is at most what its published margin leaves over the published parts.
            left = system.value[total] - sum(system.value[p] for p in parts if not withheld[p])
            for cell in parts:
                if cell in local:
                    cap[local[cell]] = min(cap[local[cell]], left)
    n = len(cells)
    solver = highs._Highs()
    solver.setOptionValue("output_flag", False)
    # Primal simplex: after a change of objective the last basis is still feasible, so each
    # LP starts from the previous optimum (several times faster than HiGHS's dual default).
    solver.setOptionValue("simplex_strategy", 4)
    solver.addVars(n, np.zeros(n), np.full(n, highs.kHighsInf))
    solver.addRows(
        len(equations),
        rhs,
        rhs,
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(coefficients, dtype=np.float64),
    )
    return _Programme(solver, tuple(cells), cap)


def _solve(
    programme: _Programme, variable: int, *, maximum: bool
) -> npt.NDArray[np.float64] | None:
    """The solution minimising (maximising) one variable; None when it is unbounded.

    Raises:
        CensusmigError: The published cells contradict the margin equations.
    """
    solver = programme.solver
    solver.changeColCost(variable, 1.0)
    solver.changeObjectiveSense(highs.ObjSense.kMaximize if maximum else highs.ObjSense.kMinimize)
    solver.run()
    status = solver.getModelStatus()
    point = np.asarray(solver.getSolution().col_value, dtype=np.float64)
    solver.changeColCost(variable, 0.0)  # a change of the model resets its status
    if status == highs.HighsModelStatus.kUnbounded and maximum:
        return None
    if status != highs.HighsModelStatus.kOptimal:
        raise CensusmigError(
            "the attack test found the published cells inconsistent with the margin "
            f"equations (solver status: {solver.modelStatusToString(status)})"
        )
    return point


def _local_range(
    system: _System,
    withheld: npt.NDArray[np.bool_],
    cell: int,
    lowest: npt.NDArray[np.float64],
    highest: npt.NDArray[np.float64],
    limit: int = _NEIGHBOURHOOD,
) -> None:
    """Widen the ranges seen by the LPs of a cell over its neighbourhood.

    The neighbourhood: the withheld cells nearest the cell through shared equations (breadth
    first, at most ``limit``), every other withheld cell fixed at its value.
    Each solution is then a solution of the whole system, so the range it shows for every
    cell of the neighbourhood is one an attacker cannot exclude (a sufficient test, cheap).
    """
    cells = [cell]
    seen = {cell}
    position = 0
    while position < len(cells) and len(cells) < limit:
        for equation in system.equations_of[cells[position]]:
            for other in system.members[equation]:
                if withheld[other] and other not in seen:
                    seen.add(other)
                    cells.append(other)
        position += 1
    cells = cells[:limit]
    programme = _programme(system, withheld, cells)
    where = np.array(cells, dtype=np.int64)
    for maximum in (False, True):
        point = _solve(programme, 0, maximum=maximum)
        if point is None:
            highest[cell] = np.inf
            continue
        lowest[where] = np.minimum(lowest[where], point)
        highest[where] = np.maximum(highest[where], point)


def _bounds(
    system: _System,
    withheld: npt.NDArray[np.bool_],
    component: tuple[int, ...],
    lowest: npt.NDArray[np.float64],
    highest: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The exact smallest and largest value of each cell of a component.

    Values are at least 0, so a cell seen at 0 is at its minimum; a cell seen at the bound a
    published margin sets on it is at its maximum. The others take an LP over the whole
    component each (every solution found widens the ranges seen of the other cells too).

    Args:
        system: The joint system; ``value`` holds the published value of every published
            cell.
        withheld: Which cells are withheld.
        component: The withheld cells of one component.
        lowest: Per cell, the smallest value seen in a solution (updated).
        highest: Per cell, the largest value seen in a solution (updated).

    Returns:
        Lower and upper bounds, in the component's order (``inf`` when unbounded above).
    """
    where = np.array(component, dtype=np.int64)
    programme: _Programme | None = None
    cap = np.full(len(component), np.inf)
    lower = np.full(len(component), np.nan)
    upper = np.full(len(component), np.nan)
    for i, cell in enumerate(component):
        for maximum in (False, True):
            if not maximum and lowest[cell] <= _SNAP:
                lower[i] = 0.0
                continue
            if programme is None:
                programme = _programme(system, withheld, component)
                cap = programme.cap
            if maximum and highest[cell] >= cap[i] - _SNAP:
                upper[i] = cap[i]
                continue
            point = _solve(programme, i, maximum=maximum)
            if point is None:
                upper[i] = np.inf
                continue
            lowest[where] = np.minimum(lowest[where], point)
            highest[where] = np.maximum(highest[where], point)
            if maximum:
                upper[i] = _snapped(float(point[i]))
            else:
                lower[i] = _snapped(float(point[i]))
    return lower, upper


def _snapped(bound: float) -> float:
    """An LP bound, a whole number when it is one within the solver's tolerance."""
    whole = round(bound)
    return float(whole) if abs(bound - whole) < _SNAP else bound


def _published(
    table: Table, withheld: npt.NDArray[np.bool_], primary: npt.NDArray[np.bool_]
) -> Table:
    """The table with its withheld cells flagged ``x`` and emptied."""
    hidden = pl.Series(withheld, dtype=pl.Boolean)
    status = (
        pl.when(hidden)
        .then(
            pl.when(pl.Series(primary, dtype=pl.Boolean))
            .then(pl.lit(PRIMARY))
            .otherwise(pl.lit(SECONDARY))
        )
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    cells = table.cells
    flag = pl.col(FLAG) if FLAG in cells.columns else pl.lit(None, dtype=pl.String)
    cells = cells.with_columns(
        *(
            pl.when(hidden).then(None).otherwise(pl.col(name)).alias(name)
            for name in _WITHHELD
            if name in cells.columns
        ),
        pl.when(hidden).then(pl.lit(CONFIDENTIAL)).otherwise(flag).alias(FLAG),
        status.alias(SUPPRESSED),
    )
    return replace(table, cells=cells)
