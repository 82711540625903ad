"""`caseloom demo`: a simulated working day at Northwind Utilities, run through the real flow.

Cases arrive with a morning and an afternoon peak; reps start work, reply, wait on customers,
resolve and close; some customers reply after resolution and reopen. Every step is a command on
the message bus with a simulated clock, so the journeys, SLA clocks and queues are the real thing.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from email.message import EmailMessage
from email.utils import formataddr
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel

from caseloom.bootstrap import Caseloom, SimulatedClock
from caseloom.domain import commands
from caseloom.domain.case import Channel, MessageKind
from caseloom.domain.errors import CaseloomError
from caseloom.domain.workforce import Presence
from caseloom.views import cases as case_views
from caseloom.views import field as field_views

DEMO_DIR = Path(str(resources.files("caseloom") / "policies" / "demo"))
DAY = timedelta(hours=9)
LONDON = ZoneInfo("Europe/London")
OPENING = dtime(8, 0)
FILLS = {
    "time": ["8am", "9:15", "half seven this morning", "lunchtime", "10 o'clock"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    "month": ["September", "October", "November"],
    "amount": ["£42.50", "£61.20", "£38.99", "£120.00", "£74.15"],
    "device": ["laptop", "smart TV", "phone", "card machine", "tablet"],
}
CHANNELS = [(Channel.EMAIL, 55), (Channel.PORTAL, 30), (Channel.PHONE, 10), (Channel.API, 5)]
STRANGERS = ["Alex Morgan", "Sam Taylor", "Jo Smith", "Chris Green", "Pat Hughes", "Robin Lee"]
LEAD = "lead:mgr-anna"  # the team lead who settles the triage review queue
SUPPORT_ADDRESS = "support@northwind.example"  # the demo policy's intake address
SEED_CONTACT = "hema.patel@example.com"  # a standard-tier customer: the high-severity SLA applies
FIELD_REPLY = "We are sending an engineer today; please stay clear of the cable until they arrive."
FIELD_DONE = "Cable re-terminated and the line tested end to end: 80 Mbps down."
FIELD_STATUSES = frozenset({"handed_off", "visit_scheduled"})
NIGHT_ENDS = timedelta(days=1)  # after the day's start: the SLA worker's night is over
SWEEP_EVERY = timedelta(minutes=5)  # how often the routing worker sweeps, as `caseloom worker`


class Opening(BaseModel):
    subject: str
    intent: str  # what the team lead says when the models are unsure
    body: str


class _Replies(BaseModel):
    fixed: list[str]
    waiting: list[str]
    reopen: list[str]


class Texts(BaseModel):
    seed: Opening
    openings: list[Opening]
    customer_replies: _Replies
    rep_replies: list[str]
    resolutions: list[str]

    @classmethod
    def load(cls, path: Path = DEMO_DIR / "cases.yaml") -> Texts:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class DemoReport:
    opened: int
    started: datetime
    ended: datetime
    seconds: float
    commands: int
    refused: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    routing: dict[str, int] = field(default_factory=dict)  # what the routing worker's sweeps did
    sla: dict[str, int] = field(default_factory=dict)  # what the SLA timers did, day and night
    seed: str | None = None  # the seed scenario's case
    visit: str | None = None  # the seed's field visit: who, when, how it ended


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    action: Callable[[], None] = field(compare=False)


class DemoDay:
    def __init__(self, app: Caseloom, clock: SimulatedClock, texts: Texts, seed: int) -> None:
        self.app, self.clock, self.texts = app, clock, texts
        self.rng = random.Random(seed)
        self.start = clock.now()
        self.stop = self.start + DAY + timedelta(hours=2)
        self._steps: list[_Step] = []
        self._order = itertools.count()
        self._working: set[str] = set()
        self._reopened: set[str] = set()
        self._awaiting_field: set[str] = set()  # open until the field visit (not simulated)
        self.report = DemoReport(0, self.start, self.start, 0.0, 0)
        self._contacts: list[tuple[str, str]] = []

    def run(self, cases: int, contacts: list[tuple[str, str]]) -> DemoReport:
        self._contacts = contacts
        began = time.perf_counter()
        for _ in range(cases - 1):  # and the seed scenario's case
            self._at(self.start + self._arrival(), self._open)
        self._at(
            self.start + timedelta(hours=2), lambda: self._presence("rep-farah", Presence.AVAILABLE)
        )
        self._at(self.start + timedelta(hours=4), lambda: self._presence("rep-ben", Presence.AWAY))
        self._at(
            self.start + timedelta(hours=5), lambda: self._presence("rep-ben", Presence.AVAILABLE)
        )
        # Dev logs off mid-morning: what was assigned but not started goes back to routing.
        self._at(
            self.start + timedelta(hours=3), lambda: self._presence("rep-dev", Presence.OFFLINE)
        )
        self._at(
            self.start + timedelta(hours=3, minutes=40),
            lambda: self._presence("rep-dev", Presence.AVAILABLE),
        )
        self._at(self.start + timedelta(hours=1, minutes=30), self._open_seed)
        sweep = self.start
        while sweep <= self.stop:
            self._at(sweep, self._sweep)
            sweep += SWEEP_EVERY
        while self._steps and self._steps[0].at <= self.stop:
            step = heapq.heappop(self._steps)
            self.clock.advance_to(step.at)
            step.action()
        self._night()
        self.report.ended = self.clock.now()
        self.report.seconds = time.perf_counter() - began
        self.report.reopened = sorted(self._reopened)
        return self.report

    # -- scheduling ---------------------------------------------------------------------------

    def _at(self, at: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._steps, _Step(at, next(self._order), action))

    def _later(self, low: int, high: int, action: Callable[[], None]) -> None:
        self._at(self.clock.now() + timedelta(minutes=self.rng.uniform(low, high)), action)

    def _arrival(self) -> timedelta:
        roll = self.rng.random()
        hours = (
            self.rng.gauss(1.5, 0.7)
            if roll < 0.45
            else self.rng.gauss(5.5, 1.0)
            if roll < 0.8
            else self.rng.uniform(0, 9)
        )
        return timedelta(hours=min(max(hours, 0.0), 9.0))

    def _send(self, command: commands.Command) -> object:
        self.report.commands += 1
        try:
            return self.app.bus.handle(command)
        except CaseloomError as error:
            self.report.refused.append(f"{type(command).__name__}: {error}")
            return None

    # -- the day ------------------------------------------------------------------------------

    def _fill(self, text: str) -> str:
        return text.format(**{k: self.rng.choice(v) for k, v in FILLS.items()})

    def _open(self) -> None:
        opening = self.rng.choice(self.texts.openings)
        if self.rng.random() < 0.75 and self._contacts:
            name, email = self.rng.choice(self._contacts)
        else:
            name = self.rng.choice(STRANGERS)
            email = f"{name.lower().replace(' ', '.')}{self.rng.randint(1, 99)}@example.com"
        channel = self.rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        subject, body = self._fill(opening.subject), self._fill(opening.body)
        if channel is Channel.EMAIL:  # through e-mail intake, as a message to support@
            ref = self._mail(subject, body, name, email)
        else:
            custom = {"vulnerable_customer": True} if "elderly" in opening.body else {}
            command = commands.OpenCase(
                channel, subject, body, name, email, custom=custom, actor=f"{channel}-intake"
            )
            opened = self._send(command)
            ref = str(opened) if opened else None
        if ref:
            self.report.opened += 1
            self._notice_case(ref, opening.intent)

    def _open_seed(self) -> None:
        """The seed scenario's case: e-mailed, high severity, an engineer needed on site."""
        seed = self.texts.seed
        name, email = next(
            (c for c in self._contacts if c[1] == SEED_CONTACT), ("Hema Patel", SEED_CONTACT)
        )
        ref = self._mail(seed.subject, seed.body, name, email)
        if ref:
            self.report.opened += 1
            self.report.seed = str(ref)
            self._awaiting_field.add(str(ref))
            self._notice_case(str(ref), seed.intent)

    def _mail(self, subject: str, body: str, name: str, email: str) -> str | None:
        """An e-mail to the support address, through intake as a mail server hands it over;
        the case it opened."""
        message = EmailMessage()
        message["From"] = formataddr((name, email))
        message["To"] = SUPPORT_ADDRESS
        message["Subject"] = subject
        message["Date"] = self.clock.now()
        unique = f"{self.clock.now():%Y%m%d%H%M%S}.{next(self._order)}.{self.rng.getrandbits(48):x}"
        message["Message-ID"] = f"<demo.{unique}@example.com>"
        message.set_content(body)
        command = commands.ReceiveMail(message.as_bytes(), "smtp", email, (SUPPORT_ADDRESS,))
        receipt = self._send(command)
        return getattr(receipt, "case_ref", None)

    def _presence(self, rep_id: str, presence: Presence) -> None:
        self._send(commands.SetRepPresence(rep_id, presence))
        self._notice_assigned()

    def _night(self) -> None:
        """The desk has gone home; the worker has not. SLA timers keep firing until the next
        morning: a case still open late at night reaches 75% of its 24-hour window."""
        until = self.start + NIGHT_ENDS
        while self.clock.now() < until:
            self.clock.advance_to(min(until, self.clock.now() + SWEEP_EVERY * 3))
            self._timers()

    def _timers(self) -> None:
        """The worker's SLA side: fire due timers, deliver the notifications they wrote."""
        for name, command in (
            ("timers", commands.FireTimers("demo-worker", limit=1000)),
            ("notifications", commands.DeliverNotifications(limit=1000)),
        ):
            done = self._send(command)
            if isinstance(done, dict):
                for key, count in done.items():
                    self.report.sla[f"{name} {key}"] = (
                        self.report.sla.get(f"{name} {key}", 0) + count
                    )

    def _sweep(self) -> None:
        """The worker: due SLA timers, then lapsed offers, the relaxation ladder, batches."""
        self._timers()
        moved = self._send(commands.SweepRouting())
        if isinstance(moved, dict) and any(moved.values()):
            for name, count in moved.items():
                self.report.routing[name] = self.report.routing.get(name, 0) + count
            self._notice_assigned()

    def _notice_assigned(self) -> None:
        """Every rep notices the cases newly assigned to them (by a sweep or a re-route)."""
        where = case_views.CaseFilter(status="assigned")
        for case in case_views.list_cases(self.app.store, where, self.clock.now(), 500).items:
            if case.owner:
                self._plan(case.ref, case.owner)

    def _notice_case(self, ref: str, intent: str = "") -> None:
        """The owner of a case just routed notices it; the team lead, a case sent to review."""
        case = case_views.get_case(self.app.store, ref, self.clock.now())
        if case.status == "assigned" and case.owner:
            self._plan(case.ref, case.owner)
        elif case.status == "triage_review" and intent:
            self._later(5, 40, self._review(ref, intent))

    def _review(self, ref: str, intent: str) -> Callable[[], None]:
        def settle() -> None:
            self._send(commands.ReviewTriage(ref, LEAD, {"intent": intent}))
            self._notice_case(ref)

        return settle

    def _notice_owned_by(self, rep_id: str) -> None:
        """A rep whose capacity just freed up notices the queued cases it pulled."""
        where = case_views.CaseFilter(status="assigned", owner=rep_id)
        for case in case_views.list_cases(self.app.store, where, self.clock.now(), 200).items:
            self._plan(case.ref, rep_id)

    def _plan(self, ref: str, owner: str) -> None:
        if ref not in self._working:
            self._working.add(ref)
            self._later(3, 25, self._work(ref, owner))

    def _work(self, ref: str, owner: str) -> Callable[[], None]:
        rep = f"rep:{owner}"

        def start() -> None:
            case = case_views.get_case(self.app.store, ref, self.clock.now())
            if (case.status, case.owner) != ("assigned", owner):
                self._working.discard(ref)  # it went elsewhere meanwhile (re-routed)
                return
            self._send(commands.StartWork(ref, rep))
            self._later(5, 30, reply)

        def reply() -> None:
            seed = ref in self._awaiting_field
            text = FIELD_REPLY if seed else self.rng.choice(self.texts.rep_replies)
            self._send(commands.AddMessage(ref, MessageKind.REP_REPLY, rep, text))
            status = case_views.get_case(self.app.store, ref, self.clock.now()).status
            if status in FIELD_STATUSES:  # the reply handed it to field service
                self._follow_visit(ref, seed=seed)
                return
            if self.rng.random() < 0.3:
                self._send(commands.WaitOnCustomer(ref, rep, "asked the customer for details"))
                self._later(20, 150, customer_answers)
            else:
                self._later(15, 120, resolve)

        def customer_answers() -> None:
            replies = self.texts.customer_replies
            fixed = self.rng.random() < 0.35
            self._send(
                commands.AddMessage(
                    ref,
                    MessageKind.CUSTOMER_REPLY,
                    "customer",
                    self.rng.choice(replies.fixed if fixed else replies.waiting),
                )
            )
            if fixed:  # the policy resolves it on the customer's word
                self._notice_owned_by(owner)
            else:
                self._later(10, 60, resolve)

        def resolve() -> None:
            self._send(commands.ResolveCase(ref, rep, self.rng.choice(self.texts.resolutions)))
            self._notice_owned_by(owner)
            if ref not in self._reopened and self.rng.random() < 0.08:
                self._later(30, 240, reopen)
            elif self.rng.random() < 0.7:
                self._later(30, 180, close)

        def close() -> None:
            self._send(commands.CloseCase(ref, "agent:resolution"))

        def reopen() -> None:
            self._reopened.add(ref)
            self._working.discard(ref)
            self._send(
                commands.AddMessage(
                    ref,
                    MessageKind.CUSTOMER_REPLY,
                    "customer",
                    self.rng.choice(self.texts.customer_replies.reopen),
                )
            )
            self._notice_case(ref)

        return start

    def _follow_visit(self, ref: str, *, seed: bool) -> None:
        """The technician's day, as the Field agent booked it: dispatched an hour before,
        on the road, on site at the planned start, done when the work is. A visit the
        optimiser moves meanwhile is followed where it went; a case nobody could be booked
        for waits for a dispatcher."""
        orders = field_views.list_work_orders(self.app.store, case=ref)
        visit = orders[0].appointments[-1] if orders and orders[0].appointments else None
        if visit is None or visit.status != "scheduled":
            return
        order = orders[0].ref
        if seed:
            self.report.visit = (
                f"{order}: {visit.technician}, {visit.start.astimezone(LONDON):%H:%M}-"
                f"{visit.end.astimezone(LONDON):%H:%M}"
            )
        at = max(visit.start - timedelta(hours=1), self.clock.now())
        self._at(at, self._dispatch(ref, order, visit.start, seed=seed))

    def _dispatch(
        self, ref: str, order: str, planned: datetime, *, seed: bool
    ) -> Callable[[], None]:
        def dispatch() -> None:
            live = field_views.get_work_order(self.app.store, order).appointments
            visit = live[-1] if live and live[-1].status == "scheduled" else None
            if visit is None:
                return  # unbooked by the optimiser: a dispatcher books it again
            if visit.start != planned:
                self._follow_visit(ref, seed=seed)  # moved: follow it there
                return
            who, done = f"tech:{visit.technician}", FIELD_DONE if seed else "Fixed on site."
            self._send(commands.MoveVisit(order, "dispatched", who))
            for at, status, note in (
                (visit.start - timedelta(minutes=45), "travelling", ""),
                (visit.start, "on_site", ""),
                (visit.end, "completed", done),
            ):
                self._at(max(at, self.clock.now()), self._visit_step(order, status, who, note))

        return dispatch

    def _visit_step(self, order: str, status: str, who: str, note: str) -> Callable[[], None]:
        def step() -> None:
            self._send(commands.MoveVisit(order, status, who, note))

        return step


def simulated_start(now: datetime) -> datetime:
    """08:00 in London on the latest weekday whose simulated day and night (until 08:00 the
    next day, while the SLA worker keeps firing) are over by `now`: nothing is in the future."""
    day = now.astimezone(LONDON).date()
    while True:
        start = datetime.combine(day, OPENING, tzinfo=LONDON)
        if start.weekday() < 5 and start + NIGHT_ENDS <= now:
            return start.astimezone(UTC)
        day -= timedelta(days=1)
