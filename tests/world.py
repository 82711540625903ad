"""Bootstrap's own wiring of the bus, on fakes, with a small policy: the agents' test world."""

from __future__ import annotations

from datetime import timedelta

from caseloom import bootstrap
from caseloom.adapters.mail import EmailReader
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.policy import (
    CustomField,
    FieldType,
    Policy,
    SlaPolicy,
    TriageSpec,
)
from caseloom.domain.routing import RoutingRule, RoutingSpec
from caseloom.domain.sla import SlaMetric
from caseloom.domain.triage import TriageResult
from caseloom.domain.workforce import Rep
from caseloom.service_layer.messagebus import MessageBus
from caseloom.service_layer.ports import Mailbox
from tests.factories import NOW, make_customer, make_policy, stamp, triage_result, when
from tests.fakes import (
    FakeClock,
    FakeConditions,
    FakeLlm,
    FakeNotifier,
    FakeStore,
    FakeTravel,
    FakeTriageModel,
    FakeUnitOfWork,
    GreedySolver,
    OneByOneAssigner,
)

SECRET = b"a test installation's secret key, 32 bytes or more"
GOLD = 'customer.tier == "gold"'
OUTAGE = 'triage.intent == "outage"'
HIGH = 'case.severity == "high"'
CONDITIONS = FakeConditions(
    {
        GOLD: lambda f: f["customer"]["tier"] == "gold",
        OUTAGE: lambda f: f["triage"]["intent"] == "outage",
        HIGH: lambda f: f["case"]["severity"] == "high",
    }
)
POLICY = make_policy(
    triage=TriageSpec(
        "local", 0.6, ("intent",), {}, {}, (stamp("outages are high", OUTAGE, severity="high"),)
    ),
    sla=(
        SlaPolicy(
            "gold-high",
            when(f"{GOLD} and {HIGH}"),
            "24x7",
            {
                SlaMetric.FIRST_RESPONSE: timedelta(hours=1),
                SlaMetric.RESOLUTION: timedelta(hours=8),
            },
        ),
        make_policy().sla[0],
    ),
    routing=RoutingSpec(
        (RoutingRule("high to tier2", when(HIGH), ("tier2",)), make_policy().routing.rules[0])
    ),
    custom_fields={"contract": CustomField("contract", FieldType.STRING)},
)
CONDITIONS.predicates[f"{GOLD} and {HIGH}"] = lambda f: (
    f["customer"]["tier"] == "gold" and f["case"]["severity"] == "high"
)


class World:
    """Bootstrap's own wiring of the bus, on fakes."""

    def __init__(
        self,
        policy: Policy = POLICY,
        intent: str = "outage",
        confidence: float = 0.9,
        llm: FakeLlm | None = None,
        reply: TriageResult | None = None,
        mailbox: Mailbox | None = None,
        public_url: str | None = None,
    ):
        self.store = FakeStore()
        self.clock = FakeClock(NOW)
        self.model = FakeTriageModel(triage_result(intent=(intent, confidence)), reply)
        self.notifier = FakeNotifier()
        wiring = bootstrap.handlers(
            policy,
            self.clock,
            CONDITIONS,
            model=self.model,
            llm=llm,
            assigner=OneByOneAssigner(),
            notifier=self.notifier,
            travel=FakeTravel(),
            solver=GreedySolver(),
            reader=EmailReader(),
            secret=SECRET,
            mailbox=mailbox,
            status_page=bootstrap.status_page(public_url),
        )
        self.wiring = wiring
        self.bus = MessageBus(lambda: FakeUnitOfWork(self.store), *wiring)
        self.store.customers["acme"] = make_customer("acme", "gold", "priya@example.com")

    def rep(self, rep: Rep) -> Rep:
        rep.version = 1
        self.store.reps[rep.id] = rep
        return rep

    def open(self, email: str = "priya@example.com", **fields: object) -> str:
        command = commands.OpenCase(
            Channel.EMAIL, "Broadband down", "No internet at all.", "Priya", email, **fields
        )  # type: ignore[arg-type]
        return str(self.bus.handle(command))

    def case(self, ref: str):  # type: ignore[no-untyped-def]
        return self.store.cases[int(ref[3:])]
