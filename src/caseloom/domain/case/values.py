"""The values a case is made of: channels, severities, priorities, messages and references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from caseloom.domain.errors import InvalidInput, NotFound

MAX_SUBJECT = 300
MAX_TEXT = 100_000  # a description or a message body
PRIORITIES = (1, 2, 3, 4)  # 1 is the most urgent
DEFAULT_PRIORITY = 3
_REF = re.compile(r"^CS-(\d{1,12})$", re.IGNORECASE)


class Channel(StrEnum):
    EMAIL = "email"
    PORTAL = "portal"
    API = "api"
    PHONE = "phone"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class MessageKind(StrEnum):
    CUSTOMER_REPLY = "customer_reply"
    REP_REPLY = "rep_reply"
    INTERNAL_NOTE = "internal_note"


@dataclass(frozen=True, slots=True)
class Message:
    kind: MessageKind
    author: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who made a change, when, and under which policy version: what each journey entry keeps."""

    actor: str  # "agent:routing", "rep:rep-anna", "customer", "api"
    at: datetime
    policy_version: int


def case_ref(number: int) -> str:
    return f"CS-{number:06d}"


def case_number(ref: str) -> int:
    match = _REF.match(ref.strip())
    if not match:
        raise NotFound(f"no case {ref!r}: case references look like CS-000042")
    return int(match.group(1))


def check_priority(priority: int) -> int:
    if priority not in PRIORITIES:
        raise InvalidInput(f"priority is 1, 2, 3 or 4 (1 is the most urgent), not {priority}")
    return priority


def check_text(what: str, text: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    text = text.strip()
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty")
    if len(text) > limit:
        raise InvalidInput(f"{what} is {len(text)} characters; the limit is {limit}")
    return text
