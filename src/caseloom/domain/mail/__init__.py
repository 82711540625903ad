"""E-mail as intake sees it: a message read from its raw bytes, what a person wrote in it, its
attachments, whether a machine sent it, and what ties it to a case."""

from caseloom.domain.mail.message import (
    MAX_ATTACHMENT_BYTES,
    MAX_MESSAGE_BYTES,
    Attachment,
    Automated,
    FetchedMail,
    InboundMail,
    MalformedMail,
    Sender,
)
from caseloom.domain.mail.received import (
    MailReceipt,
    MailStatus,
    ReceivedMail,
    digest_id,
    message_id_of,
    message_key,
)
from caseloom.domain.mail.spec import ClosedReply, IntakeAddress, IntakeSpec
from caseloom.domain.mail.tokens import (
    case_token,
    refs_in_subject,
    status_key,
    status_token,
    token_refs,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_MESSAGE_BYTES",
    "Attachment",
    "Automated",
    "ClosedReply",
    "FetchedMail",
    "InboundMail",
    "IntakeAddress",
    "IntakeSpec",
    "MailReceipt",
    "MailStatus",
    "MalformedMail",
    "ReceivedMail",
    "Sender",
    "case_token",
    "digest_id",
    "message_id_of",
    "message_key",
    "refs_in_subject",
    "status_key",
    "status_token",
    "token_refs",
]
