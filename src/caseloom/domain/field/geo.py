"""Places on the map and the travel between them, as the travel-time port reports it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from caseloom.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Point:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise InvalidInput(
                f"({self.latitude}, {self.longitude}) is not a place: latitude runs from -90 to 90,"
                " longitude from -180 to 180"
            )


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """From every point to every point, in the order asked: seconds and metres."""

    durations: Sequence[Sequence[int]]
    distances: Sequence[Sequence[int]]
