"""Load a policy file into a `Policy`, or refuse it whole with every problem's file and line."""

from __future__ import annotations

import hashlib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from caseloom.adapters import yaml_source
from caseloom.adapters.conditions import ZenConditionEngine
from caseloom.adapters.policy import field as field_section
from caseloom.adapters.policy import intake as intake_section
from caseloom.adapters.policy import routing
from caseloom.adapters.policy import sla as sla_section
from caseloom.adapters.policy.places import condition, label
from caseloom.adapters.policy.schema import LlmDoc, PolicyDoc
from caseloom.adapters.triage_local.store import ModelStore
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.case import PRIORITIES, Severity
from caseloom.domain.errors import CaseloomError, InvalidInput, PolicyError
from caseloom.domain.policy import (
    CASE_FIELDS,
    CUSTOMER_FIELDS,
    REPLY_ACTIONS,
    STAMPABLE_FIELDS,
    TRIAGE_FIELDS,
    CustomField,
    FieldType,
    LlmProviderKind,
    LlmSpec,
    PersonalData,
    Policy,
    ReplyAction,
    ReplyChange,
    StampRule,
    TriageSpec,
)
from caseloom.domain.sla import ALWAYS
from caseloom.domain.triage import BOOLEAN_LABELS, SENTIMENTS, URGENCIES
from caseloom.domain.workforce import Team, TeamKind

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    policy: Policy
    source: str  # every file's text, for the stored copy of this version


class YamlPolicyLoader:
    def __init__(self, conditions: ZenConditionEngine) -> None:
        self._conditions = conditions

    def load(self, path: Path) -> LoadedPolicy:
        source = yaml_source.read(path)
        doc = _validate(source) if not source.problems else None
        models = ModelStore(path.parent / doc.triage.models_dir) if doc else None
        if doc is not None and models is not None:
            _Checker(source, doc, self._conditions, models).check()
        if source.problems or doc is None or models is None:
            raise PolicyError(sorted(source.problems, key=lambda p: (p.file, p.line)))
        text = "".join(f"# --- {name}\n{body}" for name, body in source.texts.items())
        return LoadedPolicy(_build(source, doc, models), text)


def _validate(source: Source) -> PolicyDoc | None:
    try:
        return PolicyDoc.model_validate(source.data)
    except ValidationError as error:
        reasons: dict[Path_, list[str]] = {}
        for item in error.errors():
            loc = tuple(item["loc"])
            reason = _reason(item["type"], item["msg"], loc)
            path = _in_policy(source, loc)
            if item["type"] == "missing" and path == loc[:-1]:
                path = loc  # name the missing key itself; its parent gives the line
            reasons.setdefault(path, []).append(reason)
        for path, found in reasons.items():
            source.problem(path, " or ".join(dict.fromkeys(found)))
        return None


def _in_policy(source: Source, loc: Path_) -> Path_:
    """The longest part of a schema location that names a place in the policy itself.

    Pydantic adds markers of its own (the union member tried, `[key]`); those are dropped, and
    the alternatives tried for one value become one problem.
    """
    end = len(loc)
    while end and loc[:end] not in source.where:
        end -= 1
    return loc[:end]


def _reason(kind: str, message: str, path: Path_) -> str:
    if kind == "extra_forbidden":
        known = _keys_at(path[:-1])
        return f"unknown key {path[-1]!r}" + (
            f"; expected one of: {', '.join(known)}" if known else ""
        )
    if kind == "missing":
        return f"missing required key {path[-1]!r}"
    return message.removeprefix("Value error, ")


def _keys_at(path: Path_) -> list[str]:
    """The keys a mapping at `path` may hold, by walking the schema's annotations."""
    annotation: object = PolicyDoc
    for part in path:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[-1] if args else None
        annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _unwrap(annotation: object) -> object:
    """The model inside `X | None` or `Annotated[X, ...]`, if there is one."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if isinstance(a, type)]
        return next((m for m in models if issubclass(m, BaseModel)), annotation)
    return annotation


class _Checker:
    """The cross-references and conditions a schema cannot check."""

    def __init__(
        self, source: Source, doc: PolicyDoc, conditions: ZenConditionEngine, models: ModelStore
    ) -> None:
        self.source, self.doc, self.conditions, self.models = source, doc, conditions, models
        self.calendars = {ALWAYS.name, *doc.calendars}
        self.known = {
            "case": [*CASE_FIELDS, *doc.custom_fields],
            "customer": list(CUSTOMER_FIELDS),
            "triage": list(TRIAGE_FIELDS),
        }

    def fail(self, path: Path_, reason: str) -> None:
        self.source.problem(path, reason)

    def check(self) -> None:
        self._custom_fields()
        self._teams()
        self._triage()
        self._sla()
        sla_section.check(self.doc, self)
        routing.check(self.doc, self)
        self._handoffs()

    def condition(self, path: Path_, text: str | None) -> None:
        if text is not None:
            for reason in self.conditions.check(text, self.known):
                self.fail(path, reason)

    def _calendar(self, path: Path_, name: str) -> None:
        if name not in self.calendars:
            self.fail(
                path, f"no calendar named {name!r}; calendars: {', '.join(sorted(self.calendars))}"
            )

    def team(self, path: Path_, name: str, kind: str | None = None) -> None:
        team = self.doc.teams.get(name)
        if team is None:
            self.fail(path, f"no team named {name!r}; teams: {', '.join(self.doc.teams)}")
        elif kind and team.kind != kind:
            self.fail(path, f"team {name} is a {team.kind} team; a {kind} team is needed here")

    def skills(self, path: Path_, skills: Mapping[str, int]) -> None:
        for skill in skills:
            if skill not in self.doc.skills:
                self.fail((*path, skill), f"skill {skill!r} is not in the policy's skills list")

    def catch_all(self, path: Path_, rules: Sequence[routing.Conditional], what: str) -> None:
        for index, rule in enumerate(rules):
            if rule.when is None and index < len(rules) - 1:
                self.fail(
                    (*path, index), f"this {what} has no `when`, so the ones after it never apply"
                )
        if rules and rules[-1].when is not None:
            self.fail(
                (*path, len(rules) - 1),
                f"the last {what} needs no `when`, so every case matches one",
            )

    def _custom_fields(self) -> None:
        for name, spec in self.doc.custom_fields.items():
            if name in CASE_FIELDS or not _IDENTIFIER.match(name):
                self.fail(
                    ("custom_fields", name),
                    f"{name!r} must be a lower-case identifier that is not a built-in case field",
                )
            if spec.choices and spec.type != "string":
                self.fail(("custom_fields", name, "choices"), "only string fields take choices")

    def _teams(self) -> None:
        for name, team in self.doc.teams.items():
            self._calendar(("teams", name, "calendar"), team.calendar)

    def _triage(self) -> None:
        triage = self.doc.triage
        if triage.model == "llm" and triage.llm is None:
            self.fail(("triage", "model"), "model: llm needs an `llm` section naming the provider")
        for signal in triage.review:
            if signal not in triage.signals:
                self.fail(("triage", "review"), f"{signal} is reviewed but not among the signals")
        for signal in triage.llm.ask if triage.llm else []:
            if signal not in triage.signals:
                self.fail(("triage", "llm", "ask"), f"{signal} is asked but not among the signals")
        for change, action in triage.replies.items():
            allowed = REPLY_ACTIONS[ReplyChange(change)]
            if ReplyAction(action) not in allowed:
                self.fail(
                    ("triage", "replies", change),
                    f"{change} can lead to {' or '.join(allowed)}, not {action}",
                )
        for signal, ref in triage.models.items():
            self._model(("triage", "models", signal), signal, ref)
        self._stamps()

    def _model(self, path: Path_, signal: str, ref: str) -> None:
        if "@" not in ref:
            self.fail(
                path, f"write {ref}@<version>, so that a policy version always means one model"
            )
            return
        try:
            card = self.models.card(ref)
        except CaseloomError as error:
            self.fail(path, str(error))
            return
        if card.signal != signal:
            self.fail(path, f"model {ref} reads {card.signal}, not {signal}")
        triage = self.doc.triage
        allowed = {
            "intent": tuple(triage.intents),
            "product_line": tuple(triage.product_lines),
            "sentiment": SENTIMENTS,
            "urgency": URGENCIES,
            "on_site_required": BOOLEAN_LABELS,
        }[signal]
        unknown = [label for label in card.labels if allowed and label.lower() not in allowed]
        if unknown:
            self.fail(
                path,
                f"model {ref} gives {signal} labels the policy does not know: "
                f"{', '.join(unknown)}; {signal} is one of {', '.join(allowed)}",
            )

    def _stamps(self) -> None:
        stampable = {*STAMPABLE_FIELDS, *self.doc.custom_fields}
        for index, stamp in enumerate(self.doc.triage.stamps):
            path: Path_ = ("triage", "stamps", index)
            self.condition((*path, "when"), stamp.when)
            for field, value in stamp.set.items():
                if field not in stampable:
                    self.fail(
                        (*path, "set", field),
                        f"{field!r} cannot be stamped; stampable: {', '.join(sorted(stampable))}",
                    )
                else:
                    self._stamp_value((*path, "set", field), field, value)

    def _stamp_value(self, path: Path_, field: str, value: object) -> None:
        if field == "severity" and value not in set(Severity):
            self.fail(path, f"severity is one of {', '.join(Severity)}, not {value!r}")
        elif field == "priority" and value not in PRIORITIES:
            self.fail(path, f"priority is 1, 2, 3 or 4 (1 is the most urgent), not {value!r}")
        elif (
            field == "product_line"
            and self.doc.triage.product_lines
            and value not in self.doc.triage.product_lines
        ):
            lines = ", ".join(self.doc.triage.product_lines)
            self.fail(path, f"no product line {value!r}; product lines: {lines}")
        elif field in self.doc.custom_fields:
            spec = self.doc.custom_fields[field]
            try:
                CustomField(field, FieldType(spec.type), tuple(spec.choices)).check(value)
            except InvalidInput as error:
                self.fail(path, str(error))

    def _sla(self) -> None:
        names: set[str] = set()
        for index, sla in enumerate(self.doc.sla):
            path: Path_ = ("sla", index)
            if sla.name in names:
                self.fail((*path, "name"), f"another SLA policy is already named {sla.name}")
            names.add(sla.name)
            self.condition((*path, "when"), sla.when)
            self._calendar((*path, "calendar"), sla.calendar)
        self.catch_all(("sla",), self.doc.sla, "SLA policy")

    def _handoffs(self) -> None:
        field_section.check(self, self.doc)
        intake_section.check(self, self.doc)


def _build(source: Source, doc: PolicyDoc, models: ModelStore) -> Policy:
    triage = doc.triage
    return Policy(
        name=doc.policy,
        version=doc.version,
        digest=hashlib.sha256("\0".join(source.texts.values()).encode()).hexdigest(),
        calendars=sla_section.calendars(doc),
        teams={n: Team(n, TeamKind(t.kind), t.calendar, t.manager) for n, t in doc.teams.items()},
        skills=frozenset(doc.skills),
        customer_tiers=tuple(doc.customer_tiers),
        custom_fields={
            n: CustomField(n, FieldType(f.type), tuple(f.choices))
            for n, f in doc.custom_fields.items()
        },
        triage=TriageSpec(
            model=triage.model,
            min_confidence=triage.min_confidence,
            signals=tuple(triage.signals),
            intents=_labels(triage.intents, triage.models.get("intent"), models),
            product_lines=_labels(triage.product_lines, triage.models.get("product_line"), models),
            models=dict(triage.models),
            models_dir=str(models.root),
            llm=_llm(triage.llm, tuple(triage.review) or tuple(triage.signals)),
            review=tuple(triage.review),
            replies={ReplyChange(k): ReplyAction(v) for k, v in triage.replies.items()},
            stamps=tuple(
                StampRule(
                    label(source, ("triage", "stamps", i), s.name),
                    condition(source, ("triage", "stamps", i, "when"), s.when),
                    dict(s.set),
                )
                for i, s in enumerate(triage.stamps)
            ),
        ),
        sla=sla_section.sla_policies(source, doc),
        escalations=sla_section.escalations(source, doc),
        notifications=sla_section.notifications(doc),
        routing=routing.build(
            source, doc.routing, intake_section.routing_rules(source, doc.intake)
        ),
        handoffs=field_section.handoffs(source, doc),
        field_service=field_section.field_spec(doc.field),
        intake=intake_section.spec(doc.intake),
    )


def _labels(
    declared: Mapping[str, list[str]], model: str | None, models: ModelStore
) -> dict[str, tuple[str, ...]]:
    """The labels of a signal with their keywords: as declared, else the trained model's."""
    if declared or model is None:
        return {label: tuple(words) for label, words in declared.items()}
    return dict.fromkeys(models.card(model).labels, ())


def _llm(doc: LlmDoc | None, default_ask: tuple[str, ...]) -> LlmSpec | None:
    if doc is None:
        return None
    return LlmSpec(
        provider=LlmProviderKind(doc.provider),
        model=doc.model,
        base_url=doc.base_url,
        timeout=doc.timeout,
        retries=doc.retries,
        redact=frozenset(PersonalData(kind) for kind in doc.redact),
        input_price=doc.price.input if doc.price else None,
        output_price=doc.price.output if doc.price else None,
        breaker_failures=doc.breaker.failures,
        breaker_cooldown=doc.breaker.cooldown,
        ask=tuple(doc.ask) or default_ask,
    )
