"""The invariants of business-time arithmetic, and deadlines worked by hand from published data.

The property tests draw calendars with random weekly hours (split shifts, closed days) in time
zones with and without daylight saving, and random holidays. The table tests check the GOV.UK bank
holidays against the `holidays` package and published vendor SLA targets against deadlines
computed by hand.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseloom.adapters.policy.holidays import holiday_dates
from caseloom.domain.sla import ALWAYS, ZERO, BusinessCalendar, Interval, SlaClock

PROPERTY = settings(max_examples=30, deadline=None)
ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
DST_ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")  # those that change
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LAST_MINUTE = (datetime(2027, 12, 31, 23, 59, tzinfo=UTC) - EPOCH) // MINUTE


def local(zone: str, text: str) -> datetime:
    """A wall-clock time in `zone` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def london(text: str) -> datetime:
    return local("Europe/London", text)


def midnight(calendar: BusinessCalendar, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(calendar.timezone)).astimezone(UTC)


def local_date(calendar: BusinessCalendar, at: datetime) -> date:
    return at.astimezone(ZoneInfo(calendar.timezone)).date()


def periods_around(calendar: BusinessCalendar, at: datetime) -> list[tuple[datetime, datetime]]:
    """The open periods of the local day of `at` and of the day before (which may end at it)."""
    day = local_date(calendar, at)
    return calendar.open_intervals(day - timedelta(days=1)) + calendar.open_intervals(day)


# -- strategies -------------------------------------------------------------------------------

instants = st.one_of(
    st.integers(0, LAST_MINUTE // 15).map(lambda q: EPOCH + 15 * q * MINUTE),
    st.integers(0, LAST_MINUTE).map(lambda m: EPOCH + m * MINUTE),
)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[Interval, ...]:
    """0-3 shifts in order, on a quarter-hour or a one-minute grid; a later shift may start the
    minute the one before it ends."""
    shifts, grid = draw(st.integers(0, 3)), draw(st.sampled_from((15, 1)))
    size = 2 * shifts
    ticks = draw(st.lists(st.integers(0, 1440 // grid), min_size=size, max_size=size, unique=True))
    points = [tick * grid for tick in sorted(ticks)]
    hours = [(points[i], points[i + 1]) for i in range(0, size, 2)]
    for i in range(1, shifts):
        if draw(st.booleans()):
            hours[i] = (hours[i - 1][1], hours[i][1])
    return tuple(hours)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Random weekly hours in a random zone (hours inside a skipped spring hour included), with
    random holidays."""
    zone = draw(st.sampled_from(ZONES))
    weekly = draw(st.tuples(*[day_hours()] * 7).filter(any))
    holidays = draw(st.frozensets(st.dates(date(2024, 1, 1), date(2028, 3, 31)), max_size=25))
    return BusinessCalendar("random", zone, weekly, holidays)


def durations(calendar: BusinessCalendar) -> st.SearchStrategy[timedelta]:
    """Up to ten days, and at most six weeks of the calendar's open time (so that a calendar
    open 15 minutes a week is not asked for ten days)."""
    assert calendar.weekly is not None
    weekly_open = sum(end - start for day in calendar.weekly for start, end in day)
    most = min(10 * 24 * 60, 6 * weekly_open)
    return st.one_of(
        st.integers(0, most // 15).map(lambda q: 15 * q * MINUTE),
        st.integers(0, most).map(lambda m: m * MINUTE),
    )


# -- add ----------------------------------------------------------------------------------------


@PROPERTY
@given(calendars(), instants, st.data())
def test_adding_more_business_time_never_gives_an_earlier_deadline(
    calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """More open time to add never ends earlier."""
    shorter, longer = sorted((data.draw(durations(calendar)), data.draw(durations(calendar))))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@PROPERTY
@given(calendars(), instants, instants, st.data())
def test_a_later_start_never_gives_an_earlier_deadline(
    calendar: BusinessCalendar, a: datetime, b: datetime, data: st.DataObject
) -> None:
    """The same duration from a later start never ends earlier."""
    duration = data.draw(durations(calendar))
    earlier, later = sorted((a, b))
    assert calendar.add(earlier, duration) <= calendar.add(later, duration)


@PROPERTY
@given(calendars(), instants)
def test_adding_nothing_gives_the_next_opening(calendar: BusinessCalendar, start: datetime) -> None:
    """Adding zero is `next_open`: the start itself when open, else the next opening, with no
    open time in between."""
    opening = calendar.add(start, ZERO)
    assert opening == calendar.next_open(start)
    assert opening >= start
    assert calendar.is_open(opening)
    assert calendar.between(start, opening) == ZERO
    assert (opening == start) == calendar.is_open(start)


@PROPERTY
@given(calendars(), instants, st.data())
def test_adding_in_two_steps_equals_adding_once(
    calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """add(s, a + b) == add(add(s, a), b) for b > 0. With b == 0 it fails on purpose when
    add(s, a) is the very end of a period: adding zero then moves on to the next opening."""
    a = data.draw(durations(calendar))
    b = data.draw(durations(calendar).filter(bool))
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@PROPERTY
@given(calendars(), instants, st.data())
def test_a_deadline_with_time_to_add_falls_inside_open_hours(
    calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """For d > 0 the deadline is in an open period, or at its very end: opens < due <= closes."""
    due = calendar.add(start, data.draw(durations(calendar).filter(bool)))
    assert any(opens < due <= closes for opens, closes in periods_around(calendar, due))


# -- between ------------------------------------------------------------------------------------


@PROPERTY
@given(calendars(), instants, st.data())
def test_the_open_time_up_to_a_deadline_is_the_duration_added(
    calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """between(s, add(s, d)) == d: `between` undoes `add`."""
    duration = data.draw(durations(calendar))
    assert calendar.between(start, calendar.add(start, duration)) == duration


@PROPERTY
@given(calendars(), instants, st.data())
def test_open_time_adds_up_is_never_negative_and_never_more_than_the_wall_time(
    calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """For a <= b <= c: between(a, c) == between(a, b) + between(b, c); 0 <= between <= c - a;
    and backwards it is zero."""
    a = start
    b, c = sorted(a + data.draw(st.integers(0, 20_000)) * MINUTE for _ in range(2))
    whole = calendar.between(a, c)
    assert whole == calendar.between(a, b) + calendar.between(b, c)
    assert ZERO <= whole <= c - a
    assert calendar.between(c, a) == ZERO


# -- open hours and holidays --------------------------------------------------------------------


@PROPERTY
@given(calendars(), instants)
def test_is_open_agrees_with_the_open_intervals(calendar: BusinessCalendar, at: datetime) -> None:
    """Open at `at` exactly when some period has opens <= at < closes."""
    expected = any(opens <= at < closes for opens, closes in periods_around(calendar, at))
    assert calendar.is_open(at) == expected


@PROPERTY
@given(calendars(), instants, st.integers(0, 14), st.integers(0, 24 * 60 - 1))
def test_a_holiday_has_no_open_time(
    calendar: BusinessCalendar, at: datetime, days_later: int, minute: int
) -> None:
    """On a holiday the calendar has no period, counts no open time and is never open."""
    holiday = local_date(calendar, at) + timedelta(days=days_later)
    closed = replace(calendar, holidays=calendar.holidays | {holiday})
    day_start, day_end = midnight(calendar, holiday), midnight(calendar, holiday + timedelta(1))
    assert closed.open_intervals(holiday) == []
    assert closed.between(day_start, day_end) == ZERO
    assert not closed.is_open(min(day_start + minute * MINUTE, day_end - MINUTE))


@PROPERTY
@given(calendars(), instants, st.integers(0, 21), st.data())
def test_another_holiday_never_brings_a_deadline_earlier(
    calendar: BusinessCalendar, start: datetime, days_later: int, data: st.DataObject
) -> None:
    """Closing one more day can only push a deadline later (or leave it)."""
    duration = data.draw(durations(calendar))
    holiday = local_date(calendar, start) + timedelta(days=days_later)
    closed = replace(calendar, holidays=calendar.holidays | {holiday})
    assert closed.add(start, duration) >= calendar.add(start, duration)


# -- daylight saving ----------------------------------------------------------------------------


@cache
def clock_changes(zone: str) -> tuple[date, ...]:
    """The local dates in 2024-2027 whose day is not 24 hours long in `zone`."""
    tz, day, changes = ZoneInfo(zone), date(2024, 1, 1), []
    while day.year < 2028:
        after = day + timedelta(days=1)
        if (
            datetime.combine(day, time(), tz).utcoffset()
            != datetime.combine(after, time(), tz).utcoffset()
        ):
            changes.append(day)
        day = after
    return tuple(changes)


@PROPERTY
@given(calendars().filter(lambda calendar: calendar.timezone in DST_ZONES))
def test_open_periods_are_in_order_and_never_overlap_across_a_clock_change(
    calendar: BusinessCalendar,
) -> None:
    """Around every clock change of 2024-2027 the periods run forwards and do not overlap."""
    for change in clock_changes(calendar.timezone):
        periods = [
            period
            for offset in (-1, 0, 1)
            for period in calendar.open_intervals(change + timedelta(days=offset))
        ]
        assert all(opens < closes for opens, closes in periods)
        assert all(a[1] <= b[0] for a, b in pairwise(periods))


def round_the_clock(zone: str) -> BusinessCalendar:
    return BusinessCalendar(f"all day in {zone}", zone, (((0, 24 * 60),),) * 7)


@PROPERTY
@given(
    st.sampled_from(DST_ZONES),
    st.integers(0, 7),
    st.integers(-2 * 24 * 60, 2 * 24 * 60),
    st.integers(0, 3 * 24 * 60),
)
def test_a_calendar_open_all_day_counts_real_elapsed_time_across_a_clock_change(
    zone: str, which: int, offset: int, minutes: int
) -> None:
    """Every day open 00:00-24:00 is real time: a deadline is start + duration and the open time
    between two instants is their difference, on 23- and 25-hour days too."""
    calendar = round_the_clock(zone)
    start = midnight(calendar, clock_changes(zone)[which]) + offset * MINUTE
    duration = minutes * MINUTE
    assert calendar.add(start, duration) == start + duration
    assert calendar.between(start, start + duration) == duration


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/London", date(2026, 3, 29), 23),
        ("Europe/London", date(2026, 10, 25), 25),
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/New_York", date(2026, 11, 1), 25),
        ("Australia/Sydney", date(2026, 10, 4), 23),
        ("Australia/Sydney", date(2026, 4, 5), 25),
    ],
)
def test_a_day_of_clock_change_has_23_or_25_open_hours(zone: str, day: date, hours: int) -> None:
    """Open 00:00-24:00, the spring-forward day has 23 real hours and the fall-back day 25."""
    calendar = round_the_clock(zone)
    [(opens, closes)] = calendar.open_intervals(day)
    assert closes - opens == timedelta(hours=hours)
    assert calendar.between(midnight(calendar, day), midnight(calendar, day + timedelta(1))) == (
        timedelta(hours=hours)
    )


SPRING_FORWARD = date(2026, 3, 29)  # London: 01:00 GMT becomes 02:00 BST


def test_a_shift_ending_in_the_skipped_hour_does_not_overlap_the_next_one() -> None:
    """Open 00:00-01:30 and 02:00-03:00 on the day 01:00-02:00 does not exist, London is open
    from 00:00 GMT to 03:00 BST: two real hours, in periods that do not overlap."""
    calendar = BusinessCalendar("split", "Europe/London", (((0, 90), (120, 180)),) * 7)
    (_, first_closes), (second_opens, _) = calendar.open_intervals(SPRING_FORWARD)
    day_start = midnight(calendar, SPRING_FORWARD)
    # the first period closes when the clocks jump (01:00 UTC), as the second opens
    assert calendar.between(day_start, london("2026-03-29T03:00")) == timedelta(hours=2)
    assert first_closes <= second_opens


def test_a_shift_wholly_inside_the_skipped_hour_is_not_open() -> None:
    """The calendar's own rule: a period wholly inside the skipped hour is not open at all."""
    calendar = BusinessCalendar("night", "Europe/London", (((70, 100),),) * 7)
    assert calendar.open_intervals(SPRING_FORWARD) == []


# -- SLA clocks ---------------------------------------------------------------------------------

pause_plans = st.lists(
    st.tuples(st.integers(0, 7 * 24 * 60), st.integers(0, 3 * 24 * 60)), max_size=3
)


def started(calendar: BusinessCalendar, start: datetime, target: timedelta) -> SlaClock:
    return SlaClock.start(
        "first_response", policy="standard", version=1, calendar=calendar, target=target, at=start
    )


def paused_and_resumed(
    clock: SlaClock, calendar: BusinessCalendar, plan: list[tuple[int, int]], *, last_open: bool
) -> SlaClock:
    """Pause `gap` minutes after the start or the last resume, resume `length` minutes later;
    with `last_open` the last pause is not resumed."""
    at = clock.started_at
    for number, (gap, length) in enumerate(plan, 1):
        at += gap * MINUTE
        clock = clock.pause("waiting_on_customer", at)
        if last_open and number == len(plan):
            break
        at += length * MINUTE
        clock = clock.resume(at, calendar)
    return clock


@PROPERTY
@given(calendars(), instants, pause_plans, st.data())
def test_a_pause_never_brings_the_deadline_forward(
    calendar: BusinessCalendar, start: datetime, plan: list[tuple[int, int]], data: st.DataObject
) -> None:
    """The deadline after pauses and resumes is never before the deadline with no pause."""
    clock = started(calendar, start, data.draw(durations(calendar)))
    paused = paused_and_resumed(clock, calendar, plan, last_open=False)
    assert clock.due_at is not None
    assert paused.due_at is not None
    assert paused.due_at >= clock.due_at


@PROPERTY
@given(calendars(), instants, pause_plans, st.data())
def test_counted_time_stays_below_the_target_until_the_deadline_and_reaches_it_there(
    calendar: BusinessCalendar, start: datetime, plan: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Before `due_at` less than the target is counted (none for a zero target); at `due_at`
    exactly the target."""
    target = data.draw(durations(calendar))
    clock = paused_and_resumed(started(calendar, start, target), calendar, plan, last_open=False)
    assert clock.due_at is not None
    now = start + data.draw(st.integers(0, (clock.due_at - start) // MINUTE)) * MINUTE
    assert clock.counted(calendar, clock.due_at) == target
    if now < clock.due_at:
        assert clock.counted(calendar, now) < target or target == ZERO
    assert clock.counted(calendar, now) <= target


@PROPERTY
@given(calendars(), instants, pause_plans, st.booleans(), st.data())
def test_a_bigger_goal_is_never_reached_earlier(
    calendar: BusinessCalendar,
    start: datetime,
    plan: list[tuple[int, int]],
    last_open: bool,
    data: st.DataObject,
) -> None:
    """`instant_of` is monotone in the goal (None, never while paused, counts as the latest)."""
    clock = started(calendar, start, data.draw(durations(calendar)))
    clock = paused_and_resumed(clock, calendar, plan, last_open=last_open)
    small, big = sorted((data.draw(durations(calendar)), data.draw(durations(calendar))))
    never = datetime.max.replace(tzinfo=UTC)
    assert (clock.instant_of(calendar, small) or never) <= (
        clock.instant_of(calendar, big) or never
    )


# -- holidays from the package ------------------------------------------------------------------


def test_extra_days_are_added_and_removed_days_taken_out() -> None:
    """A policy can add a company day off and remove a bank holiday it works through."""
    days = holiday_dates(
        "GB",
        subdiv="ENG",
        years=range(2026, 2027),
        extra=[date(2026, 12, 24)],
        removed=[date(2026, 8, 31)],
    )
    assert date(2026, 12, 24) in days
    assert date(2026, 8, 31) not in days
    assert date(2026, 12, 25) in days


def test_an_unknown_country_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        holiday_dates("XX", years=range(2026, 2027))


def test_an_unknown_subdivision_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'ENGLAND' .*'GB' \(valid: ENG, NIR, SCT, WLS\)"):
        holiday_dates("GB", subdiv="ENGLAND", years=range(2026, 2027))


# -- UK bank holidays (GOV.UK) ------------------------------------------------------------------

DIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
# Days the package lists and GOV.UK does not. GOV.UK lists only the weekday a weekend holiday
# is observed on (the substitute day); the package also lists the holiday itself on its
# Saturday or Sunday, which an office closed at weekends does not notice.
WEEKEND_HOLIDAYS = {date(2026, 12, 26), date(2027, 12, 25), date(2027, 12, 26)}
# A one-off bank holiday for Scotland's World Cup match, announced after the GOV.UK copy was
# fetched (2025-08-17): a Monday, so the one difference an office would notice.
SCOTLAND_WORLD_CUP = date(2026, 6, 15)
PACKAGE_ONLY = {
    "ENG": WEEKEND_HOLIDAYS,
    "SCT": WEEKEND_HOLIDAYS
    | {
        date(2024, 11, 30),  # St Andrew's Day, Saturday (substitute Monday 2 December)
        date(2025, 11, 30),  # St Andrew's Day, Sunday (substitute Monday 1 December)
        date(2027, 1, 2),  # 2nd January, Saturday (substitute Monday 4 January)
        SCOTLAND_WORLD_CUP,
    },
    "NIR": WEEKEND_HOLIDAYS
    | {
        date(2024, 3, 17),  # St Patrick's Day, Sunday (substitute Monday 18 March)
        date(2025, 7, 12),  # Battle of the Boyne, Saturday (substitute Monday 14 July)
        date(2026, 7, 12),  # Battle of the Boyne, Sunday (substitute Monday 13 July)
    },
}


def official_bank_holidays(shared_data: Path, division: str) -> frozenset[date]:
    feed = json.loads((shared_data / "holidays" / "uk_gov_bank-holidays.json").read_text())
    return frozenset(
        day
        for event in feed[division]["events"]
        if 2024 <= (day := date.fromisoformat(event["date"])).year <= 2027
    )


@pytest.mark.shared_data
@pytest.mark.parametrize(("division", "subdiv"), DIVISIONS.items())
def test_the_package_gives_the_official_uk_bank_holidays(
    shared_data: Path, division: str, subdiv: str
) -> None:
    """Every GOV.UK bank holiday of 2024-2027 is in the package's list, and the package's extra
    days are exactly the listed weekend originals and one-offs."""
    official = official_bank_holidays(shared_data, division)
    package = holiday_dates("GB", subdiv=subdiv, years=range(2024, 2028))
    assert official <= package
    assert package - official == PACKAGE_ONLY[subdiv]
    assert all(day.weekday() >= 5 for day in PACKAGE_ONLY[subdiv] - {SCOTLAND_WORLD_CUP})


OFFICE_HOURS = ((9 * 60, 17 * 60),)
EIGHT_FIVE = BusinessCalendar("8x5", "Europe/London", (OFFICE_HOURS,) * 5 + ((), ()))
TWENTY_FOUR_FIVE = BusinessCalendar("24x5", "Europe/London", (((0, 24 * 60),),) * 5 + ((), ()))


@pytest.mark.shared_data
def test_a_target_over_christmas_2026_waits_for_the_substitute_boxing_day(
    shared_data: Path,
) -> None:
    """8x5 London, 09:00-17:00, England's bank holidays. 4 business hours from Thursday 24
    December 2026 15:00: 2 hours on Thursday; Friday 25 is Christmas Day, the weekend is closed,
    Monday 28 is the substitute for Boxing Day (Saturday 26); the last 2 hours are Tuesday 29
    09:00-11:00, so it is due Tuesday 29 December 2026 11:00 GMT."""
    official = official_bank_holidays(shared_data, "england-and-wales")
    package = holiday_dates("GB", subdiv="ENG", years=range(2026, 2027))
    for holidays in (official, package):
        office = replace(EIGHT_FIVE, holidays=holidays)
        assert office.add(london("2026-12-24T15:00"), timedelta(hours=4)) == london(
            "2026-12-29T11:00"
        )
        assert office.next_open(london("2026-12-25T09:00")) == london("2026-12-29T09:00")
    # without the holidays it would have been due on Christmas Day
    assert EIGHT_FIVE.add(london("2026-12-24T15:00"), timedelta(hours=4)) == london(
        "2026-12-25T11:00"
    )


# -- published SLA targets ----------------------------------------------------------------------

BUSINESS_DAY = timedelta(hours=8)  # on the 8x5 calendar
COVERAGE = {"24x7": ALWAYS, "24x5": TWENTY_FOUR_FIVE, "8x5": EIGHT_FIVE}


def parse_target(text: str) -> tuple[timedelta, BusinessCalendar]:
    """'4 business hours' is 4 h on 8x5, '2 business days' 16 h on 8x5, '1 hour' 1 h on 24x7
    (anything after the number and unit, like 'or as agreed', is ignored)."""
    found = re.match(r"(\d+) (business )?(hour|day)s?\b", text)
    assert found, f"cannot read the target {text!r}"
    count, business, unit = int(found[1]), bool(found[2]), found[3]
    assert business or unit == "hour", f"no published target counts calendar days: {text!r}"
    per_unit = BUSINESS_DAY if unit == "day" else timedelta(hours=1)
    return count * per_unit, EIGHT_FIVE if business else ALWAYS


def published_target(
    shared_data: Path, plan: str, severity: int | None, field: str
) -> tuple[timedelta, BusinessCalendar]:
    """The target of the plan whose name starts with `plan`, at `severity` (or its only target),
    from `field`: minutes with a coverage, or a text like '4 business hours'."""
    policies = json.loads((shared_data / "sla-policies" / "sla_policies_public.json").read_text())
    [policy] = [p for p in policies["policies"] if p["plan"].startswith(plan)]
    [target] = [t for t in policy["targets"] if severity is None or t["severity"] == severity]
    if field == "target_minutes":
        return target[field] * MINUTE, COVERAGE[target["coverage"]]
    return parse_target(target[field])


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("plan", "severity", "field", "raised", "due"),
    [
        # GitLab Emergency, 30 min 24x7: Saturday night
        ("Priority Support", 1, "target_minutes", "2026-01-17T23:50", "2026-01-18T00:20"),
        # GitLab Highly Degraded, 4 h 24x5: 2 h on Friday, 2 h from Monday 00:00
        ("Priority Support", 2, "target_minutes", "2026-01-16T22:00", "2026-01-19T02:00"),
        # GitLab Medium, 8 h 24x5: 4 h on Friday, 4 h on Monday
        ("Priority Support", 3, "target_minutes", "2026-01-16T20:00", "2026-01-19T04:00"),
        # GitLab Low, 24 h 24x5: 15 h on Friday, 9 h on Monday
        ("Priority Support", 4, "target_minutes", "2026-01-16T09:00", "2026-01-19T09:00"),
        # GitLab legacy next business day, 24 h 24x5, raised Saturday: all of Monday
        ("Standard Support", None, "target_minutes", "2026-01-17T10:00", "2026-01-20T00:00"),
        # Highly Degraded over the spring change: Fri 22:00 GMT + 2 h, then Mon 00:00-02:00 BST
        ("Priority Support", 2, "target_minutes", "2026-03-27T22:00", "2026-03-30T02:00"),
        # Red Hat OpenShift Dedicated Sev1, "1 hour" (24x7): Saturday
        ("OpenShift Dedicated", 1, "initial", "2026-01-17T10:00", "2026-01-17T11:00"),
        # Sev3, "4 business hours": 2 h on Friday, Monday 09:00-11:00
        ("OpenShift Dedicated", 3, "initial", "2026-01-16T15:00", "2026-01-19T11:00"),
        # Sev4, "8 business hours": 2 h on Friday, 6 h on Monday
        ("OpenShift Dedicated", 4, "initial", "2026-01-16T15:00", "2026-01-19T15:00"),
        # Sev4 ongoing, "2 business days" = 16 h: 2 h Friday, 8 h Monday, 6 h Tuesday
        ("OpenShift Dedicated", 4, "ongoing", "2026-01-16T15:00", "2026-01-20T15:00"),
        # OpenShift Online Pro Basic, "2 business days", raised Saturday: the end of Tuesday
        ("OpenShift Online", 1, "initial", "2026-01-17T12:00", "2026-01-20T17:00"),
        # Production Standard Sev3, "1 business day": 30 min on Wednesday, 7 h 30 on Thursday
        ("Production support", 3, "standard", "2026-01-14T16:30", "2026-01-15T16:30"),
        # Production Standard Sev1, "1 business hour", in summer time: Friday 16:30 BST
        ("Production support", 1, "standard", "2026-06-12T16:30", "2026-06-15T09:30"),
        # Production Premium Sev2, "2 hours" (24x7): Sunday night
        ("Production support", 2, "premium", "2026-01-18T23:00", "2026-01-19T01:00"),
    ],
)
def test_published_sla_targets_give_the_deadlines_computed_by_hand(
    shared_data: Path, plan: str, severity: int | None, field: str, raised: str, due: str
) -> None:
    """A published target on its coverage (24x7; 24x5 Monday 00:00 to Friday 24:00; 8x5
    09:00-17:00 Monday to Friday; all in London time) gives the deadline worked out by hand."""
    target, calendar = published_target(shared_data, plan, severity, field)
    assert calendar.add(london(raised), target) == london(due)


def test_business_targets_are_read_as_hours_on_their_calendar() -> None:
    """The little parser of the published texts."""
    assert parse_target("4 business hours") == (timedelta(hours=4), EIGHT_FIVE)
    assert parse_target("2 business days or as agreed") == (timedelta(hours=16), EIGHT_FIVE)
    assert parse_target("1 business day") == (timedelta(hours=8), EIGHT_FIVE)
    assert parse_target("1 hour or as agreed") == (timedelta(hours=1), ALWAYS)
