"""Calling hours per jurisdiction, in the debtor's local time, across summer-time switches and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from debt.contact_hours import (
    EVERY_DAY,
    CallingHours,
    UnknownJurisdiction,
    is_permitted,
    next_permitted,
)

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Paris hours open on Sundays too, so that the switch days themselves (Sundays) have a window.
PARIS_EVERY_DAY = CallingHours(time(8), time(20), EVERY_DAY, "Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "jurisdiction", "tz_name", "permitted"),
    [
        # France: Monday–Saturday 08:00–20:00, the end excluded.
        (datetime(2026, 4, 1, 8, 0, tzinfo=PARIS), "FR", None, True),
        (datetime(2026, 4, 1, 7, 59, tzinfo=PARIS), "FR", None, False),
        (datetime(2026, 4, 1, 19, 59, tzinfo=PARIS), "FR", None, True),
        (datetime(2026, 4, 1, 20, 0, tzinfo=PARIS), "FR", None, False),
        (datetime(2026, 3, 28, 19, 30, tzinfo=PARIS), "FR", None, True),  # a Saturday
        (datetime(2026, 3, 29, 12, 0, tzinfo=PARIS), "FR", None, False),  # a Sunday (and switch day)
        (datetime(2026, 4, 3, 10, 0, tzinfo=PARIS), "FR", None, True),  # Good Friday: no holiday rule
        # The same instant, judged in the debtor's zone: 06:30 UTC is 08:30 in Paris in summer...
        (utc(2026, 4, 1, 6, 30), "FR", "Europe/Paris", True),
        # ...and 07:30 in Paris in winter: too early.
        (utc(2026, 1, 7, 6, 30), "FR", "Europe/Paris", False),
        # A debtor of the French portfolio living in Réunion (UTC+4).
        (utc(2026, 4, 1, 17, 0), "FR", "Indian/Reunion", False),
        # Germany: no Sundays, no public holidays (German Unity Day falls on a Saturday in 2026).
        (datetime(2026, 10, 2, 10, 0, tzinfo=BERLIN), "DE", None, True),
        (datetime(2026, 10, 3, 10, 0, tzinfo=BERLIN), "DE", None, False),
        (datetime(2026, 4, 3, 10, 0, tzinfo=BERLIN), "DE", None, False),  # Good Friday
        (datetime(2026, 4, 4, 10, 0, tzinfo=BERLIN), "DE", None, True),  # Holy Saturday
        (datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN), "DE", None, False),
        (datetime(2026, 10, 4, 10, 0, tzinfo=BERLIN), "DE", None, False),  # a Sunday
        # United Kingdom: until 21:00, no Sundays.
        (datetime(2026, 4, 4, 20, 30, tzinfo=LONDON), "GB", None, True),
        (datetime(2026, 4, 4, 21, 0, tzinfo=LONDON), "GB", None, False),
        (datetime(2026, 4, 5, 12, 0, tzinfo=LONDON), "GB", None, False),
        # United States: every day 08:00–21:00 at the consumer's location.
        (datetime(2026, 4, 5, 12, 0, tzinfo=NEW_YORK), "US", None, True),  # a Sunday
        (datetime(2026, 4, 5, 21, 0, tzinfo=NEW_YORK), "US", None, False),
        (datetime(2026, 4, 5, 7, 59, tzinfo=NEW_YORK), "US", None, False),
        (utc(2026, 4, 6, 2, 30), "US", "America/New_York", False),  # 22:30 in New York
        (utc(2026, 4, 6, 2, 30), "US", "America/Los_Angeles", True),  # 19:30 in Los Angeles
        # US switch days (Sundays): 08:00 local is 12:00 UTC in March and 13:00 UTC in November.
        (utc(2026, 3, 8, 11, 59), "US", "America/New_York", False),
        (utc(2026, 3, 8, 12, 0), "US", "America/New_York", True),
        (utc(2026, 11, 1, 12, 30), "US", "America/New_York", False),
        (utc(2026, 11, 1, 13, 0), "US", "America/New_York", True),
    ],
)
def test_is_permitted(at: datetime, jurisdiction: str, tz_name: str | None, permitted: bool) -> None:
    assert is_permitted(at, jurisdiction, tz_name) is permitted


@pytest.mark.parametrize(
    ("at", "permitted"),
    [
        # 2026-03-29: Paris moves from UTC+1 to UTC+2 at 01:00 UTC; 08:00 local is 06:00 UTC.
        (utc(2026, 3, 29, 5, 59), False),
        (utc(2026, 3, 29, 6, 0), True),
        (utc(2026, 3, 29, 17, 59), True),
        (utc(2026, 3, 29, 18, 0), False),
        # 2026-10-25: back to UTC+1; 08:00 local is 07:00 UTC, 20:00 local is 19:00 UTC.
        (utc(2026, 10, 25, 6, 30), False),
        (utc(2026, 10, 25, 7, 0), True),
        (utc(2026, 10, 25, 18, 30), True),
        (utc(2026, 10, 25, 19, 0), False),
    ],
)
def test_windows_follow_the_summer_time_switch(at: datetime, permitted: bool) -> None:
    assert is_permitted(at, "FR", "Europe/Paris", hours=PARIS_EVERY_DAY) is permitted


@pytest.mark.parametrize(
    ("at", "jurisdiction", "tz_name", "expected"),
    [
        # Already permitted: the same instant, in UTC.
        (datetime(2026, 4, 1, 10, 15, tzinfo=PARIS), "FR", None, utc(2026, 4, 1, 8, 15)),
        # Too early: 08:00 that day.
        (datetime(2026, 4, 1, 6, 0, tzinfo=PARIS), "FR", None, utc(2026, 4, 1, 6, 0)),
        # Saturday evening before the March switch: Monday 08:00 in summer time (06:00 UTC),
        # not the 07:00 UTC that adding hours in winter time would give.
        (datetime(2026, 3, 28, 20, 0, tzinfo=PARIS), "FR", None, utc(2026, 3, 30, 6, 0)),
        # Saturday evening before the October switch: Monday 08:00 in winter time (07:00 UTC).
        (datetime(2026, 10, 24, 21, 0, tzinfo=PARIS), "FR", None, utc(2026, 10, 26, 7, 0)),
        # The switch Sundays themselves, in the UTC of that day.
        (utc(2026, 3, 29, 12, 0), "FR", "Europe/Paris", utc(2026, 3, 30, 6, 0)),
        (utc(2026, 10, 25, 12, 0), "FR", "Europe/Paris", utc(2026, 10, 26, 7, 0)),
        # German Unity Day on Saturday, then Sunday: Monday 5 October.
        (datetime(2026, 10, 2, 20, 0, tzinfo=BERLIN), "DE", None, utc(2026, 10, 5, 6, 0)),
        # Christmas Eve evening: the 25th and 26th are holidays, the 27th a Sunday.
        (datetime(2026, 12, 24, 20, 30, tzinfo=BERLIN), "DE", None, utc(2026, 12, 28, 7, 0)),
        # Easter: Good Friday closed, Holy Saturday open.
        (datetime(2026, 4, 2, 20, 0, tzinfo=BERLIN), "DE", None, utc(2026, 4, 4, 6, 0)),
        # GB: Saturday 21:00 goes to Monday.
        (datetime(2026, 4, 4, 21, 0, tzinfo=LONDON), "GB", None, utc(2026, 4, 6, 7, 0)),
        # US: Saturday 21:00 goes to Sunday 08:00, across the March switch (EST to EDT).
        (datetime(2026, 3, 7, 21, 0, tzinfo=NEW_YORK), "US", None, utc(2026, 3, 8, 12, 0)),
        (utc(2026, 4, 6, 3, 0), "US", "America/Los_Angeles", utc(2026, 4, 6, 3, 0)),
    ],
)
def test_next_permitted(at: datetime, jurisdiction: str, tz_name: str | None, expected: datetime) -> None:
    found = next_permitted(at, jurisdiction, tz_name)
    assert found == expected
    assert found.tzinfo is UTC
    assert is_permitted(found, jurisdiction, tz_name)


def test_next_permitted_on_the_switch_day_with_a_sunday_window() -> None:
    assert next_permitted(utc(2026, 3, 29, 5, 0), "FR", hours=PARIS_EVERY_DAY) == utc(2026, 3, 29, 6, 0)
    assert next_permitted(utc(2026, 10, 25, 5, 0), "FR", hours=PARIS_EVERY_DAY) == utc(2026, 10, 25, 7, 0)


def test_naive_times_and_unknown_jurisdictions_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_permitted(datetime(2026, 4, 1, 10, 0), "FR")
    with pytest.raises(ValueError, match="naive"):
        next_permitted(datetime(2026, 4, 1, 10, 0), "FR")
    with pytest.raises(UnknownJurisdiction):
        is_permitted(utc(2026, 4, 1, 10, 0), "XX")


def test_jurisdiction_codes_are_read_in_any_case() -> None:
    assert is_permitted(datetime(2026, 4, 1, 10, 0, tzinfo=PARIS), "fr")
