"""The intake section: addresses (one with a team becomes the first routing rule), replies to
closed cases, the per-sender limit, and each mistake refused at its line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from caseloom.domain.mail import ClosedReply, IntakeAddress, IntakeSpec
from tests.unit.policy.writing import DEMO, line_of, load, only_problem, write_policy

INTAKE = """\
intake:
  addresses:
    Support@Example.com: {}
    billing@example.com: {team: tier2}
  reply_to_closed: follow_up
  reopen_within: 7d
  per_sender: {messages: 5, per: 10m}
  max_attachment_mb: 2
"""


def test_the_section_builds_the_intake_spec(tmp_path: Path) -> None:
    spec = load(write_policy(tmp_path, intake=INTAKE)).policy.intake
    assert spec == IntakeSpec(
        addresses={
            "support@example.com": IntakeAddress("support@example.com"),
            "billing@example.com": IntakeAddress("billing@example.com", "tier2"),
        },
        reply_to_closed=ClosedReply.FOLLOW_UP,
        reopen_within=timedelta(days=7),
        per_sender=5,
        per=timedelta(minutes=10),
        max_attachment_bytes=2 * 1024 * 1024,
    )
    assert spec.accepts("SUPPORT@example.com")
    assert not spec.accepts("sales@example.com")
    assert spec.mailbox(("someone@else.example", "billing@example.com")) == "billing@example.com"


def test_without_addresses_any_address_is_taken(tmp_path: Path) -> None:
    spec = load(write_policy(tmp_path)).policy.intake
    assert spec == IntakeSpec()
    assert spec.accepts("anyone@anywhere.example")


def test_an_address_with_a_team_routes_first(tmp_path: Path) -> None:
    path = write_policy(tmp_path, intake=INTAKE)
    first, *rest = load(path).policy.routing.rules
    assert first.route == ("tier2",)
    assert first.when is not None
    assert first.when.source == 'case.mailbox == "billing@example.com"'
    assert first.label == f"mail to billing@example.com (policy.yaml:{line_of(path, 'billing@')})"
    assert [r.route for r in rest] == [("tier1",)]


def test_the_demo_takes_mail_for_support_and_billing() -> None:
    spec = load(DEMO).policy.intake
    assert sorted(spec.addresses) == ["billing@northwind.example", "support@northwind.example"]
    assert spec.addresses["billing@northwind.example"].team == "billing"


def test_a_team_that_is_not_a_service_team_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, intake="intake:\n  addresses:\n    field@example.com: {team: field-north}\n"
    )
    problem = only_problem(path)
    assert problem.where == "intake.addresses.field@example.com.team"
    assert "field-north" in problem.reason


def test_an_address_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, intake="intake:\n  addresses:\n    support: {}\n")
    problem = only_problem(path)
    assert problem.where.startswith("intake.addresses")
    assert problem.line == line_of(path, "support:")


def test_templates_may_name_only_known_placeholders(tmp_path: Path) -> None:
    intake = """\
intake:
  reply_from: support@example.com
  acknowledge:
    subject: "[$case_ref] got it"
    body: "Dear $customer_name, we will answer by $first_response_by."
"""
    path = write_policy(tmp_path, intake=intake)
    problem = only_problem(path)
    assert problem.where == "intake.acknowledge.body"
    assert problem.reason.startswith("unknown placeholder customer_name; known: $case_ref,")
    assert problem.line == line_of(path, "body:")


def test_acknowledgements_can_be_turned_off(tmp_path: Path) -> None:
    intake = "intake:\n  reply_from: Support@Example.com\n  acknowledge: false\n"
    spec = load(write_policy(tmp_path, intake=intake)).policy.intake
    assert spec.reply_from == "support@example.com"
    assert not spec.templates.acknowledge
