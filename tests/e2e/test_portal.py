"""The customer portal over HTTP: the form, its checks, and the status page at a secret link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from caseloom import bootstrap
from caseloom.adapters.db.tables import notifications
from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import CaseStatus, MessageKind
from caseloom.domain.errors import InvalidInput
from caseloom.domain.mail.outbound import when
from caseloom.entrypoints.api import create_app
from caseloom.views.mail import list_attachments
from caseloom.views.portal import STATUS_WORDS
from tests.fakes import FakeClock

if TYPE_CHECKING:
    from httpx2 import Response

    from tests.e2e.conftest import ClientFactory

FORM = {
    "name": "Priya Shah",
    "email": "priya@acmebakery.co.uk",
    "subject": "Broadband down since 9am",
    "description": "Our internet has been down all morning and the whole office can't work.\n"
    "The router light is red.",
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2000)
LOG = b"09:01 link down\n09:02 retrying\n"
TWO_FILES = [
    ("attachments", ("router.png", PNG, "image/png")),
    ("attachments", ("C:\\Users\\priya\\router log.txt", LOG, "application/octet-stream")),
]
MB = 1024 * 1024


def submit(client: TestClient, files: Any = None, **changes: str) -> Response:
    return client.post(
        "/portal/cases", data=FORM | changes, files=files or [], follow_redirects=False
    )


def field(page: str, name: str) -> str:
    """The HTML of the form field whose label is for `name`."""
    found = [part for part in page.split('<div class="field') if f'<label for="{name}">' in part]
    assert len(found) == 1, page
    return found[0]


def cases_of(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/cases").json()["items"]
    return items


def test_every_status_has_words_for_the_customer() -> None:
    assert set(STATUS_WORDS) == set(CaseStatus)
    assert STATUS_WORDS[CaseStatus.VISIT_SCHEDULED] == "An engineer visit is booked"


def test_the_form_asks_for_what_a_case_needs_with_a_label_for_each_field(
    client: TestClient,
) -> None:
    page = client.get("/portal")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'enctype="multipart/form-data"' in html
    assert 'action="/portal/cases"' in html
    for name in ("name", "email", "subject", "description", "attachments"):
        assert f'id="{name}"' in field(html, name)
    assert 'type="email"' in field(html, "email")
    assert "multiple" in field(html, "attachments")
    assert "up to 10 files of at most 10 MB each" in " ".join(html.split())
    assert 'class="hp" aria-hidden="true"' in html  # the honeypot, hidden from people
    assert "<script" not in html
    same = client.get("/portal/").text
    assert same.replace(once_of(same), once_of(html)) == html  # but for the form's own token

    css = client.get("/portal/portal.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".hp {" in css.text
    assert 'href="/portal/portal.css"' in html


def test_a_customer_opens_a_case_with_two_files_and_follows_it_on_its_status_page(
    client: TestClient, app: Caseloom, clock: FakeClock
) -> None:
    sent = submit(client, TWO_FILES)

    assert sent.status_code == 303, sent.text
    link = sent.headers["location"]
    assert re.fullmatch(r"/portal/status/[A-Za-z0-9_-]{32}", link)
    assert sent.headers["cache-control"] == "no-store"
    (summary,) = cases_of(client)
    ref = summary["ref"]
    case = client.get(f"/api/v1/cases/{ref}").json()
    assert (case["channel"], case["subject"]) == ("portal", FORM["subject"])
    assert case["contact"] == {"name": "Priya Shah", "email": "priya@acmebakery.co.uk"}
    assert case["description"] == FORM["description"]
    kept = [(f.filename, f.content_type, f.size) for f in list_attachments(app.store, ref)]
    assert kept == [
        ("router.png", "image/png", len(PNG)),
        ("router log.txt", "text/plain", len(LOG)),
    ]

    page = client.get(link)
    assert page.status_code == 200
    html = page.text
    assert FORM["subject"] in html
    assert ref in html
    assert STATUS_WORDS[CaseStatus(case["status"])] in html
    clocks = {c["metric"]: c for c in case["clocks"]}
    zone = app.policy.calendar(clocks["first_response"]["calendar"]).timezone
    reply_by = when(datetime.fromisoformat(clocks["first_response"]["due_at"]), zone)
    resolve_by = when(datetime.fromisoformat(clocks["resolution"]["due_at"]), zone)
    assert f"We aim to reply by {reply_by}." in html
    assert f"We aim to resolve it by {resolve_by}." in html
    assert 'router.png <span class="size">(2.0 KB)</span>' in html
    assert 'router log.txt <span class="size">(31 bytes)</span>' in html
    assert "The router light is red." in html

    owner = f"rep:{case['owner']}"
    clock.advance(timedelta(minutes=20))
    app.bus.handle(commands.StartWork(ref, owner))
    app.bus.handle(
        commands.AddMessage(ref, MessageKind.REP_REPLY, owner, "We are testing your line.")
    )
    app.bus.handle(
        commands.AddMessage(ref, MessageKind.INTERNAL_NOTE, owner, "Customer sounds angry; VIP.")
    )

    html = client.get(link).text
    assert "We are working on it" in html
    assert "We are testing your line." in html
    assert "<strong>Our team</strong> wrote" in html
    assert "Customer sounds angry" not in html
    assert "VIP" not in html
    assert f"We replied on {when(clock.now(), zone)}." in html
    assert case["owner"] not in html  # the rep is "our team", not a name


def test_the_status_page_keeps_its_secret_link_out_of_caches_and_referrers(
    client: TestClient,
) -> None:
    link = submit(client).headers["location"]

    page = client.get(link)

    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<meta name="robots" content="noindex, nofollow">' in page.text


def test_an_unknown_link_is_a_page_that_says_nothing_about_any_case(client: TestClient) -> None:
    real = submit(client).headers["location"]
    wrong = real[:-4] + ("aaaa" if not real.endswith("aaaa") else "bbbb")

    for link in (wrong, "/portal/status/nonsense"):
        page = client.get(link)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "We cannot find that page" in page.text
        assert FORM["subject"] not in page.text
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
    assert client.get(wrong).text == client.get("/portal/status/nonsense").text


def test_a_missing_subject_is_said_next_to_the_field_and_what_was_typed_is_kept(
    client: TestClient,
) -> None:
    page = submit(client, subject="   ")

    assert page.status_code == 422
    subject = field(page.text, "subject")
    assert "has-error" in subject
    assert "Please give your request a subject." in subject
    assert 'aria-invalid="true"' in subject
    assert 'value="Priya Shah"' in field(page.text, "name")
    assert 'value="priya@acmebakery.co.uk"' in field(page.text, "email")
    assert "can&#39;t work.\nThe router light is red.</textarea>" in field(page.text, "description")
    assert 'href="#subject">Please give your request a subject.' in page.text  # the summary
    assert cases_of(client) == []


def test_an_address_that_is_not_one_is_refused_and_kept_to_correct(client: TestClient) -> None:
    page = submit(client, email="priya at acmebakery", subject="<b>Help</b>")

    assert page.status_code == 422
    email = field(page.text, "email")
    assert "Please give an e-mail address like name@example.com." in email
    assert 'value="priya at acmebakery"' in email
    assert 'value="&lt;b&gt;Help&lt;/b&gt;"' in field(page.text, "subject")
    assert "has-error" not in field(page.text, "subject")
    assert cases_of(client) == []


def test_a_subject_and_a_description_over_their_limits_are_refused(client: TestClient) -> None:
    page = submit(client, subject="x" * 301, description="y" * 100_001, name="")

    assert page.status_code == 422
    assert "Please shorten the subject to 300 characters (it has 301)." in page.text
    assert "Please shorten the description to 100,000 characters (it has 100,001)." in page.text
    assert "Please tell us your name." in field(page.text, "name")
    assert cases_of(client) == []


def test_a_file_over_the_policys_limit_is_refused_by_name(
    open_client: ClientFactory, app: Caseloom
) -> None:
    assert app.policy.intake.max_attachment_bytes == 10 * MB
    too_big = bytes(10 * MB + 1)
    with open_client(max_request_bytes=12 * MB) as client:
        page = submit(
            client,
            [
                ("attachments", ("scan.pdf", too_big, "application/pdf")),
                ("attachments", ("note.txt", b"fine", "text/plain")),
            ],
        )

        assert page.status_code == 422
        files = field(page.text, "attachments")
        assert "scan.pdf is larger than the 10 MB we accept per file." in files
        assert "note.txt" not in files
        assert "Please choose your files again." in files
        assert 'value="Broadband down since 9am"' in field(page.text, "subject")
        assert cases_of(client) == []


def test_more_than_ten_files_are_refused(client: TestClient) -> None:
    files = [("attachments", (f"photo-{n}.jpg", b"jpeg", "image/jpeg")) for n in range(11)]

    page = submit(client, files)

    assert page.status_code == 422
    assert "You chose 11 files; please choose at most 10." in field(page.text, "attachments")
    assert cases_of(client) == []


def test_a_filled_in_honeypot_opens_no_case(client: TestClient) -> None:
    page = submit(client, website="http://cheap-pills.example")

    assert page.status_code == 400
    assert "We could not accept this form." in page.text
    assert cases_of(client) == []


def test_file_names_lose_their_folders_and_a_missing_type_is_guessed(
    client: TestClient, app: Caseloom
) -> None:
    files = [
        ("attachments", ("../../etc/passwd", b"root:x:0:0", "text/plain")),
        ("attachments", (".hidden.csv", b"a,b\n1,2\n", "")),
    ]

    link = submit(client, files).headers["location"]

    (summary,) = cases_of(client)
    kept = [(f.filename, f.content_type) for f in list_attachments(app.store, summary["ref"])]
    assert kept == [("passwd", "text/plain"), ("hidden.csv", "text/csv")]
    assert "passwd" in client.get(link).text


def test_a_file_field_left_empty_attaches_nothing(client: TestClient, app: Caseloom) -> None:
    nothing_chosen = [("attachments", ("", b"", "application/octet-stream"))]  # as browsers send

    sent = submit(client, nothing_chosen)

    assert sent.status_code == 303, sent.text
    (summary,) = cases_of(client)
    assert list_attachments(app.store, summary["ref"]) == []
    assert "Your files" not in client.get(sent.headers["location"]).text


class RefusingFiles:
    """The running bus, except that attaching files fails as a full disk might."""

    def __init__(self, app: Caseloom) -> None:
        self._bus = app.bus

    def handle(self, command: commands.Command) -> object:
        if isinstance(command, commands.AttachFiles):
            raise InvalidInput(f"{command.files[0].filename}: the file store is full")
        return self._bus.handle(command)


def test_files_that_cannot_be_kept_do_not_cost_the_case_and_the_page_says_which(
    app: Caseloom,
) -> None:
    refusing = replace(app, bus=RefusingFiles(app))
    with TestClient(create_app(refusing)) as client:
        sent = submit(client, TWO_FILES)
        assert sent.status_code == 303
        link = sent.headers["location"]
        assert f"Path={link}" in sent.headers["set-cookie"]

        page = client.get(link)
        assert "Some of your files were not kept" in page.text
        assert "<strong>router.png</strong>: router.png: the file store is full" in page.text
        assert (
            "<strong>router log.txt</strong>: router log.txt: the file store is full" in page.text
        )
        assert FORM["subject"] in page.text

        assert "Some of your files were not kept" not in client.get(link).text  # said once
        (summary,) = cases_of(client)
        assert summary["channel"] == "portal"
        assert list_attachments(app.store, summary["ref"]) == []


def test_a_photo_larger_than_the_apis_body_limit_still_uploads(
    client: TestClient, app: Caseloom
) -> None:
    photo = ("attachments", ("boiler.jpg", b"\xff\xd8\xff" + bytes(3 * MB), "image/jpeg"))
    sent = submit(client, [photo])
    assert sent.status_code == 303, sent.text
    (summary,) = cases_of(client)
    (kept,) = list_attachments(app.store, summary["ref"])
    assert (kept.filename, kept.size) == ("boiler.jpg", 3 * MB + 3)

    too_big_for_the_api = client.post(
        "/api/v1/cases",
        content=b"{" + b" " * (2 * MB) + b"}",
        headers={"content-type": "application/json"},
    )
    assert too_big_for_the_api.status_code == 413


def once_of(page: str) -> str:
    found = re.search(r'name="once" value="([A-Za-z0-9_-]+)"', page)
    assert found, page
    return found.group(1)


def test_a_form_sent_twice_opens_one_case_with_its_files_kept_once(
    client: TestClient, app: Caseloom
) -> None:
    once = once_of(client.get("/portal").text)
    first = submit(client, TWO_FILES, once=once)
    again = submit(client, TWO_FILES, once=once)  # a double click

    assert (first.status_code, again.status_code) == (303, 303)
    (summary,) = cases_of(client)
    assert client.get(again.headers["location"]).status_code == 200  # its own link, same case
    assert summary["ref"] in client.get(again.headers["location"]).text
    assert [f.filename for f in list_attachments(app.store, summary["ref"])] == [
        "router.png",
        "router log.txt",
    ]


def test_a_sent_form_changed_and_sent_again_is_asked_to_be_sent_once_more(
    client: TestClient,
) -> None:
    once = once_of(client.get("/portal").text)
    assert submit(client, once=once).status_code == 303
    changed = submit(client, once=once, subject="And the phone line too")

    assert changed.status_code == 409
    assert "already opened a request" in changed.text
    assert 'value="And the phone line too"' in changed.text  # what they typed is kept
    fresh = once_of(changed.text)
    assert fresh != once
    assert submit(client, once=fresh, subject="And the phone line too").status_code == 303
    assert len(cases_of(client)) == 2


def test_every_form_carries_a_token_of_its_own(client: TestClient) -> None:
    assert once_of(client.get("/portal").text) != once_of(client.get("/portal").text)


def test_an_address_over_the_per_sender_limit_is_asked_to_wait_but_a_form_sent_again_is_not(
    app: Caseloom,
) -> None:
    intake = replace(app.policy.intake, per_sender=2)
    strict = replace(app, policy=replace(app.policy, intake=intake))
    with TestClient(create_app(strict)) as client:
        forms = [once_of(client.get("/portal").text) for _ in range(3)]
        assert [submit(client, once=once).status_code for once in forms[:2]] == [303, 303]

        third = submit(client, once=forms[2])
        assert third.status_code == 429
        assert "many requests from this address lately" in third.text
        assert f"write to us at {intake.reply_from}" in third.text
        assert submit(client, once=forms[1]).status_code == 303  # the second, sent again
        assert submit(client, once=forms[2], email="someone.else@example.com").status_code == 303
        assert len(cases_of(client)) == 3


@pytest.fixture
def public(database_url: str, clock: FakeClock) -> Iterator[TestClient]:
    """The demo served at a public address: acknowledgements link to status pages."""
    config = bootstrap.settings(
        database_url=database_url, policy=bootstrap.DEMO_POLICY, public_url="http://testserver"
    )
    linked = bootstrap.bootstrap(config, clock=clock)
    linked.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    with TestClient(create_app(linked)) as opened:
        yield opened
    linked.close()


def test_the_acknowledgement_e_mail_links_to_the_case_status_page(
    public: TestClient, database_url: str
) -> None:
    """So the customer finds their case again after closing the browser."""
    sent = submit(public)
    assert sent.status_code == 303, sent.text
    (summary,) = cases_of(public)

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            (ack,) = conn.execute(sa.select(notifications)).mappings().all()
    finally:
        engine.dispose()
    assert (ack["recipient"], ack["subject"]) == (
        FORM["email"],
        f"[{summary['ref']}] We have your request: {FORM['subject']}",
    )
    (link,) = re.findall(r"http://testserver(/portal/status/[A-Za-z0-9_-]+)", ack["body"])
    assert link != sent.headers["location"]  # a token of its own
    page = public.get(link)
    assert page.status_code == 200
    assert summary["ref"] in page.text
