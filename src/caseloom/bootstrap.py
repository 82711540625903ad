"""The composition root: the one place that reads settings and builds adapters.

Nothing happens at import time; `bootstrap()` builds a running application on demand.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from caseloom.adapters.assignment import OptimalAssigner
from caseloom.adapters.clock import SimulatedClock, SystemClock
from caseloom.adapters.conditions import ZenConditionEngine
from caseloom.adapters.db.engine import make_engine, migrate
from caseloom.adapters.db.mail import installation_secret
from caseloom.adapters.db.unit_of_work import SqlBatch, SqlUnitOfWork
from caseloom.adapters.dispatch import make_solver
from caseloom.adapters.llm import make_provider
from caseloom.adapters.mail import EmailReader
from caseloom.adapters.mail.imap_url import imap_mailbox
from caseloom.adapters.notify import ChannelNotifier, LogNotifier
from caseloom.adapters.notify.smtp import smtp_notifier
from caseloom.adapters.notify.webhook import WebhookNotifier, WebhookTarget
from caseloom.adapters.organisation import read_organisation
from caseloom.adapters.policy import LoadedPolicy, YamlPolicyLoader
from caseloom.adapters.travel import make_travel
from caseloom.adapters.triage_local.evaluation import Evaluation, evaluate
from caseloom.adapters.triage_local.model import BUILTIN, REPLY_MODEL, LocalTriageModel
from caseloom.adapters.triage_local.store import ModelCard, ModelStore
from caseloom.adapters.triage_local.training import Labelled, read_labelled, train
from caseloom.config import DEMO_POLICY, Settings
from caseloom.domain import commands, events
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.spec import FieldSpec
from caseloom.domain.mail.outbound import places_link
from caseloom.domain.policy import NotificationSpec, Policy, TriageSpec
from caseloom.service_layer import workforce
from caseloom.service_layer.agents import field, intake, resolution, routing, supervisor, triage
from caseloom.service_layer.messagebus import Batched, Handler, MessageBus
from caseloom.service_layer.ports import (
    Assigner,
    Clock,
    ConditionEngine,
    DispatchSolver,
    LlmProvider,
    Mailbox,
    MailReader,
    Notifier,
    TravelTimes,
    TriageModel,
    UnitOfWork,
)
from caseloom.views.store import ReadStore

log = logging.getLogger(__name__)
MIN_SECRET_BYTES = 32

__all__ = [
    "DEMO_POLICY",
    "Caseloom",
    "Clock",
    "Evaluation",
    "ModelCard",
    "Settings",
    "SimulatedClock",
    "bootstrap",
    "check_policy",
    "handlers",
    "settings",
]


def wall_clock() -> Clock:
    return SystemClock()


@dataclass(frozen=True)
class Caseloom:
    """A composed application: the bus to change things, the store to read them."""

    bus: MessageBus
    store: ReadStore
    policy: Policy
    clock: Clock
    settings: dict[str, str]
    close: Callable[[], None]  # releases the database connections
    polls_mail: bool = False  # an IMAP mailbox is set for the worker to poll

    def load_organisation(self, path: Path) -> list[commands.Command]:
        """Register (create or update) everyone in an organisation file; return what was applied."""
        registrations = read_organisation(path)
        for command in registrations:
            self.bus.handle(command)
        return registrations


def settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def check_policy(path: Path) -> LoadedPolicy:
    """The policy at `path`, or a PolicyError listing every problem with its file and line."""
    return YamlPolicyLoader(ZenConditionEngine()).load(path)


def train_triage_model(
    data: Path,
    *,
    text: str,
    label: str,
    signal: str,
    name: str,
    models_dir: Path | None = None,
    policy: Path | None = None,
) -> tuple[ModelCard, Labelled, Path]:
    """Train a model for `signal` from labelled rows; store it as the next version of `name`.

    Models go to `models_dir`, else to the models folder of the policy (default: the setting).
    Returns the stored card, the data read, and the folder the model is in.
    """
    store = ModelStore(models_dir or Path(_triage_spec(policy).models_dir))
    labelled = read_labelled(data, text, label)
    card = train(labelled, signal=signal, name=name, store=store, now=SystemClock().now())
    return card, labelled, store.root / card.name / str(card.version)


def evaluate_triage(
    data: Path,
    *,
    text: str,
    label: str,
    signal: str,
    model: str | None = None,
    threshold: float | None = None,
    models_dir: Path | None = None,
    policy: Path | None = None,
) -> Evaluation:
    """Read labelled rows with `model` (default: what the policy selects; "builtin": no
    trained model) and compare; the threshold defaults to the policy's `min_confidence`."""
    spec = _triage_spec(policy)
    replies = signal == "reply_intent"
    chosen = model or spec.models.get(signal) or (REPLY_MODEL if replies else "builtin")
    store = ModelStore(models_dir or (BUILTIN if replies else Path(spec.models_dir)))
    trained = {} if chosen == "builtin" else {signal: store.load(chosen)}
    if trained and trained[signal][0].signal != signal:
        raise InvalidInput(f"model {chosen} reads {trained[signal][0].signal}, not {signal}")
    labelled = read_labelled(data, text, label)
    return evaluate(
        LocalTriageModel(trained, replies=None),
        replace(spec, signals=(signal,)),
        signal=signal,
        texts=labelled.texts,
        labels=labelled.labels,
        threshold=spec.min_confidence if threshold is None else threshold,
    )


def _triage_spec(policy: Path | None) -> TriageSpec:
    return check_policy(policy or settings().policy).policy.triage


def make_notifier(spec: NotificationSpec, smtp_url: str | None) -> ChannelNotifier:
    """E-mail through the SMTP server at `smtp_url` (else to the log); webhooks as the policy
    declares them, each signed with the secret its environment variable holds."""
    email: Notifier = smtp_notifier(smtp_url, spec.sender) if smtp_url else LogNotifier()
    targets = {
        name: WebhookTarget(hook.url, os.environ.get(hook.secret_env) if hook.secret_env else None)
        for name, hook in spec.webhooks.items()
    }
    return ChannelNotifier(email, WebhookNotifier(targets))


def make_field(spec: FieldSpec) -> tuple[TravelTimes, DispatchSolver]:
    """Travel times and the dispatch solver as the policy's `field` section chooses them."""
    travel = spec.travel
    return (
        make_travel(
            travel.model.value,
            speed_kmh=travel.speed_kmh,
            url=travel.url,
            profile=travel.profile,
            timeout=travel.timeout.total_seconds(),
        ),
        make_solver(spec.solver),
    )


def fresh_sqlite(config: Settings) -> None:
    """Delete the SQLite database file the settings name, so the next start is empty."""
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise InvalidInput(f"--fresh only deletes a SQLite file, not {url.render_as_string()}")
    for suffix in ("", "-wal", "-shm"):
        Path(url.database + suffix).unlink(missing_ok=True)


def migrate_database(config: Settings) -> None:
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def bootstrap(
    config: Settings | None = None, clock: Clock | None = None, *, serving: bool = False
) -> Caseloom:
    """Load and check the policy, migrate the database, store the policy, and wire the bus.
    A process `serving` until stopped also loads now what the first case would wait for.

    An invalid policy raises `PolicyError` before anything is touched.
    """
    config = config or settings()
    clock = clock or SystemClock()
    conditions = ZenConditionEngine()
    loaded = YamlPolicyLoader(conditions).load(config.policy)
    _check_links(loaded.policy, config)
    engine = make_engine(config.database_url)

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(engine, clock)

    try:
        migrate(engine)
        with uow() as unit:
            unit.policies.register(loaded.policy, loaded.source)
            unit.commit()
    except BaseException:
        engine.dispose()
        raise
    spec = loaded.policy.triage
    model = LocalTriageModel.for_policy(spec, eager=serving)
    key = config.llm_api_key.get_secret_value() if config.llm_api_key else None
    llm = make_provider(spec.llm, key, clock) if spec.llm else None
    notifier = make_notifier(loaded.policy.notifications, config.smtp_url)
    travel, solver = make_field(loaded.policy.field_service)
    secret = _secret(config, engine)
    mailbox = _mailbox(config)
    bus = MessageBus(
        uow,
        *handlers(
            loaded.policy,
            clock,
            conditions,
            model=model,
            llm=llm,
            assigner=OptimalAssigner(),
            notifier=notifier,
            travel=travel,
            solver=solver,
            reader=EmailReader(loaded.policy.intake.max_attachment_bytes),
            secret=secret,
            mailbox=mailbox,
            status_page=status_page(config.public_url),
        ),
        batch=None if spec.llm else lambda: SqlBatch(engine, clock),  # no LLM call in a batch
    )

    def close() -> None:
        if llm:
            llm.close()
        notifier.close()
        travel.close()
        if mailbox:
            mailbox.close()
        engine.dispose()

    return Caseloom(
        bus,
        ReadStore(engine),
        loaded.policy,
        clock,
        config.masked(),
        close=close,
        polls_mail=mailbox is not None,
    )


def _check_links(policy: Policy, config: Settings) -> None:
    """An acknowledgement that puts a status link needs the address customers reach us at."""
    if not config.public_url and places_link(policy.intake.templates):
        raise InvalidInput(
            "the policy's acknowledgement puts $status_link, but CASELOOM_PUBLIC_URL is not set: "
            "set it to where customers reach this server (e.g. https://support.example.com)"
        )


def status_page(public_url: str | None) -> Callable[[str], str] | None:
    """The address of the status page with a token, as customers reach it (the portal's
    `/portal/status/{token}`); None when the public address is not set."""
    if not public_url:
        return None
    base = public_url.rstrip("/")
    return lambda token: f"{base}/portal/status/{token}"


def _mailbox(config: Settings) -> Mailbox | None:
    if not config.imap_url:
        return None
    password = config.imap_password.get_secret_value() if config.imap_password else None
    return imap_mailbox(config.imap_url, password)


def _secret(config: Settings, engine: Engine) -> bytes:
    if config.secret is None:
        return installation_secret(engine)
    try:
        key = bytes.fromhex(config.secret.get_secret_value())
    except ValueError:
        key = b""
    if len(key) < MIN_SECRET_BYTES:
        raise InvalidInput(
            f"CASELOOM_SECRET must be at least {MIN_SECRET_BYTES} bytes written in hex "
            f"(e.g. the output of `openssl rand -hex {MIN_SECRET_BYTES}`)"
        )
    return key


def handlers(
    policy: Policy,
    clock: Clock,
    conditions: ConditionEngine,
    *,
    model: TriageModel,
    llm: LlmProvider | None,
    assigner: Assigner,
    notifier: Notifier,
    travel: TravelTimes,
    solver: DispatchSolver,
    reader: MailReader,
    secret: bytes,
    mailbox: Mailbox | None = None,
    status_page: Callable[[str], str] | None = None,
) -> tuple[dict[type[commands.Command], Handler], dict[type[events.Event], list[Handler]]]:
    """Every command's handler and every event's subscribers, with their dependencies bound."""

    def bind(handler: Callable[..., object], **deps: object) -> Handler:
        return functools.partial(handler, **deps)

    timed = {"policy": policy, "clock": clock}
    decided = {**timed, "conditions": conditions}
    mapped = {**timed, "travel": travel}
    planned = {**mapped, "solver": solver}
    mailed = {"intake": intake.MailIntake(policy, reader, model, secret), "clock": clock}
    command_handlers: dict[type[commands.Command], Handler] = {
        commands.OpenCase: bind(intake.open_case, **timed),
        commands.AddMessage: bind(intake.add_message, model=model, **timed),
        commands.ReceiveMail: bind(intake.receive_mail, **mailed),
        commands.SweepMail: bind(intake.sweep_mail, **mailed),
        commands.ReleaseMail: bind(intake.release_mail, **mailed),
        commands.PollMailbox: bind(intake.poll_mailbox, mailbox=mailbox, **mailed),
        commands.AttachFiles: bind(intake.attach_files, **timed),
        commands.IssueStatusLink: bind(intake.issue_status_link, clock=clock),
        commands.ReviewTriage: bind(triage.review_triage, **decided),
        commands.AssignCase: bind(routing.assign_case, **timed),
        commands.ChangeCase: bind(routing.change_case, **timed),
        commands.AcceptOffer: bind(routing.accept_offer, **timed),
        commands.DeclineOffer: bind(routing.decline_offer, **timed),
        commands.SweepRouting: bind(routing.sweep, assigner=assigner, **decided),
        commands.FireTimers: bind(supervisor.fire_timers, **decided),
        commands.EscalateCase: bind(supervisor.escalate_case, **timed),
        commands.ReevaluateSla: bind(supervisor.reevaluate, **decided),
        commands.DeliverNotifications: bind(
            supervisor.deliver_notifications, notifier=notifier, clock=clock
        ),
        commands.DryRunRouting: bind(routing.dry_run, **decided),
        commands.StartWork: bind(resolution.start_work, **timed),
        commands.WaitOnCustomer: bind(resolution.wait_on_customer, **timed),
        commands.ResolveCase: bind(resolution.resolve_case, **timed),
        commands.CloseCase: bind(resolution.close_case, **timed),
        commands.ReopenCase: bind(resolution.reopen_case, **timed),
        commands.RegisterCustomer: bind(workforce.register_customer, policy=policy),
        commands.RegisterRep: bind(workforce.register_rep, policy=policy),
        commands.RegisterTechnician: bind(workforce.register_technician, policy=policy),
        commands.SetRepPresence: bind(workforce.set_rep_presence),
        commands.SetTechnicianPresence: bind(workforce.set_technician_presence),
        commands.HandOffCase: bind(field.hand_off_case, **decided),
        commands.OfferVisits: bind(field.offer_visits, **mapped),
        commands.BookVisit: bind(field.book_visit, **mapped),
        commands.MoveVisit: bind(field.move_visit, **timed),
        commands.ChangeWorkOrder: bind(field.change_work_order, **timed),
        commands.OptimiseDispatch: bind(field.optimise, **planned),
    }
    event_handlers: dict[type[events.Event], list[Handler]] = {
        events.CaseOpened: [Batched(bind(triage.triage_cases, model=model, llm=llm, **decided))],
        events.CaseTriaged: [bind(supervisor.start_clocks, **decided)],
        events.SlaStarted: [
            bind(routing.route_case, **decided),
            bind(intake.acknowledge, secret=secret, status_page=status_page, **timed),
        ],
        events.CaseReopened: [
            bind(routing.route_case, **decided),
            bind(supervisor.reconsider, **decided),
        ],
        events.CaseRequeued: [bind(routing.route_case, **decided)],
        events.CaseFactsChanged: [
            bind(supervisor.reconsider, **decided),
            bind(routing.reroute_on_change, **decided),
        ],
        events.CaseMoved: [bind(supervisor.reconsider, **decided)],
        events.CustomerReplied: [bind(supervisor.reconsider, **decided)],
        events.CaseReleased: [bind(routing.offer_queued_work, assigner=assigner, **timed)],
        events.RepBecameAvailable: [bind(routing.offer_queued_work, assigner=assigner, **timed)],
        events.RepWentOffline: [bind(routing.requeue_for_offline_owner, **timed)],
        events.ReplyInterpreted: [
            bind(resolution.act_on_reply, **timed),
            bind(supervisor.restamp_after_reply, **decided),
        ],
        events.RepReplied: [
            bind(intake.send_reply, secret=secret, **timed),
            bind(field.hand_off_after_reply, **decided),
        ],
        events.CaseHandedOff: [bind(field.schedule_visit, **planned)],
        events.VisitMoved: [bind(field.schedule_visit, **planned)],
        events.ResolvedInTheField: [bind(field.call_off_visit, **timed)],
    }
    return command_handlers, event_handlers
