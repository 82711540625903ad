"""The Case aggregate, its lifecycle, and the values it is made of."""

from caseloom.domain.case.aggregate import Case
from caseloom.domain.case.lifecycle import OCCUPYING, TRANSITIONS, CaseStatus
from caseloom.domain.case.values import (
    DEFAULT_PRIORITY,
    PRIORITIES,
    Attribution,
    Channel,
    Message,
    MessageKind,
    Severity,
    case_number,
    case_ref,
    check_priority,
)

__all__ = [
    "DEFAULT_PRIORITY",
    "OCCUPYING",
    "PRIORITIES",
    "TRANSITIONS",
    "Attribution",
    "Case",
    "CaseStatus",
    "Channel",
    "Message",
    "MessageKind",
    "Severity",
    "case_number",
    "case_ref",
    "check_priority",
]
