"""The journey: each case's append-only, hash-chained record of every decision made on it.

Each entry's hash covers its own content and the hash of the entry before it, so changing,
removing or reordering any entry breaks the chain from that point on. The case keeps the hash
of its latest entry (its head), so cutting entries off the end is detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class JourneyEntry:
    case_ref: str
    seq: int  # 1, 2, 3, ... per case
    step: str  # intake, triage, sla, routing, work, message, resolution, ...
    actor: str  # "agent:triage", "rep:rep-anna", "customer", "api"
    inputs: Mapping[str, object]
    decision: Mapping[str, object]
    reason: str
    policy_version: int
    at: datetime
    prev_hash: str = GENESIS
    hash: str = ""

    def content_hash(self) -> str:
        """The hash this entry must carry, computed from everything but the hash itself."""
        body = {
            "case": self.case_ref,
            "seq": self.seq,
            "step": self.step,
            "actor": self.actor,
            "inputs": self.inputs,
            "decision": self.decision,
            "reason": self.reason,
            "policy_version": self.policy_version,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "prev": self.prev_hash,
        }
        text = json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str


EMPTY_CHAIN = ChainHead(0, GENESIS)


def seal(head: ChainHead, draft: JourneyEntry) -> JourneyEntry:
    """`draft` placed after `head`: numbered, linked and hashed."""
    fields = (draft.case_ref, head.seq + 1, draft.step, draft.actor, draft.inputs)
    rest = (draft.decision, draft.reason, draft.policy_version, draft.at, head.hash)
    # built directly: `dataclasses.replace` costs more than the hash on the SLA worker's path
    return JourneyEntry(*fields, *rest, hash=JourneyEntry(*fields, *rest).content_hash())


@dataclass(frozen=True, slots=True)
class ChainBreak:
    case_ref: str
    seq: int
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" + (f" (journey row id {self.row_id})" if self.row_id else "")
        return f"{self.case_ref} {where}: {self.reason}"


def verify_chain(
    case_ref: str, rows: Sequence[tuple[int, JourneyEntry]], head: ChainHead
) -> ChainBreak | None:
    """The first place where the stored chain of (row id, entry) breaks, or None if it holds."""
    expected_prev = GENESIS
    for position, (row_id, entry) in enumerate(rows, start=1):
        if entry.seq != position:
            return ChainBreak(case_ref, position, row_id, f"is numbered {entry.seq}")
        if entry.case_ref != case_ref:
            return ChainBreak(case_ref, position, row_id, f"names case {entry.case_ref}")
        if entry.prev_hash != expected_prev:
            return ChainBreak(case_ref, position, row_id, "does not link to the entry before it")
        if entry.content_hash() != entry.hash:
            return ChainBreak(case_ref, position, row_id, "content does not match its hash")
        expected_prev = entry.hash
    if (len(rows), expected_prev) != (head.seq, head.hash):
        return ChainBreak(
            case_ref,
            len(rows) + 1,
            None,
            f"the case's head says {head.seq} entries but {len(rows)} are stored "
            "(entries were removed, or the head was altered)",
        )
    return None
