"""SMTP intake (aiosmtpd): customers' e-mail straight into cases.

Recipients are checked at RCPT (`550` for an address the policy does not take), the size at
DATA (`552` beyond the limit, from aiosmtpd's SIZE extension). An accepted message is stored
before it is read, in a worker thread (the bus is synchronous), and the reply says what became
of it: `250 2.0.0 opened CS-000042`. A message that cannot be read at all gets a `550 5.6.0`
naming why, and is kept in quarantine all the same. If it cannot even be stored, `451` asks the
sender's server to try again later, so nothing it sent is lost.
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


class IntakeHandler:
    """aiosmtpd's handler: the RCPT and DATA hooks."""

    def __init__(self, bus: MessageBus, accepts: Callable[[str], bool]) -> None:
        self._bus, self._accepts = bus, accepts

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self._accepts(address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        command = ReceiveMail(
            raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape"),
            "smtp",
            envelope.mail_from or "",
            tuple(a.lower() for a in envelope.rcpt_tos),
        )
        try:
            receipt = await asyncio.get_running_loop().run_in_executor(
                None, self._bus.handle, command
            )
        except Exception:
            log.exception("an e-mail from %s could not be stored", envelope.mail_from)
            return "451 4.3.0 the message could not be stored; please try again later"
        return reply(receipt)  # type: ignore[arg-type]


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
