"""Secondary suppression by the hypercube method, generalised to margins and hierarchies.

For a withheld cell ``p`` of a complete table (every margin present), a *hypercube* is a set
of cells whose values can all be shifted by the same amount, with signs, so that every margin
equation of the table still holds: then an attacker who sees every other cell cannot tell
the shifted values from the true ones. In each dimension the hypercube takes a *move*:

- ``p``'s category ``a`` at that dimension (a node of the dimension's tree: a region, a
  country, or the total) and, when ``a`` is not the total, a sibling ``s`` of ``a`` or of one
  of its ancestors ``b`` (the same parent): the path from ``b`` down through ``a`` to a leaf
  moves with ``p`` (+), the path from ``s`` down to a leaf against it (-). Every equation
  of the dimension sees either no change, one + and one - part under the same parent, or a
  margin and one part moving together;
- when ``a`` is the total, the path from it down to a leaf moves with ``p`` (+); and any
  ``a`` may move with its margins: the path from the total down through ``a`` to a leaf (+),
  when no sibling leaves room (a small column whose total is small too).

The hypercube is every combination of the dimensions' moves, each cell signed by the product
of its moves' signs. Shifting by ``+d`` (``p`` up) needs every - cell to stay at least 0, and
by ``-d`` every + cell: every cell of the hypercube can range over ``min(+ values) +
min(- values)``, the same width for each. So a hypercube whose width reaches the protection
interval protects all its cells by construction; the attack LP (:func:`.suppression.attack`)
sees at least that range whatever else is withheld.

For each withheld cell not yet protected, the candidate moves of each dimension are ranked on
the cell's own line (cost of the cells they would withhold, and the width they allow) and the
best few combined; the cheapest hypercube wide enough is withheld (cost: the values of cells
not yet withheld, margins costlier, as :func:`.suppression._system` weighs them). This is the
GHMITER idea of tau-argus, with the moves extended to hierarchies and margins.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from censusmig.classifications.codes import TOTAL
from censusmig.tables.table import Table

Node = tuple[str, ...]
"""A category of one dimension: its code at each of the dimension's levels (``_T`` below)."""

_KEEP = 3
"""Candidate moves kept per dimension (the best by the cell's own line)."""
_WIDER = 8
"""Candidate moves per dimension when none of the best few combine wide enough."""
_LEAVES = 3
"""Leaves tried under a node that a move passes through."""


@dataclass
class _Tree:
    """One dimension's categories as a tree (root: every level at its total)."""

    children: dict[Node, list[Node]]
    parent: dict[Node, Node | None]

    def path_up(self, node: Node) -> list[Node]:
        """The node's ancestors, nearest first, the root excluded."""
        found = []
        current = self.parent.get(node)
        while current is not None and self.parent.get(current) is not None:
            found.append(current)
            current = self.parent.get(current)
        return found


def _depth(node: Node) -> int:
    return next((i for i, code in enumerate(node) if code == TOTAL), len(node))


def _trees(nodes: list[set[Node]]) -> list[_Tree]:
    trees = []
    for found in nodes:
        children: dict[Node, list[Node]] = {node: [] for node in found}
        parent: dict[Node, Node | None] = {}
        for node in sorted(found):
            depth = _depth(node)
            if depth == 0:
                parent[node] = None
                continue
            up = node[: depth - 1] + (TOTAL,) * (len(node) - depth + 1)
            parent[node] = up
            children.setdefault(up, []).append(node)
        trees.append(_Tree(children, parent))
    return trees


@dataclass(frozen=True)
class Move:
    """One dimension's part of a hypercube: nodes moving with the cell, and against it."""

    plus: tuple[Node, ...]
    minus: tuple[Node, ...]


class Grid:
    """A complete table as a grid of cells addressed by one node per dimension."""

    def __init__(self, table: Table) -> None:
        """Index the table's rows by their nodes."""
        levels = table.level_columns
        positions = [[levels.index(level) for level in d.levels] for d in table.dimensions]
        self.nodes: list[tuple[Node, ...]] = []
        seen: list[set[Node]] = [set() for _ in positions]
        for codes in table.cells.select(levels).iter_rows():
            cell = tuple(tuple(codes[i] for i in dim) for dim in positions)
            self.nodes.append(cell)
            for index, node in enumerate(cell):
                seen[index].add(node)
        self.row_of = {cell: row for row, cell in enumerate(self.nodes)}
        self.trees = _trees(seen)

    def leaves(self, dimension: int, node: Node) -> list[Node]:
        """The leaves under (or at) a node."""
        tree = self.trees[dimension]
        out, stack = [], [node]
        while stack:
            current = stack.pop()
            below = tree.children.get(current, [])
            if below:
                stack.extend(reversed(below))
            else:
                out.append(current)
        return out


def _down(grid: Grid, dimension: int, start: Node, leaf: Node) -> list[Node]:
    """The nodes from ``start`` down to ``leaf`` (both included)."""
    path = [leaf]
    tree = grid.trees[dimension]
    while path[-1] != start:
        up = tree.parent.get(path[-1])
        if up is None:
            break
        path.append(up)
    return list(reversed(path))


def protect(
    grid: Grid,
    cell: int,
    value: npt.NDArray[np.float64],
    cost: npt.NDArray[np.float64],
    required: npt.NDArray[np.float64],
    withheld: npt.NDArray[np.bool_],
) -> tuple[list[int], float]:
    """The cheapest hypercube found that protects ``cell``: its rows and its width.

    Args:
        grid: The table's grid.
        cell: The withheld row to protect.
        value: Computed value per row.
        cost: Cost of withholding each row.
        required: Protection interval per row.
        withheld: Rows withheld so far (withholding them again costs nothing).

    Returns:
        The rows of the hypercube (the cell included) and its width; the widest one found
        when none reaches the interval (the caller's attack then decides).
    """
    nodes = grid.nodes[cell]
    need = float(required[cell])
    best: tuple[float, list[int], float] | None = None
    for keep in (_KEEP, _WIDER):
        options = [
            _moves(grid, cell, d, value, cost, withheld, need, keep) for d in range(len(nodes))
        ]
        widest: tuple[float, list[int], float] | None = None
        for combo in itertools.product(*options):
            found = _cube(grid, nodes, combo)
            if found is None:
                continue
            rows, signs = found
            where = np.array(rows)
            positive = np.array(signs) > 0
            values = value[where]
            width = values[positive].min() + (
                values[~positive].min() if (~positive).any() else np.inf
            )
            price = float(cost[where][~withheld[where]].sum())
            enough = width >= float(required[where].max()) - 1e-9
            if enough and (best is None or price < best[0]):
                best = (price, rows, float(width))
            if widest is None or width > widest[2]:
                widest = (price, rows, float(width))
        if best is not None:
            return best[1], best[2]
    if widest is None:
        return [cell], 0.0
    return widest[1], widest[2]


def _cube(
    grid: Grid, nodes: tuple[Node, ...], combo: Sequence[Move]
) -> tuple[list[int], list[int]] | None:
    """The rows and signs of the hypercube of these moves, or None if a cell is missing."""
    axes = [[*move.plus, *move.minus] for move in combo]
    axis_signs = [[1] * len(move.plus) + [-1] * len(move.minus) for move in combo]
    rows = []
    for corner in itertools.product(*axes):
        row = grid.row_of.get(corner)
        if row is None:
            return None
        rows.append(row)
    signs = [math.prod(sign) for sign in itertools.product(*axis_signs)]
    return rows, signs


def _moves(
    grid: Grid,
    cell: int,
    dimension: int,
    value: npt.NDArray[np.float64],
    cost: npt.NDArray[np.float64],
    withheld: npt.NDArray[np.bool_],
    need: float,
    keep: int,
) -> list[Move]:
    """The best few moves of one dimension, ranked on the cell's own line."""
    nodes = grid.nodes[cell]
    node = nodes[dimension]
    tree = grid.trees[dimension]

    def line(other: Node) -> int | None:
        return grid.row_of.get(nodes[:dimension] + (other,) + nodes[dimension + 1 :])

    def leaf_rank(leaf: Node, start: Node) -> tuple[bool, float]:
        rows = [line(n) for n in _down(grid, dimension, start, leaf)]
        if any(r is None for r in rows):
            return (True, np.inf)
        least = min(value[r] for r in rows if r is not None)
        if least < need:  # too small on this line: the largest first
            return (True, -least)
        return (False, sum(cost[r] for r in rows if r is not None and not withheld[r]))

    def best_leaves(start: Node) -> list[Node]:
        return sorted(grid.leaves(dimension, start), key=lambda leaf: leaf_rank(leaf, start))[
            :_LEAVES
        ]

    candidates: list[Move] = []
    if tree.parent.get(node) is None:
        candidates = [
            Move(tuple(_down(grid, dimension, node, leaf)), ()) for leaf in best_leaves(node)
        ]
    else:
        for start in [node, *tree.path_up(node)]:
            above = tree.parent.get(start)
            siblings = [s for s in tree.children.get(above, []) if s != start] if above else []
            ups = _down(grid, dimension, start, node)
            for leaf in best_leaves(node):
                plus = tuple(ups[:-1] + _down(grid, dimension, node, leaf))
                for sibling in siblings:
                    for other in best_leaves(sibling):
                        candidates.append(Move(plus, tuple(_down(grid, dimension, sibling, other))))
        # The cell moving with its totals up to the root (each equation: a margin and one of
        # its parts together): when no sibling has room, the margins are withheld with it.
        root = node
        while (up := tree.parent.get(root)) is not None:
            root = up
        for leaf in best_leaves(node):
            path = _down(grid, dimension, root, node)[:-1] + _down(grid, dimension, node, leaf)
            candidates.append(Move(tuple(path), ()))

    def rank(move: Move) -> tuple[bool, float]:
        plus = [line(n) for n in move.plus]
        minus = [line(n) for n in move.minus]
        if any(r is None for r in plus + minus):
            return (True, np.inf)
        width = min(value[r] for r in plus if r is not None) + (
            min(value[r] for r in minus if r is not None) if minus else np.inf
        )
        if width < need:  # not wide enough on this line: the widest first
            return (True, -width)
        return (False, sum(cost[r] for r in plus + minus if r is not None and not withheld[r]))

    return sorted(candidates, key=rank)[:keep]


def suppress_table(
    table: Table,
    value: npt.NDArray[np.float64],
    cost: npt.NDArray[np.float64],
    required: npt.NDArray[np.float64],
    withheld: npt.NDArray[np.bool_],
    width: npt.NDArray[np.float64],
    todo: Sequence[int],
    grid: Grid | None = None,
    shared: npt.NDArray[np.bool_] | None = None,
    exposed: npt.NDArray[np.bool_] | None = None,
) -> Grid:
    """Protect the rows ``todo`` of one table with hypercubes (``withheld``, ``width`` updated).

    Args:
        table: The table.
        value: Computed value per row.
        cost: Cost of withholding each row.
        required: Protection interval per row.
        withheld: Rows withheld (updated).
        width: Per row, the widest hypercube found that contains it (updated).
        todo: Withheld rows to protect, in order.
        grid: The table's grid, when already built.
        shared: Rows another table holds too.
        exposed: Per row, whether the hypercube its width comes from holds a shared row
            (its width is then only proven for this table: the joint LP checks it) (updated).

    Returns:
        The table's grid.
    """
    grid = grid or Grid(table)
    for cell in todo:
        if width[cell] >= required[cell] - 1e-9:
            continue
        rows, found = protect(grid, cell, value, cost, required, withheld)
        touches = shared is not None and bool(shared[rows].any())
        for row in rows:
            withheld[row] = True
            if found > width[row]:
                width[row] = found
                if exposed is not None:
                    exposed[row] = touches
    return grid
