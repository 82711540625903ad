"""The one error tree. Every error Caseloom raises on purpose is a `CaseloomError`.

CaseloomError
├── NotFound              an unknown case, rep, technician or customer
├── InvalidInput          a value breaks a business rule (priority 7, an empty subject)
├── IllegalTransition     a case cannot make that lifecycle move from where it is
├── NotEligible           a rep cannot take the case (capacity, presence)
├── Conflict              the request clashes with stored state
│   ├── ConcurrencyConflict   someone else changed the aggregate first; retry
│   └── IdempotencyConflict   an Idempotency-Key was reused for a different request
├── PolicyError           a policy is invalid; carries every problem found
└── TravelUnavailable     the routing server for travel times did not answer usefully
"""

from __future__ import annotations

from dataclasses import dataclass


class CaseloomError(Exception):
    """Root of every error Caseloom raises on purpose."""


class NotFound(CaseloomError):
    pass


class InvalidInput(CaseloomError):
    pass


class IllegalTransition(CaseloomError):
    pass


class NotEligible(CaseloomError):
    pass


class DeliveryFailed(CaseloomError):
    """A notification could not be delivered. `permanent` if trying again cannot help (the
    server refused the recipient); otherwise it is tried again later."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Conflict(CaseloomError):
    pass


class MailboxUnavailable(CaseloomError):
    """The mailbox intake polls cannot be reached, refused the login or a command, or dropped
    the connection again after a reconnect. Names server, user and folder, never the password."""


class TravelUnavailable(CaseloomError):
    """The routing server that gives travel times failed: down, slow, or an answer not usable."""


class ConcurrencyConflict(Conflict):
    pass


class IdempotencyConflict(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    file: str
    line: int
    where: str  # the path inside the policy, e.g. "routing.teams[2].when"
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.reason}"


class PolicyError(CaseloomError):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"the policy has {count} problem{'s' if count != 1 else ''}:\n{lines}")
