"""The mailbox intake polls, over IMAP with `imap-tools` (and the standard library's `imaplib`).

Messages are read with `BODY.PEEK[]`, so reading sets no flag, and handed over as the exact
bytes the server holds. A processed message is either moved to `done_folder` (UID MOVE, or COPY
then \\Deleted and UID EXPUNGE of those UIDs alone where the server lacks MOVE), or flagged
\\Seen and `$Caseloom`; fetch then skips messages with the keyword, so a person who reads one in
their mail client first does not hide it from intake. Where the folder takes no keywords,
\\Seen alone marks a message done.

The connection opens on first use and stays open; a call that finds it dropped (the server's
idle timeout, a restart) opens it again once, then gives up with `MailboxUnavailable`.
`imap_url.imap_mailbox` makes one from a URL such as `imaps://user@host/INBOX?done=Processed`.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import partial
from typing import Final, Literal, TypeVar, get_args

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxCopyError,
    MailboxFetchError,
    MailboxFlagError,
    MailboxFolderCreateError,
    MailboxMoveError,
    MailboxStarttlsError,
    UnexpectedCommandStatusError,
)
from imap_tools.utils import check_command_status, encode_folder

from caseloom.domain.errors import InvalidInput, MailboxUnavailable
from caseloom.domain.mail import FetchedMail

Security = Literal["ssl", "starttls", "none"]
DONE_KEYWORD: Final = "$Caseloom"
DEFAULT_PORTS: Final = {"imaps": 993, "imap": 143}
_CHUNK = 500  # UIDs per command, well within servers' command line limits
_DROPPED = (imaplib.IMAP4.abort, OSError)  # the connection is gone; a new one may work
_REFUSED = (imaplib.IMAP4.error, ImapToolsError)  # the server answered NO or BAD
_UID = re.compile(rb"\bUID (\d+)")
log = logging.getLogger(__name__)
_T = TypeVar("_T")


class ImapMailbox:
    """One IMAP folder, as the `Mailbox` port. Not safe to share between threads."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        folder: str = "INBOX",
        security: Security = "ssl",
        timeout: float = 30.0,
        done_folder: str | None = None,
        ssl_context: ssl.SSLContext | None = None,  # default: the system's trusted CAs
    ) -> None:
        _check_settings(
            host=host,
            port=port,
            username=username,
            folder=folder,
            security=security,
            timeout=timeout,
            done_folder=done_folder,
        )
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._folder, self._done_folder = folder, done_folder
        self._security, self._timeout = security, timeout
        self._ssl_context = ssl_context
        self._where = f"{host}:{port} (user {username}, folder {folder})"
        self._box: BaseMailBox | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._keywords = True  # the folder keeps the done keyword
        self._validity: object = None  # UIDVALIDITY of the open folder
        self._fetched_validity: object = None  # ... when `fetch` last handed out UIDs

    def __repr__(self) -> str:  # every setting but the password
        return (
            f"ImapMailbox({self._host!r}, {self._port}, {self._username!r}, "
            f"folder={self._folder!r}, security={self._security!r}, timeout={self._timeout}, "
            f"done_folder={self._done_folder!r})"
        )

    def fetch(self, limit: int) -> list[FetchedMail]:
        if limit < 1:
            return []
        mails = self._call("fetching messages", lambda box: self._fetch(box, limit))
        self._fetched_validity = self._validity
        return mails

    def done(self, uids: Sequence[str]) -> None:
        bad = [uid for uid in uids if not (uid.isascii() and uid.isdigit())]
        if bad:
            raise InvalidInput(f"not IMAP UIDs: {', '.join(map(repr, bad))}")
        for start in range(0, len(uids), _CHUNK):
            chunk = ",".join(uids[start : start + _CHUNK])
            self._call("marking messages done", partial(self._mark, uids=chunk))

    def close(self) -> None:
        box, self._box = self._box, None
        if box is None:
            return
        try:
            box.logout()
        except (*_DROPPED, *_REFUSED):
            _shut(box)

    def _call(self, doing: str, operation: Callable[[BaseMailBox], _T]) -> _T:
        while True:
            reused = self._box is not None
            try:
                return operation(self._connected())
            except _DROPPED as error:
                self._drop()
                if not reused:
                    raise self._unavailable(
                        f"dropped the connection while {doing}", error
                    ) from error
                log.info(
                    "the IMAP server at %s dropped the connection (%s); reconnecting",
                    self._where,
                    _explain(error),
                )
            except _REFUSED as error:
                raise self._unavailable(f"failed at {doing}", error) from error

    def _connected(self) -> BaseMailBox:
        if self._box is not None:
            return self._box
        step, box = "cannot connect", None
        try:
            box = self._open()
            step = "login failed"
            self._login(box)
            step = "cannot open the folder"
            self._select(box)
        except (*_DROPPED, *_REFUSED) as error:
            if box is not None:
                _shut(box)
            raise self._unavailable(step, error) from error
        self._box = box
        return box

    def _open(self) -> BaseMailBox:
        context = self._ssl_context or ssl.create_default_context()
        if self._security == "ssl":
            return MailBox(self._host, self._port, timeout=self._timeout, ssl_context=context)
        box = MailBoxUnencrypted(self._host, self._port, timeout=self._timeout)
        if self._security == "starttls":
            try:
                check_command_status(box.client.starttls(context), MailboxStarttlsError)
            except BaseException:
                _shut(box)
                raise
        return box

    def _login(self, box: BaseMailBox) -> None:
        if (self._username + self._password).isascii():
            box.login(self._username, self._password, initial_folder=None)
        else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
            box.login_utf8(self._username, self._password, initial_folder=None)
        _, answer = box.client.capability()
        said = b" ".join(part for part in answer if isinstance(part, bytes))
        self._capabilities = frozenset(said.decode(errors="replace").upper().split())

    def _select(self, box: BaseMailBox) -> None:
        box.folder.set(self._folder)
        permanent = box.client.response("PERMANENTFLAGS")[1][0]
        self._validity = box.client.response("UIDVALIDITY")[1][0]
        self._keywords = permanent is None or any(
            flag in permanent for flag in (b"\\*", DONE_KEYWORD.encode())
        )
        if self._done_folder is not None and not box.folder.exists(self._done_folder):
            with suppress(MailboxFolderCreateError):  # created meanwhile by another worker
                box.folder.create(self._done_folder)

    def _fetch(self, box: BaseMailBox, limit: int) -> list[FetchedMail]:
        uids = sorted(box.uids(self._pending(), charset=None), key=int)[:limit]
        if not uids:
            return []
        result = box.client.uid("FETCH", ",".join(uids), "(UID BODY.PEEK[])")
        check_command_status(result, MailboxFetchError)
        return _messages(result[1], set(uids))

    def _pending(self) -> str:
        """The search for messages not yet done (\\Deleted ones are on their way out)."""
        if self._done_folder is not None:
            return "UNDELETED"
        return f"UNDELETED UNKEYWORD {DONE_KEYWORD}" if self._keywords else "UNDELETED UNSEEN"

    def _mark(self, box: BaseMailBox, uids: str) -> None:
        if self._fetched_validity not in (None, self._validity):
            raise self._unavailable("cannot mark messages done", "the folder's UIDVALIDITY changed")
        client = box.client
        if self._done_folder is None:
            flags = f"(\\Seen {DONE_KEYWORD})" if self._keywords else "(\\Seen)"
            check_command_status(
                client.uid("STORE", uids, "+FLAGS.SILENT", flags), MailboxFlagError
            )
            return
        target = encode_folder(self._done_folder).decode()
        if "MOVE" in self._capabilities:
            check_command_status(client.uid("MOVE", uids, target), MailboxMoveError)
            return
        check_command_status(client.uid("COPY", uids, target), MailboxCopyError)
        deleted = client.uid("STORE", uids, "+FLAGS.SILENT", "(\\Deleted)")
        check_command_status(deleted, MailboxFlagError)
        if "UIDPLUS" in self._capabilities:  # if not, or if this fails, fetch skips them
            client.uid("EXPUNGE", uids)

    def _drop(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            _shut(box)

    def _unavailable(self, what: str, error: BaseException | str) -> MailboxUnavailable:
        return MailboxUnavailable(f"the IMAP server at {self._where}: {what}: {_explain(error)}")


def _check_settings(
    *,
    host: str,
    port: int,
    username: str,
    folder: str,
    security: str,
    timeout: float,
    done_folder: str | None,
) -> None:
    if security not in get_args(Security):
        raise InvalidInput(f"IMAP security is ssl, starttls or none, not {security!r}")
    if security == "starttls" and port == DEFAULT_PORTS["imaps"]:
        raise InvalidInput("port 993 speaks TLS from the start: use security ssl (imaps://)")
    problems = {
        "the IMAP host is empty": not host,
        f"the IMAP port is from 1 to 65535, not {port}": not 0 < port < 65536,
        "the IMAP user is empty": not username,
        "the IMAP folder is empty": not folder,
        f"the IMAP timeout is a number of seconds above 0, not {timeout}": not timeout > 0,
        "the done folder is empty": done_folder == "",
        f"the done folder cannot be the folder read, {folder}": done_folder == folder,
    }
    for problem, found in problems.items():
        if found:
            raise InvalidInput(problem)


def _messages(data: Sequence[object], wanted: set[str]) -> list[FetchedMail]:
    """The messages in a UID FETCH answer: (head, literal) pairs, the UID in the head or in the
    bytes that close the item; unasked-for items (flag changes by others) are left out."""
    mails: dict[str, FetchedMail] = {}
    for at, item in enumerate(data):
        if not (isinstance(item, tuple) and b"BODY[]" in item[0]):
            continue
        tail = data[at + 1] if at + 1 < len(data) else b""
        found = _UID.search(item[0]) or _UID.search(tail if isinstance(tail, bytes) else b"")
        if found and (uid := found.group(1).decode()) in wanted:
            mails[uid] = FetchedMail(uid, bytes(item[1]))
    return [mails[uid] for uid in sorted(mails, key=int)]


def _shut(box: BaseMailBox) -> None:
    with suppress(*_DROPPED, *_REFUSED):
        box.client.shutdown()


def _explain(error: BaseException | str) -> str:
    if isinstance(error, UnexpectedCommandStatusError):
        status, data = error.command_result[0], error.command_result[1]
        said = b" ".join(part for part in data if isinstance(part, bytes))
        return f"{status} {said.decode(errors='replace')}".strip()
    return str(error) or type(error).__name__
