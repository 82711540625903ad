"""The routing-server adapters against a real local HTTP server speaking OSRM and Valhalla.

The fake server works its answers out from the coordinates it is sent (see `road`), so a swapped
latitude and longitude, a transposed block or a block stitched in the wrong place shows up as a
wrong number, not just a wrong request.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from caseloom.adapters.travel import OsrmTravel, ValhallaTravel, make_travel
from caseloom.domain.errors import InvalidInput, TravelUnavailable
from caseloom.domain.field.geo import Point, TravelMatrix
from tests.network import free_port, serving

LEEDS = Point(53.8008, -1.5491)
YORK = Point(53.959, -1.0815)
HARROGATE = Point(53.9921, -1.5418)
ISLAND = Point(54.0, -4.5)  # the fake server knows no road to or from here
TABLE = "/table/v1/driving/"

Travel = OsrmTravel | ValhallaTravel


def road(a: Point, b: Point) -> tuple[int, int]:
    """The fake's roads, in seconds and metres: the great circle at 12 m/s, plus a minute for
    heading north, so that travel one way differs from the other."""
    north, east = math.radians(b.latitude - a.latitude), math.radians(b.longitude - a.longitude)
    h = (
        math.sin(north / 2) ** 2
        + math.cos(math.radians(a.latitude))
        * math.cos(math.radians(b.latitude))
        * math.sin(east / 2) ** 2
    )
    metres = round(2 * 6_371_008.8 * math.asin(math.sqrt(h)))
    return metres // 12 + (60 if b.latitude > a.latitude else 0), metres


def expected(points: list[Point]) -> TravelMatrix:
    return TravelMatrix(
        durations=[[road(a, b)[0] for b in points] for a in points],
        distances=[[road(a, b)[1] for b in points] for a in points],
    )


def scattered(count: int) -> list[Point]:
    rng = random.Random(count)
    return [
        Point(round(rng.uniform(53.5, 54.2), 4), round(rng.uniform(-2, -1), 4))
        for _ in range(count)
    ]


# --- the fake routing server ------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    target: str  # path and query, as sent
    body: bytes
    sources: tuple[Point, ...]
    targets: tuple[Point, ...]


class FakeRouter(ThreadingHTTPServer):
    """OSRM's table service on GET, Valhalla's sources_to_targets on POST, on 127.0.0.1."""

    daemon_threads = False  # so that server_close waits for every handler

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.max_points = 100  # OSRM's max-table-size; Valhalla allows its square in pairs
        self.trouble: str | None = None  # refuse, fail, garbage, misshapen, stall
        self.seen: list[Seen] = []
        self.released = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeRouter

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        points = [_lon_lat(pair) for pair in split.path.removeprefix(TABLE).split(";")]
        query = parse_qs(split.query)
        sources = (
            [points[int(i)] for i in query["sources"][0].split(";")]
            if "sources" in query
            else points
        )
        targets = (
            [points[int(i)] for i in query["destinations"][0].split(";")]
            if "destinations" in query
            else points
        )
        self._serve(Seen(self.path, b"", tuple(sources), tuple(targets)), osrm=True)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = json.loads(body)
        sources = tuple(Point(p["lat"], p["lon"]) for p in request["sources"])
        targets = tuple(Point(p["lat"], p["lon"]) for p in request["targets"])
        self._serve(Seen(self.path, body, sources, targets), osrm=False)

    def _serve(self, seen: Seen, *, osrm: bool) -> None:
        server = self.server
        server.seen.append(seen)
        if server.trouble == "stall":
            server.released.wait(5)
        if len(seen.sources) * len(seen.targets) > server.max_points**2:
            self._json(400, _TOO_BIG[osrm])
        elif server.trouble in {"refuse", "misshapen"}:
            self._json(400 if server.trouble == "refuse" else 200, _TROUBLE[server.trouble, osrm])
        elif server.trouble == "fail":
            self._reply(500, b"boom")
        elif server.trouble == "garbage":
            self._reply(200, b'{"code": "Ok", "durations": [[0,')
        else:
            self._json(200, _osrm_table(seen) if osrm else _valhalla_matrix(seen))

    def _json(self, status: int, document: object) -> None:
        self._reply(status, json.dumps(document).encode())

    def _reply(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _lon_lat(pair: str) -> Point:
    longitude, latitude = pair.split(",")
    return Point(float(latitude), float(longitude))


def _trip(a: Point, b: Point) -> tuple[int, int] | tuple[None, None]:
    return (None, None) if ISLAND in (a, b) and a != b else road(a, b)


def _osrm_table(seen: Seen) -> dict[str, Any]:
    trips = [[_trip(a, b) for b in seen.targets] for a in seen.sources]
    return {
        "code": "Ok",
        "durations": [[seconds for seconds, _ in row] for row in trips],
        "distances": [[metres for _, metres in row] for row in trips],
    }


def _valhalla_matrix(seen: Seen) -> dict[str, Any]:
    def entry(i: int, j: int) -> dict[str, Any]:
        seconds, metres = _trip(seen.sources[i], seen.targets[j])
        km = None if metres is None else metres / 1000
        return {"from_index": i, "to_index": j, "time": seconds, "distance": km}

    rows = [[entry(i, j) for j in range(len(seen.targets))] for i in range(len(seen.sources))]
    return {"sources_to_targets": rows, "units": "kilometers"}


_TOO_BIG = {
    True: {"code": "TooBig", "message": "Too many table coordinates"},
    False: {"error_code": 154, "error": "Exceeded max matrix location pairs", "status_code": 400},
}
_TROUBLE = {
    ("refuse", True): {"code": "InvalidQuery", "message": "Query string malformed close to 28"},
    ("refuse", False): {"error_code": 171, "error": "No suitable edges near location"},
    ("misshapen", True): {"code": "Ok", "durations": [[0.0]], "distances": [[0.0]]},
    ("misshapen", False): {"sources_to_targets": [[{"time": "soon", "distance": 1.5}]]},
}


@pytest.fixture
def router() -> Iterator[FakeRouter]:
    with serving(FakeRouter()) as server:
        yield server


Connect = Callable[..., Travel]


@pytest.fixture(params=["osrm", "valhalla"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """Makes the adapter under test (OSRM, then Valhalla) and closes it afterwards."""
    made: list[Travel] = []

    def make(url: str, *, timeout: float = 2.0, max_points: int = 100) -> Travel:
        travel: Travel
        if request.param == "osrm":
            travel = OsrmTravel(url, timeout=timeout, max_points=max_points)
        else:
            travel = ValhallaTravel(url, timeout=timeout, max_points=max_points)
        made.append(travel)
        return travel

    yield make
    for travel in made:
        travel.close()


# --- what the adapters send and assemble --------------------------------------------------------


def test_a_small_matrix_is_the_servers_answer_in_the_order_asked(
    router: FakeRouter, connect: Connect
) -> None:
    points = [LEEDS, YORK, HARROGATE]
    matrix = connect(router.url).matrix(points)

    assert matrix == expected(points)
    assert matrix.durations[0][1] != matrix.durations[1][0]  # the fake's roads are one-way hills
    (seen,) = router.seen
    assert seen.sources == seen.targets == tuple(points)


def test_osrm_is_sent_longitude_first_with_both_annotations(router: FakeRouter) -> None:
    travel = OsrmTravel(router.url + "/", timeout=2)
    try:
        travel.matrix([LEEDS, YORK])
    finally:
        travel.close()

    (seen,) = router.seen
    assert seen.target == f"{TABLE}-1.5491,53.8008;-1.0815,53.959?annotations=duration,distance"


def test_valhalla_is_sent_lat_lon_objects_with_costing_and_units(router: FakeRouter) -> None:
    travel = ValhallaTravel(router.url, costing="truck", timeout=2)
    try:
        travel.matrix([LEEDS, YORK])
    finally:
        travel.close()

    (seen,) = router.seen
    assert seen.target == "/sources_to_targets"
    locations = [{"lat": 53.8008, "lon": -1.5491}, {"lat": 53.959, "lon": -1.0815}]
    assert json.loads(seen.body) == {
        "sources": locations,
        "targets": locations,
        "costing": "truck",
        "units": "kilometers",
        "verbose": True,
    }


def test_a_matrix_over_the_limit_is_stitched_from_blocks_within_it(
    router: FakeRouter, connect: Connect
) -> None:
    router.max_points = 10
    points = scattered(23)

    matrix = connect(router.url, max_points=10).matrix(points)

    assert matrix == expected(points)
    assert len(router.seen) == 9  # chunks of 10, 10 and 3: every pair of them
    assert all(len(s.sources) * len(s.targets) <= 100 for s in router.seen)
    asked = [(a, b) for s in router.seen for a in s.sources for b in s.targets]
    assert len(asked) == len(set(asked)) == 23 * 23


def test_osrm_names_the_sources_and_destinations_of_a_block(router: FakeRouter) -> None:
    travel = OsrmTravel(router.url, timeout=2, max_points=2)
    try:
        travel.matrix([LEEDS, YORK, HARROGATE])
    finally:
        travel.close()

    # Chunks [Leeds, York] and [Harrogate]: a square block needs no indices, and Harrogate
    # to itself needs no request at all.
    annotations = "?annotations=duration,distance"
    assert [s.target.removeprefix(TABLE) for s in router.seen] == [
        f"-1.5491,53.8008;-1.0815,53.959{annotations}",
        f"-1.5491,53.8008;-1.0815,53.959;-1.5418,53.9921{annotations}&sources=0;1&destinations=2",
        f"-1.5418,53.9921;-1.5491,53.8008;-1.0815,53.959{annotations}&sources=0&destinations=1;2",
    ]


@pytest.mark.parametrize("points", [[], [YORK]])
def test_no_points_or_one_ask_the_server_nothing(
    router: FakeRouter, connect: Connect, points: list[Point]
) -> None:
    matrix = connect(router.url).matrix(points)
    zeros = [[0] * len(points) for _ in points]
    assert matrix.durations == matrix.distances == zeros
    assert router.seen == []


def test_the_factory_builds_an_adapter_for_the_server(router: FakeRouter) -> None:
    for model, kind in (("osrm", OsrmTravel), ("valhalla", ValhallaTravel)):
        travel = make_travel(model, url=router.url, timeout=2)
        assert isinstance(travel, kind)
        try:
            assert travel.matrix([LEEDS, YORK]) == expected([LEEDS, YORK])
        finally:
            travel.close()


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://router.example.com", "http://"])
def test_a_url_that_is_not_http_is_refused_at_once(url: str) -> None:
    with pytest.raises(InvalidInput, match="URL"):
        OsrmTravel(url)
    with pytest.raises(InvalidInput, match="URL"):
        ValhallaTravel(url)


# --- failures -------------------------------------------------------------------------------


def _where(router: FakeRouter, travel: Travel) -> str:
    kind = "OSRM" if isinstance(travel, OsrmTravel) else "Valhalla"
    return f"the {kind} server at 127.0.0.1:{router.server_address[1]}"


def test_a_refusal_names_the_server_and_says_why(router: FakeRouter, connect: Connect) -> None:
    router.trouble = "refuse"
    travel = connect(router.url)
    with pytest.raises(TravelUnavailable) as failed:
        travel.matrix([LEEDS, YORK])
    reason = (
        "InvalidQuery (Query string malformed close to 28)"
        if isinstance(travel, OsrmTravel)
        else "error 171: No suitable edges near location"
    )
    assert str(failed.value) == f"{_where(router, travel)} answered HTTP 400 Bad Request: {reason}"


def test_a_server_with_a_smaller_limit_says_the_table_is_too_big(
    router: FakeRouter, connect: Connect
) -> None:
    router.max_points = 2
    with pytest.raises(TravelUnavailable, match=r"HTTP 400 .*(TooBig|error 154)"):
        connect(router.url, max_points=3).matrix([LEEDS, YORK, HARROGATE])


def test_an_unroutable_pair_is_named(router: FakeRouter, connect: Connect) -> None:
    travel = connect(router.url)
    with pytest.raises(TravelUnavailable) as failed:
        travel.matrix([LEEDS, ISLAND, YORK])
    assert str(failed.value) == (
        f"{_where(router, travel)} found no route from point 0 (53.8008, -1.5491)"
        " to point 1 (54.0, -4.5) (and 3 other pairs)"
    )


def test_a_server_error_status_is_reported_with_the_body(
    router: FakeRouter, connect: Connect
) -> None:
    router.trouble = "fail"
    travel = connect(router.url)
    with pytest.raises(TravelUnavailable) as failed:
        travel.matrix([LEEDS, YORK])
    expected_message = f"{_where(router, travel)} answered HTTP 500 Internal Server Error: 'boom'"
    assert str(failed.value) == expected_message


def test_malformed_json_is_reported(router: FakeRouter, connect: Connect) -> None:
    router.trouble = "garbage"
    with pytest.raises(
        TravelUnavailable, match=re.escape('answered malformed JSON: \'{"code": "Ok"')
    ):
        connect(router.url).matrix([LEEDS, YORK])


def test_an_answer_in_the_wrong_shape_is_reported(router: FakeRouter, connect: Connect) -> None:
    router.trouble = "misshapen"
    travel = connect(router.url)
    with pytest.raises(TravelUnavailable, match="in the wrong shape: ") as failed:
        travel.matrix([LEEDS, YORK])
    problem = (
        "durations should be 2 rows"
        if isinstance(travel, OsrmTravel)
        else "sources_to_targets should be 2 rows"
    )
    assert str(failed.value).endswith(problem)


def test_a_server_slower_than_the_timeout_is_reported(router: FakeRouter, connect: Connect) -> None:
    router.trouble = "stall"
    travel = connect(router.url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(TravelUnavailable, match=r"did not answer within 0\.2 s"):
        travel.matrix([LEEDS, YORK])
    assert time.monotonic() - started < 2


def test_a_server_that_is_not_listening_is_reported(connect: Connect) -> None:
    port = free_port()
    travel = connect(f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(TravelUnavailable, match=f"at 127.0.0.1:{port} could not be reached: "):
        travel.matrix([LEEDS, YORK])
