"""Travel times for field dispatch: straight-line estimates, or an OSRM or Valhalla server.

The HTTP adapters turn every failure (unreachable, slow, an error status, an answer that is not
the protocol's, a pair with no route) into `TravelUnavailable` naming the server and the
problem, and hold a connection pool: `close()` them when done.
"""

from __future__ import annotations

from caseloom.adapters.travel.osrm import OsrmTravel
from caseloom.adapters.travel.straight_line import StraightLineTravel
from caseloom.adapters.travel.valhalla import ValhallaTravel
from caseloom.domain.errors import InvalidInput
from caseloom.service_layer.ports import TravelTimes

__all__ = ["OsrmTravel", "StraightLineTravel", "ValhallaTravel", "make_travel"]

MODELS = ("haversine", "osrm", "valhalla")


def make_travel(
    model: str,
    *,
    speed_kmh: float = 40.0,
    url: str | None = None,
    profile: str | None = None,
    timeout: float = 10.0,
) -> TravelTimes:
    """The travel-time adapter `model` names; `profile` is OSRM's profile or Valhalla's costing."""
    if model == "haversine":
        return StraightLineTravel(speed_kmh)
    if model not in MODELS:
        raise InvalidInput(f"unknown travel model {model!r} (known: {', '.join(MODELS)})")
    if not url:
        raise InvalidInput(f"the {model} travel model needs the URL of its routing server")
    if model == "osrm":
        return OsrmTravel(url, profile or "driving", timeout)
    return ValhallaTravel(url, profile or "auto", timeout)
