"""Group commit on each database: a batch is one transaction whose units of work are savepoints,
kept only when the batch commits; what a block committed stays loaded for the next block."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from caseloom.adapters.db.tables import cases
from caseloom.adapters.db.unit_of_work import SqlBatch, SqlUnitOfWork
from caseloom.bootstrap import Caseloom
from caseloom.domain.case import Case, CaseStatus
from caseloom.domain.commands import Command, ReceiveMail
from caseloom.domain.mail import MailReceipt, MailStatus
from caseloom.domain.triage import StampOutcome
from caseloom.service_layer.ports import UnitOfWork
from caseloom.views import journey
from caseloom.views.cases import get_case
from caseloom.views.store import READ_ONLY
from tests.factories import NOW, by, make_case, triage_result
from tests.fakes import FakeClock

SUPPORT = "support@northwind.example"


def sql_batch(engine: sa.Engine) -> SqlBatch:
    return SqlBatch(engine, FakeClock(NOW))


def open_case(uow: UnitOfWork, key: str, number: int | None = None) -> str:
    """Commit a block of `uow` that opens a case (numbered `number`, or the next number)."""
    with uow:
        case = make_case(number or uow.cases.next_number())
        uow.cases.add(case, idempotency=(key, "digest"))
        uow.commit()
    return case.ref


def open_cases(uow: UnitOfWork, *numbers: int) -> None:
    """Commit a block of `uow` that opens cases numbered `numbers`, written in that order."""
    with uow:
        for number in numbers:
            uow.cases.add(make_case(number))
        uow.commit()


def stored_case(engine: sa.Engine) -> str:
    return open_case(SqlUnitOfWork(engine, FakeClock(NOW)), "stored")


def triage(case: Case) -> None:
    result = triage_result(intent=("outage", 0.9))
    case.apply_triage(result, StampOutcome({"severity": "high"}, ()), 0.6, by())


def committed(engine: sa.Engine) -> dict[str, str]:
    """The cases another connection sees, by number, with their status."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        rows = conn.execute(sa.select(cases.c.id, cases.c.status).order_by(cases.c.id))
        return {f"CS-{row.id:06d}": row.status for row in rows}


def test_a_block_committed_in_a_batch_is_seen_later_and_kept_only_when_the_batch_commits(
    engine: sa.Engine,
) -> None:
    with sql_batch(engine) as batch:
        ref = open_case(batch.uow, "k-1")
        with batch.uow:
            assert batch.uow.cases.by_idempotency_key("k-1") == (ref, "digest")  # from the rows
        assert committed(engine) == {}
        batch.commit()
    assert committed(engine) == {ref: "new"}


def test_what_waits_for_the_commit_runs_once_the_batch_is_committed_and_never_without(
    engine: sa.Engine,
) -> None:
    seen: list[dict[str, str]] = []
    with sql_batch(engine) as batch:
        open_case(batch.uow, "k-1")
        batch.uow.after_commit(lambda: seen.append(committed(engine)))
        assert seen == []  # not yet: nothing of the batch is committed
        batch.commit()
    assert seen == [{"CS-000001": "new"}]  # after: what it follows is there for all

    with sql_batch(engine) as batch:
        open_case(batch.uow, "k-2")
        batch.uow.after_commit(lambda: seen.append({}))
    assert len(seen) == 1  # the batch never committed: neither did what waited for it


def test_an_action_after_the_commit_that_fails_loses_nothing_committed(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise OSError("the IMAP server hung up")

    with sql_batch(engine) as batch:
        ref = open_case(batch.uow, "k-1")
        batch.uow.after_commit(fail)
        batch.commit()
    assert committed(engine) == {ref: "new"}
    assert "an action after a batch's commit failed" in caplog.text


def test_a_batch_left_without_commit_keeps_nothing(engine: sa.Engine) -> None:
    with sql_batch(engine) as batch:
        open_case(batch.uow, "k-1")
        open_case(batch.uow, "k-2")
    assert committed(engine) == {}


def test_a_failing_block_is_undone_to_its_savepoint_and_earlier_blocks_are_kept(
    engine: sa.Engine,
) -> None:
    with sql_batch(engine) as batch:
        first = open_case(batch.uow, "k-1")
        with pytest.raises(sa.exc.IntegrityError):  # the second case's number is taken
            open_cases(batch.uow, batch.uow.cases.next_number(), int(first[3:]))
        last = open_case(batch.uow, "k-3")  # the transaction goes on
        batch.commit()
    assert committed(engine) == {first: "new", last: "new"}


def test_a_case_committed_in_one_block_is_the_same_object_in_the_next_without_a_read(
    engine: sa.Engine,
) -> None:
    ref = stored_case(engine)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with sql_batch(engine) as batch:
        with batch.uow:
            case = batch.uow.cases.get(ref)
            triage(case)
            batch.uow.commit()
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            with batch.uow:
                assert batch.uow.cases.get(ref) is case
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        batch.commit()
    assert statements == []
    assert committed(engine) == {ref: "triaged"}


def test_a_change_left_uncommitted_in_a_block_is_forgotten_by_the_next(
    engine: sa.Engine,
) -> None:
    ref = stored_case(engine)
    with sql_batch(engine) as batch:
        with batch.uow:
            changed = batch.uow.cases.get(ref)
            triage(changed)  # and never committed
        with batch.uow:
            again = batch.uow.cases.get(ref)
    assert again is not changed
    assert again.status is CaseStatus.NEW


def mail(number: int) -> ReceiveMail:
    message = EmailMessage()
    message["From"] = f"Customer {number} <customer{number}@example.com>"
    message["To"], message["Subject"] = SUPPORT, f"Broadband down at site {number}"
    message["Message-ID"] = f"<batch.{number}@example.com>"
    message.set_content(f"Our broadband at site {number} has been down since 6am.")
    return ReceiveMail(message.as_bytes(), "smtp", f"customer{number}@example.com", (SUPPORT,))


def test_a_batch_of_mail_opens_one_triaged_case_per_message_with_intact_journeys(
    app: Caseloom, caplog: pytest.LogCaptureFixture
) -> None:
    commands: list[Command] = [mail(n) for n in range(1, 6)]
    receipts = app.bus.handle_all(commands)
    assert "running each alone" not in caplog.text  # done in the batch, not again alone
    refs = [f"CS-{n:06d}" for n in range(1, 6)]
    assert receipts == [
        MailReceipt(n, MailStatus.OPENED, f"opened {ref}", ref)
        for n, ref in enumerate(refs, start=1)
    ]
    for ref in refs:
        assert get_case(app.store, ref, NOW).status not in ("new", "triage_review")
    assert journey.verify(app.store) == (5, [])
