"""The Field agent: the handoff from the desk, booking visits, their progress, and batch
dispatch with the solver."""

from caseloom.service_layer.agents.field.booking import Offering, book_visit, offer_visits
from caseloom.service_layer.agents.field.handoff import hand_off_after_reply, hand_off_case
from caseloom.service_layer.agents.field.optimising import Optimised, optimise
from caseloom.service_layer.agents.field.scheduling import schedule_visit
from caseloom.service_layer.agents.field.visits import call_off_visit, change_work_order, move_visit

__all__ = [
    "Offering",
    "Optimised",
    "book_visit",
    "call_off_visit",
    "change_work_order",
    "hand_off_after_reply",
    "hand_off_case",
    "move_visit",
    "offer_visits",
    "optimise",
    "schedule_visit",
]
