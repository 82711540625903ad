"""What the core throughput benchmark feeds the engine: extra reps, and one script per case.

The texts are the demo organisation's (`policies/demo/cases.yaml`), filled in the way
`caseloom demo` fills them, from a fixed seed so every run and every database get the same cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from caseloom.domain import commands
from caseloom.domain.case import MessageKind
from caseloom.domain.workforce import Presence
from caseloom.entrypoints.demo import CHANNELS, FILLS, STRANGERS, Opening, Texts

SEED = 20_250_303
KNOWN_CONTACT_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class Staffing:
    team: str
    reps: int
    skills: Mapping[str, int]  # enough for the team's routing rule in the demo policy


# The demo policy sends billing cases to billing (billing >= 3), priority 1 to tier 2
# (escalations >= 2; broadband ones want networking >= 3), and everything else to tier 1.
STAFFING = (
    Staffing("tier1", 100, {"broadband": 6, "energy": 6}),
    Staffing("tier2", 50, {"broadband": 8, "energy": 8, "escalations": 6, "networking": 5}),
    Staffing("billing", 50, {"billing": 6}),
)
CAPACITY = 10


def extra_reps(staffing: Iterable[Staffing] = STAFFING) -> list[commands.RegisterRep]:
    return [
        commands.RegisterRep(
            id=f"bench-{team.team}-{n:03d}",
            name=f"Bench {team.team} {n}",
            email=f"bench-{team.team}-{n:03d}@northwind.example",
            teams=(team.team,),
            skills=team.skills,
            capacity=CAPACITY,
            presence=Presence.AVAILABLE,
        )
        for team in staffing
        for n in range(1, team.reps + 1)
    ]


def contacts_of(registrations: Iterable[commands.Command]) -> list[tuple[str, str]]:
    """Every (name, e-mail) of the registered customers' contacts."""
    return [
        contact
        for command in registrations
        if isinstance(command, commands.RegisterCustomer)
        for contact in command.contacts
    ]


@dataclass(frozen=True, slots=True)
class CaseScript:
    """One case's whole flow: how it opens, and what its rep writes."""

    opening: commands.OpenCase
    intent: str  # what the team lead says if the models are unsure of it
    reply: str
    resolution: str

    def review(self, ref: str) -> commands.ReviewTriage:
        return commands.ReviewTriage(ref, "lead:bench", {"intent": self.intent})

    def work(self, ref: str, owner: str) -> list[commands.Command]:
        """The commands after routing: start, reply, resolve, close."""
        rep = f"rep:{owner}"
        return [
            commands.StartWork(ref, rep),
            commands.AddMessage(ref, MessageKind.REP_REPLY, rep, self.reply),
            commands.ResolveCase(ref, rep, self.resolution),
            commands.CloseCase(ref, "agent:resolution"),
        ]


def scripts(cases: int, contacts: list[tuple[str, str]], seed: int = SEED) -> list[CaseScript]:
    texts, rng = Texts.load(), random.Random(seed)
    chosen = [rng.choice(texts.openings) for _ in range(cases)]
    return [
        CaseScript(
            _opening(text, contacts, rng),
            text.intent,
            rng.choice(texts.rep_replies),
            rng.choice(texts.resolutions),
        )
        for text in chosen
    ]


def _opening(
    text: Opening, contacts: list[tuple[str, str]], rng: random.Random
) -> commands.OpenCase:
    name, email = _contact(contacts, rng)
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    return commands.OpenCase(
        channel,
        _fill(text.subject, rng),
        _fill(text.body, rng),
        name,
        email,
        custom={"vulnerable_customer": True} if "elderly" in text.body else {},
        actor=f"{channel}-intake",
    )


def _contact(contacts: list[tuple[str, str]], rng: random.Random) -> tuple[str, str]:
    if contacts and rng.random() < KNOWN_CONTACT_SHARE:
        return rng.choice(contacts)
    name = rng.choice(STRANGERS)
    return name, f"{name.lower().replace(' ', '.')}{rng.randint(1, 99)}@example.com"


def _fill(text: str, rng: random.Random) -> str:
    return text.format(**{key: rng.choice(values) for key, values in FILLS.items()})
