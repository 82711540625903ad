"""Customers and the people who write to us on their behalf."""

from __future__ import annotations

from dataclasses import dataclass, field

from caseloom.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Location:
    city: str
    country: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str

    def __post_init__(self) -> None:
        email = self.email.strip().lower()
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email or len(email) > 254:
            raise InvalidInput(f"{self.email!r} is not an e-mail address")
        object.__setattr__(self, "email", email)


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    tier: str  # declared in the policy's `customer_tiers`, e.g. gold, silver, standard
    account: str
    location: Location | None = None
    contacts: tuple[Contact, ...] = field(default=())

    def facts(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "tier": self.tier,
            "account": self.account,
            "city": self.location.city if self.location else None,
            "country": self.location.country if self.location else None,
        }
