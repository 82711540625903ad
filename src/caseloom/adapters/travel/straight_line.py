"""Travel estimated from the great-circle distance: no server, no network, no surprises.

A `detour` factor stretches the crow's line towards a road's (1.3 is a common figure for towns);
the duration is that distance at `speed_kmh`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.geo import Point, TravelMatrix

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG), which best fits the sphere to the globe


class StraightLineTravel:
    def __init__(self, speed_kmh: float = 40.0, detour: float = 1.0) -> None:
        if not (math.isfinite(speed_kmh) and speed_kmh > 0):
            raise InvalidInput(f"a travel speed must be over 0 km/h, not {speed_kmh}")
        if not (math.isfinite(detour) and detour >= 1):
            raise InvalidInput(f"a detour factor must be 1 or more, not {detour}")
        self._metres_per_second = speed_kmh / 3.6
        self._detour = detour

    def close(self) -> None:
        """Nothing to release: no server is asked."""

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        metres = great_circle_metres(points) * self._detour
        seconds = metres / self._metres_per_second
        return TravelMatrix(
            durations=np.rint(seconds).astype(np.int64).tolist(),
            distances=np.rint(metres).astype(np.int64).tolist(),
        )


def great_circle_metres(points: Sequence[Point]) -> npt.NDArray[np.float64]:
    """The haversine distance from every point to every point."""
    latitudes = np.radians(np.array([p.latitude for p in points], dtype=np.float64))
    longitudes = np.radians(np.array([p.longitude for p in points], dtype=np.float64))
    across = np.subtract.outer(latitudes, latitudes)
    along = np.subtract.outer(longitudes, longitudes)
    cosines = np.cos(latitudes)
    haversine = np.sin(across / 2) ** 2 + np.outer(cosines, cosines) * np.sin(along / 2) ** 2
    # Rounding can push the haversine of antipodes a hair above 1, out of arcsin's domain.
    central_angle = 2 * np.arcsin(np.sqrt(np.clip(haversine, 0.0, 1.0)))
    return np.asarray(central_angle * EARTH_RADIUS_M, dtype=np.float64)
