"""The portal's form, parsed at the edge: what the customer typed and the files they chose,
checked, with what is wrong said next to each field in the customer's words."""

from __future__ import annotations

import mimetypes
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from starlette.datastructures import FormData, UploadFile

from caseloom.domain.case.values import MAX_SUBJECT, MAX_TEXT
from caseloom.domain.mail import Attachment

MAX_FILES = 10
MAX_NAME = 200  # what a contact's name may hold
MAX_EMAIL = 254
MAX_FILENAME = 255
FIELDS = ("name", "email", "subject", "description")
HONEYPOT = "website"  # hidden from people; bots fill it in
ONCE = "once"  # a token each form carries, so that the form sent twice opens one case
_ONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
UNKNOWN_TYPE = "application/octet-stream"
_REQUIRED = {
    "name": (MAX_NAME, "Please tell us your name.", "your name"),
    "email": (MAX_EMAIL, "Please give your e-mail address, so that we can answer you.", "it"),
    "subject": (MAX_SUBJECT, "Please give your request a subject.", "the subject"),
    "description": (MAX_TEXT, "Please tell us what happened.", "the description"),
}


@dataclass(frozen=True, slots=True)
class Submission:
    values: Mapping[str, str]  # as typed, to show again
    files: tuple[Attachment, ...] = ()
    errors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field -> problems
    general: tuple[str, ...] = ()  # problems with the form as a whole
    chose_files: bool = False  # a browser cannot show chosen files again: ask for them
    bot: bool = False  # the honeypot was filled in
    once: str = field(default_factory=lambda: secrets.token_urlsafe(16))  # see ONCE

    @classmethod
    def blank(cls) -> Submission:
        return cls(dict.fromkeys(FIELDS, ""))

    def afresh(self) -> Submission:
        """The same entry under a new token: to be sent as another case."""
        return replace(self, once=secrets.token_urlsafe(16))

    def value(self, name: str) -> str:
        return self.values[name].strip()

    def refused(self, problem: str) -> Submission:
        return replace(self, general=(*self.general, problem))


async def read_submission(form: FormData, max_file_bytes: int) -> Submission:
    values = {name: _text(form.get(name)) for name in FIELDS}
    if _text(form.get(HONEYPOT)).strip():
        return Submission(values, bot=True)
    sent_once = _text(form.get(ONCE))
    uploads = [
        u
        for u in form.getlist("attachments")
        if isinstance(u, UploadFile) and (u.filename or u.size)
    ]
    found = _problems(values)
    errors: dict[str, tuple[str, ...]] = {n: (found[n],) for n in FIELDS if n in found}
    files, file_problems = await _read_files(uploads, max_file_bytes)
    if file_problems:
        errors["attachments"] = tuple(file_problems)
    entry = Submission(values, tuple(files), errors, chose_files=bool(uploads))
    return replace(entry, once=sent_once) if _ONCE.match(sent_once) else entry


def _text(value: str | UploadFile | None) -> str:
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def _problems(values: Mapping[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name, (limit, missing, what) in _REQUIRED.items():
        value = values[name].strip()
        if not value:
            problems[name] = missing
        elif len(value) > limit:
            problems[name] = (
                f"Please shorten {what} to {limit:,} characters (it has {len(value):,})."
            )
    if "email" not in problems and not EMAIL.match(values["email"].strip()):
        problems["email"] = "Please give an e-mail address like name@example.com."
    return problems


async def _read_files(uploads: list[UploadFile], limit: int) -> tuple[list[Attachment], list[str]]:
    if len(uploads) > MAX_FILES:
        return [], [f"You chose {len(uploads)} files; please choose at most {MAX_FILES}."]
    files: list[Attachment] = []
    problems: list[str] = []
    for number, upload in enumerate(uploads, start=1):
        content = await upload.read(limit + 1)  # never more than one byte past the limit
        kind = content_type(upload.content_type, upload.filename or "")
        name = safe_filename(upload.filename or "", number, kind)
        if len(content) > limit:
            problems.append(f"{name} is larger than the {limit // 2**20} MB we accept per file.")
        elif not content:
            problems.append(f"{name} is empty.")
        else:
            files.append(Attachment(name, kind, len(content), content))
    return files, problems


def safe_filename(sent: str, number: int, kind: str) -> str:
    """The file's own name: no folders, no control characters, no leading dots, 255 at most."""
    name = sent.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(". ")
    if not name:
        return f"attachment-{number}{mimetypes.guess_extension(kind) or ''}"
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:MAX_FILENAME]
    return f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"


def content_type(sent: str | None, filename: str) -> str:
    """What the browser said the file is; failing that, what its name suggests."""
    kind = (sent or "").split(";", 1)[0].strip().lower()
    if kind and kind != UNKNOWN_TYPE and len(kind) <= 255 and MEDIA_TYPE.match(kind):
        return kind
    return mimetypes.guess_type(filename, strict=False)[0] or UNKNOWN_TYPE
