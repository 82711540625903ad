"""The IMAP mailbox against a real Dovecot: what intake is handed, how done mail stays done, and
what the errors say when the server cannot be had."""

from __future__ import annotations

import email.policy
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from caseloom.adapters.mail.imap import DONE_KEYWORD, ImapMailbox
from caseloom.adapters.mail.imap_url import imap_mailbox
from caseloom.domain.errors import MailboxUnavailable
from tests.dovecot import Account, Dovecot
from tests.network import free_port

Connect = Callable[..., ImapMailbox]


def plain(subject: str) -> bytes:
    return (
        "From: Ann Smith <ann@example.com>\r\n"
        "To: support@example.com\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n"
        "Date: Wed, 26 Nov 2025 09:30:00 +0000\r\n"
        "\r\n"
        "The boiler is leaking again.\r\n"
    ).encode()


LATIN_1 = (  # 8-bit ISO-8859-1 in a header and the body: not UTF-8, sent as is
    b"From: Ren\xe9 Dupr\xe9 <rene@example.fr>\r\n"
    b"To: support@example.com\r\n"
    b"Subject: R\xe9paration urgente\r\n"
    b"Message-ID: <latin-1@example.fr>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"La chaudi\xe8re fuit, \xe0 r\xe9parer avant vendredi. Merci \xbb\r\n"
)


def with_attachment() -> bytes:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["To"] = "support@example.com"
    message["Subject"] = "Photo of the boiler"
    message.set_content("Photo and the controller's dump attached.")
    message.add_attachment(
        bytes(range(256)) * 40, maintype="application", subtype="octet-stream", filename="dump.bin"
    )
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as on the wire


@pytest.fixture
def connect(imap_account: Account) -> Iterator[Connect]:
    """Opens mailboxes on the test account (plain IMAP unless told), closed after the test."""
    opened: list[ImapMailbox] = []
    server = imap_account.server

    def make(**settings: object) -> ImapMailbox:
        arguments: dict[str, object] = {"security": "none", "timeout": 5.0} | settings
        port = int(str(arguments.pop("port", server.port)))
        mailbox = ImapMailbox(server.host, port, imap_account.user, server.password, **arguments)
        opened.append(mailbox)
        return mailbox

    yield make
    for mailbox in opened:
        mailbox.close()


def test_fetch_hands_over_the_messages_oldest_first_byte_for_byte(
    imap_account: Account, connect: Connect
) -> None:
    sent = [plain("Boiler leaking"), LATIN_1, with_attachment()]
    uids = [imap_account.append(raw) for raw in sent]

    fetched = connect().fetch(10)

    assert [mail.uid for mail in fetched] == uids
    assert [mail.raw for mail in fetched] == sent


def test_fetching_marks_nothing_seen(imap_account: Account, connect: Connect) -> None:
    uid = imap_account.append(plain("Boiler leaking"))
    connect().fetch(10)
    assert imap_account.flags() == {uid: set()}


def test_limit_takes_the_oldest(imap_account: Account, connect: Connect) -> None:
    uids = [imap_account.append(plain(f"Message {n}")) for n in range(5)]
    mailbox = connect()
    assert [mail.uid for mail in mailbox.fetch(2)] == uids[:2]
    assert mailbox.fetch(0) == []


def test_done_flags_the_messages_and_fetch_passes_them_by(
    imap_account: Account, connect: Connect
) -> None:
    first, second, third = (imap_account.append(plain(f"Message {n}")) for n in range(3))
    mailbox = connect()
    mailbox.fetch(2)
    mailbox.done([first, second])

    assert [mail.uid for mail in mailbox.fetch(10)] == [third]
    flags = imap_account.flags()
    assert flags[first] == flags[second] == {"\\Seen", DONE_KEYWORD}
    assert flags[third] == set()


def test_a_message_a_person_has_already_read_is_still_fetched(
    imap_account: Account, connect: Connect
) -> None:
    uid = imap_account.append(plain("Read in Thunderbird first"), flags=["\\Seen"])
    assert [mail.uid for mail in connect().fetch(10)] == [uid]


def test_done_moves_the_messages_to_the_done_folder_made_on_first_use(
    imap_account: Account, connect: Connect
) -> None:
    sent = [plain(f"Message {n}") for n in range(3)]
    first, second, third = (imap_account.append(raw) for raw in sent)
    mailbox = connect(done_folder="Processed")
    mailbox.fetch(2)
    mailbox.done([first, second])
    mailbox.done([first])  # again, as after a crash before the commit: nothing left to move

    assert [mail.uid for mail in mailbox.fetch(10)] == [third]
    assert imap_account.uids() == [third]
    assert len(imap_account.uids("Processed")) == 2
    assert connect(folder="Processed", done_folder="Elsewhere").fetch(10)[1].raw == sent[1]


@pytest.mark.parametrize("done_folder", [None, "Processed"])
def test_messages_not_marked_done_are_fetched_again_after_a_crash(
    imap_account: Account, connect: Connect, done_folder: str | None
) -> None:
    uids = [imap_account.append(plain(f"Message {n}")) for n in range(3)]
    before_the_crash = connect(done_folder=done_folder)
    before_the_crash.fetch(3)
    before_the_crash.done(uids[:1])  # the case of the first was committed; then the crash

    after_the_crash = connect(done_folder=done_folder)

    assert [mail.uid for mail in after_the_crash.fetch(10)] == uids[1:]


def test_a_dropped_connection_is_opened_again(
    imap_account: Account, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = imap_account.append(plain("One")), imap_account.append(plain("Two"))
    mailbox = connect(done_folder="Processed")
    mailbox.fetch(1)
    imap_account.kick()  # Dovecot closes the connection, as at a restart

    with caplog.at_level(logging.INFO, logger="caseloom.adapters.mail.imap"):
        mailbox.done([first])
        imap_account.kick()
        fetched = mailbox.fetch(10)

    assert [mail.uid for mail in fetched] == [second]
    assert imap_account.uids() == [second]
    assert sum("reconnecting" in record.message for record in caplog.records) == 2


def test_a_folder_emptied_and_made_anew_refuses_the_old_uids(
    imap_account: Account, connect: Connect
) -> None:
    old = imap_account.append(plain("Old"), folder="Intake")
    mailbox = connect(folder="Intake")
    mailbox.fetch(10)
    imap_account.remake("Intake")  # new UIDVALIDITY: the old UID may now be another message
    imap_account.append(plain("New"), folder="Intake")
    imap_account.kick()

    with pytest.raises(MailboxUnavailable, match="UIDVALIDITY changed"):
        mailbox.done([old])
    assert imap_account.flags("Intake") == {"1": set()}


def test_a_wrong_password_names_server_and_user_but_not_the_password(
    imap_account: Account, dovecot: Dovecot
) -> None:
    for password in ("not-the-password", "n\u00f6t-the-p\u00e4ssword"):  # LOGIN; AUTHENTICATE
        mailbox = ImapMailbox(
            dovecot.host, dovecot.port, imap_account.user, password, security="none"
        )
        with pytest.raises(MailboxUnavailable) as refused:
            mailbox.fetch(10)
        message = str(refused.value)
        assert f"{dovecot.host}:{dovecot.port}" in message
        assert f"user {imap_account.user}" in message
        assert "login failed" in message
        assert "AUTHENTICATIONFAILED" in message
        assert password not in message
        mailbox.close()


def test_an_unreachable_server_is_unavailable_with_where_it_was_looked_for() -> None:
    port = free_port()
    mailbox = ImapMailbox("127.0.0.1", port, "ann", "pw", security="none", timeout=2)
    with pytest.raises(MailboxUnavailable, match=f"127.0.0.1:{port} .*cannot connect.*refused"):
        mailbox.fetch(10)


def test_a_server_that_never_answers_is_given_up_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are accepted by the kernel, and then nothing is said
        port = silent.getsockname()[1]
        mailbox = ImapMailbox("127.0.0.1", port, "ann", "pw", security="none", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(MailboxUnavailable, match="cannot connect: timed out"):
            mailbox.fetch(10)
        assert time.monotonic() - started < 2


def test_a_folder_that_does_not_exist_is_named(imap_account: Account, connect: Connect) -> None:
    with pytest.raises(MailboxUnavailable, match=r"folder Nowhere.*cannot open the folder: NO"):
        connect(folder="Nowhere").fetch(10)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_from_the_start_or_by_starttls(
    imap_account: Account, connect: Connect, dovecot: Dovecot, security: str
) -> None:
    raw = with_attachment()
    uid = imap_account.append(raw)
    port = dovecot.tls_port if security == "ssl" else dovecot.port
    mailbox = connect(security=security, port=port, ssl_context=dovecot.tls_context())
    assert mailbox.fetch(10)[0].raw == raw
    mailbox.done([uid])
    assert mailbox.fetch(10) == []


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_the_system_does_not_trust_is_refused(
    connect: Connect, dovecot: Dovecot, security: str
) -> None:
    port = dovecot.tls_port if security == "ssl" else dovecot.port
    with pytest.raises(MailboxUnavailable, match=r"cannot connect: .*CERTIFICATE_VERIFY_FAILED"):
        connect(security=security, port=port).fetch(10)


def test_a_mailbox_from_its_url(imap_account: Account, dovecot: Dovecot) -> None:
    uid = imap_account.append(LATIN_1)
    url = f"imap://{imap_account.user}@{dovecot.host}:{dovecot.port}/INBOX?done=Done%20Mail"
    mailbox = imap_mailbox(url, dovecot.password)
    try:
        assert mailbox.fetch(10)[0].raw == LATIN_1
        mailbox.done([uid])
    finally:
        mailbox.close()
    assert imap_account.uids("Done Mail") == ["1"]
