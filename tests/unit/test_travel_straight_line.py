"""Straight-line travel: great-circle distances at an average speed, and the model factory."""

from __future__ import annotations

import math
import random
import time

import pytest

from caseloom.adapters.travel import StraightLineTravel, make_travel
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.geo import Point

LEEDS = Point(53.8008, -1.5491)
YORK = Point(53.9590, -1.0815)
LONDON = Point(51.5074, -0.1278)
PARIS = Point(48.8566, 2.3522)


def test_leeds_to_york_is_35_km_as_the_crow_flies() -> None:
    matrix = StraightLineTravel().matrix([LEEDS, YORK])
    # 0.158 degrees north and 0.468 east at latitude 54: 17.59 km by 30.65 km.
    assert matrix.distances[0][1] == pytest.approx(35_340, abs=10)


def test_london_to_paris_is_343_5_km() -> None:
    matrix = StraightLineTravel().matrix([LONDON, PARIS])
    assert matrix.distances[0][1] == pytest.approx(343_560, abs=50)


def test_the_duration_is_the_distance_at_the_speed_in_whole_seconds() -> None:
    matrix = StraightLineTravel(speed_kmh=40).matrix([LEEDS, YORK])
    metres = matrix.distances[0][1]
    assert matrix.durations[0][1] == round(metres / (40 / 3.6))
    assert isinstance(matrix.durations[0][1], int)
    assert isinstance(metres, int)


def test_halving_the_speed_doubles_the_duration() -> None:
    slow = StraightLineTravel(speed_kmh=20).matrix([LONDON, PARIS])
    fast = StraightLineTravel(speed_kmh=40).matrix([LONDON, PARIS])
    assert slow.durations[0][1] == pytest.approx(2 * fast.durations[0][1], abs=1)
    assert slow.distances == fast.distances


def test_the_matrix_is_symmetric_with_a_zero_diagonal_in_the_order_asked() -> None:
    points = [LEEDS, YORK, LONDON, PARIS]
    matrix = StraightLineTravel().matrix(points)
    for grid in (matrix.durations, matrix.distances):
        assert len(grid) == 4
        assert all(len(row) == 4 for row in grid)
        for i in range(4):
            assert grid[i][i] == 0
            for j in range(4):
                assert grid[i][j] == grid[j][i]
    assert matrix.distances[0][1] < matrix.distances[2][3] < matrix.distances[0][3]


def test_the_same_place_twice_is_no_travel() -> None:
    matrix = StraightLineTravel().matrix([YORK, YORK])
    assert matrix.durations == [[0, 0], [0, 0]]
    assert matrix.distances == [[0, 0], [0, 0]]


def test_the_detour_factor_stretches_distance_and_duration() -> None:
    straight = StraightLineTravel().matrix([LEEDS, YORK])
    winding = StraightLineTravel(detour=1.3).matrix([LEEDS, YORK])
    assert winding.distances[0][1] == pytest.approx(1.3 * straight.distances[0][1], abs=1)
    assert winding.durations[0][1] == pytest.approx(1.3 * straight.durations[0][1], abs=1)


def test_antipodes_are_half_the_earth_apart() -> None:
    matrix = StraightLineTravel().matrix([Point(0, 0), Point(0, 180)])
    assert matrix.distances[0][1] == round(math.pi * 6_371_008.8)  # 20,015 km


def test_no_points_is_an_empty_matrix() -> None:
    matrix = StraightLineTravel().matrix([])
    assert list(matrix.durations) == []
    assert list(matrix.distances) == []


@pytest.mark.parametrize("speed", [0, -30, float("nan"), float("inf")])
def test_a_speed_that_is_not_positive_is_refused(speed: float) -> None:
    with pytest.raises(InvalidInput, match=f"not {speed}"):
        StraightLineTravel(speed_kmh=speed)


@pytest.mark.parametrize("detour", [0.9, 0, float("nan")])
def test_a_detour_under_one_is_refused(detour: float) -> None:
    with pytest.raises(InvalidInput, match=f"detour factor must be 1 or more, not {detour}"):
        StraightLineTravel(detour=detour)


def test_300_points_take_well_under_100_ms() -> None:
    rng = random.Random(7)
    points = [Point(rng.uniform(50, 56), rng.uniform(-4, 1)) for _ in range(300)]
    travel = StraightLineTravel()
    started = time.perf_counter()
    matrix = travel.matrix(points)
    elapsed = time.perf_counter() - started
    assert len(matrix.durations) == 300
    assert all(len(row) == 300 for row in matrix.distances)
    assert elapsed < 0.1


def test_the_haversine_model_is_straight_line_travel_at_its_speed() -> None:
    travel = make_travel("haversine", speed_kmh=20)
    assert isinstance(travel, StraightLineTravel)
    assert travel.matrix([LEEDS, YORK]) == StraightLineTravel(20).matrix([LEEDS, YORK])


@pytest.mark.parametrize("model", ["osrm", "valhalla"])
def test_a_routing_server_model_needs_a_url(model: str) -> None:
    with pytest.raises(InvalidInput, match=f"the {model} travel model needs the URL"):
        make_travel(model)


def test_an_unknown_model_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match=r"'google' \(known: haversine, osrm, valhalla\)"):
        make_travel("google", url="http://maps.example.com")
