"""Whether a machine sent a message, so that intake never answers it and no mail loop starts.

Headers decide first: a delivery status report or a MAILER-DAEMON sender is a bounce (bounces
come first, since some carry auto-reply headers too); Auto-Submitted (RFC 3834), X-Autoreply,
X-Autorespond and Precedence: auto_reply mark an auto reply; Precedence: bulk, list or junk and
the List-* headers (RFC 2369, 2919) mark bulk mail. Only when no header says so are subjects
such as "Automatic reply:" or "Undeliverable:" believed.

X-Auto-Response-Suppress is not read. Exchange and Outlook set it to ask the *recipients* not to
auto-reply, on mail people write too, so it says nothing about who wrote the message (Discourse,
osTicket, Redmine and sisimai each stopped reading it as a sign of an auto reply for this).
"""

from __future__ import annotations

import re
from email.message import Message

from caseloom.adapters.mail import headers
from caseloom.domain.mail import Automated

Verdict = tuple[Automated, str]  # what sent it, and the header that says so

_DAEMONS = frozenset({"mailer-daemon", "postmaster"})
_AUTO_REPLY_HEADERS = ("Auto-Submitted", "X-Autoreply", "X-Autorespond")
_LIST_HEADERS = ("List-Id", "List-Unsubscribe")
_ENDS = r"(?:\s*\([^)]*\))?\s*(?::|$)"  # "Undeliverable:", "... Notification (Failure)"
_BOUNCE_SUBJECT = re.compile(
    r"\s*(?:Undeliverable|Undelivered Mail Returned to Sender|Delivery Status Notification"
    r"|Mail delivery failed|Returned mail|Unzustellbar)" + _ENDS,
    re.IGNORECASE,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"\s*(?:Out of Office(?: AutoReply)?|Automatic reply|Auto-?reply|Automatische Antwort"
    r"|Abwesenheitsnotiz|Réponse automatique|Automatisch antwoord|Respuesta automática"
    r"|Risposta automatica)" + _ENDS,
    re.IGNORECASE,
)
_SHOWN = 120


def classify(message: Message, sender: str, subject: str) -> Verdict:
    """Who sent `message` from `sender` (an address), with the header that says so."""
    return (
        _bounce(message, sender)
        or _auto_reply(message)
        or _bulk(message)
        or _by_subject(subject)
        or (Automated.NO, "")
    )


def _bounce(message: Message, sender: str) -> Verdict | None:
    report = str(message.get_param("report-type", "")).lower()
    if message.get_content_type() == "multipart/report" and report == "delivery-status":
        return Automated.BOUNCE, f"Content-Type: multipart/report; report-type={report}"
    if sender.partition("@")[0] in _DAEMONS:
        return Automated.BOUNCE, f"From: {sender}"
    return None


def _auto_reply(message: Message) -> Verdict | None:
    for name in _AUTO_REPLY_HEADERS:
        value = headers.text(message, name)
        if value and value.partition(";")[0].strip().lower() != "no":
            return Automated.AUTO_REPLY, _why(name, value)
    precedence = headers.text(message, "Precedence")
    if precedence.lower() == "auto_reply":
        return Automated.AUTO_REPLY, _why("Precedence", precedence)
    return None


def _bulk(message: Message) -> Verdict | None:
    precedence = headers.text(message, "Precedence")
    if precedence.lower() in ("bulk", "list", "junk"):
        return Automated.BULK, _why("Precedence", precedence)
    for name in _LIST_HEADERS:
        if value := headers.text(message, name):
            return Automated.BULK, _why(name, value)
    return None


def _by_subject(subject: str) -> Verdict | None:
    if _BOUNCE_SUBJECT.match(subject):
        return Automated.BOUNCE, _why("Subject", subject)
    if _AUTO_REPLY_SUBJECT.match(subject):
        return Automated.AUTO_REPLY, _why("Subject", subject)
    return None


def _why(name: str, value: str) -> str:
    shown = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
    return f"{name}: {shown}"
