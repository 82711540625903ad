"""Policy conditions on zen-engine: checked against the known fields, evaluated on facts."""

from __future__ import annotations

import pytest
import zen

from caseloom.adapters.conditions import ZenConditionEngine
from caseloom.domain.conditions import Condition, Facts
from caseloom.domain.policy import CASE_FIELDS, CUSTOMER_FIELDS, TRIAGE_FIELDS

KNOWN = {
    "case": [*CASE_FIELDS, "contract"],
    "customer": list(CUSTOMER_FIELDS),
    "triage": list(TRIAGE_FIELDS),
}


@pytest.fixture
def engine() -> ZenConditionEngine:
    return ZenConditionEngine()


def facts(
    case: dict[str, object] | None = None,
    customer: dict[str, object] | None = None,
    triage: dict[str, object] | None = None,
) -> Facts:
    return {"case": case or {}, "customer": customer or {}, "triage": triage or {}}


def matches(engine: ZenConditionEngine, source: str, on: Facts) -> bool:
    return engine.matches(Condition(source, "policy.yaml:1"), on)


# --- check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'case.severity == "high" and triage.on_site_required',
        'customer.tier == "gold" or case.priority <= 2',
        'case.severity in ["high", "critical"]',
        "not triage.on_site_required",
        'case.contract == "premium"',
        "triage.sentiment_score < -0.5",
        "case.priority > 2 ? true : false",
        "case.severity != null",
    ],
)
def test_a_well_formed_condition_on_known_fields_has_no_problems(
    engine: ZenConditionEngine, source: str
) -> None:
    assert engine.check(source, KNOWN) == []


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('case.sevrity == "high"', "unknown field 'case.sevrity'; did you mean case.severity?"),
        (
            'triage.sentimnet == "negative"',
            "unknown field 'triage.sentimnet'; did you mean triage.sentiment?",
        ),
        ('customer.teir == "gold"', "unknown field 'customer.teir'; did you mean customer.tier?"),
        ('case.contrcat == "x"', "unknown field 'case.contrcat'; did you mean case.contract?"),
    ],
)
def test_a_typo_in_a_field_names_the_closest_known_field(
    engine: ZenConditionEngine, source: str, reason: str
) -> None:
    assert engine.check(source, KNOWN) == [reason]


def test_an_unknown_field_with_nothing_close_lists_the_fields_of_its_root(
    engine: ZenConditionEngine,
) -> None:
    (reason,) = engine.check("customer.xyzzy == 1", KNOWN)

    assert reason == "unknown field 'customer.xyzzy'; known: id, name, tier, account, city, country"


def test_an_unknown_root_name_is_refused_naming_the_roots(engine: ZenConditionEngine) -> None:
    (reason,) = engine.check('ticket.severity == "high"', KNOWN)

    assert reason.startswith("unknown name 'ticket.severity': conditions name fields as case.")
    assert "customer." in reason
    assert "triage." in reason


def test_a_root_without_a_field_is_refused_with_an_example(engine: ZenConditionEngine) -> None:
    assert engine.check('case == "high"', KNOWN) == ["'case' needs a field, e.g. case.ref"]


def test_every_unknown_name_in_a_condition_is_reported(engine: ZenConditionEngine) -> None:
    problems = engine.check('case.sevrity == "high" and triage.urgncy == "critical"', KNOWN)

    assert problems == [
        "unknown field 'case.sevrity'; did you mean case.severity?",
        "unknown field 'triage.urgncy'; did you mean triage.urgency?",
    ]


@pytest.mark.parametrize(
    "source",
    [
        'case.severity === "high"',
        '(case.severity == "high"',
        'case.severity in ["high", "low"',
        'case.severity == "high" && triage.on_site_required',
        "",
    ],
)
def test_an_expression_the_parser_refuses_is_reported_with_the_parsers_reason(
    engine: ZenConditionEngine, source: str
) -> None:
    refusal = zen.validate_expression(source)

    assert refusal is not None
    assert engine.check(source, KNOWN) == [f"cannot parse {source!r}: {refusal['source']}"]


@pytest.mark.parametrize(
    "source",
    [
        'contains(case.subject, "case.bogus")',
        "case.subject == 'triage.nope'",
        'case.subject == "customer.whatever and more"',
        'upper(case.subject) == "X"',
        'startsWith(case.subject, "Re:")',
        "len(case.description) > 10",
    ],
)
def test_names_inside_string_literals_and_function_names_are_not_fields(
    engine: ZenConditionEngine, source: str
) -> None:
    assert engine.check(source, KNOWN) == []


def test_a_field_passed_to_a_function_is_still_checked(engine: ZenConditionEngine) -> None:
    assert engine.check('contains(case.subjct, "down")', KNOWN) == [
        "unknown field 'case.subjct'; did you mean case.subject?"
    ]


def test_a_field_inside_a_template_interpolation_is_still_checked(
    engine: ZenConditionEngine,
) -> None:
    source = '`${case.sevrity}` == "high"'
    assert zen.evaluate_expression(source, {"case": {"sevrity": "high"}}) is True  # it is code

    assert engine.check(source, KNOWN) == [
        "unknown field 'case.sevrity'; did you mean case.severity?"
    ]


# --- matches ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "on", "expected"),
    [
        ('case.severity == "high"', facts(case={"severity": "high"}), True),
        ('case.severity == "high"', facts(case={"severity": "low"}), False),
        ('case.severity in ["high", "critical"]', facts(case={"severity": "critical"}), True),
        ('case.severity in ["high", "critical"]', facts(case={"severity": "medium"}), False),
        ("triage.on_site_required", facts(triage={"on_site_required": True}), True),
        ("triage.on_site_required", facts(triage={"on_site_required": False}), False),
        ("not triage.on_site_required", facts(triage={"on_site_required": False}), True),
        ("case.priority <= 2", facts(case={"priority": 1}), True),
        ("case.priority <= 2", facts(case={"priority": 3}), False),
        (
            'customer.tier == "gold" and triage.sentiment == "negative"',
            facts(customer={"tier": "gold"}, triage={"sentiment": "negative"}),
            True,
        ),
        (
            'customer.tier == "gold" and triage.sentiment == "negative"',
            facts(customer={"tier": "gold"}, triage={"sentiment": "neutral"}),
            False,
        ),
        (
            'triage.intent == "outage" or triage.urgency == "critical"',
            facts(triage={"intent": "billing", "urgency": "critical"}),
            True,
        ),
        ('contains(case.subject, "down")', facts(case={"subject": "Broadband down"}), True),
        ("case.custom_flag == true", facts(case={"custom_flag": True}), True),
    ],
)
def test_a_condition_matches_exactly_the_facts_it_describes(
    engine: ZenConditionEngine, source: str, on: Facts, expected: bool
) -> None:
    assert matches(engine, source, on) is expected


@pytest.mark.parametrize(
    ("source", "on"),
    [
        ("case.priority <= 2", facts(case={"priority": None})),
        ("case.priority > 2", facts()),
        ("triage.sentiment_score < -0.5", facts(triage={"sentiment_score": None})),
        ('case.severity == "high" and case.priority > 2', facts(case={"severity": "high"})),
        ('contains(case.subject, "down")', facts(case={"subject": None})),
        ("len(case.subject) > 3", facts()),
    ],
)
def test_a_comparison_against_a_missing_value_is_false_instead_of_raising(
    engine: ZenConditionEngine, source: str, on: Facts
) -> None:
    assert matches(engine, source, on) is False


def test_an_equality_against_a_missing_value_is_simply_false(engine: ZenConditionEngine) -> None:
    assert matches(engine, 'triage.urgency == "critical"', facts()) is False
    assert matches(engine, 'triage.urgency != "critical"', facts()) is True


@pytest.mark.parametrize(
    ("source", "on"),
    [
        ("case.priority + 1", facts(case={"priority": 1})),
        ("case.subject", facts(case={"subject": "Broadband down"})),
        ("triage.on_site_required", facts(triage={"on_site_required": "yes"})),
    ],
)
def test_only_a_true_result_is_a_match_not_a_truthy_one(
    engine: ZenConditionEngine, source: str, on: Facts
) -> None:
    assert matches(engine, source, on) is False


def test_one_condition_is_evaluated_afresh_on_each_set_of_facts(engine: ZenConditionEngine) -> None:
    condition = Condition('case.severity == "high"', "policy.yaml:7")

    results = [
        engine.matches(condition, facts(case={"severity": severity}))
        for severity in ("high", "low", "high")
    ]

    assert results == [True, False, True]


def test_a_missing_value_on_one_side_of_or_does_not_hide_the_other_side(
    engine: ZenConditionEngine,
) -> None:
    low_confidence = facts(customer={"tier": "gold"}, triage={"sentiment_score": None})

    assert matches(
        engine, 'customer.tier == "gold" or triage.sentiment_score < -0.5', low_confidence
    )
    assert matches(
        engine, 'triage.sentiment_score < -0.5 or customer.tier == "gold"', low_confidence
    )
