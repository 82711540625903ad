"""In-memory fakes of every port. They behave like the real adapters where tests can tell:
aggregates are copied in and out (so forgetting to commit loses the change), versions are
checked on commit, and events are released only by a commit."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from caseloom.domain.case import Case, CaseStatus, case_number, case_ref
from caseloom.domain.conditions import Condition, Facts
from caseloom.domain.customer import Customer
from caseloom.domain.errors import ConcurrencyConflict, Conflict, DeliveryFailed, NotFound
from caseloom.domain.events import Event
from caseloom.domain.field.dispatch import DispatchPlan, DispatchProblem, Route, Stop, Visit
from caseloom.domain.field.geo import Point, TravelMatrix
from caseloom.domain.field.work_order import WorkOrder, WorkOrderStatus, work_order_number
from caseloom.domain.journey import JourneyEntry
from caseloom.domain.mail import (
    Attachment,
    FetchedMail,
    MailStatus,
    ReceivedMail,
    message_key,
)
from caseloom.domain.notification import Delivery, Notification
from caseloom.domain.policy import Policy, TriageSpec
from caseloom.domain.routing import Placement, Selection, Waiting, one_by_one
from caseloom.domain.sla import BusinessCalendar, Timer, TimerSpec
from caseloom.domain.triage import (
    LlmAnswer,
    LlmCall,
    LlmUnavailable,
    Signal,
    SignalQuestion,
    TriageResult,
)
from caseloom.domain.workforce import Rep, Technician

T = TypeVar("T", Rep, Technician)
A = TypeVar("A")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by


class FakeConditions:
    """Evaluates each condition with the Python predicate registered for its source text."""

    def __init__(self, predicates: dict[str, Callable[[Facts], bool]] | None = None) -> None:
        self.predicates = predicates or {}

    def matches(self, condition: Condition, facts: Facts) -> bool:
        return self.predicates[condition.source](facts)


class FakeTriageModel:
    """Reads every text as `result`, and every customer reply as `reply`."""

    def __init__(self, result: TriageResult, reply: TriageResult | None = None) -> None:
        self.result = result
        self.reply = reply or TriageResult("fake-replies@1", {})
        self.texts: list[str] = []

    def classify(self, text: str, spec: TriageSpec) -> TriageResult:
        self.texts.append(text)
        return self.result

    def classify_many(self, texts: Sequence[str], spec: TriageSpec) -> list[TriageResult]:
        return [self.classify(text, spec) for text in texts]

    def read_reply(self, text: str, spec: TriageSpec) -> TriageResult:
        self.texts.append(text)
        return self.reply


class FakeLlm:
    """Answers with `signals`, or fails with `failure` (an outcome such as "HTTP 429")."""

    label = "fake/llm-1"

    def __init__(self, signals: dict[str, Signal] | None = None, failure: str = "") -> None:
        self.signals = signals or {}
        self.failure = failure
        self.asked: list[tuple[str, tuple[SignalQuestion, ...]]] = []

    def classify(self, text: str, asked: tuple[SignalQuestion, ...]) -> LlmAnswer:
        self.asked.append((text, asked))
        if self.failure:
            raise LlmUnavailable(LlmCall(self.label, self.failure, attempts=3))
        wanted = {q.name for q in asked}
        call = LlmCall(self.label, "answered", input_tokens=120, output_tokens=30, cost=0.0004)
        return LlmAnswer({n: s for n, s in self.signals.items() if n in wanted}, call)


@dataclass
class FakeStore:
    """What the fake database holds; shared by every unit of work made from it."""

    cases: dict[int, Case] = field(default_factory=dict)
    reps: dict[str, Rep] = field(default_factory=dict)
    technicians: dict[str, Technician] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    policies: dict[tuple[str, int], str] = field(default_factory=dict)
    journey: dict[str, list[JourneyEntry]] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, str]] = field(default_factory=dict)
    timers: dict[tuple[int, str], StoredTimer] = field(default_factory=dict)
    outbox: list[StoredNotification] = field(default_factory=list)
    counter: int = 0
    work_orders: dict[int, WorkOrder] = field(default_factory=dict)
    mail: dict[int, StoredMail] = field(default_factory=dict)
    threads: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (case, id)
    attachments: list[tuple[int, int | None, Attachment]] = field(default_factory=list)
    status_links: dict[str, int] = field(default_factory=dict)  # token hash -> case number


@dataclass
class StoredMail:
    mail: ReceivedMail
    sender: str | None = None


@dataclass
class StoredTimer:
    id: int
    case_number: int
    spec: TimerSpec
    lease_until: datetime | None = None
    attempts: int = 0
    fired_at: datetime | None = None
    outcome: str | None = None


@dataclass
class StoredNotification:
    notification: Notification
    case_number: int | None
    next_attempt_at: datetime | None  # a claim moves it to the lease's end
    delivered_at: datetime | None = None
    result: str | None = None


class FakeTimerRepository:
    """Timers as the SQL repository keeps them; changes apply on commit, like a transaction."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.rows = copy.deepcopy(store.timers)

    def replace(self, case_number: int, timers: Sequence[TimerSpec]) -> None:
        stored = {k: r for (n, k), r in self.rows.items() if n == case_number}
        wanted = {t.key: t for t in timers if not (t.key in stored and stored[t.key].fired_at)}
        for key, row in stored.items():
            if row.fired_at is None and key not in wanted:
                del self.rows[(case_number, key)]
        for key, timer in wanted.items():
            row = stored.get(key)
            if row is None:
                self.rows[(case_number, key)] = StoredTimer(self._next_id(), case_number, timer)
            elif row.spec.due_at != timer.due_at:
                row.spec, row.lease_until = timer, None

    def claim(self, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Timer]:
        due = sorted(
            (
                r
                for r in self.rows.values()
                if r.fired_at is None
                and r.spec.due_at <= now
                and (r.lease_until is None or r.lease_until < now)
            ),
            key=lambda r: (r.spec.due_at, r.id),
        )[:limit]
        for row in due:
            row.lease_until, row.attempts = now + lease, row.attempts + 1
        return [
            Timer(
                r.id,
                r.case_number,
                r.spec.key,
                r.spec.metric,
                r.spec.escalation,
                r.spec.due_at,
                r.attempts,
            )
            for r in due
        ]

    def fire_many(self, timer_ids: Sequence[int], at: datetime) -> set[int]:
        marked = set()
        for row in self.rows.values():
            if row.id in timer_ids and row.fired_at is None:
                row.fired_at, row.outcome, row.lease_until = at, "fired", None
                marked.add(row.id)
        return marked

    def settle(self, timer_id: int, outcome: str) -> None:
        self._row(timer_id).outcome = outcome

    def postpone(self, timer_id: int, due_at: datetime) -> None:
        row = self._row(timer_id)
        row.spec, row.lease_until = replace(row.spec, due_at=due_at), None
        row.fired_at, row.outcome = None, None

    def _row(self, timer_id: int) -> StoredTimer:
        return next(r for r in self.rows.values() if r.id == timer_id)

    def record(self, case_number: int, timer: TimerSpec, at: datetime, outcome: str) -> bool:
        if (case_number, timer.key) in self.rows:
            return False
        row = StoredTimer(self._next_id(), case_number, timer, fired_at=at, outcome=outcome)
        self.rows[(case_number, timer.key)] = row
        return True

    def flush(self) -> None:
        self.store.timers = self.rows
        self.rows = copy.deepcopy(self.rows)

    def _next_id(self) -> int:
        return max((r.id for r in self.rows.values()), default=0) + 1


class FakeMailStore:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.mail = copy.deepcopy(store.mail)
        self.threads = dict(store.threads)
        self.attachments = list(store.attachments)

    def store(
        self,
        raw: bytes,
        *,
        message_id: str,
        source: str,
        envelope_from: str,
        envelope_to: Sequence[str],
        at: datetime,
    ) -> tuple[ReceivedMail, bool]:
        key = message_key(message_id)
        for row in self.mail.values():
            if message_key(row.mail.message_id) == key:
                return row.mail, False
        mail = ReceivedMail(
            len(self.mail) + 1, message_id, source, envelope_from, tuple(envelope_to), at, raw
        )
        self.mail[mail.id] = StoredMail(mail)
        return mail, True

    def get(self, mail_id: int) -> ReceivedMail:
        if mail_id not in self.mail:
            raise NotFound(f"no stored e-mail {mail_id}")
        return self.mail[mail_id].mail

    def settle(
        self,
        mail_id: int,
        status: MailStatus,
        outcome: str,
        *,
        at: datetime,
        sender: str | None = None,
        case_number: int | None = None,
    ) -> None:
        row = self.mail[mail_id]
        if row.mail.status is not MailStatus.RECEIVED:
            raise ConcurrencyConflict(f"stored e-mail {mail_id} was read by another process")
        row.mail = replace(row.mail, status=status, outcome=outcome, case_number=case_number)
        row.sender = sender

    def release(self, mail_id: int, outcome: str, *, at: datetime) -> None:
        row = self.mail[mail_id]
        row.mail = replace(row.mail, status=MailStatus.RECEIVED, outcome=outcome)

    def unsettled(self, received_before: datetime, limit: int) -> list[int]:
        waiting = [
            r.mail
            for r in self.mail.values()
            if r.mail.status is MailStatus.RECEIVED and r.mail.received_at < received_before
        ]
        return [m.id for m in sorted(waiting, key=lambda m: (m.received_at, m.id))][:limit]

    def count_from(self, sender: str, since: datetime) -> int:
        return sum(
            1 for r in self.mail.values() if r.sender == sender and r.mail.received_at >= since
        )

    def case_of(self, message_ids: Sequence[str]) -> int | None:
        keys = [message_key(m) for m in message_ids]
        return next((self.threads[k][0] for k in keys if k in self.threads), None)

    def remember(self, message_id: str, case_number: int, *, outbound: bool, at: datetime) -> None:
        self.threads.setdefault(message_key(message_id), (case_number, message_id))

    def thread(self, case_number: int) -> list[str]:
        return [m for number, m in self.threads.values() if number == case_number]

    def link(self, case_number: int, key: str, at: datetime) -> None:
        self._store.status_links[key] = case_number

    def attach(
        self, case_number: int, mail_id: int | None, files: Sequence[Attachment], at: datetime
    ) -> None:
        self.attachments += [(case_number, mail_id, f) for f in files]

    def has_file(self, case_number: int, file: Attachment) -> bool:
        return any(
            number == case_number
            and (kept.filename, kept.size, kept.content) == (file.filename, file.size, file.content)
            for number, _, kept in self.attachments
        )

    def flush(self) -> None:
        self._store.mail = copy.deepcopy(self.mail)
        self._store.threads, self._store.attachments = dict(self.threads), list(self.attachments)


class FakeMailbox:
    """An IMAP folder in memory: messages by UID, and which are marked done."""

    def __init__(self, *raw: bytes) -> None:
        self.messages = {str(uid): r for uid, r in enumerate(raw, start=1)}
        self.marked: list[str] = []

    def fetch(self, limit: int) -> list[FetchedMail]:
        new = [
            FetchedMail(uid, raw) for uid, raw in self.messages.items() if uid not in self.marked
        ]
        return new[:limit]

    def done(self, uids: Sequence[str]) -> None:
        self.marked += uids

    def close(self) -> None:
        pass


class FakeOutbox:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.rows = copy.deepcopy(store.outbox)

    def add(self, notification: Notification, case_number: int | None) -> None:
        stored = replace(notification, id=len(self.rows) + 1)
        self.rows.append(StoredNotification(stored, case_number, notification.created_at))

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Notification]:
        due = [r for r in self.rows if r.next_attempt_at is not None and r.next_attempt_at <= now]
        due = sorted(due, key=lambda r: r.next_attempt_at or now)[:limit]
        for row in due:
            row.next_attempt_at = now + lease
        return [r.notification for r in due]

    def settle(self, outcomes: Sequence[Delivery]) -> None:
        for outcome in outcomes:
            row = self._row(outcome.notification_id)
            row.delivered_at, row.next_attempt_at = outcome.delivered_at, outcome.retry_at
            row.result = outcome.result
            row.notification = replace(row.notification, attempts=row.notification.attempts + 1)

    def flush(self) -> None:
        self.store.outbox = self.rows
        self.rows = copy.deepcopy(self.rows)

    def _row(self, notification_id: int) -> StoredNotification:
        return next(r for r in self.rows if r.notification.id == notification_id)


def _stored(aggregate: A) -> A:
    """What a database keeps of an aggregate: its state, never its unreleased events."""
    kept = copy.deepcopy(aggregate)
    if isinstance(kept, Case | Rep | WorkOrder):
        kept.events.clear()
    return kept


class FakeCaseRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.seen: dict[int, Case] = {}
        self.new: dict[int, tuple[str, str] | None] = {}
        self.numbers: list[int] = []

    def next_number(self) -> int:
        self.numbers.append(self.store.counter + len(self.numbers) + 1)
        return self.numbers[-1]

    def add(self, case: Case, idempotency: tuple[str, str] | None = None) -> None:
        self.seen[case.number] = case
        self.new[case.number] = idempotency

    def get(self, ref: str) -> Case:
        number = case_number(ref)
        if number not in self.seen:
            if number not in self.store.cases:
                raise NotFound(f"no case {case_ref(number)}")
            self.seen[number] = copy.deepcopy(self.store.cases[number])
        return self.seen[number]

    def by_numbers(self, numbers: Sequence[int]) -> list[Case]:
        return [self.get(case_ref(n)) for n in numbers if n in self.store.cases or n in self.seen]

    def by_idempotency_key(self, key: str) -> tuple[str, str] | None:
        return self.store.idempotency.get(key)

    def queued(self, teams: Sequence[str], limit: int) -> list[Case]:
        waiting = [
            c
            for c in self.store.cases.values()
            if c.status is CaseStatus.QUEUED and c.team in teams
        ]
        ordered = sorted(waiting, key=lambda c: (c.waiting(c.opened_at).queue_key, c.number))
        return [self.get(c.ref) for c in ordered[:limit]]

    def _where(self, keep: Callable[[Case], bool], key: Callable[[Case], Any]) -> list[Case]:
        return [self.get(c.ref) for c in sorted(filter(keep, self.store.cases.values()), key=key)]

    def waiting_since(self, before: datetime, limit: int) -> list[Case]:
        return self._where(
            lambda c: (
                c.status is CaseStatus.QUEUED and c.queued_at is not None and c.queued_at <= before
            ),
            lambda c: (c.queued_at, c.number),
        )[:limit]

    def unrouted(self, triaged_before: datetime, limit: int) -> list[Case]:
        return self._where(
            lambda c: (
                c.status in (CaseStatus.TRIAGED, CaseStatus.REOPENED)
                and (c.next_due_at is not None or c.updated_at <= triaged_before)
            ),
            lambda c: (c.updated_at, c.number),
        )[:limit]

    def timed_by_older_policy(self, version: int, after: int, limit: int) -> list[Case]:
        def older(case: Case) -> bool:
            return case.number > after and any(
                c.running and c.policy_version < version for c in case.clocks.values()
            )

        return self._where(older, lambda c: c.number)[:limit]

    def offers_expired(self, now: datetime, limit: int) -> list[Case]:
        return self._where(
            lambda c: (
                c.status is CaseStatus.OFFERED
                and c.offer_expires_at is not None
                and c.offer_expires_at <= now
            ),
            lambda c: (c.offer_expires_at, c.number),
        )[:limit]

    def owned_by(self, rep_id: str, statuses: Sequence[CaseStatus]) -> list[Case]:
        return self._where(lambda c: c.owner == rep_id and c.status in statuses, lambda c: c.number)

    def recent_owners(
        self, customer_ids: Iterable[str | None], limit: int = 3
    ) -> dict[str, tuple[str, ...]]:
        owners: dict[str, tuple[str, ...]] = {}
        for customer in {c for c in customer_ids if c is not None}:
            mine = sorted(
                (c for c in self.store.cases.values() if c.customer_id == customer and c.owner),
                key=lambda c: c.updated_at,
                reverse=True,
            )
            if mine:
                owners[customer] = tuple(dict.fromkeys(c.owner for c in mine if c.owner))[:limit]
        return owners

    def teams_waiting(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in self.store.cases.values():
            if case.status is CaseStatus.QUEUED and case.team:
                counts[case.team] = counts.get(case.team, 0) + 1
        return counts

    def flush(self) -> None:
        for number, case in self.seen.items():
            stored = self.store.cases.get(number)
            if number in self.new:
                key = self.new[number]
                if key and key[0] in self.store.idempotency:
                    raise ConcurrencyConflict(f"Idempotency-Key {key[0]} was claimed meanwhile")
                if key:
                    self.store.idempotency[key[0]] = (case.ref, key[1])
            elif stored is None or stored.version != case.version:
                raise ConcurrencyConflict(f"{case.ref} was changed by someone else meanwhile")
            case.version += 1
            self.store.journey.setdefault(case.ref, []).extend(case.new_journey)
            case.new_journey.clear()
            case.new_messages.clear()
            self.store.cases[number] = _stored(case)
        self.store.counter += len(self.numbers)


class _Keyed(Generic[T]):
    """A repository of aggregates keyed by id, with version checks on commit."""

    def __init__(self, stored: dict[str, T], what: str) -> None:
        self.stored, self.what = stored, what
        self.seen: dict[str, T] = {}

    def add(self, item: T) -> None:
        self.seen[item.id] = item

    def find(self, key: str) -> T | None:
        if key not in self.seen and key in self.stored:
            self.seen[key] = copy.deepcopy(self.stored[key])
        return self.seen.get(key)

    def get(self, key: str) -> T:
        found = self.find(key)
        if found is None:
            raise NotFound(f"no {self.what} {key!r}")
        return found

    def flush(self) -> None:
        for key, item in self.seen.items():
            stored = self.stored.get(key)
            version = item.version
            if stored is not None and stored.version != version:
                raise ConcurrencyConflict(f"{self.what} {key} was changed meanwhile")
            item.version = version + 1
            self.stored[key] = _stored(item)


class FakeRepRepository(_Keyed[Rep]):
    def addresses(self, rep_ids: Sequence[str]) -> Mapping[str, str]:
        return {rep.id: rep.email for rep in map(self.find, rep_ids) if rep is not None}

    def in_team(self, team: str) -> list[Rep]:
        return [self.get(r.id) for r in self.stored.values() if team in r.teams]

    def roster(self, team: str, units: int) -> tuple[list[Rep], list[Rep]]:
        members = self.in_team(team)
        ready = [r for r in members if r.unavailability(units) is None]
        return ready, [r for r in members if r not in ready]


class FakeTechnicianRepository(_Keyed[Technician]):
    def in_team(self, team: str) -> list[Technician]:
        return [
            self.get(t.id)
            for t in sorted(self.stored.values(), key=lambda t: t.id)
            if t.team == team
        ]


class FakeWorkOrderRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.seen: dict[int, WorkOrder] = {}
        self.new: set[int] = set()

    def next_number(self) -> int:
        return len(self.store.work_orders) + len(self.new) + 1

    def add(self, order: WorkOrder) -> None:
        self.seen[order.number] = order
        self.new.add(order.number)

    def get(self, ref: str) -> WorkOrder:
        number = work_order_number(ref)
        if number not in self.seen:
            if number not in self.store.work_orders:
                raise NotFound(f"no work order {ref}")
            self.seen[number] = copy.deepcopy(self.store.work_orders[number])
        return self.seen[number]

    def for_case(self, ref: str) -> WorkOrder | None:
        mine = [o for o in self.store.work_orders.values() if o.case_ref == ref]
        return self.get(max(mine, key=lambda o: o.number).ref) if mine else None

    def unfinished(self, team: str) -> list[WorkOrder]:
        statuses = (WorkOrderStatus.OPEN, WorkOrderStatus.SCHEDULED)
        stored = sorted(self.store.work_orders.values(), key=lambda o: o.number)
        return [self.get(o.ref) for o in stored if o.team == team and o.status in statuses]

    def booked_with(
        self, technicians: Sequence[str], start: datetime, end: datetime
    ) -> list[WorkOrder]:
        def booked(order: WorkOrder) -> bool:
            live = order.appointment
            return live is not None and live.technician in technicians and start <= live.start < end

        return [self.get(o.ref) for o in self.store.work_orders.values() if booked(o)]

    def flush(self) -> None:
        for number, order in self.seen.items():
            stored = self.store.work_orders.get(number)
            if number not in self.new and (stored is None or stored.version != order.version):
                raise ConcurrencyConflict(f"{order.ref} was changed by someone else meanwhile")
            order.version += 1
            for at, appointment in enumerate(order.appointments, start=1):
                appointment.id = appointment.id or number * 100 + at
            self.store.work_orders[number] = _stored(order)


class FakeTravel:
    """Straight lines on a flat map: 111 km per degree either way, at 60 km/h."""

    def __init__(self) -> None:
        self.asked: list[int] = []  # the number of points of each matrix asked for

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        self.asked.append(len(points))
        metres = [
            [
                round(111_000 * (abs(a.latitude - b.latitude) + abs(a.longitude - b.longitude)))
                for b in points
            ]
            for a in points
        ]
        return TravelMatrix([[round(m * 0.06) for m in row] for row in metres], metres)

    def close(self) -> None:
        pass


class GreedySolver:
    """Pinned visits where they are, then each visit by priority at the end of the first
    allowed shift that still has room. No breaks, no capacities: enough for the agents' tests."""

    name = "greedy (test)"

    def solve(self, problem: DispatchProblem, budget: timedelta) -> DispatchPlan:
        routes: dict[str, list[Stop]] = {s.id: [] for s in problem.shifts}
        unassigned = []
        ordered = sorted(problem.visits, key=lambda v: (v.pin is None, -v.priority, v.id))
        for visit in ordered:
            if not self._place(problem, visit, routes):
                unassigned.append(visit.id)
        built = tuple(
            Route(s.id, tuple(routes[s.id]), 0, s.window.start, s.window.end)
            for s in problem.shifts
        )
        return DispatchPlan(built, tuple(unassigned), self.name)

    def _place(self, problem: DispatchProblem, visit: Visit, routes: dict[str, list[Stop]]) -> bool:
        for shift in problem.shifts:
            allowed = visit.shifts is None or shift.id in visit.shifts
            if not allowed or (visit.pin and visit.pin.shift != shift.id):
                continue
            stops = routes[shift.id]
            place = problem.visit(stops[-1].visit).place if stops else shift.start
            ready = (stops[-1].end if stops else shift.window.start) + problem.durations[place][
                visit.place
            ]
            start = (
                visit.pin.start if visit.pin else max(ready, *(w.start for w in visit.windows[:1]))
            )
            fits_window = not visit.windows or start <= visit.windows[0].end
            back = problem.durations[visit.place][
                shift.end if shift.end is not None else visit.place
            ]
            if fits_window and start + visit.service + back <= shift.window.end:
                stops.append(Stop(visit.id, ready, start, start + visit.service))
                return True
        return False


class FakeNotifier:
    """Records what it sends; `fail` makes the next sends fail (permanently if asked)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.failures: list[DeliveryFailed] = []

    def fail(self, message: str, *, permanent: bool = False, times: int = 1) -> None:
        self.failures.extend(DeliveryFailed(message, permanent=permanent) for _ in range(times))

    def send(self, notification: Notification) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(notification)
        return "250 OK"

    def close(self) -> None:
        pass


class OneByOneAssigner:
    """The plain batch: each case in queue order takes the best rep left."""

    def assign(
        self,
        queue: Sequence[Waiting],
        reps: Sequence[Rep],
        *,
        selection: Selection,
        now: datetime,
        calendars: Mapping[str, BusinessCalendar],
    ) -> list[Placement]:
        return one_by_one(queue, reps, selection=selection, now=now, calendars=calendars)


class FakeCustomerRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def add(self, customer: Customer) -> None:
        self.store.customers[customer.id] = customer

    def find(self, customer_id: str | None) -> Customer | None:
        return self.store.customers.get(customer_id) if customer_id else None

    def by_contact(self, email: str) -> Customer | None:
        email = email.strip().lower()
        return next(
            (c for c in self.store.customers.values() if any(p.email == email for p in c.contacts)),
            None,
        )


class FakePolicyRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def register(self, policy: Policy, source: str) -> None:
        stored = self.store.policies.setdefault((policy.name, policy.version), policy.digest)
        if stored != policy.digest:
            raise Conflict(f"policy {policy.ref} is already stored with different content")


class FakeUnitOfWork:
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.committed = False
        self._events: list[Event] = []

    def __enter__(self) -> Self:
        self.cases = FakeCaseRepository(self.store)
        self.reps = FakeRepRepository(self.store.reps, "rep")
        self.technicians = FakeTechnicianRepository(self.store.technicians, "technician")
        self.work_orders = FakeWorkOrderRepository(self.store)
        self.customers = FakeCustomerRepository(self.store)
        self.policies = FakePolicyRepository(self.store)
        self.timers = FakeTimerRepository(self.store)
        self.outbox = FakeOutbox(self.store)
        self.mail = FakeMailStore(self.store)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass  # uncommitted copies are simply dropped

    def after_commit(self, action: Callable[[], None]) -> None:
        action()

    def commit(self) -> None:
        self.cases.flush()
        self.reps.flush()
        self.technicians.flush()
        self.work_orders.flush()
        self.timers.flush()
        self.outbox.flush()
        self.mail.flush()
        self.committed = True
        seen = [
            *self.cases.seen.values(),
            *self.reps.seen.values(),
            *self.work_orders.seen.values(),
        ]
        for aggregate in seen:
            self._events.extend(aggregate.events)
            aggregate.events.clear()

    def rollback(self) -> None:
        pass

    def collect_new_events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.pop(0)
