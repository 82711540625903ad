"""A large matrix asked for in blocks, and the numbers of each block checked as they arrive.

Routing servers cap the size of one table (OSRM: sources x destinations <= max-table-size squared;
Valhalla: max_matrix_location_pairs), so the points are cut into chunks of at most `size` and
every pair of chunks (rows from one, columns from the other) is one request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from caseloom.domain.field.geo import Point, TravelMatrix

Cells = list[list[float | None]]  # one block's rows; None where the server found no route


class WrongShape(ValueError):
    """The server's answer is JSON, but not the JSON its protocol promises."""


@dataclass(frozen=True, slots=True)
class Block:
    """Travel from the points `rows` to the points `columns` (indices into the points asked)."""

    rows: range
    columns: range

    @property
    def square(self) -> bool:
        return self.rows == self.columns


def blocks(count: int, size: int) -> list[Block]:
    """Every (rows, columns) pair of chunks of at most `size` points, covering count x count."""
    chunks = [range(start, min(start + size, count)) for start in range(0, count, size)]
    return [Block(rows, columns) for rows in chunks for columns in chunks]


def rows(value: object, block: Block, what: str) -> list[list[object]]:
    """`value` as one list per point of `block.rows`, each one entry per point of its columns."""
    if not isinstance(value, list) or len(value) != len(block.rows):
        raise WrongShape(f"{what} should be {len(block.rows)} rows")
    width = len(block.columns)
    if not all(isinstance(row, list) and len(row) == width for row in value):
        raise WrongShape(f"{what} should have rows of {width} entries")
    return value


def cells(value: object, block: Block, what: str) -> Cells:
    """`value` as a block of non-negative numbers or nulls."""
    return [[number(entry, what) for entry in row] for row in rows(value, block, what)]


def number(entry: object, what: str) -> float | None:
    """A non-negative number, or None for JSON's null (no route)."""
    if entry is None:
        return None
    # bool is an int to Python, and json.loads accepts NaN and Infinity: neither is a travel time.
    if isinstance(entry, bool) or not isinstance(entry, int | float):
        raise WrongShape(f"{what} holds {entry!r}, not a number")
    if not math.isfinite(entry) or entry < 0:
        raise WrongShape(f"{what} holds {entry!r}")
    return float(entry)


def fill(points: Sequence[Point], size: int, ask: Callable[[Block], tuple[Cells, Cells]]) -> Grid:
    """The matrix of `points`, each block's durations and metres as `ask` gets them."""
    grid = Grid(points)
    for block in blocks(len(points), size):
        # A point on its own is no travel: not worth a request.
        alone = block.square and len(block.rows) == 1
        grid.place(block, *(([[0.0]], [[0.0]]) if alone else ask(block)))
    return grid


class Grid:
    """The whole matrix, filled block by block; what is still NaN at the end has no route."""

    def __init__(self, points: Sequence[Point]) -> None:
        self._points = points
        self._durations: npt.NDArray[np.float64] = np.full((len(points), len(points)), np.nan)
        self._distances: npt.NDArray[np.float64] = np.full((len(points), len(points)), np.nan)

    def place(self, block: Block, durations: Cells, metres: Cells) -> None:
        where = np.ix_(block.rows, block.columns)
        # numpy turns None into NaN in a float array.
        self._durations[where] = np.array(durations, dtype=np.float64)
        self._distances[where] = np.array(metres, dtype=np.float64)

    def unroutable(self) -> str | None:
        """The first pair without a route (and how many more), or None when every pair has one."""
        missing = np.argwhere(np.isnan(self._durations) | np.isnan(self._distances))
        if len(missing) == 0:
            return None
        source, target = (int(index) for index in missing[0])
        others = f" (and {len(missing) - 1} other pairs)" if len(missing) > 1 else ""
        return f"no route from {self._name(source)} to {self._name(target)}{others}"

    def matrix(self) -> TravelMatrix:
        return TravelMatrix(
            durations=np.rint(self._durations).astype(np.int64).tolist(),
            distances=np.rint(self._distances).astype(np.int64).tolist(),
        )

    def _name(self, index: int) -> str:
        point = self._points[index]
        return f"point {index} ({point.latitude}, {point.longitude})"
