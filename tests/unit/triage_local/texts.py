"""A small labelled set of customer messages, models fitted on it once per test session, and
the card training writes for the intent model."""

from __future__ import annotations

from functools import cache

from caseloom.adapters.triage_local import linear
from caseloom.adapters.triage_local.features import FEATURES
from caseloom.adapters.triage_local.store import ModelCard

OUTAGE = (
    "The broadband has been down since this morning and nothing connects.",
    "No internet at the office, the router lights are all red.",
    "Our whole street lost its connection at about seven last night.",
    "Internet keeps dropping out every few minutes, then nothing at all.",
    "Total outage at the surgery, card machines and booking system are offline.",
    "Wifi is dead, the hub shows no signal on the line.",
    "No power to the router after the storm and still no internet.",
    "The fibre line is down again, third time this week.",
    "Nothing is loading, the connection dropped and never came back.",
    "Is there a known outage in LS6? Nobody around here has internet.",
    "Lost connection at the warehouse, scanners cannot reach the server.",
    "Broadband is not working at all since the engineer left.",
    "We have no internet and the line is completely silent.",
    "The service is down for all our users, please look into it.",
    "Router restarted three times, still no connection to anything.",
    "Connection lost in the middle of a call and it has not come back.",
    "The network is down at our shop, we cannot take payments online.",
    "No signal on the broadband since the roadworks started outside.",
    "Everything went offline at noon, the line light is flashing red.",
    "Internet down across the building, other tenants have it too.",
)
BILLING = (
    "I was charged twice for March, please refund the extra payment.",
    "The invoice is higher than the price I agreed on the phone.",
    "Why did the direct debit take forty pounds more this month?",
    "Please refund the early termination fee, I never signed for it.",
    "My bill shows a line rental charge I cancelled in January.",
    "You overcharged me again, this is the second wrong invoice.",
    "The payment was taken on the wrong date and I went overdrawn.",
    "I would like a refund for the days the service was not provided.",
    "There is a charge on my account for a router I sent back.",
    "The monthly bill doubled without any notice from you.",
    "Can you explain the extra charges on the latest invoice?",
    "The direct debit was cancelled but you still took the money.",
    "I have been billed for two accounts but I only have one.",
    "My discount is missing from this month's bill.",
    "Please correct the invoice, the amount does not match the contract.",
    "I paid by card last week but the bill still shows as unpaid.",
    "A late payment fee was added although I paid on time.",
    "The statement lists calls I never made, please remove the charge.",
    "I want my money back for the overcharged installation fee.",
    "You charged VAT twice on the business invoice.",
)
QUESTION = (
    "How do I change the wifi password on the new hub?",
    "Could you tell me when my contract ends?",
    "Is it possible to add a second phone line at home?",
    "Just wondering whether you offer a discount for students.",
    "How to set up the email account on my phone?",
    "Can I move my appointment to next Tuesday afternoon?",
    "What speeds can I expect if I upgrade to fibre?",
    "Do you have a guide for connecting a printer to the router?",
    "Where can I find my account number?",
    "Is there a way to pause the service while I am abroad?",
    "How do I update my details after moving house?",
    "Could you tell me if the smart meter works with solar panels?",
    "What is the difference between the two business plans?",
    "Can my partner be added as a named contact on the account?",
    "How long does it take to switch my plan?",
    "Is it possible to get paper statements instead of e-mail?",
    "Do I need to be at home when the new router arrives?",
    "How do I turn on parental controls?",
    "Just a question about the opening hours of your shop.",
    "What happens to my number if I change provider?",
)
TEXTS = OUTAGE + BILLING + QUESTION
LABELS = (
    ("outage",) * len(OUTAGE) + ("billing_dispute",) * len(BILLING) + ("question",) * len(QUESTION)
)
INTENTS = ("billing_dispute", "outage", "question")  # in the order the model keeps them
# Texts the model never saw, to read with it.
UNSEEN = (
    "The internet has been down at the depot since lunch.",
    "Refund the second payment you took, please.",
    "How do I reset the router password?",
    "Hello, anyone there?",
    "The bill is wrong and the broadband is down too.",
)
# The card of `intent_model()` as training hands it to the store, which numbers the version.
CARD = ModelCard(
    name="intents",
    version=0,
    signal="intent",
    labels=INTENTS,
    features=FEATURES,
    trained_at="2026-03-02T09:30:00+00:00",
    rows=len(TEXTS),
    data="northwind.csv",
    data_sha256="ab" * 32,
)


@cache
def intent_model() -> linear.LinearModel:
    """The three-intent model fitted on this set (fitted once; models are immutable)."""
    return linear.fit(TEXTS, LABELS)


@cache
def outage_or_billing_model() -> linear.LinearModel:
    """A two-label model: outage or billing dispute."""
    kept = [(t, lab) for t, lab in zip(TEXTS, LABELS, strict=True) if lab != "question"]
    return linear.fit([t for t, _ in kept], [lab for _, lab in kept])
