"""A body part's bytes as clean text: its declared charset read the way mail clients read it,
HTML made readable, line endings and trailing whitespace tidied.

A wrong or unknown charset never fails a message: the bytes are tried as UTF-8, then as
Windows-1252 with replacement characters, which cannot fail.
"""

from __future__ import annotations

import codecs
import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

# Labels that mean a larger charset in practice, as browsers read them (WHATWG Encoding): mail
# declared Latin-1 uses Windows-1252's quotes, GB2312 mail uses GBK, Shift_JIS mail uses CP932.
# ASCII is tried as UTF-8, which it is a part of, since undeclared UTF-8 is often labelled so.
_AS_READ = {
    "ascii": "utf-8",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # lxml refuses them; so do databases
_BLANK_LINES = re.compile(r"\n{3,}")
_HTML = ParserConfig(css=CSS_PROFILES["strict"].copy())  # no indentation for every <div>


def decode(data: bytes, charset: str | None) -> str:
    """`data` as text, in its declared `charset` when that works, else UTF-8, else Windows-1252."""
    for name in (_codec(charset), "utf-8"):
        if name:
            try:
                return data.decode(name)
            except (UnicodeError, LookupError):  # bytes not in that charset, or no such charset
                continue
    return data.decode("cp1252", errors="replace")


def clean_header(value: str) -> str:
    """A header value fit to store: raw 8-bit bytes (which the parser keeps as surrogates) read
    as UTF-8, control characters left out."""
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
    return _CONTROLS.sub("", value)


def html_to_text(html: str) -> str:
    """Readable text: paragraphs, list items and table rows on lines of their own, no markup,
    no style sheets or scripts."""
    return str(get_text(_CONTROLS.sub("", html), _HTML))


def tidy(text: str) -> str:
    """Line endings as \\n, no trailing whitespace, no control characters, at most one blank
    line in a row, no blank lines at either end."""
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", lines).strip("\n")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        name = codecs.lookup(charset).name
    except (LookupError, ValueError):  # unknown, or not a name at all ("utf-8\x00")
        return None
    return _AS_READ.get(name, name)
