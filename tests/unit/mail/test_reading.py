"""The mail reader turns raw bytes into what intake decides on: who wrote, to whom, the text
(HTML made readable, any charset), what the sender wrote this time, the attachments, whether a
machine sent it, and the case tokens; bytes that are no e-mail are refused with the reason."""

# ruff: noqa: RUF001  (the samples are written in the scripts customers write in)

from __future__ import annotations

import base64
import hashlib
import quopri
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseloom.adapters.mail import EmailReader
from caseloom.domain.mail import Attachment, Automated, MalformedMail, Sender
from tests.unit.mail.samples import (
    GERMAN_REPLY,
    GMAIL_REPLY,
    HTML_ONLY,
    OUTLOOK_HEADER_REPLY,
    OUTLOOK_REPLY,
    PDF,
    PNG,
    SUPPORT,
    TOKEN,
    delivery_report,
    mail,
    raw,
    wire,
    with_attachments,
    with_inline_image,
)

READER = EmailReader()


# -- a person's plain mail ---------------------------------------------------------------------


def test_a_plain_message_is_read_with_its_headers() -> None:
    inbound = READER.read(wire(mail()))

    assert inbound.message_id == "20261207.1015.jane@example.org"
    assert inbound.sender.name == "Jane Doe"
    assert inbound.sender.address == "jane.doe@example.org"
    assert inbound.to == (SUPPORT, "bob@example.org")
    assert inbound.subject == "Boiler makes a banging noise"
    assert inbound.text == "The boiler bangs every morning."
    assert inbound.new_text == "The boiler bangs every morning."
    assert inbound.sent_at == datetime(2026, 12, 7, 9, 15, tzinfo=UTC)
    assert inbound.sent_at.utcoffset() == timedelta(hours=1)
    assert inbound.automated is Automated.NO
    assert inbound.automated_why == ""
    assert inbound.attachments == ()
    assert inbound.tokens == ()


def test_line_endings_and_trailing_whitespace_are_tidied() -> None:
    body = b"Line one   \r\nLine two\t\r\n\r\n\r\n\r\nLine three\rLine four  \r\n\r\n"
    inbound = READER.read(raw(body, "Content-Type: text/plain; charset=utf-8"))

    assert inbound.text == "Line one\nLine two\n\nLine three\nLine four"


def test_a_folded_subject_is_read_on_one_line() -> None:
    message = raw(b"Hello", Subject="Boiler\r\n  makes a\r\n\tbanging noise")

    assert READER.read(message).subject == "Boiler makes a banging noise"


# -- HTML ---------------------------------------------------------------------------------------


def test_an_html_only_message_is_converted_to_readable_text() -> None:
    message = mail()
    message.set_content(HTML_ONLY, subtype="html")

    inbound = READER.read(wire(message))

    assert inbound.text == (
        "Hello team,\n\n"
        "Our boiler is broken.\n"
        "It bangs every morning.\n\n"
        "  * Model: X200\n"
        "  * Installed: 2019\n"
        "Please call me."
    )
    assert "<" not in inbound.text
    assert "color" not in inbound.text
    assert "tracking" not in inbound.text
    assert "Ignore this title" not in inbound.text


def test_multipart_alternative_prefers_the_plain_text_and_lists_no_attachment() -> None:
    message = mail("Plain: the boiler bangs.\n")
    message.add_alternative("<p>HTML: the boiler <b>bangs</b>.</p>", subtype="html")

    inbound = READER.read(wire(message))

    assert inbound.text == "Plain: the boiler bangs."
    assert inbound.attachments == ()


def test_an_empty_plain_alternative_gives_way_to_the_html() -> None:
    message = mail("\n")
    message.add_alternative("<p>Only the HTML says it: the boiler bangs.</p>", subtype="html")

    assert READER.read(wire(message)).text == "Only the HTML says it: the boiler bangs."


# -- attachments --------------------------------------------------------------------------------


def test_attachments_are_listed_with_their_decoded_content() -> None:
    inbound = READER.read(wire(with_attachments()))

    assert inbound.text == "Photos and the invoice attached."
    assert inbound.attachments == (
        Attachment("invoice.pdf", "application/pdf", len(PDF), PDF),
        Attachment("boiler.png", "image/png", len(PNG), PNG),
    )


def test_an_inline_image_is_an_inline_attachment_with_its_content_id() -> None:
    inbound = READER.read(wire(with_inline_image()))

    assert inbound.text == "See the error code on the display."
    assert inbound.attachments == (
        Attachment("attachment-1.png", "image/png", len(PNG), PNG, True, "display@example.org"),
    )


def test_an_image_the_html_refers_to_by_cid_is_inline_without_a_disposition() -> None:
    body = (
        b"--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>The display:</p><img src="cid:shot%401">\r\n'
        b"--R\r\nContent-Type: image/png\r\nContent-ID: <shot@1>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(PNG) + b"\r\n"
        b"--R\r\nContent-Type: image/png\r\nContent-ID: <unused@1>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(PNG) + b"\r\n--R--\r\n"
    )
    inbound = READER.read(raw(body, 'Content-Type: multipart/related; boundary="R"'))

    assert inbound.text == "The display:"
    assert [(a.filename, a.inline, a.content_id) for a in inbound.attachments] == [
        ("attachment-1.png", True, "shot@1"),
        ("attachment-2.png", False, "unused@1"),
    ]


def test_an_attachment_over_the_limit_keeps_its_size_but_not_its_content() -> None:
    message = mail()
    big = b"\x00" * (1024 * 1024 + 1)
    message.add_attachment(big, maintype="application", subtype="zip", filename="logs.zip")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")

    inbound = EmailReader(max_attachment_bytes=1024 * 1024).read(wire(message))

    assert inbound.attachments == (
        Attachment(
            "logs.zip", "application/zip", len(big), b"", dropped="larger than the 1 MB allowed"
        ),
        Attachment("invoice.pdf", "application/pdf", len(PDF), PDF),
    )


def test_a_text_file_sent_as_an_attachment_is_an_attachment_not_the_body() -> None:
    message = mail("The log is attached.\n")
    message.add_attachment("ERROR E5 at 07:00\n", filename="boiler.log")

    inbound = READER.read(wire(message))

    assert inbound.text == "The log is attached."
    assert inbound.attachments == (
        Attachment("boiler.log", "text/plain", 19, b"ERROR E5 at 07:00\r\n"),  # as sent
    )


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="=?utf-8?b?UmVjaG51bmcgTcOkcnoucGRm?="', "Rechnung März.pdf"),
        ("attachment; filename*=iso-8859-1''Rechnung%20M%E4rz.pdf", "Rechnung März.pdf"),
        ("attachment; filename*0*=utf-8''%E8%AB%8B%E6%B1%82; filename*1=.pdf", "請求.pdf"),
        ("attachment; filename*=utf-8''C%3A%5CUsers%5Cjane%5Cinvoice.pdf", "invoice.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="invoice\u202egpj.exe"', "invoicegpj.exe"),
        ('attachment; filename=".."', "attachment-1.pdf"),
        ("attachment", "attachment-1.pdf"),
        (f'attachment; filename="{"a" * 300}.pdf"', f"{'a' * 196}.pdf"),
    ],
)
def test_attachment_names_are_decoded_and_made_safe(disposition: str, expected: str) -> None:
    body = (
        b"--M\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--M\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: "
        + disposition.encode()
        + b"\r\n\r\n"
        + base64.b64encode(PDF)
        + b"\r\n--M--\r\n"
    )
    inbound = READER.read(raw(body, 'Content-Type: multipart/mixed; boundary="M"'))

    assert [a.filename for a in inbound.attachments] == [expected]
    assert inbound.attachments[0].content == PDF


def test_a_forwarded_message_shows_its_headers_and_text_but_not_its_attachments() -> None:
    forwarded = with_attachments()
    forwarded.replace_header("From", "Bob <bob@example.org>")
    message = mail("Bob's mail below: same problem as mine.\n")
    message.add_attachment(forwarded)

    inbound = READER.read(wire(message))

    assert inbound.text == (
        "Bob's mail below: same problem as mine.\n\n"
        "From: Bob <bob@example.org>\n"
        "Date: Mon, 07 Dec 2026 10:15:00 +0100\n"
        "Subject: Boiler makes a banging noise\n"
        f"To: Caseloom Support <{SUPPORT}>\n\n"
        "Photos and the invoice attached."
    )
    assert inbound.new_text == "Bob's mail below: same problem as mine."
    assert inbound.attachments == ()


# -- charsets -----------------------------------------------------------------------------------

WORDS = {
    "iso-8859-1": "Der Heizkörper ist kalt, Grüße aus Köln",
    "windows-1252": "The boiler’s “reset” costs 50 €",
    "koi8-r": "Котёл не работает с понедельника",
    "iso-2022-jp": "ボイラーが壊れました",
    "shift_jis": "給湯器が故障しています",
    "gb2312": "热水器坏了，请尽快联系我",
    "utf-8": "Ça ne marche pas — 给我打电话 👍",
}


@pytest.mark.parametrize("charset", WORDS)
@pytest.mark.parametrize("encoding", ["8bit", "quoted-printable", "base64"])
def test_a_body_in_a_declared_charset_is_decoded(charset: str, encoding: str) -> None:
    data = WORDS[charset].encode(charset)
    if encoding == "base64":
        data = base64.encodebytes(data)
    elif encoding == "quoted-printable":
        data = quopri.encodestring(data)
    message = raw(
        data,
        f"Content-Type: text/plain; charset={charset}",
        f"Content-Transfer-Encoding: {encoding}",
    )

    assert READER.read(message).text == WORDS[charset]


@pytest.mark.parametrize("charset", WORDS)
@pytest.mark.parametrize("encoding", ["b", "q"])
def test_an_encoded_word_subject_is_decoded(charset: str, encoding: str) -> None:
    words = WORDS[charset].encode(charset)
    if encoding == "b":
        encoded = base64.b64encode(words).decode()
    else:
        encoded = "".join(
            chr(b) if chr(b).isascii() and chr(b).isalnum() else f"={b:02X}" for b in words
        )
    message = raw(b"Hello", Subject=f"Re: =?{charset}?{encoding}?{encoded}?= [CS-000042]")

    assert READER.read(message).subject == f"Re: {WORDS[charset]} [CS-000042]"


def test_a_subject_folded_by_a_header_encoder_is_read_whole() -> None:
    subject = "Котёл не работает с понедельника, и радиаторы холодные во всех комнатах"
    message = raw(b"Hello", Subject=Header(subject, "koi8-r").encode())

    assert READER.read(message).subject == subject


@pytest.mark.parametrize(
    ("declared", "body", "expected"),
    [
        ("us-ascii", "Café crème".encode(), "Café crème"),  # UTF-8 labelled ASCII
        ("utf-8", "Café crème".encode("latin-1"), "Café crème"),  # Latin-1 labelled UTF-8
        ("x-unknown", "Café crème".encode("cp1252"), "Café crème"),
        ("base64", b"Caf\xc3\xa9", "Café"),  # a codec, but not for text
        ("undefined", b"Caf\xc3\xa9", "Café"),
        ("iso-8859-1", "“quoted” – €5".encode("cp1252"), "“quoted” – €5"),
    ],
)
def test_a_wrong_or_unknown_charset_falls_back_without_failing(
    declared: str, body: bytes, expected: str
) -> None:
    message = raw(body, f"Content-Type: text/plain; charset={declared}")

    assert READER.read(message).text == expected


def test_a_sender_written_in_raw_utf8_is_read() -> None:
    message = raw(b"Hello", From="Jörg Müller <jörg@müller.example>")  # 8-bit, not encoded

    assert READER.read(message).sender == Sender("Jörg Müller", "jörg@müller.example")


# -- what the sender wrote this time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "new_text"),
    [
        (
            GMAIL_REPLY,
            "The boiler still leaks after the visit.\nCan someone come back on Thursday?",
        ),
        (OUTLOOK_REPLY, "It works now, thank you."),
        (OUTLOOK_HEADER_REPLY, "The radiator upstairs is still cold."),
        (GERMAN_REPLY, "Die Heizung ist seit heute Morgen wieder kalt."),
        (
            "The printer is jammed.\n\n-- \nJane Doe\nACME Ltd, 1 Main St\n",
            "The printer is jammed.",
        ),
        ("No hot water since 6am.\n\nSent from my iPhone\n", "No hot water since 6am."),
        ("The fix held.\n\nThanks,\nJane\n", "The fix held."),
    ],
)
def test_new_text_leaves_out_quoted_replies_and_the_signature(body: str, new_text: str) -> None:
    inbound = READER.read(wire(mail(body)))

    assert inbound.new_text == new_text
    assert inbound.text == "\n".join(line.rstrip() for line in body.strip().split("\n"))


def test_a_sign_off_word_that_starts_a_sentence_is_not_taken_for_a_signature() -> None:
    body = "The fix did not hold.\nThanks, but it leaks again since Tuesday.\nPlease come back.\n"

    assert READER.read(wire(mail(body))).new_text == body.strip()


def test_an_answer_below_the_quote_is_the_new_text() -> None:
    body = f"On Mon, 7 Dec 2026 at 10:00, Support <{SUPPORT}> wrote:\n> Did it work?\n\nNo.\n"

    assert READER.read(wire(mail(body))).new_text == "No."


def test_an_html_reply_loses_its_quote_too() -> None:
    message = mail()
    message.set_content(
        "<div>Still broken, sorry.</div><br><div class='gmail_quote'><div class='gmail_attr'>"
        f"On Mon, 7 Dec 2026 at 10:00, Support &lt;{SUPPORT}&gt; wrote:<br></div>"
        f"<blockquote>Did it work?<br>{TOKEN}</blockquote></div>",
        subtype="html",
    )

    inbound = READER.read(wire(message))

    assert inbound.new_text == "Still broken, sorry."
    assert inbound.tokens == (TOKEN,)


def test_a_forward_with_nothing_new_gives_the_forwarded_text() -> None:
    body = (
        "---------- Forwarded message ---------\n"
        "From: Bob <bob@example.org>\n"
        "Date: Mon, 7 Dec 2026 at 09:00\n"
        "Subject: Boiler\n"
        f"To: <{SUPPORT}>\n\n"
        "Bob's boiler leaks too.\n"
    )

    assert READER.read(wire(mail(body))).new_text == "Bob's boiler leaks too."


def test_quotes_in_other_languages_are_recognised_when_configured() -> None:
    body = (
        "La chaudière fuit encore.\n\n"
        f"Le lun. 7 déc. 2026 à 10:00, Support <{SUPPORT}> a écrit :\n"
        "> Bonjour,\n> tout est réparé.\n"
    )
    message = wire(mail(body))

    assert EmailReader(reply_languages=("fr",)).read(message).new_text == (
        "La chaudière fuit encore."
    )
    assert READER.read(message).new_text == (  # only the quoted lines go
        f"La chaudière fuit encore.\n\nLe lun. 7 déc. 2026 à 10:00, Support <{SUPPORT}> a écrit :"
    )


def test_new_text_is_the_whole_text_when_nothing_would_be_left() -> None:
    body = "-----Original Message-----\nFrom: Bob <bob@example.org>\nSent: Monday\n"

    assert READER.read(wire(mail(body))).new_text == body.strip()


# -- machines: bounces, auto replies, bulk mail -------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "automated", "why"),
    [
        (["Auto-Submitted: auto-replied"], Automated.AUTO_REPLY, "Auto-Submitted: auto-replied"),
        (
            ["Auto-Submitted: auto-generated; owner-email=it@example.org"],
            Automated.AUTO_REPLY,
            "Auto-Submitted: auto-generated; owner-email=it@example.org",
        ),
        (["Auto-Submitted: no"], Automated.NO, ""),
        (["X-Autoreply: yes"], Automated.AUTO_REPLY, "X-Autoreply: yes"),
        (["X-Autorespond: Vacation"], Automated.AUTO_REPLY, "X-Autorespond: Vacation"),
        (["Precedence: auto_reply"], Automated.AUTO_REPLY, "Precedence: auto_reply"),
        (["Precedence: bulk"], Automated.BULK, "Precedence: bulk"),
        (["Precedence: junk"], Automated.BULK, "Precedence: junk"),
        (
            ["List-Unsubscribe: <mailto:leave@lists.example.org>"],
            Automated.BULK,
            "List-Unsubscribe: <mailto:leave@lists.example.org>",
        ),
        # Outlook asks others not to auto-reply to mail people write: no sign of a machine.
        (["X-Auto-Response-Suppress: All"], Automated.NO, ""),
        (["X-Auto-Response-Suppress: OOF, AutoReply"], Automated.NO, ""),
    ],
)
def test_headers_say_when_a_machine_sent_the_message(
    headers: list[str], automated: Automated, why: str
) -> None:
    inbound = READER.read(raw(b"I am away until Monday.", "Content-Type: text/plain", *headers))

    assert (inbound.automated, inbound.automated_why) == (automated, why)


@pytest.mark.parametrize(
    ("subject", "automated"),
    [
        ("Automatic reply: Boiler makes a banging noise", Automated.AUTO_REPLY),
        ("Out of Office", Automated.AUTO_REPLY),
        ("Abwesenheitsnotiz: Heizung", Automated.AUTO_REPLY),
        ("Undeliverable: Your case CS-000042", Automated.BOUNCE),
        ("Delivery Status Notification (Failure)", Automated.BOUNCE),
        ("Out of office hours: the boiler is leaking", Automated.NO),
        ("Out of office hours emergency, boiler leaking", Automated.NO),
        ("My automatic reply setup broke", Automated.NO),
    ],
)
def test_a_subject_is_believed_only_when_no_header_says_otherwise(
    subject: str, automated: Automated
) -> None:
    inbound = READER.read(raw(b"Text", "Content-Type: text/plain", Subject=subject))

    assert inbound.automated is automated
    assert inbound.automated_why == ("" if automated is Automated.NO else f"Subject: {subject}")


def test_a_delivery_report_is_a_bounce_even_with_auto_reply_headers() -> None:
    inbound = READER.read(delivery_report())

    assert inbound.automated is Automated.BOUNCE
    assert inbound.automated_why == "Content-Type: multipart/report; report-type=delivery-status"
    assert inbound.sender.address == "mailer-daemon@mx.example.com"
    assert inbound.text.startswith("This is the mail system at host mx.example.com.\n")
    assert inbound.tokens == (TOKEN,)  # the returned message was ours
    assert [(a.filename, a.content_type) for a in inbound.attachments] == [
        ("attachment-1.txt", "message/delivery-status")
    ]
    assert b"Status: 5.1.1" in inbound.attachments[0].content


def test_mail_from_the_mailer_daemon_is_a_bounce() -> None:
    message = raw(b"Your message could not be delivered.", From="MAILER-DAEMON@mx.example.com")

    inbound = READER.read(message)

    assert inbound.automated is Automated.BOUNCE
    assert inbound.automated_why == "From: mailer-daemon@mx.example.com"


def test_a_mailing_list_message_is_bulk() -> None:
    message = raw(
        b"New firmware for the X200 is out.",
        "List-Id: Boiler owners <owners.lists.example.org>",
        "List-Unsubscribe: <https://lists.example.org/leave>",
        "Content-Type: text/plain",
        From="Boiler owners <owners@lists.example.org>",
    )

    inbound = READER.read(message)

    assert inbound.automated is Automated.BULK
    assert inbound.automated_why == "List-Id: Boiler owners <owners.lists.example.org>"


# -- headers ------------------------------------------------------------------------------------


def test_a_message_without_message_id_gets_a_stable_id_from_its_bytes() -> None:
    message = wire(mail(Message_ID=None))

    first, again = READER.read(message), READER.read(message)
    other = READER.read(wire(mail("Another text\n", Message_ID=None)))

    digest = hashlib.sha256(message).hexdigest()[:32]
    assert first.message_id == f"sha256-{digest}@caseloom.invalid"
    assert again.message_id == first.message_id
    assert other.message_id != first.message_id


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("  <abc.123@example.org>  ", "abc.123@example.org"),
        ("abc.123@example.org", "abc.123@example.org"),
        ("<abc.123@example.org> (added by the gateway)", "abc.123@example.org"),
        ("<>", None),
        ("", None),
    ],
)
def test_a_message_id_is_read_without_brackets(written: str, expected: str | None) -> None:
    message = raw(b"Hello", Message_ID=written)
    digest = f"sha256-{hashlib.sha256(message).hexdigest()[:32]}@caseloom.invalid"

    assert READER.read(message).message_id == (expected or digest)


def test_thread_headers_keep_every_id_in_order() -> None:
    message = raw(
        b"Hello",
        "In-Reply-To: <second@example.com>",
        "References: <first@example.com>\r\n <second@example.com> garbage <third@x>",
    )

    inbound = READER.read(message)

    assert inbound.in_reply_to == ("second@example.com",)
    assert inbound.references == ("first@example.com", "second@example.com", "third@x")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Mon, 7 Dec 2026 10:15:00 -0000", datetime(2026, 12, 7, 10, 15, tzinfo=UTC)),
        ("Mon, 7 Dec 2026 10:15:00", datetime(2026, 12, 7, 10, 15, tzinfo=UTC)),
        (
            "7 Dec 2026 10:15 -0500",
            datetime(2026, 12, 7, 10, 15, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("not a date", None),
        ("Mon, 32 Dec 2026 10:15:00 +0100", None),
        ("Mon, 7 Dec 2026 99:99:99 +0100", None),
    ],
)
def test_the_date_is_read_with_its_zone(written: str, expected: datetime | None) -> None:
    sent_at = READER.read(raw(b"Hello", Date=written)).sent_at

    assert sent_at == expected
    assert sent_at is None or sent_at.tzinfo is not None


def test_the_sender_comes_from_sender_or_reply_to_when_from_has_no_address() -> None:
    no_from = raw(b"Hello", "Sender: Front desk <Desk@Example.org>", From="Front desk")
    only_reply_to = raw(b"Hello", "Reply-To: jane@example.org", From="undisclosed")

    assert READER.read(no_from).sender.address == "desk@example.org"
    assert READER.read(only_reply_to).sender.address == "jane@example.org"


def test_garbage_in_headers_does_not_stop_the_message_being_read() -> None:
    message = raw(
        b"Hello",
        To='a@b.example, ,, <c@d.example>, garbage, "unclosed',
        Cc='<<<>>>@@@ ,,, "',
        Subject="=?x-unknown?q?caf=E9?= \x01 and more",
        Date="yesterday",
    )

    inbound = READER.read(message)

    assert inbound.to == ("a@b.example", "c@d.example")
    assert inbound.subject == "caf\ufffd and more"  # no such charset; control character dropped
    assert inbound.sent_at is None
    assert inbound.text == "Hello"


# -- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"", "empty message"),
        (b" \r\n\r\n ", "empty message"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\xff", "not an e-mail: no header block"),
        (b"Dear support,\nmy boiler is broken.\n", "not an e-mail: no header block"),
        (raw(b"Hello", From=None), "no sender address: no From"),
        (raw(b"Hello", From="Jane Doe"), "no sender address in From: 'Jane Doe'"),
        (raw(b"Hello", From='<<<>>>@@@ ,,, "'), "no sender address in From: '<<<>>>@@@ ,,, \"'"),
    ],
)
def test_what_is_no_readable_email_is_refused_with_the_reason(message: bytes, reason: str) -> None:
    with pytest.raises(MalformedMail) as refused:
        READER.read(message)

    assert str(refused.value) == reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_whatever_follows_the_headers_the_message_is_read(body: bytes) -> None:
    message = raw(body, 'Content-Type: multipart/mixed; boundary="M"')

    assert READER.read(message).sender.address == "jane.doe@example.org"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_garbage_in_to_or_content_type_never_loses_the_message(to: str, content_type: str) -> None:
    line = "".join(ch for ch in content_type if ch not in "\r\n")
    message = raw(b"Hello", f"Content-Type: {line}", To=" ".join(to.split()))

    assert READER.read(message).sender.address == "jane.doe@example.org"


# -- case tokens --------------------------------------------------------------------------------


def test_tokens_are_found_in_a_quoted_footer_and_a_plus_address_once_each() -> None:
    body = f"Still broken.\n\nOn Monday, Support wrote:\n> {TOKEN}\n> again {TOKEN}\n"
    message = mail(body, To="Support <support+ref+CS-000043.9f8e7d6c@example.com>")
    message.add_alternative(f"<p>Still broken.</p><a href='x'>{TOKEN}</a>", subtype="html")

    inbound = READER.read(wire(message))

    assert inbound.tokens == (TOKEN, "ref+CS-000043.9f8e7d6c")
    assert inbound.to == ("support+ref+cs-000043.9f8e7d6c@example.com", "bob@example.org")


def test_a_token_only_in_the_html_alternative_is_found() -> None:
    message = mail("Still broken.\n")
    message.add_alternative(f"<p>Still broken.</p><p style='color:#999'>{TOKEN}</p>", "html")

    assert READER.read(wire(message)).tokens == (TOKEN,)
