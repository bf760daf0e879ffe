"""Calling hours: when a debtor may be called, in the debtor's local time, per jurisdiction.

The hours are data (`CALLING_HOURS`); the contact policy may replace them per jurisdiction.
A window is half-open: a call may start at 08:00 but not at 20:00, when it would run past the limit.
Local time comes from zoneinfo, so the windows follow summer and winter time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MON_SAT = frozenset(range(6))  # Monday is 0
EVERY_DAY = frozenset(range(7))
# Enough to cross a week-end followed by holidays (Christmas, Easter); beyond, the data is wrong.
_SEARCH_DAYS = 14


@dataclass(frozen=True, slots=True)
class CallingHours:
    """The days and the local window in which a call may start."""

    start: time
    end: time
    weekdays: frozenset[int]
    default_tz: str
    # Country whose public holidays are closed days (the `holidays` package), or None.
    holidays_of: str | None = None


CALLING_HOURS: dict[str, CallingHours] = {
    # France: Monday–Saturday 08:00–20:00; repeated or untimely calls are an aggressive practice
    # (Code de la consommation L121-7).
    "FR": CallingHours(time(8), time(20), MON_SAT, "Europe/Paris"),
    # Germany: 08:00–20:00, no Sundays or public holidays (the national ones: a Land's own holidays
    # would need the debtor's Land).
    "DE": CallingHours(time(8), time(20), MON_SAT, "Europe/Berlin", holidays_of="DE"),
    # United Kingdom: no contact at unreasonable times (FCA CONC 7); no Sunday calls by default.
    "GB": CallingHours(time(8), time(21), MON_SAT, "Europe/London"),
    # United States: 08:00–21:00 at the consumer's location, every day
    # (FDCPA §805(a)(1), 15 U.S.C. 1692c(a)(1); Regulation F, 12 CFR 1006.6(b)(1)(i)).
    "US": CallingHours(time(8), time(21), EVERY_DAY, "America/New_York"),
}


class UnknownJurisdiction(ValueError):
    """No calling hours are defined for this jurisdiction: nobody may be called there."""


def hours_for(jurisdiction: str) -> CallingHours:
    try:
        return CALLING_HOURS[jurisdiction.upper()]
    except KeyError:
        raise UnknownJurisdiction(f"no calling hours for jurisdiction {jurisdiction!r}") from None


def default_tz(jurisdiction: str) -> str:
    return hours_for(jurisdiction).default_tz


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_open_day(day: date, hours: CallingHours) -> bool:
    """A weekday of the window that is not a public holiday (where holidays are closed)."""
    if day.weekday() not in hours.weekdays:
        return False
    return not (hours.holidays_of and day in _holidays(hours.holidays_of, day.year))


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return at


def is_permitted(
    at: datetime, jurisdiction: str, tz_name: str | None = None, *, hours: CallingHours | None = None
) -> bool:
    """May a call start at `at`, in the debtor's zone `tz_name` (default: the jurisdiction's)?"""
    hours = hours or hours_for(jurisdiction)
    local = _aware(at).astimezone(ZoneInfo(tz_name or hours.default_tz))
    return is_open_day(local.date(), hours) and hours.start <= local.time() < hours.end


def next_permitted(
    at: datetime, jurisdiction: str, tz_name: str | None = None, *, hours: CallingHours | None = None
) -> datetime:
    """The first moment at or after `at` when a call may start, in UTC."""
    hours = hours or hours_for(jurisdiction)
    zone = ZoneInfo(tz_name or hours.default_tz)
    at_utc = _aware(at).astimezone(UTC)
    day = at_utc.astimezone(zone).date()
    for _ in range(_SEARCH_DAYS):
        if is_open_day(day, hours):
            # Wall times become instants through the zone: the offset of that very day (DST-correct).
            opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            if at_utc < closes:
                return max(at_utc, opens)
        day += timedelta(days=1)
    raise ValueError(f"no permitted calling time within {_SEARCH_DAYS} days of {at.isoformat()}")
