"""What the service layer needs from the outside world.

Adapters implement these ports; `tests/fakes.py` has an in-memory fake of each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from caseloom.domain.case import Case, CaseStatus
from caseloom.domain.conditions import Condition, Facts
from caseloom.domain.customer import Customer
from caseloom.domain.events import Event
from caseloom.domain.field.dispatch import DispatchPlan, DispatchProblem
from caseloom.domain.field.geo import Point, TravelMatrix
from caseloom.domain.field.work_order import WorkOrder
from caseloom.domain.mail import Attachment, FetchedMail, InboundMail, MailStatus, ReceivedMail
from caseloom.domain.notification import Delivery, Notification
from caseloom.domain.policy import Policy, TriageSpec
from caseloom.domain.routing import Placement, Selection, Waiting
from caseloom.domain.sla import BusinessCalendar, Timer, TimerSpec
from caseloom.domain.triage import LlmAnswer, SignalQuestion, TriageResult
from caseloom.domain.workforce import Rep, Technician


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class ConditionEngine(Protocol):
    def matches(self, condition: Condition, facts: Facts) -> bool:
        """Whether `condition` holds for `facts`; a comparison with a missing value is false."""
        ...


class TriageModel(Protocol):
    """A local model: reads text into signals on this machine, without any network."""

    def classify(self, text: str, spec: TriageSpec) -> TriageResult: ...

    def classify_many(self, texts: Sequence[str], spec: TriageSpec) -> list[TriageResult]:
        """The same as `classify` for each text, done together (much faster per text)."""
        ...

    def read_reply(self, text: str, spec: TriageSpec) -> TriageResult:
        """A customer's reply: sentiment, urgency and `reply_intent` (did the fix work?)."""
        ...


class LlmProvider(Protocol):
    """A team's own LLM, asked for the signals the local model is unsure of."""

    @property
    def label(self) -> str:
        """Provider and model, e.g. "openai/gpt-4o-mini"."""
        ...

    def classify(self, text: str, asked: tuple[SignalQuestion, ...]) -> LlmAnswer:
        """The asked signals, validated against their questions; raises `LlmUnavailable`.

        Personal data is redacted before the text leaves, as the policy says; timeouts, retries
        and the circuit breaker are the provider's own business, and each shows in the answer's
        (or the error's) `LlmCall`.
        """
        ...


class Notifier(Protocol):
    """Delivers a notification: e-mail over SMTP, a webhook over HTTP."""

    def send(self, notification: Notification) -> str:
        """Deliver it; return what the far end said (e.g. "250 OK", "HTTP 204").

        Raises `DeliveryFailed` (with `permanent=True` when retrying cannot help)."""
        ...


class MailReader(Protocol):
    """Reads a raw e-mail (RFC 5322 bytes, MIME) into what intake decides on."""

    def read(self, raw: bytes) -> InboundMail:
        """The message read; `MalformedMail` naming what is wrong when it cannot be."""
        ...


class Mailbox(Protocol):
    """An existing mailbox intake polls (IMAP). A message is marked done only after the case
    it made is committed, so a crash in between reads it again (intake is idempotent on
    Message-ID)."""

    def fetch(self, limit: int) -> list[FetchedMail]:
        """Up to `limit` messages not yet marked done, oldest first."""
        ...

    def done(self, uids: Sequence[str]) -> None:
        """Mark these messages processed, so `fetch` does not return them again."""
        ...

    def close(self) -> None: ...


class TravelTimes(Protocol):
    """How long it takes to drive between places: straight-line estimates or a routing server."""

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Seconds and metres from every point to every point; raises `TravelUnavailable`."""
        ...

    def close(self) -> None:
        """Release the connections to a routing server, if any."""
        ...


class DispatchSolver(Protocol):
    """A vehicle routing solver with time windows: which technician visits what, and when."""

    @property
    def name(self) -> str:
        """The solver and its settings, e.g. "vroom (exploration 5)", for the journey."""
        ...

    def solve(self, problem: DispatchProblem, budget: timedelta) -> DispatchPlan:
        """The best plan found within `budget`: pinned visits kept as pinned, every window,
        break, shift, capacity and allowed shift respected; what cannot fit is unassigned."""
        ...


class Assigner(Protocol):
    """Places many waiting cases on many reps at once (see `domain.routing.batch`)."""

    def assign(
        self,
        queue: Sequence[Waiting],
        reps: Sequence[Rep],
        *,
        selection: Selection,
        now: datetime,
        calendars: Mapping[str, BusinessCalendar],
    ) -> list[Placement]:
        """Which rep takes which case; no rep is given more than their spare capacity."""
        ...


class CaseRepository(Protocol):
    def next_number(self) -> int: ...

    def add(self, case: Case, idempotency: tuple[str, str] | None = None) -> None:
        """Store a new case; `idempotency` is (key, request digest) when the caller gave a key."""
        ...

    def get(self, ref: str) -> Case: ...

    def by_numbers(self, numbers: Sequence[int]) -> list[Case]:
        """The cases with these numbers that exist, loaded together."""
        ...

    def by_idempotency_key(self, key: str) -> tuple[str, str] | None:
        """(case ref, request digest) stored under `key`, if any."""
        ...

    def queued(self, teams: Sequence[str], limit: int) -> list[Case]:
        """Queued cases of `teams` in queue order: priority, time to SLA breach, queue age."""
        ...

    def waiting_since(self, before: datetime, limit: int) -> list[Case]:
        """Queued cases that have waited since `before` or longer, longest first."""
        ...

    def unrouted(self, triaged_before: datetime, limit: int) -> list[Case]:
        """Triaged or reopened cases routing has not placed (clocks running, or triaged before
        `triaged_before`): a worker routes them if their own event was lost."""
        ...

    def timed_by_older_policy(self, version: int, after: int, limit: int) -> list[Case]:
        """Open cases numbered above `after` with a running clock set by a policy version
        before `version`, in number order."""
        ...

    def offers_expired(self, now: datetime, limit: int) -> list[Case]:
        """Offered cases whose offer expired by `now`."""
        ...

    def owned_by(self, rep_id: str, statuses: Sequence[CaseStatus]) -> list[Case]: ...

    def recent_owners(
        self, customer_ids: Iterable[str | None], limit: int = 3
    ) -> dict[str, tuple[str, ...]]:
        """Per customer, who owned their most recent cases, most recent first, each once."""
        ...

    def teams_waiting(self) -> dict[str, int]:
        """How many cases wait in each team's queue."""
        ...


class RepRepository(Protocol):
    def add(self, rep: Rep) -> None: ...

    def get(self, rep_id: str) -> Rep: ...

    def find(self, rep_id: str) -> Rep | None: ...

    def addresses(self, rep_ids: Sequence[str]) -> Mapping[str, str]:
        """The e-mail address of each of these reps who exists, read together (and kept for the
        rest of the unit of work): who may be notified, without loading them in full."""
        ...

    def in_team(self, team: str) -> list[Rep]: ...

    def roster(self, team: str, units: int) -> tuple[list[Rep], list[Rep]]:
        """The team's reps who are available with `units` to spare (tracked, to be changed), and
        the others as read-only sketches: enough to say why they cannot take a case."""
        ...


class TechnicianRepository(Protocol):
    def add(self, technician: Technician) -> None: ...

    def get(self, technician_id: str) -> Technician: ...

    def find(self, technician_id: str) -> Technician | None: ...

    def in_team(self, team: str) -> list[Technician]: ...


class WorkOrderRepository(Protocol):
    def next_number(self) -> int: ...

    def add(self, order: WorkOrder) -> None: ...

    def get(self, ref: str) -> WorkOrder: ...

    def for_case(self, ref: str) -> WorkOrder | None:
        """The case's latest work order, if it has one."""
        ...

    def unfinished(self, team: str) -> list[WorkOrder]:
        """The team's open and scheduled work orders, oldest first."""
        ...

    def booked_with(
        self, technicians: Sequence[str], start: datetime, end: datetime
    ) -> list[WorkOrder]:
        """Work orders with a live visit of one of `technicians` starting in [start, end)."""
        ...


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None: ...

    def find(self, customer_id: str | None) -> Customer | None:
        """The customer, or None when there is none (or `customer_id` is None)."""
        ...

    def by_contact(self, email: str) -> Customer | None: ...


class TimerRepository(Protocol):
    """Durable SLA timers: one row per threshold of a clock, fired at least once."""

    def replace(self, case_number: int, timers: Sequence[TimerSpec]) -> None:
        """Make the case's pending timers exactly `timers`, less those whose key already fired."""
        ...

    def claim(self, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Timer]:
        """Lease up to `limit` due timers nobody holds (or whose lease ran out), earliest first."""
        ...

    def fire_many(self, timer_ids: Sequence[int], at: datetime) -> set[int]:
        """Mark these fired where still pending; the ids this call marked (the others were
        fired already, by a worker that took them after a lease ran out)."""
        ...

    def settle(self, timer_id: int, outcome: str) -> None:
        """A timer marked fired that did nothing: record why (its clock was met...)."""
        ...

    def postpone(self, timer_id: int, due_at: datetime) -> None:
        """Its deadline moved later: pending again, due at `due_at`, lease released."""
        ...

    def record(self, case_number: int, timer: TimerSpec, at: datetime, outcome: str) -> bool:
        """Store a timer fired at once (a condition escalation); False if its key already is."""
        ...


class NotificationOutbox(Protocol):
    """Notifications written with the decision that made them, delivered later by workers."""

    def add(self, notification: Notification, case_number: int | None) -> None: ...

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Notification]:
        """Lease up to `limit` notifications due for an attempt."""
        ...

    def settle(self, outcomes: Sequence[Delivery]) -> None:
        """Record attempts: delivered, to retry at a time, or given up (kept with the error)."""
        ...


class MailStore(Protocol):
    """E-mail as received, the Message-IDs of each case's thread, and attachments."""

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
        """Keep `raw`; with a Message-ID already stored, the earlier message and False."""
        ...

    def get(self, mail_id: int) -> ReceivedMail: ...

    def settle(
        self,
        mail_id: int,
        status: MailStatus,
        outcome: str,
        *,
        at: datetime,
        sender: str | None = None,
        case_number: int | None = None,
    ) -> None: ...

    def release(self, mail_id: int, outcome: str, *, at: datetime) -> None:
        """A quarantined message goes back to `received`, to be read again."""
        ...

    def unsettled(self, received_before: datetime, limit: int) -> list[int]:
        """Messages stored but never read (a crash in between), oldest first."""
        ...

    def count_from(self, sender: str, since: datetime) -> int:
        """Messages read from `sender` since then (what a rate limit counts)."""
        ...

    def case_of(self, message_ids: Sequence[str]) -> int | None:
        """The case whose thread has one of these Message-IDs, trying them in order."""
        ...

    def remember(self, message_id: str, case_number: int, *, outbound: bool, at: datetime) -> None:
        """This Message-ID belongs to the case's thread (a repeat is ignored)."""
        ...

    def thread(self, case_number: int) -> list[str]:
        """The Message-IDs of the case's thread, received and sent, oldest first."""
        ...

    def link(self, case_number: int, key: str, at: datetime) -> None:
        """Keep `key` (a hash of a status-page token) for the case."""
        ...

    def attach(
        self, case_number: int, mail_id: int | None, files: Sequence[Attachment], at: datetime
    ) -> None: ...

    def has_file(self, case_number: int, file: Attachment) -> bool:
        """Whether the case keeps this file already (same name and content)."""
        ...


class PolicyRepository(Protocol):
    def register(self, policy: Policy, source: str) -> None:
        """Store `policy` once; refuse a stored name and version whose content differs."""
        ...


class UnitOfWork(Protocol):
    @property
    def cases(self) -> CaseRepository: ...

    @property
    def reps(self) -> RepRepository: ...

    @property
    def technicians(self) -> TechnicianRepository: ...

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def work_orders(self) -> WorkOrderRepository: ...

    @property
    def policies(self) -> PolicyRepository: ...

    @property
    def timers(self) -> TimerRepository: ...

    @property
    def outbox(self) -> NotificationOutbox: ...

    @property
    def mail(self) -> MailStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once what this unit of work committed so far is durable: at once on
        its own, after the whole transaction commits inside a batch (and never if it does
        not). For what must follow a commit outside the database: marking mail done."""
        ...

    def collect_new_events(self) -> Iterator[Event]:
        """Events raised by aggregates in committed transactions, oldest first."""
        ...


class Batch(Protocol):
    """One transaction under many units of work (group commit): `uow`'s blocks are its
    savepoints, and nothing of it stays unless `commit()` is reached inside `with batch:`."""

    @property
    def uow(self) -> UnitOfWork: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
