"""The unit of work: one transaction, the repositories that share it, and the events it commits."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction, insert, select

from caseloom.adapters.db.cases import SqlCaseRepository
from caseloom.adapters.db.field import SqlWorkOrderRepository
from caseloom.adapters.db.mail import SqlMailStore
from caseloom.adapters.db.sla import SqlNotificationOutbox, SqlTimerRepository
from caseloom.adapters.db.tables import policies
from caseloom.adapters.db.workforce import (
    SqlCustomerRepository,
    SqlRepRepository,
    SqlTechnicianRepository,
)
from caseloom.domain.case import Case
from caseloom.domain.errors import Conflict
from caseloom.domain.events import Event
from caseloom.domain.field.work_order import WorkOrder
from caseloom.domain.policy import Policy
from caseloom.domain.workforce import Rep
from caseloom.service_layer.ports import Clock


class SqlPolicyRepository:
    def __init__(self, conn: Connection, clock: Clock) -> None:
        self._conn, self._clock = conn, clock

    def register(self, policy: Policy, source: str) -> None:
        stored = self._conn.execute(
            select(policies.c.digest).where(
                policies.c.name == policy.name, policies.c.version == policy.version
            )
        ).scalar()
        if stored == policy.digest:
            return
        if stored is not None:
            raise Conflict(
                f"policy {policy.name} version {policy.version} is already stored with different "
                "content; raise `version` in the policy to apply the change"
            )
        self._conn.execute(
            insert(policies).values(
                name=policy.name,
                version=policy.version,
                digest=policy.digest,
                source=source,
                loaded_at=self._clock.now(),
            )
        )


class SqlUnitOfWork:
    cases: SqlCaseRepository
    reps: SqlRepRepository
    technicians: SqlTechnicianRepository
    customers: SqlCustomerRepository
    policies: SqlPolicyRepository
    timers: SqlTimerRepository
    outbox: SqlNotificationOutbox
    work_orders: SqlWorkOrderRepository
    mail: SqlMailStore

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._events: list[Event] = []

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.cases = SqlCaseRepository(self._conn)
        self.reps = SqlRepRepository(self._conn)
        self.technicians = SqlTechnicianRepository(self._conn)
        self.customers = SqlCustomerRepository(self._conn)
        self.policies = SqlPolicyRepository(self._conn, self._clock)
        self.timers = SqlTimerRepository(self._conn)
        self.outbox = SqlNotificationOutbox(self._conn)
        self.work_orders = SqlWorkOrderRepository(self._conn)
        self.mail = SqlMailStore(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._tx = None

    def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("commit outside `with uow:`")
        self.cases.flush()
        self.reps.flush()
        self.technicians.flush()
        self.work_orders.flush()
        self.outbox.flush()
        self.mail.flush()
        self._tx.commit()
        aggregates: list[Case | Rep | WorkOrder] = [
            *self.cases.seen,
            *self.reps.seen,
            *self.work_orders.seen,
        ]
        for aggregate in aggregates:
            self._events.extend(aggregate.events)
            aggregate.events.clear()

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

    def collect_new_events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.pop(0)
