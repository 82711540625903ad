"""The IMAP mailbox URL: what each part sets, and what a bad URL is told. No server needed."""

from __future__ import annotations

import pytest

from caseloom.adapters.mail.imap import ImapMailbox
from caseloom.adapters.mail.imap_url import imap_mailbox
from caseloom.domain.errors import InvalidInput

PASSWORD = "s3cret-pw"


def settings(**changes: object) -> str:
    """The repr of the mailbox the URL should make: its settings, without the password."""
    values: dict[str, object] = {
        "host": "imap.example.com",
        "port": 993,
        "username": "support@example.com",
        "folder": "INBOX",
        "security": "ssl",
        "done_folder": None,
    }
    values |= changes
    return (
        f"ImapMailbox({values['host']!r}, {values['port']}, {values['username']!r}, "
        f"folder={values['folder']!r}, security={values['security']!r}, timeout=30.0, "
        f"done_folder={values['done_folder']!r})"
    )


def test_imaps_reads_the_inbox_over_tls_on_port_993_by_default() -> None:
    mailbox = imap_mailbox("imaps://support%40example.com@imap.example.com", PASSWORD)
    assert repr(mailbox) == settings()


def test_the_path_names_the_folder_and_done_names_where_processed_mail_goes() -> None:
    mailbox = imap_mailbox(
        "imaps://support%40example.com@imap.example.com:994/Support%20Mail?done=Support/Done",
        PASSWORD,
    )
    assert repr(mailbox) == settings(port=994, folder="Support Mail", done_folder="Support/Done")


def test_imap_is_plain_on_port_143_unless_starttls_is_asked_for() -> None:
    plain = imap_mailbox("imap://caseloom@mail.internal/INBOX", PASSWORD)
    upgraded = imap_mailbox("imap://caseloom@mail.internal:1143/INBOX?starttls=TRUE", PASSWORD)
    expected = {"host": "mail.internal", "username": "caseloom"}
    assert repr(plain) == settings(**expected, port=143, security="none")
    assert repr(upgraded) == settings(**expected, port=1143, security="starttls")
    assert "none" in repr(imap_mailbox("imap://caseloom@mail.internal?starttls=false", PASSWORD))


def test_the_password_may_come_in_the_url_and_never_shows() -> None:
    mailbox = imap_mailbox("imaps://ann:p%40ss@imap.example.com/INBOX", None)
    assert isinstance(mailbox, ImapMailbox)
    assert "p@ss" not in repr(mailbox)
    assert PASSWORD not in repr(imap_mailbox("imaps://ann@imap.example.com", PASSWORD))


@pytest.mark.parametrize(
    ("url", "password", "complaint"),
    [
        ("https://imap.example.com", PASSWORD, "imaps:// or imap://, not https scheme"),
        ("imap.example.com", PASSWORD, "not no scheme"),
        ("imaps://imap.example.com/INBOX", PASSWORD, "names no user"),
        ("imaps://ann@/INBOX", PASSWORD, "names no host"),
        ("imaps://ann@imap.example.com:99999", PASSWORD, "port is not a number from 1 to 65535"),
        ("imaps://ann@imap.example.com:x", PASSWORD, "port is not a number from 1 to 65535"),
        ("imaps://ann@imap.example.com/INBOX#top", PASSWORD, "fragment"),
        ("imaps://ann@imap.example.com/?folder=x&tls=1", PASSWORD, "unknown options: folder, tls"),
        ("imaps://ann@imap.example.com/?done=A&done=B", PASSWORD, "an option more than once"),
        ("imaps://ann@imap.example.com/?done=", PASSWORD, "done option names no folder"),
        ("imaps://ann@imap.example.com/INBOX?done=INBOX", PASSWORD, "cannot be the folder read"),
        ("imaps://ann@imap.example.com/?starttls=true", PASSWORD, "starttls is an option of"),
        ("imap://ann@imap.example.com/?starttls=yes", PASSWORD, "starttls option is true or"),
        ("imap://ann@imap.example.com:993/?starttls=true", PASSWORD, "use security ssl"),
        ("imaps://ann@imap.example.com/INBOX", None, "needs a password"),
        ("imaps://ann:pw@imap.example.com/INBOX", PASSWORD, "both in the URL and apart"),
    ],
)
def test_a_bad_url_is_refused_with_what_is_wrong(
    url: str, password: str | None, complaint: str
) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        imap_mailbox(url, password)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"security": "tls"}, "ssl, starttls or none, not 'tls'"),
        ({"port": 0}, "port is from 1 to 65535, not 0"),
        ({"host": ""}, "host is empty"),
        ({"username": ""}, "user is empty"),
        ({"folder": ""}, "folder is empty"),
        ({"timeout": 0}, "timeout is a number of seconds above 0"),
        ({"done_folder": ""}, "done folder is empty"),
    ],
)
def test_bad_settings_are_refused_before_any_connection(
    changes: dict[str, object], complaint: str
) -> None:
    arguments: dict[str, object] = {
        "host": "imap.example.com",
        "port": 993,
        "username": "ann",
        "password": PASSWORD,
    }
    with pytest.raises(InvalidInput, match=complaint):
        ImapMailbox(**(arguments | changes))  # type: ignore[arg-type]


def test_uids_that_are_not_numbers_are_refused_before_any_connection() -> None:
    mailbox = ImapMailbox("imap.invalid", 993, "ann", PASSWORD)
    with pytest.raises(InvalidInput, match="not IMAP UIDs: '1:\\*'"):
        mailbox.done(["7", "1:*"])
    assert mailbox.fetch(0) == []
    mailbox.close()  # never connected: nothing to do
