"""Sample e-mails for the mail reader's tests, built in code: a person's mail as a client would
send it (`mail`, then `wire`), or raw bytes with exactly the headers and body bytes a test
needs (`raw`), for charsets and broken messages no well-behaved library would produce."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

SUPPORT = "support@example.com"
TOKEN = "ref:CS-000042.1a2b3c4d"  # the case token our outbound footer carries
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")

HEADERS = {
    "From": "Jane Doe <Jane.Doe@Example.ORG>",
    "To": f"Caseloom Support <{SUPPORT}>",
    "Cc": "Bob <BOB@example.org>",
    "Subject": "Boiler makes a banging noise",
    "Date": "Mon, 07 Dec 2026 10:15:00 +0100",
    "Message-ID": "<20261207.1015.jane@example.org>",
}

HTML_ONLY = """<html><head><title>Ignore this title</title>
<style>p { color: red; } .footer { display: block; }</style>
<script>var tracking = "do not show";</script></head>
<body><p>Hello&nbsp;team,</p>
<p>Our boiler is <b>broken</b>.<br>It bangs every morning.</p>
<ul><li>Model: X200</li><li>Installed: 2019</li></ul>
<div>Please call me.</div></body></html>"""

GMAIL_REPLY = f"""The boiler still leaks after the visit.
Can someone come back on Thursday?

On Mon, 7 Dec 2026 at 10:00, Caseloom Support <{SUPPORT}> wrote:
> Hello Jane,
> the engineer fixed the pressure valve today.
> {TOKEN}
"""

OUTLOOK_REPLY = f"""It works now, thank you.

-----Original Message-----
From: Caseloom Support <{SUPPORT}>
Sent: Monday, December 7, 2026 10:00 AM
To: Jane Doe <jane.doe@example.org>
Subject: [CS-000042] Boiler makes a banging noise

Hello Jane, did the fix work?
"""

OUTLOOK_HEADER_REPLY = f"""The radiator upstairs is still cold.

From: Caseloom Support <{SUPPORT}>
Sent: Monday, December 7, 2026 10:00 AM
To: Jane Doe <jane.doe@example.org>
Subject: [CS-000042] Boiler makes a banging noise

Hello Jane, did the fix work?
"""

GERMAN_REPLY = f"""Die Heizung ist seit heute Morgen wieder kalt.

Mit freundlichen Grüßen
Hans Müller

Am 07.12.2026 um 10:00 schrieb Caseloom Support <{SUPPORT}>:
> Hallo Herr Müller,
> wir haben das Ventil getauscht.
"""


def mail(body: str = "The boiler bangs every morning.\n", **headers: str | None) -> EmailMessage:
    """A person's plain-text mail; `headers` replace the defaults, None leaves one out."""
    message = EmailMessage()
    for name, value in (HEADERS | {k.replace("_", "-"): v for k, v in headers.items()}).items():
        if value is not None:
            message[name] = value
    message.set_content(body)
    return message


def wire(message: EmailMessage) -> bytes:
    """The message as it travels: CRLF line endings, folded headers."""
    return message.as_bytes(policy=SMTP)


def raw(body: bytes, *lines: str, **headers: str | None) -> bytes:
    """A message with the default headers (replaced or left out by `headers`), then `lines`
    as extra header lines, then `body` as it is."""
    chosen = HEADERS | {k.replace("_", "-"): v for k, v in headers.items()}
    head = [f"{name}: {value}" for name, value in chosen.items() if value is not None]
    return "\r\n".join([*head, "MIME-Version: 1.0", *lines, "", ""]).encode() + body


def with_attachments() -> EmailMessage:
    message = mail("Photos and the invoice attached.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="boiler.png")
    return message


def with_inline_image() -> EmailMessage:
    message = mail("See the error code on the display.\n")
    html = '<p>See the error code on the display:</p><p><img src="cid:display@example.org"></p>'
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(PNG, "image", "png", cid="<display@example.org>")
    return message


def delivery_report() -> bytes:
    """A bounce as Postfix sends it (RFC 3464), with the message it could not deliver."""
    body = (
        "--B\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.com.\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.org\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n\r\n"
        "--B\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        f"From: {SUPPORT}\r\nTo: nobody@example.org\r\nSubject: Your case\r\n\r\n"
        f"Hello, your case is open. {TOKEN}\r\n"
        "--B--\r\n"
    )
    return raw(
        body.encode(),
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        "Auto-Submitted: auto-replied",
        From="Mail Delivery System <MAILER-DAEMON@mx.example.com>",
        Subject="Undelivered Mail Returned to Sender",
    )
