"""Commands: requests to change something, named in the imperative. Exactly one handler each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from caseloom.domain.case import Channel, MessageKind
from caseloom.domain.customer import Location
from caseloom.domain.mail import Attachment
from caseloom.domain.sla import Action
from caseloom.domain.workforce import Certification, Presence


class Command:
    """Base class of every command."""


@dataclass(frozen=True, slots=True)
class OpenCase(Command):
    channel: Channel
    subject: str
    description: str
    contact_name: str
    contact_email: str
    customer_id: str | None = None
    custom: Mapping[str, object] = field(default_factory=dict)
    actor: str = "api"
    idempotency_key: str | None = None
    request_digest: str = ""  # fingerprint of the request, to detect a reused key


@dataclass(frozen=True, slots=True)
class ReceiveMail(Command):
    """An e-mail arrived (over SMTP, or fetched from a mailbox): keep it, then read it."""

    raw: bytes = field(repr=False)
    source: str  # "smtp", "imap:INBOX"
    envelope_from: str = ""
    envelope_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PollMailbox(Command):
    """Take what is new in the mailbox intake polls (IMAP) into cases."""

    limit: int = 50


@dataclass(frozen=True, slots=True)
class ReleaseMail(Command):
    """A person lets a quarantined e-mail through: it is read again, past the sender's limit."""

    mail_id: int
    actor: str


@dataclass(frozen=True, slots=True)
class SweepMail(Command):
    """Read the e-mail stored but never read (a crash between storing and reading)."""

    older_than: timedelta = timedelta(minutes=1)
    limit: int = 100


@dataclass(frozen=True, slots=True)
class AttachFiles(Command):
    """Files the customer sent with a case (the web portal's upload)."""

    ref: str
    files: tuple[Attachment, ...]
    actor: str


@dataclass(frozen=True, slots=True)
class IssueStatusLink(Command):
    """A secret link to the case's status page, for its customer; returns the token."""

    ref: str


@dataclass(frozen=True, slots=True)
class AddMessage(Command):
    ref: str
    kind: MessageKind
    author: str
    body: str


@dataclass(frozen=True, slots=True)
class ReviewTriage(Command):
    """A person settles the signals no model was sure of (and may correct others)."""

    ref: str
    actor: str
    signals: Mapping[str, str | bool | float | None]


@dataclass(frozen=True, slots=True)
class AssignCase(Command):
    ref: str
    rep_id: str
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StartWork(Command):
    ref: str
    actor: str


@dataclass(frozen=True, slots=True)
class WaitOnCustomer(Command):
    ref: str
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ResolveCase(Command):
    ref: str
    actor: str
    resolution: str


@dataclass(frozen=True, slots=True)
class CloseCase(Command):
    ref: str
    actor: str


@dataclass(frozen=True, slots=True)
class ReopenCase(Command):
    ref: str
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class RegisterCustomer(Command):
    id: str
    name: str
    tier: str
    account: str
    location: Location | None = None
    contacts: tuple[tuple[str, str], ...] = ()  # (name, email)


@dataclass(frozen=True, slots=True)
class RegisterRep(Command):
    id: str
    name: str
    email: str
    teams: tuple[str, ...]
    skills: Mapping[str, int]
    capacity: int
    languages: tuple[str, ...] = ("en",)
    presence: Presence = Presence.OFFLINE
    calendar: str | None = None  # the rep's shift calendar, from the policy's calendars
    certifications: tuple[Certification, ...] = ()


@dataclass(frozen=True, slots=True)
class RegisterTechnician(Command):
    id: str
    name: str
    email: str
    team: str
    skills: Mapping[str, int]
    certifications: tuple[Certification, ...] = ()
    equipment: tuple[str, ...] = ()
    home_base: Location | None = None
    presence: Presence = Presence.OFFLINE
    calendar: str | None = None  # a shift calendar in the policy; None: the team's
    max_travel_km: float | None = None


@dataclass(frozen=True, slots=True)
class SetRepPresence(Command):
    rep_id: str
    presence: Presence


@dataclass(frozen=True, slots=True)
class SetTechnicianPresence(Command):
    technician_id: str
    presence: Presence


@dataclass(frozen=True, slots=True)
class ChangeCase(Command):
    """A person sets severity, priority, product line or custom fields (routing may follow)."""

    ref: str
    actor: str
    changes: Mapping[str, object]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AcceptOffer(Command):
    ref: str
    rep_id: str


@dataclass(frozen=True, slots=True)
class DeclineOffer(Command):
    ref: str
    rep_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SweepRouting(Command):
    """Lapse expired offers, take due rungs of the relaxation ladder, batch-assign full queues.
    `caseloom worker` sends it every few seconds; it is safe to run from many workers at once."""


@dataclass(frozen=True, slots=True)
class DryRunRouting(Command):
    """Route a hypothetical case against today's reps without changing anything."""

    channel: Channel
    subject: str
    description: str = ""
    customer_id: str | None = None
    severity: str = "medium"
    priority: int = 3
    product_line: str | None = None
    custom: Mapping[str, object] = field(default_factory=dict)
    signals: Mapping[str, str | bool | float | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FireTimers(Command):
    """Claim due SLA timers and fire them: escalations and breaches. `caseloom worker` sends it
    continually; many workers may, each claiming different timers."""

    worker: str = "worker"
    limit: int = 200  # timers claimed at once
    lease_seconds: float = 30.0  # how long the claim holds if the worker dies


@dataclass(frozen=True, slots=True)
class DeliverNotifications(Command):
    """Send due notifications from the outbox, retrying failures with back-off."""

    limit: int = 100


@dataclass(frozen=True, slots=True)
class EscalateCase(Command):
    """A person escalates by hand: the same actions as policy escalations, logged as manual."""

    ref: str
    actor: str
    actions: tuple[Action, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ReevaluateSla(Command):
    """Apply the running policy version's SLA policies to open cases whose clocks an older
    version set: targets and calendars change, started times and paused time are kept."""

    actor: str = "api"


@dataclass(frozen=True, slots=True)
class HandOffCase(Command):
    """A person hands the case to field service; a handoff rule from its team must hold."""

    ref: str
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OfferVisits(Command):
    """Graded slot offers for one work order, with every technician left out and why."""

    work_order: str
    limit: int | None = None  # default: the policy's `field.appointments.offers`


@dataclass(frozen=True, slots=True)
class BookVisit(Command):
    """Book (or rebook) a visit: a technician who matches, at a start that fits their day."""

    work_order: str
    technician: str
    start: datetime
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MoveVisit(Command):
    """The visit moves on: dispatched, travelling, on_site, completed or cannot_complete."""

    work_order: str
    status: str
    actor: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ChangeWorkOrder(Command):
    """Set the customer's time window or the place of the visit (before it is dispatched)."""

    work_order: str
    actor: str
    window: tuple[datetime, datetime] | None = None
    location: tuple[float, float] | None = None  # latitude, longitude
    place: str = ""
    clear_window: bool = False


@dataclass(frozen=True, slots=True)
class OptimiseDispatch(Command):
    """Plan every open and scheduled work order of a field team over a horizon."""

    team: str
    actor: str
    dry_run: bool = True
    horizon: timedelta | None = None  # default: the policy's `field.optimise.horizon`
