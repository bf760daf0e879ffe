"""Calling hours: when a debtor may be called, in the debtor's local time, per jurisdiction.

The hours are data (`CALLING_HOURS`); the contact policy may replace them per jurisdiction.
A window is half-open: a call may start at 08:00 but not at 20:00, when it would run past the limit.
Local time comes from zoneinfo, so the windows follow summer and winter time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

MON_SAT = frozenset(range(6))  # Monday is 0
EVERY_DAY = frozenset(range(7))
# A week-end followed by holidays closes a few days in a row; a creditor's hours narrowed to one
# weekday with holidays closed may close three weeks or more (Christmas and New Year's Day fall on
# the same weekday). A year holds an open day as long as one weekday is open.
_SEARCH_DAYS = 366
_ONE_DAY = timedelta(days=1)


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


@cache
def zone_info(tz_name: str) -> ZoneInfo:
    """The zone, kept for good: zoneinfo keeps only the last 8 zones used, and reads the files of
    the others again once nothing refers to them (a portfolio across the US and overseas France)."""
    return ZoneInfo(tz_name)


class DayWindow(NamedTuple):
    """The instants (UTC) between which calls may start on one local day: [opens, closes)."""

    opens: datetime
    closes: datetime


# Days are judged again and again (each contact decision, each retry time): kept once computed.
@lru_cache(maxsize=1 << 16)
def day_window(hours: CallingHours, tz_name: str, day: date) -> DayWindow | None:
    """The window of the local `day` in zone `tz_name`, or None on a closed day."""
    if not is_open_day(day, hours):
        return None
    zone = zone_info(tz_name)
    # Wall times become instants through the zone: the offset of that very day (DST-correct).
    return DayWindow(
        datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC),
    )


def is_permitted(
    at: datetime, jurisdiction: str, tz_name: str | None = None, *, hours: CallingHours | None = None
) -> bool:
    """May a call start at `at`, in the debtor's zone `tz_name` (default: the jurisdiction's)?"""
    hours = hours or hours_for(jurisdiction)
    tz_name = tz_name or hours.default_tz
    window = day_window(hours, tz_name, _aware(at).astimezone(zone_info(tz_name)).date())
    return window is not None and window.opens <= at < window.closes


def next_permitted(
    at: datetime, jurisdiction: str, tz_name: str | None = None, *, hours: CallingHours | None = None
) -> datetime:
    """The first moment at or after `at` when a call may start, in UTC (`at` itself when permitted)."""
    hours = hours or hours_for(jurisdiction)
    tz_name = tz_name or hours.default_tz
    at_utc = _aware(at).astimezone(UTC)
    day = at_utc.astimezone(zone_info(tz_name)).date()
    for _ in range(_SEARCH_DAYS):
        window = day_window(hours, tz_name, day)
        if window is not None and at_utc < window.closes:
            return max(at_utc, window.opens)
        day += _ONE_DAY
    raise ValueError(f"no permitted calling time within {_SEARCH_DAYS} days of {at.isoformat()}")
