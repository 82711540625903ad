"""Public holidays from the `holidays` package, for the closed days of business calendars."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

DEFAULT_YEARS = range(2020, 2041)
"""The years a policy's calendars are given holidays for unless it says otherwise."""


def holiday_dates(
    country: str,
    *,
    subdiv: str | None = None,
    years: range,
    extra: Iterable[date] = (),
    removed: Iterable[date] = (),
) -> frozenset[date]:
    """The public holidays of `country` (and `subdiv`) in `years`, with the days they are
    observed on (a substitute Monday for a Saturday Christmas) as the package gives them,
    plus `extra`, minus `removed`. Raises `ValueError` for an unknown country or subdivision."""
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"unknown holiday country {country!r} (use an ISO 3166-1 alpha-2 code)")
    try:
        public = holidays.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError:  # how the package reports an unknown subdivision
        valid = ", ".join(sorted(supported[country])) or "none"
        raise ValueError(
            f"unknown subdivision {subdiv!r} of holiday country {country!r} (valid: {valid})"
        ) from None
    return (frozenset(public) | frozenset(extra)) - frozenset(removed)
