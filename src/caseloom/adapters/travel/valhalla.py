"""Travel times from a Valhalla server's matrix service.

`POST {base}/sources_to_targets` with `{"sources": [{"lat", "lon"}], "targets": [...],
"costing": "auto", "units": "kilometers"}` answers `{"sources_to_targets": [[{"time": s,
"distance": km, ...}]]}`, row by source; an error answers a 4xx status with `error_code` and
`error`. `verbose` is sent as true, the long-standing default, because Valhalla 3.5 answers a
differently shaped, columnar document when it is false.

Valhalla refuses more than `max_matrix_location_pairs` sources x targets (default 2500), so a
larger matrix is asked for in blocks of at most `max_points` sources and as many targets.
A null time means no route: the matrix is refused, as the OSRM adapter explains.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx2

from caseloom.adapters.travel.grid import Block, Cells, WrongShape, fill, number, rows
from caseloom.adapters.travel.server import RoutingServer
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.geo import Point, TravelMatrix


class ValhallaTravel:
    def __init__(
        self,
        base_url: str,
        costing: str = "auto",
        timeout: float = 10.0,
        max_points: int = 50,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        if max_points < 1:
            raise InvalidInput(f"a Valhalla matrix needs max_points of 1 or more, not {max_points}")
        if not costing:
            raise InvalidInput("a Valhalla matrix needs a costing (such as auto)")
        self._costing = costing
        self._max_points = max_points
        self._server = RoutingServer(
            "Valhalla", base_url, timeout=timeout, explain=_explain, transport=transport
        )

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        grid = fill(points, self._max_points, lambda block: self._block(points, block))
        if (missing := grid.unroutable()) is not None:
            raise self._server.failed(f"found {missing}")
        return grid.matrix()

    def close(self) -> None:
        self._server.close()

    def _block(self, points: Sequence[Point], block: Block) -> tuple[Cells, Cells]:
        request = {
            "sources": [_location(points[i]) for i in block.rows],
            "targets": [_location(points[i]) for i in block.columns],
            "costing": self._costing,
            "units": "kilometers",
            "verbose": True,
        }
        document = self._server.post("/sources_to_targets", request)
        if (refusal := _explain(document)) is not None:
            raise self._server.failed(f"refused the matrix: {refusal}")
        try:
            return _times_and_metres(document, block)
        except WrongShape as error:
            raise self._server.failed(f"answered a matrix in the wrong shape: {error}") from None


def _location(point: Point) -> dict[str, float]:
    return {"lat": point.latitude, "lon": point.longitude}


def _times_and_metres(document: object, block: Block) -> tuple[Cells, Cells]:
    if not isinstance(document, dict):
        raise WrongShape("the answer is not a JSON object")
    table = rows(document.get("sources_to_targets"), block, "sources_to_targets")
    times: Cells = []
    metres: Cells = []
    for row in table:
        pairs = [_time_and_metres(entry) for entry in row]
        times.append([time for time, _ in pairs])
        metres.append([distance for _, distance in pairs])
    return times, metres


def _time_and_metres(entry: object) -> tuple[float | None, float | None]:
    if not isinstance(entry, dict) or "time" not in entry or "distance" not in entry:
        raise WrongShape(f"an entry should have a time and a distance, not {entry!r}")
    time = number(entry["time"], "time")
    kilometres = number(entry["distance"], "distance")
    return time, None if kilometres is None else kilometres * 1000


def _explain(document: object) -> str | None:
    if not isinstance(document, dict) or "error" not in document:
        return None
    code = document.get("error_code")
    return f"error {code}: {document['error']}" if code is not None else str(document["error"])
