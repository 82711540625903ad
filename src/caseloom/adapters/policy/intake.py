"""The intake section: the addresses e-mail arrives at, what a reply to a closed case does, how
much one sender may send. An address with a `team` becomes a routing rule, first in the list:
mail to it goes to that team, and the journey names the address's line in the policy."""

from __future__ import annotations

from caseloom.adapters.policy.places import label, origin
from caseloom.adapters.policy.routing import Checks
from caseloom.adapters.policy.schema import AcknowledgeDoc, IntakeDoc, PolicyDoc
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.conditions import Condition
from caseloom.domain.mail import ClosedReply, IntakeAddress, IntakeSpec
from caseloom.domain.mail.outbound import PLACEHOLDERS, MailTemplates, unknown_placeholders
from caseloom.domain.routing import RoutingRule


def check(checks: Checks, doc: PolicyDoc) -> None:
    intake = doc.intake
    for address, entry in intake.addresses.items():
        if entry.team is not None:
            checks.team(("intake", "addresses", address, "team"), entry.team, "service")
    ack = intake.acknowledge if isinstance(intake.acknowledge, AcknowledgeDoc) else None
    templates: dict[Path_, str] = {("intake", "reply_subject"): intake.reply_subject}
    if ack is not None:
        templates |= {("intake", "acknowledge", "subject"): ack.subject}
        templates |= {("intake", "acknowledge", "body"): ack.body}
    for path, text in templates.items():
        unknown = unknown_placeholders(text)
        if unknown:
            known = ", ".join(f"${p}" for p in sorted(PLACEHOLDERS))
            checks.fail(path, f"unknown placeholder {', '.join(unknown)}; known: {known}")


def spec(doc: IntakeDoc) -> IntakeSpec:
    return IntakeSpec(
        addresses={a.lower(): IntakeAddress(a.lower(), e.team) for a, e in doc.addresses.items()},
        reply_to_closed=ClosedReply(doc.reply_to_closed),
        reopen_within=doc.reopen_within,
        per_sender=doc.per_sender.messages,
        per=doc.per_sender.per,
        max_attachment_bytes=doc.max_attachment_mb * 1024 * 1024,
        reply_from=doc.reply_from.lower() if doc.reply_from else None,
        templates=_templates(doc),
    )


def _templates(doc: IntakeDoc) -> MailTemplates:
    ack = doc.acknowledge
    if isinstance(ack, AcknowledgeDoc):
        return MailTemplates(True, ack.subject, ack.body, doc.reply_subject)
    return MailTemplates(ack, reply_subject=doc.reply_subject)


def routing_rules(source: Source, doc: IntakeDoc) -> tuple[RoutingRule, ...]:
    """A rule per address that names a team, to go before the policy's own routing rules."""
    return tuple(
        RoutingRule(
            label(source, ("intake", "addresses", address), f"mail to {address.lower()}"),
            Condition(
                f'case.mailbox == "{address.lower()}"',
                origin(source, ("intake", "addresses", address)),
            ),
            (entry.team,),
            language=False,
        )
        for address, entry in doc.addresses.items()
        if entry.team is not None
    )
