"""The shape of a policy document. Values are checked here; cross-references in `loader`."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from caseloom.domain.case import Channel
from caseloom.domain.field.work_order import MAX_DURATION
from caseloom.domain.mail.outbound import (
    DEFAULT_ACK_BODY,
    DEFAULT_ACK_SUBJECT,
    DEFAULT_REPLY_SUBJECT,
)
from caseloom.domain.routing.spec import FACTORS, REROUTE_FIELDS, SelectionModel
from caseloom.domain.sla import MINUTES_PER_DAY, Interval
from caseloom.domain.triage import SIGNALS

_DURATION = re.compile(r"(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?")
_INTERVAL = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_duration(value: object) -> timedelta:
    match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 90m, 4h, 2d or 1h30m")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not duration:
        raise ValueError("a duration must be longer than zero")
    return duration


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def written(duration: timedelta) -> str:
    """A duration the way the policy writes it: 90 minutes is 1h30m."""
    rest, text = int(duration.total_seconds()), ""
    for unit, seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, seconds)
        text += f"{count}{unit}" if count else ""
    return text


def at_most(limit: timedelta) -> AfterValidator:
    """A duration no longer than `limit`."""

    def check(value: timedelta) -> timedelta:
        if value > limit:
            raise ValueError(f"{written(value)} is longer than the {written(limit)} allowed")
        return value

    return AfterValidator(check)


Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
Level = Annotated[int, Field(ge=1, le=10)]


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(
                f"{spec!r} is not a day or day range; write e.g. mon-fri, sat or mon,wed"
            )
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    return days


def _interval(text: str) -> Interval:
    match = _INTERVAL.fullmatch(text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a time range; write e.g. "08:00-12:30"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or not 0 <= start < end <= MINUTES_PER_DAY:
        raise ValueError(f"{text!r} must start before it ends, within one day (up to 24:00)")
    return start, end


def weekly(hours: dict[str, list[str]]) -> tuple[tuple[Interval, ...], ...]:
    week: list[list[Interval]] = [[] for _ in DAYS]
    for spec, ranges in hours.items():
        for index in _days(spec):
            week[index].extend(_interval(text) for text in ranges)
    for name, intervals in zip(DAYS, week, strict=True):
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            if start < end:
                raise ValueError(f"the hours on {name} overlap")
    if not any(week):
        raise ValueError("the calendar is never open")
    return tuple(tuple(day) for day in week)


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HolidaysDoc(Doc):
    country: str | None = None  # ISO 3166 code, e.g. GB: its public holidays, every year
    subdiv: str | None = None  # a region of it, e.g. ENG, SCT
    dates: list[date] = []  # closed on these days too
    open_on: list[date] = []  # open on these, though they are public holidays


class CalendarDoc(Doc):
    timezone: str = "UTC"
    hours: Literal["24x7"] | dict[str, list[str]]
    holidays: HolidaysDoc | None = None

    @model_validator(mode="after")
    def _no_holidays_24x7(self) -> CalendarDoc:
        if self.hours == "24x7" and self.holidays:
            raise ValueError("a 24x7 calendar is never closed, so it takes no holidays")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone; write e.g. Europe/London") from None
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str | dict[str, list[str]]) -> str | dict[str, list[str]]:
        if isinstance(value, dict):
            weekly(value)
        return value


class TeamDoc(Doc):
    kind: Literal["service", "field"]
    calendar: str = "24x7"
    manager: str | None = None


class CustomFieldDoc(Doc):
    type: Literal["string", "number", "boolean"]
    choices: list[str] = []


class StampDoc(Doc):
    name: str | None = None
    when: str | None = None
    set: dict[str, str | int | float | bool] = Field(min_length=1)


def _signals(value: list[str]) -> list[str]:
    unknown = [name for name in value if name not in SIGNALS]
    if unknown:
        raise ValueError(f"unknown signal {', '.join(unknown)}; signals: {', '.join(SIGNALS)}")
    return value


class LlmPriceDoc(Doc):
    input: float = Field(ge=0)  # per million input tokens
    output: float = Field(ge=0)  # per million output tokens


class BreakerDoc(Doc):
    failures: int = Field(5, ge=1, le=100)
    cooldown: Duration = timedelta(minutes=1)


class LlmDoc(Doc):
    provider: Literal["openai", "anthropic", "google", "openai-compatible"]
    model: str = Field(min_length=1, max_length=200)
    base_url: str | None = Field(None, pattern=r"^https?://\S+$")
    timeout: Duration = timedelta(seconds=10)
    retries: int = Field(2, ge=0, le=5)
    redact: list[Literal["email", "phone", "card"]] = ["email", "phone", "card"]
    price: LlmPriceDoc | None = None
    breaker: BreakerDoc = BreakerDoc()
    ask: list[str] = []  # default: the signals under `review`, else every signal

    @field_validator("ask")
    @classmethod
    def _known_signals(cls, value: list[str]) -> list[str]:
        return _signals(value)

    @model_validator(mode="after")
    def _compatible_needs_url(self) -> LlmDoc:
        if self.provider == "openai-compatible" and not self.base_url:
            raise ValueError("an openai-compatible provider needs its base_url")
        return self


ReplyChangeName = Literal["confirmed_fixed", "still_broken", "sentiment_drop", "urgency_rise"]


class TriageDoc(Doc):
    model: Literal["local", "llm"] = "local"
    min_confidence: float = Field(0.6, ge=0, le=1)
    signals: list[str] = list(SIGNALS)
    intents: dict[Name, list[str]] = {}
    product_lines: dict[Name, list[str]] = {}
    models: dict[str, str] = {}
    models_dir: str = "models"
    llm: LlmDoc | None = None
    review: list[str] = []
    replies: dict[ReplyChangeName, Literal["nothing", "resolve", "restamp"]] = {}
    stamps: list[StampDoc] = []

    @field_validator("signals", "review")
    @classmethod
    def _known_signals(cls, value: list[str]) -> list[str]:
        return _signals(value)

    @field_validator("models")
    @classmethod
    def _known_model_signals(cls, value: dict[str, str]) -> dict[str, str]:
        readable = [s for s in SIGNALS if s != "language"]
        unknown = [name for name in value if name not in readable]
        if unknown:
            raise ValueError(
                f"no trained model reads {', '.join(unknown)}; models read: {', '.join(readable)}"
            )
        return value


class PauseDoc(Doc):
    reason: Name  # the reason code on the pause segment
    when: str


_STATUS_IS = re.compile(r'\s*case\.status\s*==\s*"([a-z_]+)"\s*')


def _pauses(value: object) -> object:
    """`pause_when: <condition>` is one pause whose reason is the status it names (or "paused")."""
    if isinstance(value, str):
        match = _STATUS_IS.fullmatch(value)
        return [{"reason": match.group(1) if match else "paused", "when": value}]
    return value


Status = Literal[
    "queued",
    "offered",
    "assigned",
    "in_progress",
    "waiting_on_customer",
    "handed_off",
    "visit_scheduled",
    "on_site",
    "resolved",
    "closed",
]


class SlaDoc(Doc):
    name: Name
    when: str | None = None
    calendar: str = "24x7"
    targets: dict[Literal["first_response", "next_response", "resolution"], Duration] = {}
    reach: dict[Status, Duration] = {}  # reach this status within (open time)
    pause_when: Annotated[list[PauseDoc], BeforeValidator(_pauses)] = []
    stop_when: str | None = None

    @model_validator(mode="after")
    def _some_target(self) -> SlaDoc:
        if not self.targets and not self.reach:
            raise ValueError("an SLA policy needs at least one target (or `reach` target)")
        return self


Metric = Literal["first_response", "next_response", "resolution"]


def _action(value: object) -> object:
    """`raise_priority` alone, or `{notify: manager}`: one key naming the action."""
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        shorthand = {
            "notify": "to",
            "move_tier": "team",
            "webhook": "name",
            "raise_priority": "steps",
        }
        if name in shorthand and not isinstance(arg, dict):
            return {name: {shorthand[name]: arg}}
        return {name: arg if arg is not None else {}}
    raise ValueError(
        "write an action as one of: notify: owner, raise_priority, reassign: {team: tier2}, "
        "move_tier: tier2, webhook: <name>"
    )


class NotifyDoc(Doc):
    to: Literal["owner", "manager", "team"] = "team"  # {team: tier2} names the team
    team: str | None = None


class RaisePriorityDoc(Doc):
    steps: int = Field(1, ge=1, le=4)


class ReassignDoc(Doc):
    team: str | None = None
    keep_skills: bool = True


class MoveTierDoc(Doc):
    team: str


class WebhookCallDoc(Doc):
    name: str


class ActionDoc(Doc):
    notify: NotifyDoc | None = None
    raise_priority: RaisePriorityDoc | None = None
    reassign: ReassignDoc | None = None
    move_tier: MoveTierDoc | None = None
    webhook: WebhookCallDoc | None = None


_AT = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)\s*%\s*")


def _share(value: object) -> object:
    if value == "breach":
        return 1.0
    match = _AT.fullmatch(value) if isinstance(value, str) else None
    if not match or not 0 < float(match.group(1)) <= 100:
        raise ValueError(f"{value!r} is not a share of the window; write e.g. 75% (up to 100%)")
    return float(match.group(1)) / 100


class EscalationDoc(Doc):
    name: str | None = None
    at: Annotated[float, BeforeValidator(_share)] | None = None  # 75% of the window, or breach
    after: Duration | None = None  # this long into the window
    before: Duration | None = None  # this long before the breach
    of: Metric | None = None
    when: str | None = None
    do: list[Annotated[ActionDoc, BeforeValidator(_action)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_trigger(self) -> EscalationDoc:
        timed = [name for name in ("at", "after", "before") if getattr(self, name) is not None]
        if len(timed) > 1:
            raise ValueError(f"use one of at, after or before, not {' and '.join(timed)}")
        if timed and self.of is None:
            raise ValueError(f"`{timed[0]}` needs `of`: the clock it measures, e.g. of: resolution")
        if not timed and self.when is None:
            raise ValueError("an escalation needs a time (at, after or before ... of) or a `when`")
        if self.of is not None and not timed:
            raise ValueError("`of` needs a time: at: 75%, after: 2h or before: 30m")
        return self


class WebhookDoc(Doc):
    url: str = Field(pattern=r"^https?://\S+$")
    secret_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")


class NotificationsDoc(Doc):
    sender: str = Field("caseloom@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    people: dict[Name, Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = {}
    teams: dict[Name, Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = {}
    webhooks: dict[Name, WebhookDoc] = {}


def _certification(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"write a certification by its name, e.g. gas-safe; {value!r} is not one")
    return value.strip()


class RouteRuleDoc(Doc):
    name: str | None = None
    when: str | None = None
    route: list[str] = Field(min_length=1)
    skills: dict[str, Level] = {}
    optional_skills: dict[str, Level] = {}  # required until the relax ladder drops them
    certifications: list[Annotated[str, BeforeValidator(_certification)]] = []
    language: Literal["match", "any"] = "match"


class OfferDoc(Doc):
    timeout: Duration


Weight = Annotated[float, Field(ge=0, strict=True)]
Units = Annotated[int, Field(ge=1, le=100, strict=True)]


class SelectionDoc(Doc):
    model: str
    weights: dict[str, Weight] | None = None  # best_fit only; a factor left out weighs 0
    capacity: dict[str, Units] = {}  # units a case of each channel takes
    offer: OfferDoc | None = None  # absent: the chosen rep is assigned directly

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value not in set(SelectionModel):
            models = ", ".join(SelectionModel)
            raise ValueError(f"unknown selection model {value!r}; models: {models}")
        return value

    @field_validator("weights")
    @classmethod
    def _known_factors(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        unknown = [repr(name) for name in value if name not in FACTORS]
        if unknown:
            raise ValueError(f"unknown factor {', '.join(unknown)}; factors: {', '.join(FACTORS)}")
        if not any(value.values()):
            raise ValueError("at least one factor needs a weight above 0")
        return value

    @field_validator("capacity")
    @classmethod
    def _known_channels(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [repr(name) for name in value if name not in set(Channel)]
        if unknown:
            channels = ", ".join(Channel)
            raise ValueError(f"unknown channel {', '.join(unknown)}; channels: {channels}")
        return value


class RelaxStepDoc(Doc):
    after: Duration
    drop: Literal["optional_skills", "language"] | None = None
    overflow: str | None = None
    escalate: Literal["manager"] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> RelaxStepDoc:
        actions = [a for a in ("drop", "overflow", "escalate") if getattr(self, a) is not None]
        if len(actions) != 1:
            found = f"; this one has {' and '.join(actions)}" if actions else ""
            raise ValueError(f"a step takes one action: drop, overflow or escalate{found}")
        return self


class RerouteDoc(Doc):
    on: list[str] = list(REROUTE_FIELDS)
    move: Literal["never", "waiting", "unstarted", "always"] = "waiting"
    owner_offline: Literal["requeue", "keep"] = "requeue"


class BatchDoc(Doc):
    from_: int = Field(10, alias="from", ge=2)


class RoutingDoc(Doc):
    teams: list[RouteRuleDoc] = Field(min_length=1)
    selection: dict[str, SelectionDoc] = {}
    relax: list[RelaxStepDoc] = []
    reroute: RerouteDoc = RerouteDoc()
    batch: BatchDoc = BatchDoc()


class VisitDoc(Doc):
    """A work-order rule: what the visit needs when its condition holds."""

    name: str | None = None
    when: str | None = None
    skills: dict[str, Level] = {}
    certifications: list[Name] = []  # valid on the visit date
    equipment: list[Name] = []  # carried by the technician
    duration: Annotated[Duration, at_most(MAX_DURATION)] = timedelta(hours=1)


class HandoffDoc(Doc):
    name: str | None = None
    from_team: str = Field(alias="from")
    to: str
    when: str
    create: Literal["work_order"] = "work_order"
    sla: dict[Literal["response", "resolution"], Duration] = {}
    work_order: list[VisitDoc] = []  # first match; none: a one-hour visit needing nothing
    on: Literal["first_reply", "request"] = "first_reply"  # when the desk has answered, or asked


class RequiresDoc(Doc):
    """How matching reads requirements; these are the rules, spelled out for the reader."""

    certification: Literal["valid_on_visit_date"] = "valid_on_visit_date"
    equipment: Literal["from_work_order"] = "from_work_order"


class TravelDoc(Doc):
    model: Literal["haversine", "osrm", "valhalla"] = "haversine"
    speed_kmh: float = Field(40.0, gt=0, le=200)  # the straight-line model's average speed
    url: str | None = Field(None, pattern=r"^https?://\S+$")  # osrm and valhalla servers
    profile: str | None = None  # e.g. driving (osrm), auto (valhalla)
    timeout: Annotated[Duration, at_most(timedelta(minutes=2))] = timedelta(seconds=10)


class AppointmentsDoc(Doc):
    arrival_window: Annotated[Duration, at_most(timedelta(hours=12))] = timedelta(hours=2)
    offers: int = Field(5, ge=1, le=50)
    auto_book: bool = True  # the Field agent books the best offer at the handoff


class OptimiseDoc(Doc):
    horizon: Annotated[Duration, at_most(timedelta(days=14))] = timedelta(days=2)
    time_limit: Annotated[Duration, at_most(timedelta(minutes=5))] = timedelta(seconds=5)
    solver: Literal["vroom", "ortools"] = "vroom"
    emergency_priority: int = Field(1, ge=1, le=4)


class FieldDoc(Doc):
    requires: RequiresDoc = RequiresDoc()
    travel: TravelDoc = TravelDoc()
    appointments: AppointmentsDoc = AppointmentsDoc()
    optimise: OptimiseDoc = OptimiseDoc()


EmailAddress = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]


class IntakeAddressDoc(Doc):
    team: str | None = None  # mail to this address goes to this team; none: routing decides


class PerSenderDoc(Doc):
    messages: int = Field(30, ge=1, le=100_000)
    per: Duration = timedelta(hours=1)


class AcknowledgeDoc(Doc):
    subject: str = Field(DEFAULT_ACK_SUBJECT, min_length=1, max_length=300)
    body: str = Field(DEFAULT_ACK_BODY, min_length=1, max_length=20_000)


class IntakeDoc(Doc):
    addresses: dict[EmailAddress, IntakeAddressDoc] = {}  # none: mail to any address is taken
    reply_from: EmailAddress | None = None  # what mail to customers comes from; none: none sent
    acknowledge: AcknowledgeDoc | bool = True  # the acknowledgement of a new case, or false
    reply_subject: str = Field(DEFAULT_REPLY_SUBJECT, min_length=1, max_length=300)
    reply_to_closed: Literal["reopen", "follow_up"] = "reopen"
    reopen_within: Duration = timedelta(days=14)  # later replies to a closed case: follow-ups
    per_sender: PerSenderDoc = PerSenderDoc()
    max_attachment_mb: int = Field(10, ge=1, le=100)


class PolicyDoc(Doc):
    policy: Name
    version: int = Field(ge=1)
    calendars: dict[Name, CalendarDoc] = {}
    teams: dict[Name, TeamDoc] = Field(min_length=1)
    skills: list[Name] = []
    customer_tiers: list[Name] = Field(["standard"], min_length=1)
    custom_fields: dict[Name, CustomFieldDoc] = {}
    triage: TriageDoc = TriageDoc()
    sla: list[SlaDoc] = Field(min_length=1)
    escalations: list[EscalationDoc] = []
    notifications: NotificationsDoc = NotificationsDoc()
    routing: RoutingDoc
    handoffs: list[HandoffDoc] = []
    field: FieldDoc = FieldDoc()
    intake: IntakeDoc = IntakeDoc()
