"""The relaxation ladder: what a case that has waited too long gives up, one rung at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from caseloom.domain.routing.spec import RelaxStep


def due_steps(ladder: Sequence[RelaxStep], taken: int, waited: timedelta) -> list[RelaxStep]:
    """The rungs not yet taken whose wait has passed, in order."""
    return [step for step in ladder[taken:] if step.after <= waited]
