"""Read models: what the API returns and the CLI prints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ContactView(ReadModel):
    name: str
    email: str


class SignalView(ReadModel):
    value: str | bool | float | None
    confidence: float
    source: str = ""  # the model, LLM or person that read it


class TriageView(ReadModel):
    model: str
    signals: dict[str, SignalView]
    llm: dict[str, object] | None = None  # the LLM call, if one was made: tokens, cost, outcome


class ReviewItem(ReadModel):
    """A case waiting for a person to settle the signals no model was sure of."""

    ref: str
    subject: str
    description: str
    opened_at: datetime
    unsure: list[str]
    triage: TriageView


class ClockView(ReadModel):
    metric: str
    policy: str
    calendar: str
    started_at: datetime
    due_at: datetime | None  # None while paused
    met_at: datetime | None
    state: str


class PauseView(ReadModel):
    reason: str
    started_at: datetime
    ended_at: datetime | None


class ShareView(ReadModel):
    """One segment of the case's life as one clock counted it."""

    kind: str  # queued, with_rep, waiting_on_customer, ...
    owner: str | None
    team: str | None
    started_at: datetime
    ended_at: datetime | None
    counted_minutes: float  # open time counted towards the target
    paused_minutes: float  # open time that passed while the clock was paused


class ClockDetail(ClockView):
    policy_version: int
    target_minutes: float
    counted_minutes: float  # open time counted so far (or until met)
    used: float  # share of the target counted: 0.75 is 75%, above 1 once breached
    stopped_at: datetime | None
    pauses: list[PauseView]
    segments: list[ShareView]
    where_the_time_went: dict[str, float]  # minutes by kind of segment, largest first


class TimerView(ReadModel):
    escalation: str
    metric: str
    due_at: datetime
    fired_at: datetime | None
    outcome: str | None
    attempts: int


class NotificationView(ReadModel):
    channel: str  # email or webhook
    to: str
    subject: str
    created_at: datetime
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None  # None once delivered or given up
    result: str | None  # what the far end said, or the last error


class SlaView(ReadModel):
    ref: str
    now: datetime
    state: str | None  # breached, running, paused, met, stopped; None before the clocks start
    clocks: list[ClockDetail]
    timers: list[TimerView]
    notifications: list[NotificationView]  # what escalations sent, and how delivery went


class AtRisk(ReadModel):
    ref: str
    subject: str
    status: str
    priority: int
    team: str | None
    owner: str | None
    metric: str
    due_at: datetime
    minutes_left: float  # negative once breached
    used: float  # share of the window counted


class AtRiskPage(ReadModel):
    now: datetime
    items: list[AtRisk]


class MessageView(ReadModel):
    kind: str
    author: str
    body: str
    at: datetime


class CaseSummary(ReadModel):
    ref: str
    channel: str
    subject: str
    status: str
    priority: int
    severity: str
    product_line: str | None
    team: str | None
    owner: str | None
    customer_id: str | None
    opened_at: datetime
    updated_at: datetime
    sla: str | None  # running, met or breached; None before the clocks start
    queued_at: datetime | None  # waiting for a rep since then (kept while offered)
    offer_expires_at: datetime | None  # while offered to `owner`


class NeedView(ReadModel):
    """What a rep must have to take the case now."""

    skills: dict[str, int] = {}  # required, with minimum levels
    optional_skills: dict[str, int] = {}  # required until the relaxation ladder drops them
    certifications: list[str] = []  # valid on the day of the decision
    language: str | None = None  # the customer's language, when triage is sure of it
    units: int = 1  # the capacity units the case takes
    declined: list[str] = []  # reps who declined it or let the offer lapse


class CaseDetail(CaseSummary):
    description: str
    contact: ContactView
    custom: dict[str, object]
    route: list[str]
    routing_rule: str | None  # the routing rule that chose the team
    need: NeedView
    required_skills: dict[str, int]  # the same as need.skills
    relaxed: list[str]  # the rungs of the relaxation ladder taken, in order
    triage: TriageView | None
    clocks: list[ClockView]
    messages: list[MessageView]
    resolved_at: datetime | None
    closed_at: datetime | None
    policy_version: int
    version: int


class CasePage(ReadModel):
    items: list[CaseSummary]
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last page


class JourneyEntryView(ReadModel):
    seq: int
    step: str
    actor: str
    inputs: dict[str, object]
    decision: dict[str, object]
    reason: str
    policy_version: int
    at: datetime
    hash: str


class CertificationView(ReadModel):
    name: str
    valid_from: str
    valid_until: str | None


class RepView(ReadModel):
    id: str
    name: str
    email: str
    teams: list[str]
    skills: dict[str, int]
    languages: list[str]
    capacity: int  # in units; a case takes its channel's units
    load: int  # units taken by the cases offered or assigned to the rep
    items: int  # how many cases those are
    presence: str
    calendar: str | None  # the rep's shift calendar; None: presence alone says when
    certifications: list[CertificationView]
    last_assigned_at: datetime | None


class TechnicianView(ReadModel):
    id: str
    name: str
    email: str
    team: str
    skills: dict[str, int]
    certifications: list[CertificationView]
    equipment: list[str]
    home: dict[str, object] | None
    presence: str
    calendar: str | None = None
    max_travel_km: float | None = None


class AppointmentView(ReadModel):
    id: int
    work_order: str
    case: str
    technician: str
    status: str
    arrival_start: datetime
    arrival_end: datetime
    start: datetime
    end: datetime
    note: str
    place: str = ""


class WorkOrderView(ReadModel):
    ref: str
    case: str
    team: str
    status: str
    requirements: dict[str, object]
    duration_minutes: int
    place: str
    latitude: float | None
    longitude: float | None
    window_start: datetime | None
    window_end: datetime | None
    priority: int
    respond_by: datetime | None
    due_by: datetime | None
    context: dict[str, object]
    created_at: datetime
    appointments: list[AppointmentView]


class ScheduleView(ReadModel):
    technician: str
    start: datetime
    end: datetime
    visits: list[AppointmentView]


class TeamView(ReadModel):
    id: str
    kind: str
    calendar: str
    manager: str | None
    members: int
    available: int
    queued: int
    open: int


class Summary(ReadModel):
    cases: int
    by_team: dict[str, int]
    by_status: dict[str, int]
    by_sla: dict[str, int]


class RankedRepView(ReadModel):
    """An eligible rep with their score under the team's model and each factor, all in [0, 1]."""

    rep: str
    score: float
    skills: float | None = None
    spare_capacity: float | None = None
    sla_urgency: float | None = None
    continuity: float | None = None
    fairness: float | None = None


class RejectedRepView(ReadModel):
    rep: str
    reason: str  # e.g. "not available (away)", "missing skill billing (needs 3, has 2)"


class RoutingDecisionView(ReadModel):
    """A routing decision: the team by the first matching rule, the rep by the team's model,
    the best candidates and the first rejections, with totals and a count per reason."""

    team: str | None
    rule: str | None  # the rule (or person) that chose the team
    model: str | None  # the selection model, or "manual" / "queue" for other paths
    route: list[str]  # the planned team sequence
    need: NeedView | None
    chosen: str | None  # None: nobody is eligible, the case waits in the queue
    ranked: list[RankedRepView]  # best first (the first ten)
    ranked_total: int
    rejected: list[RejectedRepView]  # the first fifty, by rep id
    rejected_total: int
    rejected_by_reason: dict[str, int]
    reason: str
    policy_version: int


class DryRunView(RoutingDecisionView):
    """Where a hypothetical case would go now: the stamps the policy applied, then the decision."""

    stamps: dict[str, object]  # the fields the triage stamps set
    stamp_rules: list[str]  # the stamps that fired


class RoutingExplanation(RoutingDecisionView):
    """The last routing decision on a case's journey, and when and by whom it was made."""

    ref: str
    seq: int  # the journey entry
    at: datetime
    actor: str
    skill_gaps: list[str] = []  # a person's assignment: the skills the rep lacks
    batch: dict[str, int] | None = None  # a batch assignment: waiting, reps, placed


class SlotOfferView(ReadModel):
    technician: str
    arrival: list[datetime]  # [from, until]: what the customer is told
    start: datetime
    grade: int  # 0-100, higher is better
    detour_minutes: int
    within_sla: bool


class OfferingView(ReadModel):
    work_order: str
    offers: list[SlotOfferView]
    excluded: dict[str, str]  # technician -> why they cannot take it


class PlannedVisitView(ReadModel):
    work_order: str
    technician: str
    start: datetime
    end: datetime
    pinned: bool


class DispatchPlanView(ReadModel):
    team: str
    dry_run: bool
    solver: str
    seconds: float
    travel_minutes: int
    visits: list[PlannedVisitView]
    changed: list[str]  # work orders whose visit the plan books or moves
    unassigned: dict[str, str]  # work order -> why it is not in the plan


class MailView(ReadModel):
    """A message as intake received it (the raw bytes are fetched on their own)."""

    id: int
    message_id: str
    source: str
    envelope_from: str
    envelope_to: list[str]
    sender: str | None
    size: int
    received_at: datetime
    status: str  # received, opened, threaded, ignored, quarantined
    outcome: str
    case: str | None
    processed_at: datetime | None


class AttachmentView(ReadModel):
    id: int
    case: str
    filename: str
    content_type: str
    size: int
    inline: bool
    content_id: str | None
    dropped: str  # why the content was not kept, else ""
    created_at: datetime


class PortalMessageView(ReadModel):
    """A message the customer may see: their own, or our team's reply (never an internal note)."""

    by: str  # "you" or "our team"
    body: str
    at: datetime


class PortalFileView(ReadModel):
    filename: str
    size: int
    dropped: str  # why the content was not kept, else ""


class PortalPromiseView(ReadModel):
    """One SLA clock as the promise it makes to the customer."""

    due_at: datetime | None  # None while paused
    met_at: datetime | None
    paused: bool
    stopped: bool  # no longer counted: the case left the SLA's scope


class PortalCaseView(ReadModel):
    """A case as its customer sees it on the status page of its secret link."""

    ref: str
    subject: str
    description: str
    status: str
    status_words: str  # the status as the customer reads it, e.g. "Waiting for your reply"
    opened_at: datetime
    timezone: str  # the zone of the case's business calendar, to show times in
    messages: list[PortalMessageView]
    attachments: list[PortalFileView]
    first_reply: PortalPromiseView | None
    resolution: PortalPromiseView | None
