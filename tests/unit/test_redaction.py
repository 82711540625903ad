"""Personal data is taken out of a customer's text before it goes to an LLM provider, and what
only looks like it (dates, amounts, postcodes, order and account numbers) stays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseloom.adapters.llm import redact
from caseloom.domain.policy import PersonalData

EVERY_KIND = frozenset(PersonalData)


@pytest.mark.parametrize(
    "email",
    [
        "ann@example.com",
        "ann.smith+case-42@mail.example.co.uk",
        "A_Smith99@Example.ORG",
        "josé@correo.es",
    ],
)
def test_an_email_address_is_redacted(email: str) -> None:
    assert redact(f"Write to {email}, thanks.", EVERY_KIND) == (
        "Write to [email], thanks.",
        ("email",),
    )


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+447700900123",
        "0044 20 7946 0958",
        "07700 900123",
        "07700900123",
        "(020) 7946 0958",
        "020 7946 0958",
        "020-7946-0958",
        "0161 496 0000",
        "+1-202-555-0143",
        "+1 202 555 0143",
        "+33 1 23 45 67 89",
        "+49 30 901820",
    ],
)
def test_a_uk_or_international_phone_number_is_redacted(phone: str) -> None:
    assert redact(f"Call me on {phone}.", EVERY_KIND) == ("Call me on [phone].", ("phone",))


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",  # Visa, in fours
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",  # Mastercard
        "2223 0000 4841 0010",  # Mastercard, 2-series
        "3782 822463 10005",  # Amex, 4-6-5
        "6011 1111 1111 1117",  # Discover
        "4222222222222",  # 13 digits
        "6304 0000 0000 0000 018",  # Maestro, 19 digits
    ],
)
def test_a_payment_card_number_is_redacted(card: str) -> None:
    assert redact(f"I paid with {card} yesterday.", EVERY_KIND) == (
        "I paid with [card] yesterday.",
        ("card",),
    )


@pytest.mark.parametrize(
    "text",
    [
        "It broke on 15/03/2024, again on 2024-03-15 and on 15.03.2024.",
        "The visit is on 01-02-2024 10:30 or 01 02 2024.",
        "I was charged £120.50, then £1,200.00 and $1,234,567.89.",
        "We are at SW1A 1AA; the depot is EC1A 1BB and M1 1AE.",
        "Account 12345678, sort code 20-00-00, customer no. 004512.",
        "Order 4111111111111112 and 1234 5678 9012 3456 never arrived.",  # fail the Luhn check
        "Order 1234567812345670 (passes Luhn, but no card starts with 1).",
        "Order ORD-2024-000123, invoice INV/2024/0042, ticket #98765.",
        "Firmware 2.14.0, model X-200, serial 0123-4567.",
        "Meter reading 0012345 at 09:45; 3 units at 17.5% VAT.",
    ],
)
def test_what_only_looks_like_personal_data_is_left_alone(text: str) -> None:
    assert redact(text, EVERY_KIND) == (text, ())


def test_several_kinds_are_redacted_and_reported_in_a_fixed_order() -> None:
    text = "Card 4111 1111 1111 1111, phone 07700 900123, mail ann@example.com."
    assert redact(text, EVERY_KIND) == (
        "Card [card], phone [phone], mail [email].",
        ("email", "phone", "card"),
    )


def test_only_the_kinds_asked_for_are_redacted() -> None:
    text = "Phone 07700 900123, mail ann@example.com, card 4111 1111 1111 1111."
    assert redact(text, frozenset({PersonalData.EMAIL})) == (
        "Phone 07700 900123, mail [email], card 4111 1111 1111 1111.",
        ("email",),
    )
    assert redact(text, frozenset()) == (text, ())


def test_numbers_next_to_a_card_or_a_phone_number_do_not_hide_it() -> None:
    text = "Card 4111 1111 1111 1111 2 times, on 01/02 07700 900123 3 times."
    assert redact(text, EVERY_KIND) == (
        "Card [card] 2 times, on 01/02 [phone] 3 times.",
        ("phone", "card"),
    )


def test_two_cards_in_a_row_are_both_redacted() -> None:
    text = "Cards 4111111111111111 5500 0000 0000 0004."
    assert redact(text, EVERY_KIND) == ("Cards [card] [card].", ("card",))


def test_a_card_is_not_half_taken_for_a_phone_number() -> None:
    # Cards go first: read as a phone, "0000 0000 0004" would leave the rest of the card behind.
    text = "Card 5500 0000 0000 0004."
    assert redact(text, frozenset({PersonalData.PHONE, PersonalData.CARD})) == (
        "Card [card].",
        ("card",),
    )


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"], exclude_characters="@")))
def test_text_without_digits_or_at_signs_is_never_changed(text: str) -> None:
    assert redact(text, EVERY_KIND) == (text, ())


@given(st.text(alphabet="0123456789 -+()@.abc"))
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once, _ = redact(text, EVERY_KIND)
    assert redact(once, EVERY_KIND)[0] == once
