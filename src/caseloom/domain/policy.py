"""The policy as immutable spec objects, parsed at the edge from what operations staff write.

Conditions stay text here (`Condition.source`); a `ConditionEngine` port compiles and evaluates
them. Each rule knows where it came from (`origin`, e.g. "policy.yaml:42") so every journey entry
can name the rule that decided it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum

from caseloom.domain.conditions import Condition, Facts, Matcher
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.spec import FieldSpec, VisitSpec
from caseloom.domain.mail.spec import IntakeSpec
from caseloom.domain.routing.spec import RoutingSpec
from caseloom.domain.sla import ALWAYS, BusinessCalendar, Escalation, SlaMetric
from caseloom.domain.workforce import Team

# Every field a condition may name. Custom case fields declared in a policy are added to "case".
CASE_FIELDS = (
    "ref",
    "channel",
    "subject",
    "description",
    "priority",
    "severity",
    "product_line",
    "team",
    "status",
    "mailbox",  # the address an e-mailed case was written to
)
CUSTOMER_FIELDS = ("id", "name", "tier", "account", "city", "country")
TRIAGE_FIELDS = (
    "sentiment",
    "sentiment_score",
    "intent",
    "urgency",
    "product_line",
    "on_site_required",
    "language",
)
STAMPABLE_FIELDS = ("severity", "priority", "product_line")


class FieldType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"


_PYTHON_TYPES: Mapping[FieldType, tuple[type, ...]] = {
    FieldType.STRING: (str,),
    FieldType.NUMBER: (int, float),
    FieldType.BOOLEAN: (bool,),
}


@dataclass(frozen=True, slots=True)
class CustomField:
    name: str
    type: FieldType
    choices: tuple[str, ...] = ()

    def check(self, value: object) -> None:
        if value is None:
            return
        is_bool = isinstance(value, bool)
        if not isinstance(value, _PYTHON_TYPES[self.type]) or (is_bool and self.type != "boolean"):
            raise InvalidInput(f"custom field {self.name} must be a {self.type}, not {value!r}")
        if self.choices and value not in self.choices:
            raise InvalidInput(
                f"custom field {self.name} must be one of {', '.join(self.choices)}, not {value!r}"
            )


@dataclass(frozen=True, slots=True)
class StampRule:
    label: str  # its name, or its place: "triage.stamps[1]"
    when: Condition | None
    set: Mapping[str, object]


class LlmProviderKind(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    OPENAI_COMPATIBLE = "openai-compatible"


class PersonalData(StrEnum):
    """Kinds of personal data that can be redacted before text leaves for an LLM provider."""

    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"


@dataclass(frozen=True, slots=True)
class LlmSpec:
    """The LLM a team brings: asked only where the local model is unsure (or first, if chosen)."""

    provider: LlmProviderKind
    model: str
    base_url: str | None = None  # required for openai-compatible; optional for the others
    timeout: timedelta = timedelta(seconds=10)  # per attempt
    retries: int = 2  # after the first attempt, for timeouts, 429s and server errors
    redact: frozenset[PersonalData] = frozenset(PersonalData)
    input_price: float | None = None  # per million input tokens, for the journey's cost
    output_price: float | None = None  # per million output tokens
    breaker_failures: int = 5  # consecutive failed calls that open the circuit
    breaker_cooldown: timedelta = timedelta(seconds=60)  # how long it stays open
    ask: tuple[str, ...] = ()  # the signals it is asked for (when unsure); each call costs

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


class ReplyAction(StrEnum):
    """What a re-read customer reply may lead to; policy picks one per kind of change."""

    NOTHING = "nothing"
    RESOLVE = "resolve"  # the customer confirmed the fix: resolve (a resolved case stays so)
    RESTAMP = "restamp"  # apply the stamps again with the reply's signals


class ReplyChange(StrEnum):
    CONFIRMED_FIXED = "confirmed_fixed"
    STILL_BROKEN = "still_broken"
    SENTIMENT_DROP = "sentiment_drop"
    URGENCY_RISE = "urgency_rise"


REPLY_ACTIONS: Mapping[ReplyChange, tuple[ReplyAction, ...]] = {
    ReplyChange.CONFIRMED_FIXED: (ReplyAction.NOTHING, ReplyAction.RESOLVE),
    ReplyChange.STILL_BROKEN: (ReplyAction.NOTHING, ReplyAction.RESTAMP),
    ReplyChange.SENTIMENT_DROP: (ReplyAction.NOTHING, ReplyAction.RESTAMP),
    ReplyChange.URGENCY_RISE: (ReplyAction.NOTHING, ReplyAction.RESTAMP),
}


@dataclass(frozen=True, slots=True)
class TriageSpec:
    model: str  # which reads first: "local" (the LLM only where unsure) or "llm"
    min_confidence: float
    signals: tuple[str, ...]
    intents: Mapping[str, tuple[str, ...]]  # intent -> keywords that indicate it
    product_lines: Mapping[str, tuple[str, ...]]  # product line -> keywords
    stamps: tuple[StampRule, ...]
    models: Mapping[str, str] = field(default_factory=dict)  # signal -> trained "name@version"
    models_dir: str = ""  # where the trained models are, resolved against the policy file
    llm: LlmSpec | None = None
    review: tuple[str, ...] = ()  # signals a person must settle when no model is sure
    replies: Mapping[ReplyChange, ReplyAction] = field(default_factory=dict)

    def reply_action(self, change: ReplyChange) -> ReplyAction:
        return self.replies.get(change, ReplyAction.NOTHING)

    def unsettled(self, confidences: Mapping[str, float]) -> tuple[str, ...]:
        """The signals under review that no reading has settled: unread or below the threshold."""
        return tuple(n for n in self.review if confidences.get(n, 0.0) < self.min_confidence)


@dataclass(frozen=True, slots=True)
class PauseRule:
    reason: str  # the reason code on the pause segment, e.g. "waiting_on_customer"
    when: Condition


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    name: str
    when: Condition | None  # None matches every case
    calendar: str
    targets: Mapping[str, timedelta]  # an SlaMetric, or "reach:<status>"
    pauses: tuple[PauseRule, ...] = ()  # the first that holds pauses the clocks, with its reason
    stop_when: Condition | None = None  # while it holds, the clocks stop for good

    def pause_reason(self, facts: Facts, matches: Matcher) -> str | None:
        return next((p.reason for p in self.pauses if matches(p.when, facts)), None)


@dataclass(frozen=True, slots=True)
class Webhook:
    name: str
    url: str
    secret_env: str | None = None  # the environment variable holding the signing secret


@dataclass(frozen=True, slots=True)
class NotificationSpec:
    """Where notifications go: people and teams by e-mail, systems by webhook."""

    sender: str = "caseloom@localhost"
    people: Mapping[str, str] = field(default_factory=dict)  # id (e.g. a manager) -> address
    teams: Mapping[str, str] = field(default_factory=dict)  # team -> shared address
    webhooks: Mapping[str, Webhook] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Handoff:
    from_team: str
    to_team: str
    when: Condition
    create: str  # what the handoff creates, e.g. "work_order"
    targets: Mapping[SlaMetric, timedelta]  # the field SLA, from the handoff
    visits: tuple[VisitSpec, ...] = ()  # first match says what the work order needs
    label: str = ""  # its name, or its place: "handoffs[1]"
    automatic: bool = True  # at the desk's first reply; else only when a person asks

    def visit_for(self, facts: Facts, matches: Matcher) -> VisitSpec:
        default = VisitSpec("the default visit", None)
        return next((v for v in self.visits if v.when is None or matches(v.when, facts)), default)


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    version: int
    digest: str  # sha256 of the source files, so a stored version cannot silently change
    calendars: Mapping[str, BusinessCalendar]
    teams: Mapping[str, Team]
    skills: frozenset[str]
    customer_tiers: tuple[str, ...]
    custom_fields: Mapping[str, CustomField]
    triage: TriageSpec
    sla: tuple[SlaPolicy, ...]
    routing: RoutingSpec
    handoffs: tuple[Handoff, ...]
    escalations: tuple[Escalation, ...] = ()
    notifications: NotificationSpec = NotificationSpec()
    field_service: FieldSpec = field(default_factory=FieldSpec)
    intake: IntakeSpec = field(default_factory=IntakeSpec)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def check_custom(self, values: Mapping[str, object]) -> dict[str, object]:
        """`values` if every custom field is declared and of its declared type."""
        for name, value in values.items():
            spec = self.custom_fields.get(name)
            if spec is None:
                known = ", ".join(sorted(self.custom_fields)) or "none are declared"
                raise InvalidInput(f"custom field {name!r} is not declared in the policy ({known})")
            spec.check(value)
        return dict(values)

    def sla_for(self, facts: Facts, matches: Matcher) -> SlaPolicy:
        return next(p for p in self.sla if p.when is None or matches(p.when, facts))

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar `name`; a clock whose calendar a later version removed counts 24x7."""
        return self.calendars.get(name) or replace(ALWAYS, name=name)

    def handoff_from(self, team: str | None, facts: Facts, matches: Matcher) -> Handoff | None:
        """The first handoff out of `team` whose criteria hold for `facts`."""
        return next(
            (h for h in self.handoffs if h.from_team == team and matches(h.when, facts)), None
        )

    def escalation(self, escalation_id: str) -> Escalation | None:
        return next((e for e in self.escalations if e.id == escalation_id), None)
