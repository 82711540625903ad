"""The audit trail on a real database: tampering with any stored journey row is detected."""

from __future__ import annotations

import sqlalchemy as sa

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.views import journey
from tests.fakes import FakeClock


def open_cases(app: Caseloom, count: int) -> list[str]:
    return [
        str(
            app.bus.handle(
                commands.OpenCase(
                    Channel.PORTAL,
                    f"Router keeps dropping the connection #{n}",
                    "My router drops the wifi every evening. It is faulty.",
                    "Hema Patel",
                    "hema.patel@example.com",
                )
            )
        )
        for n in range(count)
    ]


def test_every_journey_verifies_when_nobody_has_touched_the_database(app: Caseloom) -> None:
    open_cases(app, 3)
    assert journey.verify(app.store) == (3, [])


def test_text_that_copy_would_mangle_is_stored_and_verifies(app: Caseloom) -> None:
    """Journey rows go in with COPY on PostgreSQL: backslashes, tabs, newlines, quotes and
    characters outside ASCII must come back byte for byte, or the hashes would not match."""
    awkward = 'C:\\Users\\hema\t"tab"\nnew line \\N é 日本 \u2028 end\\'
    ref = app.bus.handle(
        commands.OpenCase(Channel.PORTAL, awkward, awkward, "Hema \\ Patel", "hema@example.com")
    )
    assert journey.verify(app.store) == (1, [])
    assert journey.case_journey(app.store, str(ref))[0].inputs["subject"] == awkward


def test_editing_one_journey_row_names_that_case_entry_and_row(
    app: Caseloom, database_url: str, clock: FakeClock
) -> None:
    refs = open_cases(app, 3)
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        row_id = conn.execute(
            sa.text("select id from journey where case_id = 2 and seq = 3")
        ).scalar_one()
        conn.execute(
            sa.text("update journey set reason = 'nothing to see' where id = :id"), {"id": row_id}
        )
    engine.dispose()
    checked, breaks = journey.verify(app.store)
    assert checked == 3
    assert [str(b) for b in breaks] == [
        f"{refs[1]} entry 3 (journey row id {row_id}): content does not match its hash"
    ]
    assert journey.verify(app.store, refs[0]) == (1, [])


def test_deleting_the_latest_journey_row_is_detected(app: Caseloom, database_url: str) -> None:
    (ref,) = open_cases(app, 1)
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        latest = conn.execute(sa.text("select max(seq) from journey where case_id = 1")).scalar()
        conn.execute(
            sa.text("delete from journey where case_id = 1 and seq = :seq"), {"seq": latest}
        )
    engine.dispose()
    _, breaks = journey.verify(app.store, ref)
    assert len(breaks) == 1
    assert f"head says {latest} entries but {latest - 1} are stored" in breaks[0].reason
