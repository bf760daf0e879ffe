"""Accounts the contact policy lets us reach right now, whatever the hour the tests run at.

Campaign tests run against the real clock (the worker is a separate process). US rules allow
contacts 08:00–21:00 every day in the debtor's local time, and the zone comes from the phone:
among a French, a Puerto Rican and a Hawaiian number one is always inside those hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from debt.clock import utcnow
from debt.contact_policy import ContactFacts, decide
from debt.models import Account, Channel
from debt.phones import timezone_of
from tests.factories import make_account

# Numbers of one zone each, numbered from a base so that every account has its own.
_BASES = ("+3363998", "+1787234", "+1808234")


def open_base(minutes: int = 20, at: datetime | None = None) -> str:
    """A number prefix whose zone stays inside US contact hours for the next `minutes`."""
    at = at or utcnow()
    for base in _BASES:
        zone = timezone_of(base + "0000")
        facts = ContactFacts(jurisdiction="US", tz_name=zone)
        moments = [at + timedelta(minutes=m) for m in range(0, minutes + 1, 5)]
        if all(decide(facts, Channel.SMS, moment).allowed for moment in moments):
            return base
    raise AssertionError(f"no test zone is inside contact hours at {at}")


def reachable_accounts(session: Session, count: int, *, minutes: int = 20, **fields: object) -> list[Account]:
    """`count` US accounts, each with its own phone in a zone open now; English speakers."""
    base = open_base(minutes)
    return [
        make_account(
            session,
            phone=f"{base}{i:04d}",
            country="US",
            language="en",
            first_name=f"Test{i}",
            last_name="Reachable",
            **fields,  # type: ignore[arg-type]
        )
        for i in range(count)
    ]
