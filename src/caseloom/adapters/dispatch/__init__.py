"""Dispatch solvers: who visits what, and when. VROOM by default, OR-Tools as an option."""

from __future__ import annotations

from caseloom.adapters.dispatch.ortools import OrToolsSolver
from caseloom.adapters.dispatch.vroom import VroomSolver
from caseloom.domain.errors import InvalidInput
from caseloom.service_layer.ports import DispatchSolver

__all__ = ["OrToolsSolver", "VroomSolver", "make_solver"]

SOLVERS = ("vroom", "ortools")


def make_solver(name: str, *, exploration_level: int = 5, threads: int = 2) -> DispatchSolver:
    """The solver called `name`; the settings are VROOM's (OR-Tools has none to give)."""
    if name == "vroom":
        return VroomSolver(exploration_level=exploration_level, threads=threads)
    if name == "ortools":
        return OrToolsSolver()
    raise InvalidInput(f"no dispatch solver {name!r}: choose one of {', '.join(SOLVERS)}")
