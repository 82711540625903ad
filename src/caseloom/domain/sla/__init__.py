"""Business time and SLAs: calendars, clocks with pauses, escalations, breach attribution."""

from caseloom.domain.sla.calendar import ALWAYS, MINUTES_PER_DAY, ZERO, BusinessCalendar, Interval
from caseloom.domain.sla.clock import REACH, Pause, SlaClock, SlaMetric, SlaState, overall_state
from caseloom.domain.sla.escalation import (
    BREACH,
    Action,
    CallWebhook,
    Escalation,
    MoveTier,
    Notify,
    RaisePriority,
    Reassign,
    Recipient,
    Threshold,
    Timer,
    TimerSpec,
    plan,
    timer_key,
)
from caseloom.domain.sla.segments import Segment, SegmentKind, Share, attribute, where_the_time_went

__all__ = [
    "ALWAYS",
    "BREACH",
    "MINUTES_PER_DAY",
    "REACH",
    "ZERO",
    "Action",
    "BusinessCalendar",
    "CallWebhook",
    "Escalation",
    "Interval",
    "MoveTier",
    "Notify",
    "Pause",
    "RaisePriority",
    "Reassign",
    "Recipient",
    "Segment",
    "SegmentKind",
    "Share",
    "SlaClock",
    "SlaMetric",
    "SlaState",
    "Threshold",
    "Timer",
    "TimerSpec",
    "attribute",
    "overall_state",
    "plan",
    "timer_key",
    "where_the_time_went",
]
