"""The case repository: explicit mapping between the Case aggregate and its rows.

Loaded and added cases are tracked; `flush` (called by the unit of work on commit) writes only
what changed, checking the `version` column so a concurrent change is refused, not overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from caseloom.adapters.db.appending import append, insert_into
from caseloom.adapters.db.counters import next_value
from caseloom.adapters.db.membership import among
from caseloom.adapters.db.sla import clock_from_row, clock_row, segments_from, segments_row
from caseloom.adapters.db.tables import cases, idempotency_keys, messages, sla_clocks
from caseloom.adapters.db.versioned import store_versioned, update_versioned
from caseloom.domain.case import Case, CaseStatus, Channel, Severity, case_number, case_ref
from caseloom.domain.customer import Contact
from caseloom.domain.errors import ConcurrencyConflict, NotFound
from caseloom.domain.journey import ChainHead, JourneyEntry
from caseloom.domain.routing import Need
from caseloom.domain.triage import LlmCall, Signal, TriageResult


def _triage_from(data: Mapping[str, Any] | None) -> TriageResult | None:
    if data is None:
        return None
    signals = {
        name: Signal(s["value"], s["confidence"], tuple(s["evidence"]), s.get("source", ""))
        for name, s in data["signals"].items()
    }
    llm = data.get("llm")
    call = LlmCall(**{**llm, "redacted": tuple(llm["redacted"])}) if llm else None
    return TriageResult(data["model"], signals, call)


def _row(case: Case) -> dict[str, Any]:
    return {
        "id": case.number,
        "ref": case.ref,
        "channel": case.channel.value,
        "subject": case.subject,
        "description": case.description,
        "contact_name": case.contact.name,
        "contact_email": case.contact.email,
        "customer_id": case.customer_id,
        "priority": case.priority,
        "severity": case.severity.value,
        "product_line": case.product_line,
        "team": case.team,
        "owner": case.owner,
        "status": case.status.value,
        "custom": case.custom,
        "mailbox": case.mailbox,
        "required_skills": dict(case.need.skills),
        "need": _need_row(case.need),
        "routing_rule": case.rule,
        "queued_at": case.queued_at,
        "offer_expires_at": case.offer_expires_at,
        "relaxed": list(case.relaxed),
        "next_due_at": case.next_due_at,
        "segments": segments_row(case.segments),
        "route": list(case.route),
        "triage": case.triage.journey_inputs() if case.triage else None,
        "policy_version": case.policy_version,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "journey_seq": case.head.seq,
        "journey_head": case.head.hash,
    }


def _case(row: Row[Any], clocks: Sequence[Row[Any]]) -> Case:
    return Case(
        number=row.id,
        channel=Channel(row.channel),
        subject=row.subject,
        description=row.description,
        contact=Contact(row.contact_name, row.contact_email),
        customer_id=row.customer_id,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        policy_version=row.policy_version,
        priority=row.priority,
        severity=Severity(row.severity),
        product_line=row.product_line,
        team=row.team,
        owner=row.owner,
        status=CaseStatus(row.status),
        custom=dict(row.custom),
        mailbox=row.mailbox,
        need=_need(row.required_skills, row.need),
        rule=row.routing_rule,
        queued_at=row.queued_at,
        offer_expires_at=row.offer_expires_at,
        relaxed=tuple(row.relaxed),
        route=tuple(row.route),
        triage=_triage_from(row.triage),
        clocks={c.metric: clock_from_row(c) for c in clocks},
        segments=segments_from(row.segments),
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        head=ChainHead(row.journey_seq, row.journey_head),
        version=row.version,
    )


def _need_row(need: Need) -> dict[str, Any]:
    """All but the required skills, which have their own column."""
    return {name: value for name, value in need.describe().items() if name != "skills"}


def _need(skills: Mapping[str, int], data: Mapping[str, Any]) -> Need:
    return Need(
        skills=dict(skills),
        optional_skills=dict(data.get("optional_skills", {})),
        certifications=tuple(data.get("certifications", ())),
        language=data.get("language"),
        units=data.get("units", 1),
        declined=frozenset(data.get("declined", ())),
    )


_DELETE_CLOCKS = delete(sla_clocks).where(sla_clocks.c.case_id == bindparam("case"))


class _Tracked:
    """A case as loaded (or added): what is stored of it, to write only what changed."""

    __slots__ = ("case", "clocks", "head", "idempotency", "row")

    def __init__(
        self,
        case: Case,
        row: dict[str, Any] | None = None,  # its stored columns; None: not stored yet
        idempotency: tuple[str, str] | None = None,
    ):
        self.case, self.idempotency, self.row = case, idempotency, row
        self.head = case.head if row is not None else None  # None: not stored yet
        self.clocks = dict(case.clocks) if row is not None else {}


class SqlCaseRepository:
    """`journal` collects the journey entries that `flush` writes for the unit of work to
    append when its transaction commits (one statement however many blocks wrote to it)."""

    def __init__(self, conn: Connection, journal: list[dict[str, Any]]) -> None:
        self._conn, self._journal = conn, journal
        self._tracked: dict[int, _Tracked] = {}

    @property
    def seen(self) -> list[Case]:
        return [t.case for t in self._tracked.values()]

    @property
    def unwritten(self) -> bool:
        return any(
            t.row is None or t.case.head != t.head or t.case.clocks != t.clocks
            for t in self._tracked.values()
        )

    def next_number(self) -> int:
        return next_value(self._conn, "case")

    def add(self, case: Case, idempotency: tuple[str, str] | None = None) -> None:
        self._tracked[case.number] = _Tracked(case, idempotency=idempotency)

    def get(self, ref: str) -> Case:
        number = case_number(ref)
        if number in self._tracked:
            return self._tracked[number].case
        found = self._load(cases.c.id == number)
        if not found:
            raise NotFound(f"no case {case_ref(number)}")
        return found[0]

    def by_numbers(self, numbers: Sequence[int]) -> list[Case]:
        return self._load(among(self._conn, cases.c.id, numbers)) if numbers else []

    def by_idempotency_key(self, key: str) -> tuple[str, str] | None:
        row = self._conn.execute(
            select(idempotency_keys.c.case_id, idempotency_keys.c.digest).where(
                idempotency_keys.c.key == key
            )
        ).first()
        return (case_ref(row.case_id), row.digest) if row else None

    def queued(self, teams: Sequence[str], limit: int) -> list[Case]:
        """Queue order: priority, then time to SLA breach (none last), then age in the queue."""
        condition = (cases.c.status == CaseStatus.QUEUED.value) & cases.c.team.in_(list(teams))
        order = (
            cases.c.priority,
            cases.c.next_due_at.is_(None),
            cases.c.next_due_at,
            cases.c.queued_at,
            cases.c.id,
        )
        return self._load(condition, order=order, limit=limit)

    def waiting_since(self, before: datetime, limit: int) -> list[Case]:
        """Queued cases that have waited since `before` or longer, longest first."""
        condition = (cases.c.status == CaseStatus.QUEUED.value) & (cases.c.queued_at <= before)
        return self._load(condition, order=(cases.c.queued_at, cases.c.id), limit=limit)

    def unrouted(self, triaged_before: datetime, limit: int) -> list[Case]:
        """Triaged or reopened cases that routing has not placed: those whose SLA clocks run
        (routing should have followed at once) or that were triaged before `triaged_before`."""
        condition = cases.c.status.in_([CaseStatus.TRIAGED.value, CaseStatus.REOPENED.value]) & (
            cases.c.next_due_at.is_not(None) | (cases.c.updated_at <= triaged_before)
        )
        return self._load(condition, order=(cases.c.updated_at, cases.c.id), limit=limit)

    def timed_by_older_policy(self, version: int, after: int, limit: int) -> list[Case]:
        """Open cases numbered above `after` with a running clock set by a policy version
        before `version`, in number order."""
        older = select(sla_clocks.c.case_id).where(
            sla_clocks.c.policy_version < version,
            sla_clocks.c.met_at.is_(None),
            sla_clocks.c.stopped_at.is_(None),
        )
        condition = cases.c.id.in_(older) & (cases.c.id > after)
        return self._load(condition, order=(cases.c.id,), limit=limit)

    def offers_expired(self, now: datetime, limit: int) -> list[Case]:
        condition = (cases.c.status == CaseStatus.OFFERED.value) & (cases.c.offer_expires_at <= now)
        return self._load(condition, order=(cases.c.offer_expires_at, cases.c.id), limit=limit)

    def owned_by(self, rep_id: str, statuses: Sequence[CaseStatus]) -> list[Case]:
        condition = (cases.c.owner == rep_id) & cases.c.status.in_([s.value for s in statuses])
        return self._load(condition, order=(cases.c.id,))

    def recent_owners(
        self, customer_ids: Iterable[str | None], limit: int = 3
    ) -> dict[str, tuple[str, ...]]:
        """Per customer, who owned their most recent cases, most recent first, each once: one
        query for any number of customers."""
        wanted = [c for c in set(customer_ids) if c is not None]
        if not wanted:
            return {}
        latest = (
            select(cases.c.customer_id, cases.c.owner, func.max(cases.c.updated_at).label("at"))
            .where(cases.c.customer_id.in_(wanted) & cases.c.owner.is_not(None))
            .group_by(cases.c.customer_id, cases.c.owner)
            .subquery()
        )
        order = func.row_number().over(
            partition_by=latest.c.customer_id, order_by=(latest.c.at.desc(), latest.c.owner)
        )
        ranked = select(latest.c.customer_id, latest.c.owner, order.label("n")).subquery()
        owners: dict[str, tuple[str, ...]] = {}
        for customer, owner in self._conn.execute(
            select(ranked.c.customer_id, ranked.c.owner)
            .where(ranked.c.n <= limit)
            .order_by(ranked.c.customer_id, ranked.c.n)
        ):
            owners[customer] = (*owners.get(customer, ()), owner)
        return owners

    def teams_waiting(self) -> dict[str, int]:
        """How many cases wait in each team's queue."""
        rows = self._conn.execute(
            select(cases.c.team, func.count())
            .where(cases.c.status == CaseStatus.QUEUED.value)
            .group_by(cases.c.team)
        )
        return {team: count for team, count in rows if team}

    def _load(
        self, condition: Any, order: Sequence[Any] = (), limit: int | None = None
    ) -> list[Case]:
        query = select(cases).where(condition).order_by(*order).limit(limit)
        rows = self._conn.execute(query).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        by_case: dict[int, list[Row[Any]]] = {i: [] for i in ids}
        for clock in self._conn.execute(
            select(sla_clocks).where(among(self._conn, sla_clocks.c.case_id, ids))
        ):
            by_case[clock.case_id].append(clock)
        loaded = []
        for row in rows:
            if row.id not in self._tracked:
                self._tracked[row.id] = _Tracked(_case(row, by_case[row.id]), dict(row._mapping))
            loaded.append(self._tracked[row.id].case)
        return loaded

    def flush(self) -> None:
        """Write every case whose journey moved (every change to a case is on its journey, as
        the aggregate's methods guarantee, so an unmoved head means nothing to write): new ones
        one by one, changed ones in one version-checked statement; then what hangs off them."""
        moved = [t for t in self._tracked.values() if t.case.head != t.head]
        changes: dict[frozenset[str], list[tuple[_Tracked, dict[str, Any]]]] = {}
        for tracked in moved:
            case, values = tracked.case, _row(tracked.case)
            if tracked.row is None:
                case.version = store_versioned(
                    self._conn, cases, case.number, 0, values=values, what=case.ref
                )
            else:
                changed = {k: v for k, v in values.items() if tracked.row.get(k) != v}
                changes.setdefault(frozenset(changed), []).append((tracked, changed))
            tracked.row = values
        for group in changes.values():  # the same columns changed: one statement
            what = group[0][0].case.ref if len(group) == 1 else f"one of {len(group)} cases"
            rows = [(t.case.number, t.case.version, changed) for t, changed in group]
            update_versioned(self._conn, cases, rows, what=what)
            for tracked, _ in group:
                tracked.case.version += 1
        for tracked in moved:
            self._flush_parts(tracked)
            self._journal.extend(
                _journey_row(tracked.case.number, e) for e in tracked.case.new_journey
            )
            tracked.case.new_journey.clear()

    def _flush_parts(self, tracked: _Tracked) -> None:
        """What hangs off a written case: its idempotency key, clocks and new messages."""
        case = tracked.case
        if tracked.idempotency:
            self._claim_key(case, *tracked.idempotency)
            tracked.idempotency = None
        if case.clocks != tracked.clocks:
            self._write_clocks(case)
        if case.new_messages:
            append(
                self._conn,
                messages,
                [
                    {
                        "case_id": case.number,
                        "kind": m.kind.value,
                        "author": m.author,
                        "body": m.body,
                        "at": m.at,
                    }
                    for m in case.new_messages
                ],
            )
        case.new_messages.clear()
        tracked.head, tracked.clocks = case.head, dict(case.clocks)

    def _write_clocks(self, case: Case) -> None:
        self._conn.execute(_DELETE_CLOCKS, {"case": case.number})
        if case.clocks:
            self._conn.execute(
                insert_into(sla_clocks), [clock_row(case.number, c) for c in case.clocks.values()]
            )

    def _claim_key(self, case: Case, key: str, digest: str) -> None:
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        claim = (
            dialect.insert(idempotency_keys)
            .values(key=key, digest=digest, case_id=case.number, created_at=case.opened_at)
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.key)
        )
        if self._conn.execute(claim).scalar_one_or_none() is None:
            raise ConcurrencyConflict(
                f"Idempotency-Key {key!r} was claimed by a concurrent request"
            )


def _journey_row(case_id: int, entry: JourneyEntry) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": entry.seq,
        "step": entry.step,
        "actor": entry.actor,
        "inputs": entry.inputs,
        "decision": entry.decision,
        "reason": entry.reason,
        "policy_version": entry.policy_version,
        "at": entry.at,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
