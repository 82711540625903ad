"""The unit of work: one transaction, the repositories that share it, and the events it commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import Connection, Engine, RootTransaction, insert, select

from caseloom.adapters.db.appending import append
from caseloom.adapters.db.cases import SqlCaseRepository
from caseloom.adapters.db.field import SqlWorkOrderRepository
from caseloom.adapters.db.mail import SqlMailStore
from caseloom.adapters.db.sla import SqlNotificationOutbox, SqlTimerRepository
from caseloom.adapters.db.tables import journey, policies
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

log = logging.getLogger(__name__)


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


class _Writer(Protocol):
    @property
    def unwritten(self) -> bool: ...

    def flush(self) -> None: ...


def _end(conn: Connection | None, tx: RootTransaction | None) -> None:
    """Roll back what was not committed, and give the connection back to the pool."""
    try:
        if tx is not None and tx.is_active:
            tx.rollback()
    finally:
        if conn is not None:
            conn.close()


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
        self._journal: list[dict[str, Any]] = []  # journey rows, appended at the commit

    def __enter__(self) -> Self:
        self._journal = []
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self._open_repositories(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _end(self._conn, self._tx)
        self._conn = self._tx = None

    def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("commit outside `with uow:`")
        self._flush()
        self.write_journal()
        self._tx.commit()
        self._collect_events()

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

    def after_commit(self, action: Callable[[], None]) -> None:
        action()  # each block's commit is the transaction's

    def collect_new_events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.pop(0)

    def write_journal(self) -> None:
        """Append the journey entries flushed so far (in this transaction's last moment:
        nothing in a transaction reads the journey it writes)."""
        assert self._conn is not None, "inside `with uow:`"
        append(self._conn, journey, self._journal)
        self._journal.clear()  # in place: the case repository holds this list

    def _open_repositories(self, conn: Connection) -> None:
        self.cases = SqlCaseRepository(conn, self._journal)
        self.reps = SqlRepRepository(conn)
        self.technicians = SqlTechnicianRepository(conn)
        self.customers = SqlCustomerRepository(conn)
        self.policies = SqlPolicyRepository(conn, self._clock)
        self.timers = SqlTimerRepository(conn)
        self.outbox = SqlNotificationOutbox(conn)
        self.work_orders = SqlWorkOrderRepository(conn)
        self.mail = SqlMailStore(conn)

    def _writers(self) -> tuple[_Writer, ...]:
        """The repositories that hold changes until the commit, in the order they write
        (cases first: the rest refers to them)."""
        return (self.cases, self.reps, self.technicians, self.work_orders, self.outbox, self.mail)

    def _flush(self) -> None:
        for writer in self._writers():
            writer.flush()

    def _unwritten(self) -> bool:
        """Whether a loaded or added aggregate holds a change not yet written."""
        return any(writer.unwritten for writer in self._writers())

    def _collect_events(self) -> None:
        aggregates: list[Case | Rep | WorkOrder] = [
            *self.cases.seen,
            *self.reps.seen,
            *self.work_orders.seen,
        ]
        for aggregate in aggregates:
            self._events.extend(aggregate.events)
            aggregate.events.clear()


class SqlBatch:
    """Group commit: one transaction under any number of units of work (`uow`), committed
    together by `commit()`; nothing of it is kept if that is never reached.

    Each `with uow:` block inside is a savepoint. A block's commit writes its changes and
    releases the savepoint; what it loaded stays loaded, so the next block (the next agent
    on the same case) does not read it again. A block left without commit is rolled back to
    its savepoint, as a unit of work of its own would be, and what it loaded is forgotten if
    it failed or changed anything in memory.
    """

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self.uow = _SavepointUnitOfWork(engine, clock)

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.uow.share(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _end(self._conn, self._tx)
        self._conn = self._tx = None

    def commit(self) -> None:
        """Commit the transaction, then run what its units of work left for after it: one
        that fails is logged, not raised, for what it follows is committed already."""
        if self._tx is None:
            raise RuntimeError("commit outside `with batch:`")
        self.uow.write_journal()
        self._tx.commit()
        for action in self.uow.take_after_commit():
            try:
                action()
            except Exception:
                log.exception("an action after a batch's commit failed")


class _SavepointUnitOfWork(SqlUnitOfWork):
    """A unit of work of a batch: its blocks are savepoints on the batch's connection.

    The savepoints are the driver's own statements: SQLAlchemy's nested transactions cost
    more than the work of many a block, and nothing here needs them tracked.
    """

    def share(self, conn: Connection) -> None:
        self._conn = self._batch = conn
        self._open, self._journal = False, []
        self._after: list[Callable[[], None]] = []
        self._open_repositories(conn)

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after.append(action)  # the batch runs it once its transaction commits

    def take_after_commit(self) -> list[Callable[[], None]]:
        taken, self._after = self._after, []
        return taken

    def __enter__(self) -> Self:
        self._driver("SAVEPOINT caseloom_unit")
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        open_ = self._open
        self.rollback()
        if exc_type is not None or (open_ and self._unwritten()):
            self._open_repositories(self._batch)  # forget what may differ from the rows

    def commit(self) -> None:
        if not self._open:
            raise RuntimeError("commit outside `with uow:`")
        written = len(self._journal)
        try:
            self._flush()
        except BaseException:
            del self._journal[written:]  # this block's entries go with its savepoint
            raise
        self._driver("RELEASE SAVEPOINT caseloom_unit")
        self._open = False
        self._collect_events()

    def rollback(self) -> None:
        if self._open:
            self._open = False
            self._driver("ROLLBACK TO SAVEPOINT caseloom_unit")
            self._driver("RELEASE SAVEPOINT caseloom_unit")

    def _driver(self, statement: str) -> None:
        cursor = self._batch.connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
