"""The journey's hash chain: any edit, removal, reordering or truncation is detected."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from caseloom.domain.journey import EMPTY_CHAIN, ChainHead, JourneyEntry, seal, verify_chain
from tests.factories import NOW


def chain(length: int = 3) -> tuple[list[tuple[int, JourneyEntry]], ChainHead]:
    head, rows = EMPTY_CHAIN, []
    for n in range(1, length + 1):
        draft = JourneyEntry(
            "CS-000001",
            0,
            "step",
            "agent:test",
            {"n": n, "tuple": (1, 2)},
            {"ok": True},
            f"reason {n}",
            1,
            NOW + timedelta(minutes=n),
        )
        entry = seal(head, draft)
        rows.append((100 + n, entry))
        head = ChainHead(entry.seq, entry.hash)
    return rows, head


def test_an_untouched_chain_verifies() -> None:
    rows, head = chain()
    assert verify_chain("CS-000001", rows, head) is None


def test_entries_are_numbered_and_linked_to_the_one_before() -> None:
    rows, _ = chain()
    entries = [entry for _, entry in rows]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].prev_hash == EMPTY_CHAIN.hash


def test_the_hash_survives_a_round_trip_through_json_storage() -> None:
    rows, head = chain()
    stored = [
        (
            row_id,
            replace(
                e,
                inputs=json.loads(json.dumps(e.inputs)),
                decision=json.loads(json.dumps(e.decision)),
            ),
        )
        for row_id, e in rows
    ]
    assert verify_chain("CS-000001", stored, head) is None


def test_editing_an_entry_names_that_entry_and_its_row() -> None:
    rows, head = chain()
    rows[1] = (rows[1][0], replace(rows[1][1], reason="edited after the fact"))
    broken = verify_chain("CS-000001", rows, head)
    assert broken is not None
    assert (broken.seq, broken.row_id) == (2, 102)
    assert str(broken) == "CS-000001 entry 2 (journey row id 102): content does not match its hash"


def test_rehashing_an_edited_entry_still_breaks_the_link_of_the_next() -> None:
    rows, head = chain()
    forged = replace(rows[0][1], reason="forged")
    rows[0] = (rows[0][0], replace(forged, hash=forged.content_hash()))
    broken = verify_chain("CS-000001", rows, head)
    assert broken is not None
    assert (broken.seq, broken.reason) == (2, "does not link to the entry before it")


def test_removing_the_last_entry_is_caught_by_the_case_head() -> None:
    rows, head = chain()
    broken = verify_chain("CS-000001", rows[:-1], head)
    assert broken is not None
    assert "head says 3 entries but 2 are stored" in broken.reason


def test_removing_a_middle_entry_is_caught_at_the_gap() -> None:
    rows, head = chain()
    broken = verify_chain("CS-000001", [rows[0], rows[2]], head)
    assert broken is not None
    assert (broken.seq, broken.reason) == (2, "is numbered 3")


def test_an_entry_moved_from_another_case_is_caught() -> None:
    rows, head = chain()
    rows[2] = (rows[2][0], replace(rows[2][1], case_ref="CS-000002"))
    broken = verify_chain("CS-000001", rows, head)
    assert broken is not None
    assert broken.reason == "names case CS-000002"
