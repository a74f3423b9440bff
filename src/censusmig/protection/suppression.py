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

Secondary suppression is the hypercube method (:mod:`.hypercube`, the GHMITER idea of
tau-argus extended to margins and hierarchies): every withheld cell is protected by a set of
cells of its table that can all shift together, with signs, without breaking any margin
equation, wide enough for the protection interval; the cheapest such set found is withheld.
That protects every cell of the set by construction within its table. Linked tables: a cell
withheld in one table is withheld (and protected) in every table that holds it. A hypercube
through cells another table holds is proven only for its own table, so those cells are then
checked by the joint attack LP, and any it finds too narrow get every cell of their equations
withheld, in every table, before the check is repeated (the run stops rather than publish a
cell it cannot prove).

The cost of withholding a cell is its value times 4 to the power of the number of its levels
at a total or subtotal, ten times more when another table of the run holds it: the
information lost is the suppressed total, and a margin, read by more users and for more
purposes, costs more than an inner cell.
"""

from __future__ import annotations

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
from censusmig.protection.hypercube import Grid, suppress_table
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

INTERVAL = "_interval"
"""Internal column: per withheld cell, the width of the hypercube that protects it (a range
the attacker cannot narrow: every cell of a hypercube can move that far)."""

_REPAIRS = 4
"""Rounds of repair for shared cells the joint attack still finds too narrow."""

_MARGIN_COST = 4.0
"""Withholding a cell costs its value times this to the power of its levels at a total: a
national total is read far more than a district's cell, and is the last to go."""

_SHARED_COST = 10.0
"""How much more withholding a cell costs when another table of the run holds it too."""

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
    withheld = [system.primary[rows].copy() for rows in system.rows]
    widths = [np.zeros(len(rows)) for rows in system.rows]
    exposed = [np.zeros(len(rows), dtype=np.bool_) for rows in system.rows]
    grids: list[Grid | None] = [None] * len(tables)
    # A cell two tables share costs more: a hypercube through it must hold in both tables.
    tables_of = np.zeros(len(system.value))
    for rows in system.rows:
        tables_of[rows] += 1
    shared = tables_of > 1
    cost = system.cost * np.where(shared, _SHARED_COST, 1.0)
    required = system.required
    for attempt in range(_REPAIRS + 1):
        _linked(tables, system, cost, required, shared, withheld, widths, exposed, grids)
        anywhere = np.zeros(len(system.value), dtype=np.bool_)
        suspect = np.zeros(len(system.value), dtype=np.bool_)
        for rows, hidden, doubt in zip(system.rows, withheld, exposed, strict=True):
            anywhere[rows[hidden]] = True
            suspect[rows[hidden & doubt]] = True
        failing = _failing(system, anywhere, sorted(int(c) for c in np.flatnonzero(suspect)))
        if not failing:
            break
        # Hypercubes through cells other tables hold may not shift them alike there: withhold
        # every cell of the failing cell's equations, in every table, protect them, and look
        # again (rare: a small cell shared by several tables).
        hidden_anywhere = anywhere.copy()
        for cell in failing:
            for equation in system.equations_of[cell]:
                members = [m for m in system.members[equation] if not hidden_anywhere[m]]
                if attempt < _REPAIRS - 1:
                    # The cheapest published cell above 0 of each of its equations first;
                    # every cell of them only as the last resort.
                    members = sorted(
                        (m for m in members if system.value[m] > 0), key=lambda m: (cost[m], m)
                    )[:1]
                for member in members:
                    hidden_anywhere[member] = True
                    for rows, hidden in zip(system.rows, withheld, strict=True):
                        hidden[rows == member] = True
    else:
        raise CensusmigError(
            f"secondary suppression could not protect {len(failing):,} cell(s) shared by "
            "several tables of the run; nothing was published. Protect those tables in "
            "separate runs, or report it with the profile and recipes"
        )
    # What is proven: a hypercube's width, or for one through shared cells the interval the
    # joint LP confirmed (at least).
    proven = [
        np.where(doubt, np.minimum(width, system.required[rows]), width)
        for width, doubt, rows in zip(widths, exposed, system.rows, strict=True)
    ]
    return tuple(
        _published(table, hidden, system.primary[rows], width)
        for table, hidden, rows, width in zip(tables, withheld, system.rows, proven, strict=True)
    )


def _linked(
    tables: Sequence[Table],
    system: _System,
    cost: npt.NDArray[np.float64],
    required: npt.NDArray[np.float64],
    shared: npt.NDArray[np.bool_],
    withheld: list[npt.NDArray[np.bool_]],
    widths: list[npt.NDArray[np.float64]],
    exposed: list[npt.NDArray[np.bool_]],
    grids: list[Grid | None],
) -> None:
    """Protect every withheld cell of every table by a hypercube of its table (updated).

    A cell withheld in one table is withheld in every table that holds it, and must be
    protected there too (linked tables): repeat until no table withholds more.
    """
    changed = True
    while changed:
        changed = False
        for index, (table, rows) in enumerate(zip(tables, system.rows, strict=True)):
            todo = [
                int(row)
                for row in np.flatnonzero(withheld[index])
                if widths[index][row] < required[rows][row] - TOLERANCE
            ]
            if todo:
                grids[index] = suppress_table(
                    table,
                    system.value[rows],
                    cost[rows],
                    required[rows],
                    withheld[index],
                    widths[index],
                    todo,
                    grids[index],
                    shared[rows],
                    exposed[index],
                )
            # At once, so that the next table reuses what this one withheld (its hypercubes
            # then run through the same shared cells, and shift them alike).
            changed = _propagate(system, withheld) or changed


def _propagate(system: _System, withheld: list[npt.NDArray[np.bool_]]) -> bool:
    """Withhold in every table each cell some table withholds; whether any table changed."""
    anywhere = np.zeros(len(system.value), dtype=np.bool_)
    for rows, hidden in zip(system.rows, withheld, strict=True):
        anywhere[rows[hidden]] = True
    changed = False
    for index, rows in enumerate(system.rows):
        more = anywhere[rows] & ~withheld[index]
        if more.any():
            withheld[index] |= more
            changed = True
    return changed


def _failing(system: _System, withheld: npt.NDArray[np.bool_], cells: Sequence[int]) -> list[int]:
    """The cells among ``cells`` whose range, given everything published, is too narrow."""
    lowest = system.value.copy()
    highest = system.value.copy()
    wanted_cells = set(cells)
    components = [c for c in _components(system, withheld) if wanted_cells.intersection(c)]
    failing = []
    for component in components:
        programme = _programme(system, withheld, component)
        where = np.array(component, dtype=np.int64)
        for i, cell in enumerate(component):
            if cell not in wanted_cells:
                continue
            # Every solution is a point an attacker cannot exclude: it widens the ranges seen
            # of every cell of the component, so most cells need no LP of their own.
            for maximum in (False, True):
                if highest[cell] - lowest[cell] >= system.required[cell] - TOLERANCE:
                    break
                point = _solve(programme, i, maximum=maximum)
                if point is None:
                    highest[cell] = np.inf
                    break
                lowest[where] = np.minimum(lowest[where], point)
                highest[where] = np.maximum(highest[where], point)
            if highest[cell] - lowest[cell] < system.required[cell] - _SNAP:
                failing.append(cell)
    return sorted(failing)


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
            margin = sum(codes[i] == TOTAL for dim in dimensions for i in dim)
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
        cost=values_array * _MARGIN_COST ** np.array(order, dtype=np.float64),
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
    table: Table,
    withheld: npt.NDArray[np.bool_],
    primary: npt.NDArray[np.bool_],
    width: npt.NDArray[np.float64],
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
        pl.Series(INTERVAL, np.where(withheld, width, np.nan)).fill_nan(None),
    )
    return replace(table, cells=cells)
