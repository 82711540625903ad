"""Travel times from an OSRM server's table service.

`GET {base}/table/v1/{profile}/{lon,lat;lon,lat;...}?annotations=duration,distance` answers
`{"code": "Ok", "durations": [[s]], "distances": [[m]]}`, row by source; an error answers
`{"code": "InvalidQuery", "message": ...}` (with HTTP 400). OSRM refuses a table whose sources x
destinations exceed its `--max-table-size` squared (default 100), so a larger matrix is asked
for in blocks: the coordinates of a block's rows then its columns, with `sources=` naming the
first and `destinations=` the second. With `max_points` 100 a URL carries at most 200
coordinates (about 4 kB), within what OSRM and the proxies in front of it accept.

A null duration or distance means OSRM found no route: the matrix is refused with
`TravelUnavailable` naming the pair, since a solver given a made-up number would plan a visit
nobody can drive to. A caller that prefers estimates can fall back on `StraightLineTravel`.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx2

from caseloom.adapters.travel.grid import Block, Cells, WrongShape, cells, fill
from caseloom.adapters.travel.server import RoutingServer
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.geo import Point, TravelMatrix


class OsrmTravel:
    def __init__(
        self,
        base_url: str,
        profile: str = "driving",
        timeout: float = 10.0,
        max_points: int = 100,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        if max_points < 1:
            raise InvalidInput(f"an OSRM table needs max_points of 1 or more, not {max_points}")
        if not profile or "/" in profile:
            raise InvalidInput(f"{profile!r} is not an OSRM profile (such as driving)")
        self._path = f"/table/v1/{profile}/"
        self._max_points = max_points
        self._server = RoutingServer(
            "OSRM", base_url, timeout=timeout, explain=_explain, transport=transport
        )

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        grid = fill(points, self._max_points, lambda block: self._table(points, block))
        if (missing := grid.unroutable()) is not None:
            raise self._server.failed(f"found {missing}")
        return grid.matrix()

    def close(self) -> None:
        self._server.close()

    def _table(self, points: Sequence[Point], block: Block) -> tuple[Cells, Cells]:
        document = self._server.get(self._path + _coordinates(points, block) + _query(block))
        if (refusal := _refusal(document)) is not None:
            raise self._server.failed(f"refused the table: {refusal}")
        try:
            return _durations_and_distances(document, block)
        except WrongShape as error:
            raise self._server.failed(f"answered a table in the wrong shape: {error}") from None


def _coordinates(points: Sequence[Point], block: Block) -> str:
    chosen = block.rows if block.square else [*block.rows, *block.columns]
    # OSRM wants longitude first; it keeps six decimals (about 0.1 m) itself.
    return ";".join(
        f"{_decimal(points[i].longitude)},{_decimal(points[i].latitude)}" for i in chosen
    )


def _decimal(degrees: float) -> str:
    return f"{degrees:.6f}".rstrip("0").rstrip(".")


def _query(block: Block) -> str:
    # Written out, not left to the HTTP client, which would escape the separators OSRM
    # documents (it decodes them, but logs and proxies stay readable this way).
    query = "?annotations=duration,distance"
    if not block.square:
        rows, columns = len(block.rows), len(block.columns)
        query += "&sources=" + ";".join(str(i) for i in range(rows))
        query += "&destinations=" + ";".join(str(rows + i) for i in range(columns))
    return query


def _refusal(document: object) -> str | None:
    if isinstance(document, dict) and document.get("code", "Ok") != "Ok":
        return _explain(document) or repr(document["code"])
    return None


def _durations_and_distances(document: object, block: Block) -> tuple[Cells, Cells]:
    if not isinstance(document, dict) or "code" not in document:
        raise WrongShape("the answer is not an object with a code")
    return (
        cells(document.get("durations"), block, "durations"),
        cells(document.get("distances"), block, "distances"),
    )


def _explain(document: object) -> str | None:
    if not isinstance(document, dict) or not isinstance(document.get("code"), str):
        return None
    message = document.get("message")
    return f"{document['code']} ({message})" if message else str(document["code"])
