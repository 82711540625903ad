"""SMTP intake (aiosmtpd): customers' e-mail straight into cases.

Recipients are checked at RCPT (`550` for an address the policy does not take), the size at
DATA (`552` beyond the limit, from aiosmtpd's SIZE extension). An accepted message is stored
before it is read, and the reply says what became of it: `250 2.0.0 opened CS-000042`. A
message that cannot be read at all gets a `550 5.6.0` naming why, and is kept in quarantine
all the same. If it cannot even be stored, `451` asks the sender's server to try again later,
so nothing it sent is lost.

Messages that arrive together (on many connections at once, as a sending server delivers a
burst) are taken into cases together: while one batch runs through the bus, what arrives waits,
and goes as the next batch in one transaction (`MessageBus.handle_all`). Before a batch goes,
it waits (at most `GATHER_S`) for the messages other senders have begun (MAIL FROM) and not
yet sent; a lone message goes at once.

The batch runs on the server's own event loop thread (aiosmtpd's `Controller` gives the server
a loop of its own, apart from the API's): while it runs, what senders send waits in the
socket buffers and is read in one go afterwards. Handing each batch to a worker thread instead
made the two threads trade the GIL on every socket event, and cost a fifth of the throughput
(docs/decisions.md). A batch is bounded (`MAX_BATCH`), and SMTP's timeouts are minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller

from caseloom.domain.commands import ReceiveMail
from caseloom.domain.mail import MAX_MESSAGE_BYTES, MailReceipt
from caseloom.service_layer.messagebus import MessageBus

log = logging.getLogger(__name__)
IDENT = "Caseloom intake"


MAX_BATCH = 64  # messages in one transaction: bounds how long it holds SQLite's write lock
GATHER_S = 0.003  # the longest a batch waits for messages under way: little beside reading one
GATHER_STEP_S = 0.001
FORGET_S = 1.0  # a message begun this long ago is not waited for: slow, or its sender left


class IntakeHandler:
    """aiosmtpd's handler: the MAIL, RCPT, RSET and DATA hooks."""

    def __init__(
        self, bus: MessageBus, accepts: Callable[[str], bool], max_batch: int = MAX_BATCH
    ) -> None:
        self._bus, self._accepts, self._max_batch = bus, accepts, max_batch
        self._waiting: list[tuple[ReceiveMail, asyncio.Future[object]]] = []
        self._taking = False  # a batch is in the bus (all of this runs on the server's loop)
        self._begun: dict[object, float] = {}  # session -> when its message began (MAIL FROM)

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        self._begun[session] = asyncio.get_running_loop().time()
        return "250 2.1.0 OK"

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self._begun.pop(session, None)
        return "250 2.0.0 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self._accepts(address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self._begun.pop(session, None)
        raw = envelope.original_content or envelope.content or b""
        command = ReceiveMail(
            raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape"),
            "smtp",
            envelope.mail_from or "",
            tuple(a.lower() for a in envelope.rcpt_tos),
        )
        outcome = await self._taken(command)
        if isinstance(outcome, Exception):
            log.error("an e-mail from %s could not be stored", envelope.mail_from, exc_info=outcome)
            return "451 4.3.0 the message could not be stored; please try again later"
        return reply(outcome)  # type: ignore[arg-type]

    async def _taken(self, command: ReceiveMail) -> object:
        """What became of the message: its receipt, or the exception that kept it out."""
        waiting = asyncio.get_running_loop().create_future()
        self._waiting.append((command, waiting))
        if not self._taking:
            self._taking = True
            asyncio.get_running_loop().create_task(self._take_waiting())
        return await waiting

    async def _take_waiting(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                batch = self._waiting[: self._max_batch]
                del self._waiting[: len(batch)]
                commands = [command for command, _ in batch]
                try:
                    outcomes = self._bus.handle_all(commands)  # on this loop: see the module
                except Exception as error:  # the bus keeps each outcome; this is a last resort
                    outcomes = [error] * len(batch)
                for (_, waiting), outcome in zip(batch, outcomes, strict=True):
                    if not waiting.done():  # done: the sender hung up meanwhile
                        waiting.set_result(outcome)
        finally:
            self._taking = False

    async def _gather(self) -> None:
        """Wait, at most `GATHER_S`, while other messages are under way (begun with MAIL FROM,
        their data not yet in), so that a burst goes as one batch; a lone message goes at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_S
        while len(self._waiting) < self._max_batch and loop.time() < deadline:
            forgotten = loop.time() - FORGET_S
            self._begun = {s: t for s, t in self._begun.items() if t > forgotten}
            if not self._begun:
                return
            await asyncio.sleep(GATHER_STEP_S)


def reply(receipt: MailReceipt) -> str:
    """The SMTP reply for what became of a message."""
    outcome = " ".join(receipt.outcome.split())[:400]  # one line
    if receipt.refused:
        return f"550 5.6.0 refused: {outcome}"
    if receipt.repeated:
        return f"250 2.0.0 already received: {outcome}"
    return f"250 2.0.0 {outcome}"


def smtp_server(
    bus: MessageBus,
    accepts: Callable[[str], bool],
    host: str,
    port: int,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> Controller:
    """An SMTP server (not yet started: `.start()`, `.stop()`) that takes mail into cases."""
    return Controller(
        IntakeHandler(bus, accepts),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        ident=IDENT,
        enable_SMTPUTF8=True,
    )
