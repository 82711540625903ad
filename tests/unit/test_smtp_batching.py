"""How the SMTP intake groups messages into batches: a message waits only for others already
under way (begun with MAIL FROM), and never longer than the gather window."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, cast

import pytest
from aiosmtpd.smtp import Envelope

from caseloom.domain.commands import ReceiveMail
from caseloom.domain.mail import MailReceipt, MailStatus
from caseloom.entrypoints import smtp
from caseloom.entrypoints.smtp import GATHER_S, IntakeHandler
from caseloom.service_layer.messagebus import MessageBus

SUPPORT = "support@northwind.example"
PROMPT_S = 1.0  # far below the long window below, far above taking a batch here


@pytest.fixture
def long_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gather window no test waits out: a message that waited it would time out."""
    monkeypatch.setattr(smtp, "GATHER_S", 60.0)


class RecordingBus:
    """Takes each batch at once and says who sent what was in it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def handle_all(self, commands: Sequence[ReceiveMail]) -> list[object]:
        self.batches.append([c.envelope_from for c in commands])
        return [
            MailReceipt(n, MailStatus.OPENED, f"opened CS-{n:06d}") for n in range(len(commands))
        ]


class Sender:
    """One SMTP session on the handler, driven hook by hook."""

    def __init__(self, handler: IntakeHandler, address: str) -> None:
        self.handler, self.address = handler, address
        self.envelope = Envelope()

    async def begin(self) -> None:
        await self.handler.handle_MAIL(None, self, self.envelope, self.address, [])
        await self.handler.handle_RCPT(None, self, self.envelope, SUPPORT, [])

    async def deliver(self) -> str:
        self.envelope.content = self.envelope.original_content = b"Subject: hi\r\n\r\nhello\r\n"
        return await self.handler.handle_DATA(None, self, self.envelope)


def intake() -> tuple[IntakeHandler, RecordingBus]:
    bus = RecordingBus()
    return IntakeHandler(cast(MessageBus, bus), lambda address: address == SUPPORT), bus


@pytest.mark.usefixtures("long_window")
def test_a_lone_message_goes_at_once() -> None:
    async def scenario() -> list[list[str]]:
        handler, bus = intake()
        ann = Sender(handler, "ann@example.com")
        await ann.begin()
        reply = await asyncio.wait_for(ann.deliver(), PROMPT_S)  # nobody else under way
        assert reply == "250 2.0.0 opened CS-000000"
        return bus.batches

    assert asyncio.run(scenario()) == [["ann@example.com"]]


@pytest.mark.usefixtures("long_window")
def test_messages_under_way_are_waited_for_and_go_together() -> None:
    async def scenario() -> list[list[str]]:
        handler, bus = intake()
        ann, ben = Sender(handler, "ann@example.com"), Sender(handler, "ben@example.com")
        await ann.begin()
        await ben.begin()
        both = asyncio.gather(ann.deliver(), _later(ben.deliver()))
        replies = await asyncio.wait_for(both, PROMPT_S)
        assert all(r.startswith("250 ") for r in replies)
        return bus.batches

    assert asyncio.run(scenario()) == [["ann@example.com", "ben@example.com"]]


def test_a_sender_that_stalls_keeps_the_others_waiting_no_longer_than_the_window() -> None:
    async def scenario() -> list[list[str]]:
        handler, bus = intake()
        ann, stalled = Sender(handler, "ann@example.com"), Sender(handler, "cat@example.com")
        await stalled.begin()  # and never sends its data
        await ann.begin()
        await asyncio.wait_for(ann.deliver(), PROMPT_S)  # the window is GATHER_S
        return bus.batches

    assert asyncio.run(scenario()) == [["ann@example.com"]]


@pytest.mark.usefixtures("long_window")
def test_a_message_given_up_with_rset_is_not_waited_for() -> None:
    async def scenario() -> list[list[str]]:
        handler, bus = intake()
        ann, ben = Sender(handler, "ann@example.com"), Sender(handler, "ben@example.com")
        await ben.begin()
        await handler.handle_RSET(None, ben, ben.envelope)
        await ann.begin()
        await asyncio.wait_for(ann.deliver(), PROMPT_S)
        return bus.batches

    assert asyncio.run(scenario()) == [["ann@example.com"]]


async def _later(delivery: Coroutine[Any, Any, str]) -> str:
    await asyncio.sleep(GATHER_S / 3)  # a moment after the first
    return await delivery


@pytest.mark.usefixtures("long_window")
def test_a_message_begun_long_ago_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its sender is slow, or hung up mid-message: the others do not wait on it."""
    monkeypatch.setattr(smtp, "FORGET_S", 0.01)

    async def scenario() -> list[list[str]]:
        handler, bus = intake()
        ann, gone = Sender(handler, "ann@example.com"), Sender(handler, "dan@example.com")
        await gone.begin()
        await asyncio.sleep(0.02)
        await ann.begin()
        await asyncio.wait_for(ann.deliver(), PROMPT_S)
        return bus.batches

    assert asyncio.run(scenario()) == [["ann@example.com"]]
