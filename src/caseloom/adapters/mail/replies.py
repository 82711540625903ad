"""What the sender wrote this time: the text above the first quoted earlier message, less its
signature, as mail-parser-reply (MIT) finds them: "On ... wrote:" and its translations
("Am ... schrieb ...:"), Outlook's "-----Original Message-----" and "From: ... Sent: ..."
blocks, the "-- " delimiter, sign-offs and "Sent from my iPhone", and disclaimer banners.

The library's own `read` splits and analyses the whole quoted history; only the newest reply is
wanted, so its patterns are applied to the text above the first reply header alone. Each
language's patterns cost time on every message: English is always read, others as configured.

Two guards around it. The library cuts at a sign-off word wherever it starts a line, so a cut
whose first line goes on past a comma ("Thanks, but it leaks again") is not taken: losing a
customer's words would be worse than keeping a signature. Lines quoted with ">" are dropped
too, since the library only cuts at reply headers. When nothing but a marker line stands above
the first reply header, the sender answered below the quote (or forwarded a message without a
word): what follows the header, up to the next one, is taken instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailparser_reply.parser import EmailMessage, EmailReply

from caseloom.adapters.mail.text import tidy

REPLY_LANGUAGES = ("en", "de")
_QUOTED = re.compile(r"^>.*$", re.MULTILINE)
_MARKER = re.compile(r"^-{3,}.*-{3,}$", re.MULTILINE)  # "---------- Forwarded message ----------"
_MAX_SIGN_OFF_WORDS = 6


def new_text(text: str, languages: Sequence[str] = REPLY_LANGUAGES) -> str:
    """`text` less quoted replies and signature; all of `text` when nothing would be left."""
    parsed = EmailMessage(text=text, languages=list(languages), keep_hyphen_lists=True)
    whole = str(parsed.text)  # with the library's own line normalisation
    header = parsed.HEADER_REGEX.search(whole)
    newest = whole[: header.start()] if header else whole
    if header and not _MARKER.sub("", newest).strip():  # the answer, if any, is below the quote
        following = parsed.HEADER_REGEX.search(whole, header.end())
        newest = whole[header.end() : following.start() if following else None]
    signature = parsed.SIGNATURE_REGEX.search(newest)
    reply = EmailReply(
        content=newest,
        signatures=signature.group() if signature and _is_sign_off(signature.group()) else "",
        disclaimers=parsed.DISCLAIMERS_REGEX.findall(newest),
    )
    return tidy(_QUOTED.sub("", str(reply.body))) or text


def _is_sign_off(signature: str) -> bool:
    first = signature.lstrip("> \n").split("\n", 1)[0]
    return "," not in first.rstrip(",") and len(first.split()) <= _MAX_SIGN_OFF_WORDS
