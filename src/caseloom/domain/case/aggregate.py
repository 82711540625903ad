"""The Case aggregate: one customer problem, its lifecycle, and its journey.

Every change goes through a method here that checks the lifecycle, changes the state, appends a
sealed journey entry and raises an event. Handlers never set fields directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from caseloom.domain import events
from caseloom.domain.case.lifecycle import (
    IN_THE_FIELD,
    OCCUPYING,
    SEGMENT_KINDS,
    CaseStatus,
    check_move,
)
from caseloom.domain.case.values import (
    DEFAULT_PRIORITY,
    MAX_SUBJECT,
    Attribution,
    Channel,
    Message,
    MessageKind,
    Severity,
    case_ref,
    check_priority,
    check_text,
)
from caseloom.domain.conditions import Facts
from caseloom.domain.customer import Contact, Customer
from caseloom.domain.errors import IllegalTransition
from caseloom.domain.journey import EMPTY_CHAIN, ChainHead, JourneyEntry, seal
from caseloom.domain.policy import CUSTOMER_FIELDS, TRIAGE_FIELDS, ReplyChange
from caseloom.domain.routing.need import Need, Waiting
from caseloom.domain.sla import REACH, Segment, SlaClock, SlaMetric
from caseloom.domain.sla.calendar import human
from caseloom.domain.triage import ReplyReading, StampOutcome, TriageResult


@dataclass(eq=False)
class Case:
    number: int
    channel: Channel
    subject: str
    description: str
    contact: Contact
    customer_id: str | None
    opened_at: datetime
    updated_at: datetime
    policy_version: int  # the version that opened the case
    priority: int = DEFAULT_PRIORITY
    severity: Severity = Severity.MEDIUM
    product_line: str | None = None
    team: str | None = None
    owner: str | None = None
    status: CaseStatus = CaseStatus.NEW
    custom: dict[str, object] = field(default_factory=dict)
    mailbox: str | None = None  # the intake address an e-mailed case was written to
    need: Need = field(default_factory=Need)  # what a rep must have to take it, set by routing
    route: tuple[str, ...] = ()  # the planned team sequence chosen by routing
    rule: str | None = None  # the routing rule that chose the team
    queued_at: datetime | None = None  # since when it has waited for a rep; kept across offers
    offer_expires_at: datetime | None = None  # while offered to `owner`
    relaxed: tuple[str, ...] = ()  # the relaxation rungs taken, in order
    triage: TriageResult | None = None
    clocks: dict[str, SlaClock] = field(default_factory=dict)  # by metric
    segments: list[Segment] = field(default_factory=list)  # where its time went, in order
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    head: ChainHead = EMPTY_CHAIN
    version: int = 0
    new_journey: list[JourneyEntry] = field(default_factory=list)
    new_messages: list[Message] = field(default_factory=list)
    events: list[events.Event] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        number: int,
        channel: Channel,
        subject: str,
        description: str,
        contact: Contact,
        customer_id: str | None,
        custom: Mapping[str, object],
        by: Attribution,
        mailbox: str | None = None,
        follows: str | None = None,
    ) -> Case:
        case = cls(
            number=number,
            channel=channel,
            subject=check_text("the subject", subject, MAX_SUBJECT, required=True),
            description=check_text("the description", description),
            contact=contact,
            customer_id=customer_id,
            opened_at=by.at,
            updated_at=by.at,
            policy_version=by.policy_version,
            custom=dict(custom),
            mailbox=mailbox,
        )
        who = f"for customer {customer_id}" if customer_id else "by a contact with no account"
        inputs: dict[str, object] = {
            "channel": channel,
            "contact": contact.email,
            "subject": case.subject,
        }
        if mailbox:
            inputs["mailbox"] = mailbox
        decision: dict[str, object] = {"status": CaseStatus.NEW, "customer": customer_id}
        if follows:
            decision["follows"] = follows
        after = f", a follow-up to {follows}" if follows else ""
        case._record(
            "intake",
            by,
            inputs=inputs,
            decision=decision,
            reason=f"opened from {channel} {who}{after}",
        )
        case.events.append(events.CaseOpened(case.ref))
        return case

    @property
    def ref(self) -> str:
        return case_ref(self.number)

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.description}"

    @property
    def occupying_owner(self) -> str | None:
        """The rep whose capacity this case takes now, if any."""
        return self.owner if self.status in OCCUPYING else None

    @property
    def next_due_at(self) -> datetime | None:
        """The nearest deadline of a clock still running."""
        return min((c.due_at for c in self.clocks.values() if c.running and c.due_at), default=None)

    def sla_urgency(self, now: datetime) -> float:
        """The share of the tightest running SLA window already used, from 0 to 1."""
        shares = [
            (now - c.started_at) / (c.due_at - c.started_at)
            for c in self.clocks.values()
            if c.running and c.due_at and c.due_at > c.started_at
        ]
        return min(1.0, max(0.0, max(shares, default=0.0)))

    def waiting(self, now: datetime, previous_owners: tuple[str, ...] = ()) -> Waiting:
        """The case as routing sees it."""
        return Waiting(
            self.ref,
            self.need,
            self.priority,
            self.opened_at,
            self.queued_at,
            self.next_due_at,
            round(self.sla_urgency(now), 4),
            previous_owners,
        )

    def facts(
        self, customer: Customer | None, min_confidence: float, triage: TriageResult | None = None
    ) -> Facts:
        """What policy conditions see: the case, its customer, and the trusted triage signals."""
        result = triage or self.triage
        signals = result.facts(min_confidence) if result else {}
        case = {
            "ref": self.ref,
            "channel": str(self.channel),
            "subject": self.subject,
            "description": self.description,
            "priority": self.priority,
            "severity": str(self.severity),
            "product_line": self.product_line,
            "team": self.team,
            "status": str(self.status),
            "mailbox": self.mailbox,
            **self.custom,
        }
        return {
            "case": case,
            "customer": customer.facts() if customer else dict.fromkeys(CUSTOMER_FIELDS),
            "triage": {name: signals.get(name) for name in TRIAGE_FIELDS},
        }

    # -- triage, SLA and routing: the agents' decisions ----------------------------------------

    def apply_triage(
        self, result: TriageResult, stamps: StampOutcome, min_confidence: float, by: Attribution
    ) -> None:
        self._move(CaseStatus.TRIAGED)
        self.triage = result
        for name, value in stamps.changes.items():
            self._stamp(name, value)
        fired = ", ".join(stamps.fired)
        self._record(
            "triage",
            by,
            inputs=result.journey_inputs(),
            decision={
                "stamps": dict(stamps.changes),
                "rules": list(stamps.fired),
                "unknown_below_threshold": list(result.below(min_confidence)),
            },
            reason=f"stamped by {fired}" if fired else "no stamp rule matched; defaults kept",
        )
        self.events.append(events.CaseTriaged(self.ref))

    def hold_for_review(
        self, result: TriageResult, unsure: tuple[str, ...], min_confidence: float, by: Attribution
    ) -> None:
        """No model read `unsure` surely enough: the case waits for a person to settle them."""
        self._move(CaseStatus.TRIAGE_REVIEW)
        self.triage = result
        readings = ", ".join(
            f"{name} {result.signals[name].confidence:.2f}" if name in result.signals else name
            for name in unsure
        )
        asked = f"; {result.llm.provider}: {result.llm.outcome}" if result.llm else ""
        self._record(
            "triage",
            by,
            inputs=result.journey_inputs(),
            decision={"review": list(unsure), "stamps": {}, "rules": []},
            reason=f"unsure of {readings} (below {min_confidence}){asked}: a person reviews it",
        )
        self.events.append(events.TriageReviewRequested(self.ref, unsure))

    def restamp(self, stamps: StampOutcome, changes: tuple[str, ...], by: Attribution) -> None:
        """A customer's reply changed the signals (already kept by `add_message`): apply the
        stamps that now fire."""
        _, changed = self._set(stamps.changes)
        fired = ", ".join(stamps.fired) or "no stamp rule"
        self._record(
            "triage",
            by,
            inputs=self.triage.journey_inputs() if self.triage else {},
            decision={"stamps": dict(stamps.changes), "rules": list(stamps.fired)},
            reason=f"the customer's reply showed {', '.join(changes)}; re-stamped by {fired}",
        )
        if changed:
            self.events.append(events.CaseFactsChanged(self.ref, changed))

    def _set(self, values: Mapping[str, object]) -> tuple[dict[str, object], tuple[str, ...]]:
        """Set the fields; return their values before, and the names of those that changed."""
        before = {name: self._field(name) for name in values}
        for name, value in values.items():
            self._stamp(name, value)
        return before, tuple(n for n in values if self._field(n) != before[n])

    def _field(self, name: str) -> object:
        if name in ("severity", "priority", "product_line"):
            return getattr(self, name)
        return self.custom.get(name)

    def _stamp(self, name: str, value: object) -> None:
        if name == "severity":
            self.severity = Severity(str(value))
        elif name == "priority":
            self.priority = check_priority(int(str(value)))
        elif name == "product_line":
            self.product_line = None if value is None else str(value)
        else:
            self.custom[name] = value

    def start_clocks(self, clocks: list[SlaClock], rule: str, by: Attribution) -> None:
        self.clocks = {clock.metric: clock for clock in clocks}
        self._record(
            "sla",
            by,
            inputs={"priority": self.priority, "severity": self.severity},
            decision={
                "policy": rule,
                "due": _deadlines(clocks),
                "targets": {c.metric: human(c.target) for c in clocks},
                "calendar": clocks[0].calendar if clocks else None,
            },
            reason=f"SLA policy {rule} is the first that matches",
        )
        self.events.append(events.SlaStarted(self.ref))

    def retime(self, clocks: list[SlaClock], reason: str, by: Attribution) -> None:
        """The Supervisor paused, resumed, stopped, restarted or retargeted clocks."""
        before = _deadlines(list(self.clocks.values()))
        self.clocks.update({clock.metric: clock for clock in clocks})
        self._record(
            "sla",
            by,
            inputs={"due_before": before},
            decision={
                "due": _deadlines(clocks),
                "state": {c.metric: _clock_state(c) for c in clocks},
                "policy": sorted({f"{c.policy}@{c.policy_version}" for c in clocks}),
            },
            reason=reason,
        )
        self.events.append(events.SlaRetimed(self.ref))

    def note(
        self,
        step: str,
        reason: str,
        by: Attribution,
        *,
        inputs: Mapping[str, object],
        decision: Mapping[str, object],
    ) -> None:
        """Put a decision that changes nothing else on the journey: a breach, a notification."""
        self._record(step, by, inputs=inputs, decision=decision, reason=reason)

    def raise_priority(
        self, steps: int, reason: str, decision: Mapping[str, object], by: Attribution
    ) -> None:
        """An escalation raises the priority (1 is the highest)."""
        before = self.priority
        self.priority = check_priority(max(1, self.priority - steps))
        self._record(
            "escalation",
            by,
            inputs={"priority": before},
            decision={**decision, "priority": self.priority},
            reason=reason,
        )
        if self.priority != before:
            self.events.append(events.CaseFactsChanged(self.ref, ("priority",)))

    def apply_routing(
        self,
        *,
        team: str,
        route: tuple[str, ...],
        need: Need,
        owner: str | None,
        inputs: Mapping[str, object],
        decision: Mapping[str, object],
        reason: str,
        by: Attribution,
        rule: str | None = None,
        offer_expires_at: datetime | None = None,
    ) -> None:
        """Place the case with a team, and with a rep when one was chosen: assigned, or offered
        until `offer_expires_at`. With no rep it waits in the team's queue, keeping its age."""
        previous = self.occupying_owner
        released = self.need.units
        status = CaseStatus.QUEUED
        if owner:
            status = CaseStatus.OFFERED if offer_expires_at else CaseStatus.ASSIGNED
        self._move(status)
        self.team, self.route, self.need, self.owner = team, route, need, owner
        self.rule = rule or self.rule
        self.offer_expires_at = offer_expires_at if owner else None
        if status is CaseStatus.ASSIGNED:
            self.queued_at = None
        elif self.queued_at is None:
            self.queued_at = by.at
        self._record("routing", by, inputs=inputs, decision=decision, reason=reason)
        if previous:
            self.events.append(events.CaseReleased(self.ref, previous, released))
        if status is CaseStatus.ASSIGNED and owner:
            self.events.append(events.CaseAssigned(self.ref, owner, team))
        elif status is CaseStatus.OFFERED and owner and offer_expires_at:
            self.events.append(events.CaseOffered(self.ref, owner, team, offer_expires_at))
        else:
            self.events.append(events.CaseQueued(self.ref, team))

    def accept_offer(self, rep_id: str, by: Attribution) -> None:
        self._check_offered_to(rep_id)
        self._transition(CaseStatus.ASSIGNED, "routing", by, f"{rep_id} accepted the offer")
        self.offer_expires_at, self.queued_at = None, None
        self.events.append(events.CaseAssigned(self.ref, rep_id, self.team or ""))

    def decline_offer(self, rep_id: str, reason: str, by: Attribution) -> None:
        """The rep declined, or the offer lapsed: back to the queue with its original age; the
        rep is skipped for this case from now on."""
        self._check_offered_to(rep_id)
        self._move(CaseStatus.QUEUED)
        self.need = self.need.declined_by(rep_id)
        self.owner, self.offer_expires_at = None, None
        self._record(
            "routing",
            by,
            inputs={"offered_to": rep_id},
            decision={"status": CaseStatus.QUEUED, "declined": sorted(self.need.declined)},
            reason=reason,
        )
        self.events.append(events.CaseReleased(self.ref, rep_id, self.need.units))
        self.events.append(events.CaseRequeued(self.ref, reason))

    def _check_offered_to(self, rep_id: str) -> None:
        if self.status is not CaseStatus.OFFERED or self.owner != rep_id:
            raise IllegalTransition(f"case {self.ref} is not offered to {rep_id}")

    def relax(
        self,
        action: str,
        reason: str,
        *,
        need: Need,
        team: str,
        priority: int,
        by: Attribution,
        escalated_to: str | None = None,
    ) -> None:
        """Take one rung of the relaxation ladder: a case still waiting gives something up."""
        if self.status is not CaseStatus.QUEUED:
            raise IllegalTransition(f"case {self.ref} is {self.status}, not waiting in a queue")
        before = {"team": self.team, "priority": self.priority, "need": self.need.describe()}
        self.need, self.team, self.priority = need, team, check_priority(priority)
        self.relaxed = (*self.relaxed, action)
        self._record(
            "routing",
            by,
            inputs={
                "queued_since": self.queued_at.isoformat() if self.queued_at else None,
                "before": before,
            },
            decision={
                "relaxation": action,
                "rung": len(self.relaxed),
                "team": team,
                "priority": self.priority,
                "need": need.describe(),
                "escalated_to": escalated_to,
            },
            reason=reason,
        )
        if escalated_to:
            self.events.append(events.CaseEscalated(self.ref, escalated_to, reason))
        self.events.append(events.CaseRequeued(self.ref, reason))

    def change(self, changes: Mapping[str, object], reason: str, by: Attribution) -> None:
        """A person sets severity, priority, product line or custom fields."""
        before, changed = self._set(changes)
        self._record(
            "change",
            by,
            inputs={"before": before},
            decision={"after": {n: self._field(n) for n in changes}},
            reason=reason or f"changed by {by.actor}",
        )
        if changed:
            self.events.append(events.CaseFactsChanged(self.ref, changed))

    # -- field service ------------------------------------------------------------------------

    def hand_off(
        self,
        team: str,
        *,
        inputs: Mapping[str, object],
        decision: Mapping[str, object],
        reason: str,
        by: Attribution,
    ) -> None:
        """The desk hands the case to a field team: the rep's capacity is freed, the work
        order (in `decision`) goes with it."""
        previous, units = self.occupying_owner, self.need.units
        self._move(CaseStatus.HANDED_OFF)
        self.team, self.owner, self.offer_expires_at, self.queued_at = team, None, None, None
        self._record("handoff", by, inputs=inputs, decision=decision, reason=reason)
        if previous:
            self.events.append(events.CaseReleased(self.ref, previous, units))

    def follow_visit(
        self,
        to: CaseStatus,
        technician: str | None,
        *,
        step: str,
        decision: Mapping[str, object],
        reason: str,
        by: Attribution,
    ) -> None:
        """A visit was booked, rebooked or cancelled, or the technician arrived: the case
        follows (the technician owns it while a visit is booked)."""
        before = self.status
        self._move(to)
        self.owner = technician
        self._record(step, by, inputs={"from": before}, decision=decision, reason=reason)

    # -- the work, by people ------------------------------------------------------------------

    def start_work(self, by: Attribution) -> None:
        self._transition(CaseStatus.IN_PROGRESS, "work", by, "work started")

    def wait_on_customer(self, reason: str, by: Attribution) -> None:
        self._transition(
            CaseStatus.WAITING_ON_CUSTOMER, "work", by, reason or "waiting on the customer"
        )

    def resolve(self, resolution: str, by: Attribution) -> None:
        note = check_text("the resolution", resolution, required=True)
        owner, in_the_field = self.occupying_owner, self.status in IN_THE_FIELD
        self._transition(CaseStatus.RESOLVED, "resolution", by, note)
        self.resolved_at = by.at
        self._meet(SlaMetric.FIRST_RESPONSE, by.at)
        self._meet(SlaMetric.RESOLUTION, by.at)
        if owner:
            self.events.append(events.CaseReleased(self.ref, owner, self.need.units))
        if in_the_field:
            self.events.append(events.ResolvedInTheField(self.ref))

    def close(self, by: Attribution) -> None:
        self._transition(CaseStatus.CLOSED, "resolution", by, "closed")
        self.closed_at = by.at

    def reopen(self, reason: str, by: Attribution) -> None:
        self._transition(CaseStatus.REOPENED, "resolution", by, reason or "reopened")
        self.owner, self.resolved_at, self.closed_at = None, None, None
        if SlaMetric.RESOLUTION in self.clocks:
            self.clocks[SlaMetric.RESOLUTION] = self.clocks[SlaMetric.RESOLUTION].reopen(by.at)
        self.events.append(events.CaseReopened(self.ref))

    def add_message(
        self, kind: MessageKind, body: str, by: Attribution, reading: ReplyReading | None = None
    ) -> None:
        """A rep reply answers the customer; a customer reply resumes or reopens the case.

        `reading` is what the Triage agent made of a customer's reply: a reply that confirms the
        fix does not reopen a resolved case, and what changed is raised for the agents to act on.
        """
        text = check_text("the message", body, required=True)
        if self.status is CaseStatus.CLOSED and kind is not MessageKind.CUSTOMER_REPLY:
            raise IllegalTransition(f"case {self.ref} is closed; only a customer reply reopens it")
        self.new_messages.append(Message(kind, by.actor, text, by.at))
        inputs: dict[str, object] = {"kind": kind, "characters": len(text)}
        decision: dict[str, object] = {}
        if reading:
            inputs["reading"] = reading.result.journey_inputs()
            decision["changes"] = list(reading.changes)
            if self.triage and reading.updates:
                self.triage = self.triage.corrected(reading.updates, "reply")
        self._record(
            "message",
            by,
            inputs=inputs,
            decision=decision,
            reason=f"{kind.replace('_', ' ')} added",
        )
        if kind is MessageKind.REP_REPLY:
            self._meet(SlaMetric.FIRST_RESPONSE, by.at)
            self._meet(SlaMetric.NEXT_RESPONSE, by.at)
            self.events.append(events.RepReplied(self.ref, text, self.head.seq))
        elif kind is MessageKind.CUSTOMER_REPLY:
            self._on_customer_reply(by, reading.changes if reading else ())
            self.events.append(events.CustomerReplied(self.ref))
        if reading and reading.changes:
            self.events.append(events.ReplyInterpreted(self.ref, reading.changes))

    def _on_customer_reply(self, by: Attribution, changes: tuple[str, ...]) -> None:
        if self.status is CaseStatus.WAITING_ON_CUSTOMER:
            self._transition(CaseStatus.IN_PROGRESS, "work", by, "the customer replied")
        elif (
            self.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
            and ReplyChange.CONFIRMED_FIXED not in changes
        ):
            self.reopen("the customer replied after resolution", by)

    # -- internals ----------------------------------------------------------------------------

    def _track(self, at: datetime) -> None:
        """Start a new segment when the kind of wait, the owner or the team changed; meet a
        "reach status" target the case has reached."""
        self._meet(f"{REACH}{self.status}", at)
        kind, owner = SEGMENT_KINDS[self.status], self.occupying_owner
        last = self.segments[-1] if self.segments else None
        if last and last.same_stretch(kind, owner, self.team):
            return
        if last:
            self.segments[-1] = replace(last, ended_at=at)
        self.segments.append(Segment(kind, at, None, owner, self.team))

    def _meet(self, metric: str, at: datetime) -> None:
        if metric in self.clocks:
            self.clocks[metric] = self.clocks[metric].meet(at)

    def _move(self, to: CaseStatus) -> None:
        check_move(self.ref, self.status, to)
        if to is not self.status:
            self.events.append(events.CaseMoved(self.ref, str(to)))
        self.status = to

    def _transition(self, to: CaseStatus, step: str, by: Attribution, reason: str) -> None:
        before = self.status
        self._move(to)
        self._record(step, by, inputs={"from": before}, decision={"status": to}, reason=reason)

    def _record(
        self,
        step: str,
        by: Attribution,
        *,
        inputs: Mapping[str, object],
        decision: Mapping[str, object],
        reason: str,
    ) -> None:
        self._track(by.at)
        draft = JourneyEntry(
            self.ref, 0, step, by.actor, inputs, decision, reason, by.policy_version, by.at
        )
        entry = seal(self.head, draft)
        self.new_journey.append(entry)
        self.head = ChainHead(entry.seq, entry.hash)
        self.updated_at = by.at


def _deadlines(clocks: list[SlaClock]) -> dict[str, str | None]:
    return {c.metric: c.due_at.isoformat() if c.due_at else None for c in clocks}


def _clock_state(clock: SlaClock) -> str:
    if clock.stopped_at:
        return "stopped"
    if clock.met_at:
        return "met"
    return f"paused: {clock.pauses[-1].reason}" if clock.paused else "running"
