"""Personal data taken out of a customer's text before it leaves for an LLM provider.

Each kind is found by a loose pattern and then confirmed, so that what merely looks like one
(an order number, a date, an amount) stays: a card must pass the Luhn check and start as card
numbers do, a phone number must have as many digits as real ones have.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from caseloom.domain.policy import PersonalData

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# Digits in runs joined by single spaces or dashes; where the cards are is decided in `_cards_in`.
_DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?:[ -]\d+)*(?!\w)")
_GROUP = re.compile(r"\d+")
_CARD_DIGITS = range(13, 20)
_CARD_FIRST_DIGITS = "23456"  # Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/Maestro 6

# A start (+44, +44 (0), 0044, (020), 020) and then groups of digits; the count is checked after.
_PHONE = re.compile(
    r"(?<![\w+(])"
    r"(?:\+\d{1,3}(?:[ -]?\(0\))?|\(0\d{1,4}\)|0\d{0,4})"
    r"(?:[ -]?\d{1,6}){1,6}"
    r"(?![\w])"
)
_SEPARATOR = re.compile(r"(?<=[\d)])[ -](?=[\d(])")
_E164_DIGITS = range(8, 16)  # after the + (or the 00 that stands for it)
_NATIONAL_DIGITS = range(10, 12)  # a national number with its trunk 0: UK 10 or 11


def redact(text: str, kinds: frozenset[PersonalData]) -> tuple[str, tuple[str, ...]]:
    """`text` with each kind of personal data in `kinds` replaced, and the kinds that were found.

    E-mail addresses become `[email]`, phone numbers `[phone]`, payment card numbers `[card]`.
    Cards go before phones so that no card's digits are half taken for a phone number.
    """
    found: set[PersonalData] = set()
    for kind in (PersonalData.EMAIL, PersonalData.CARD, PersonalData.PHONE):
        if kind in kinds:
            text, count = _REDACTORS[kind](text)
            if count:
                found.add(kind)
    return text, tuple(kind.value for kind in PersonalData if kind in found)


def _emails(text: str) -> tuple[str, int]:
    return _EMAIL.subn("[email]", text)


def _cards(text: str) -> tuple[str, int]:
    count = 0

    def replace(run: re.Match[str]) -> str:
        nonlocal count
        redacted = run.group()
        for start, end in reversed(_cards_in(redacted)):
            redacted = redacted[:start] + "[card]" + redacted[end:]
            count += 1
        return redacted

    return _DIGIT_RUN.sub(replace, text), count


def _cards_in(run: str) -> list[tuple[int, int]]:
    """Where the card numbers are in a run of digit groups, taking the longest from the left."""
    groups = list(_GROUP.finditer(run))
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(groups):
        last = _longest_card(groups, first)
        if last is None:
            first += 1
            continue
        spans.append((groups[first].start(), groups[last].end()))
        first = last + 1
    return spans


def _longest_card(groups: list[re.Match[str]], first: int) -> int | None:
    digits, found = "", None
    for last in range(first, len(groups)):
        digits += groups[last].group()
        if len(digits) >= _CARD_DIGITS.stop:
            break
        if _is_card(digits):
            found = last
    return found


def _is_card(digits: str) -> bool:
    return len(digits) in _CARD_DIGITS and digits[0] in _CARD_FIRST_DIGITS and _luhn(digits)


def _luhn(digits: str) -> bool:
    total = 0
    for place, digit in enumerate(int(d) for d in reversed(digits)):
        doubled = digit * 2 if place % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _phones(text: str) -> tuple[str, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        redacted, found = _phones_in(match.group())
        count += found
        return redacted

    return _PHONE.sub(replace, text), count


def _phones_in(candidate: str) -> tuple[str, int]:
    """`candidate` with its phone numbers replaced: other numbers may stand on either side."""
    end = _phone_end(candidate)
    if end is not None:
        rest, found = _phones(candidate[end:])
        return "[phone]" + rest, found + 1
    later = _PHONE.search(candidate, 1)
    if later is None:
        return candidate, 0
    rest, found = _phones_in(candidate[later.start() :])
    return candidate[: later.start()] + rest, found


def _phone_end(candidate: str) -> int | None:
    """Where the phone number that `candidate` starts with ends: numbers may follow it."""
    ends = [group.end() for group in _GROUP.finditer(candidate)]
    return next((end for end in reversed(ends) if _is_phone(candidate[:end])), None)


def _is_phone(candidate: str) -> bool:
    # One kind of separator: "01-02-2024 10:30" is a date and a time, not a number to call.
    if len(set(_SEPARATOR.findall(candidate))) > 1:
        return False
    digits = re.sub(r"\D", "", candidate.replace("(0)", ""))
    if candidate.startswith("+"):
        return len(digits) in _E164_DIGITS
    if digits.startswith("00"):
        return len(digits) - 2 in _E164_DIGITS
    return len(digits) in _NATIONAL_DIGITS


_REDACTORS: dict[PersonalData, Callable[[str], tuple[str, int]]] = {
    PersonalData.EMAIL: _emails,
    PersonalData.CARD: _cards,
    PersonalData.PHONE: _phones,
}
