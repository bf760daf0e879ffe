"""Contact rules: what each jurisdiction allows (`RULES`), and what a creditor changes for its accounts.

A creditor may ask for its own rules in the YAML file named by the setting `contact_rules_file`
(CONTACT_RULES_FILE). Each entry starts from the jurisdiction's defaults and changes only what it
gives:

    creditors:
      "Hébergeur Exemple SAS":          # the creditor's name as imported (case and spaces aside)
        FR:
          hours:
            start: "09:00"              # quoted: YAML reads 19:00 unquoted as a number
            end: "19:00"
            weekdays: [mon, tue, wed, thu, fri]
            holidays: true              # public holidays of the jurisdiction are closed days
          max_per_week: {sms: 2, voice: 3}
          cool_off_days: {sms: 3}

The defaults are the widest hours the product allows: a creditor may narrow them (09:00–18:00, no
Saturdays, holidays closed) but not widen them (07:00 in France, Sundays in Germany). Caps and
cool-offs may go either way except where the law fixes them: in the US, at most 7 calls in 7 days
and none in the 7 days after a conversation (Regulation F, 12 CFR 1006.14(b)(2)). A bad file is
refused whole, with the file and the key at fault (`ContactRulesError`). The file is read once per
process: a change takes effect at the next start.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.settings import get_settings
from debt.contact_hours import CALLING_HOURS, CallingHours
from debt.models import AccountStatus, Channel

STOP_STATUSES = frozenset(
    {AccountStatus.DISPUTED, AccountStatus.HARDSHIP_HOLD, AccountStatus.PAID, AccountStatus.CLOSED}
)


@dataclass(frozen=True, slots=True)
class ContactRules:
    """What one jurisdiction allows; `RULES` holds the defaults."""

    # SMS and calls obey the same hours.
    hours: CallingHours
    # Most allowed attempts per account and channel in any rolling 7 days.
    max_per_week: Mapping[Channel, int]
    # No contact on the channel for this long after a conversation about the account.
    cool_off: Mapping[Channel, timedelta]
    # Account statuses under which collection contact stops (a hardship hold until status_until).
    stop_statuses: frozenset[AccountStatus] = STOP_STATUSES

    def __post_init__(self) -> None:
        if any(limit < 1 for limit in self.max_per_week.values()):
            raise ValueError("a weekly limit is at least 1: leave a channel out to forbid it")


def _rules(hours: CallingHours, cool_off_days: int) -> ContactRules:
    return ContactRules(
        hours=hours,
        # Calls: Regulation F's 7 in 7 days (12 CFR 1006.14(b)(2)(i)(A)), a safe default elsewhere.
        # SMS: repeated texts are the harassment debtors complain of, and repeated unwanted
        # solicitations are an aggressive practice (Code de la consommation L121-7): 3 a week.
        max_per_week={Channel.VOICE: 7, Channel.SMS: 3},
        cool_off={Channel.VOICE: timedelta(days=cool_off_days), Channel.SMS: timedelta(days=cool_off_days)},
    )


RULES: dict[str, ContactRules] = {
    "FR": _rules(CALLING_HOURS["FR"], cool_off_days=2),
    "DE": _rules(CALLING_HOURS["DE"], cool_off_days=2),
    "GB": _rules(CALLING_HOURS["GB"], cool_off_days=2),
    # No call within 7 days after a telephone conversation about the debt (12 CFR 1006.14(b)(2)(i)(B)).
    "US": _rules(CALLING_HOURS["US"], cool_off_days=7),
}

# What the law itself fixes, which no creditor's rules may loosen: (jurisdiction, channel) -> (limit, source).
LEGAL_MAX_PER_WEEK = {("US", Channel.VOICE): (7, "Regulation F, 12 CFR 1006.14(b)(2)(i)(A)")}
LEGAL_MIN_COOL_OFF_DAYS = {("US", Channel.VOICE): (7, "Regulation F, 12 CFR 1006.14(b)(2)(i)(B)")}

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
CHANNELS = {"sms": Channel.SMS, "voice": Channel.VOICE}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")

# (creditor key, jurisdiction) -> the creditor's rules there.
Overrides = Mapping[tuple[str, str], ContactRules]


class ContactRulesError(ValueError):
    """The contact rules file is unusable: `source` is the file, `key` the entry at fault."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")
        self.source, self.key, self.problem = source, key, problem


@dataclass(frozen=True, slots=True)
class _Key:
    """Where in the file a value is, for the error message: creditors."Name".FR.hours.start."""

    source: str
    parts: tuple[str, ...] = ()

    def __truediv__(self, part: object) -> _Key:
        text = str(part)
        return _Key(self.source, (*self.parts, f'"{text}"' if re.search(r"[\s.]", text) else text))

    def error(self, problem: str) -> ContactRulesError:
        return ContactRulesError(self.source, ".".join(self.parts), problem)


@lru_cache(maxsize=1024)
def creditor_key(name: str) -> str:
    """A creditor's name as compared: Unicode-composed, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _mapping(value: object, key: _Key, allowed: set[str] | None = None) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise key.error(f"expected a mapping, got {value!r}")
    unknown = sorted(str(name) for name in value if allowed is not None and name not in allowed)
    if unknown:
        raise (key / unknown[0]).error(f"unknown key: one of {', '.join(sorted(allowed or ()))}")
    return value


def _time(value: object, key: _Key) -> time:
    if not isinstance(value, str):
        raise key.error(f'{value!r} is not a time: write it quoted, "HH:MM" (YAML reads 19:00 as a number)')
    matched = _TIME.fullmatch(value.strip())
    if matched is None or int(matched[1]) > 23 or int(matched[2]) > 59:
        raise key.error(f"{value!r} is not a time of day (HH:MM, 00:00 to 23:59)")
    return time(int(matched[1]), int(matched[2]))


def _weekdays(value: object, key: _Key) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise key.error(f"expected a list of days ({', '.join(WEEKDAYS)}), got {value!r}")
    unknown = [day for day in value if not isinstance(day, str) or day.strip().lower() not in WEEKDAYS]
    if unknown:
        raise key.error(f"unknown weekday {unknown[0]!r}: one of {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS[day.strip().lower()] for day in value)


def _day_name(weekday: int) -> str:
    return next(name for name, number in WEEKDAYS.items() if number == weekday)


def _hours(legal: CallingHours, jurisdiction: str, given: object, key: _Key) -> CallingHours:
    """The creditor's hours, inside the jurisdiction's window: narrower times, fewer days."""
    given = _mapping(given, key, {"start", "end", "weekdays", "holidays"})
    start = _time(given["start"], key / "start") if "start" in given else legal.start
    end = _time(given["end"], key / "end") if "end" in given else legal.end
    if start >= end:
        raise key.error(f"start {start:%H:%M} is not before end {end:%H:%M}")
    window = f"{legal.start:%H:%M}–{legal.end:%H:%M}"
    if start < legal.start:
        raise (key / "start").error(f"{start:%H:%M} is before the hours allowed in {jurisdiction}, {window}")
    if end > legal.end:
        raise (key / "end").error(f"{end:%H:%M} is after the hours allowed in {jurisdiction}, {window}")
    weekdays = _weekdays(given["weekdays"], key / "weekdays") if "weekdays" in given else legal.weekdays
    if weekdays - legal.weekdays:
        closed = _day_name(min(weekdays - legal.weekdays))
        raise (key / "weekdays").error(f"{closed} is not a contact day in {jurisdiction}")
    return replace(
        legal,
        start=start,
        end=end,
        weekdays=weekdays,
        holidays_of=_holidays_of(legal, jurisdiction, given, key),
    )


def _holidays_of(legal: CallingHours, jurisdiction: str, given: dict[Any, Any], key: _Key) -> str | None:
    if "holidays" not in given:
        return legal.holidays_of
    closed = given["holidays"]
    if not isinstance(closed, bool):
        raise (key / "holidays").error(f"expected true (holidays closed) or false, got {closed!r}")
    if legal.holidays_of and not closed:
        raise (key / "holidays").error(f"public holidays are closed days in {jurisdiction}")
    return (legal.holidays_of or jurisdiction) if closed else None


def _per_channel(given: object, key: _Key) -> dict[Channel, int]:
    """{sms: 2, voice: 3} as channels and whole numbers."""
    values = {}
    for name, value in _mapping(given, key).items():
        if name not in CHANNELS:
            raise (key / name).error(f"unknown channel: one of {', '.join(CHANNELS)}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise (key / name).error(f"expected a whole number, got {value!r}")
        values[CHANNELS[name]] = value
    return values


def _caps(jurisdiction: str, given: object, key: _Key) -> dict[Channel, int]:
    caps = _per_channel(given, key)
    for channel, cap in caps.items():
        if cap < 1:
            raise (key / channel).error(f"{cap}: a weekly limit is at least 1")
        law = LEGAL_MAX_PER_WEEK.get((jurisdiction, channel))
        if law is not None and cap > law[0]:
            raise (key / channel).error(f"{cap}: at most {law[0]} in 7 days in {jurisdiction} ({law[1]})")
    return caps


def _cool_offs(jurisdiction: str, given: object, key: _Key) -> dict[Channel, timedelta]:
    days = _per_channel(given, key)
    for channel, count in days.items():
        if count < 0:
            raise (key / channel).error(f"{count}: a cool-off is 0 days or more")
        law = LEGAL_MIN_COOL_OFF_DAYS.get((jurisdiction, channel))
        if law is not None and count < law[0]:
            raise (key / channel).error(f"{count}: at least {law[0]} days in {jurisdiction} ({law[1]})")
    return {channel: timedelta(days=count) for channel, count in days.items()}


def _creditor_rules(jurisdiction: str, given: object, key: _Key) -> ContactRules:
    given = _mapping(given, key, {"hours", "max_per_week", "cool_off_days"})
    defaults = RULES[jurisdiction]
    hours = defaults.hours
    if "hours" in given:
        hours = _hours(defaults.hours, jurisdiction, given["hours"], key / "hours")
    caps = _caps(jurisdiction, given.get("max_per_week", {}), key / "max_per_week")
    cool_offs = _cool_offs(jurisdiction, given.get("cool_off_days", {}), key / "cool_off_days")
    return replace(
        defaults,
        hours=hours,
        max_per_week={**defaults.max_per_week, **caps},
        cool_off={**defaults.cool_off, **cool_offs},
    )


def parse_rules(data: object, source: str = "<contact rules>") -> dict[tuple[str, str], ContactRules]:
    """The creditors' rules from the file's parsed YAML; an empty file changes nothing."""
    root = _Key(source)
    if data is None:
        return {}
    creditors = _mapping(data, root, {"creditors"}).get("creditors") or {}
    overrides: dict[tuple[str, str], ContactRules] = {}
    for name, by_jurisdiction in _mapping(creditors, root / "creditors").items():
        key = root / "creditors" / name
        if not isinstance(name, str) or not name.strip():
            raise key.error("a creditor is named by a non-empty text")
        for jurisdiction, given in _mapping(by_jurisdiction, key).items():
            code = str(jurisdiction).strip().upper()
            if code not in RULES:
                raise (key / jurisdiction).error(f"unknown jurisdiction: one of {', '.join(RULES)}")
            if (creditor_key(name), code) in overrides:
                raise (key / jurisdiction).error("given twice (creditor names ignore case and spaces)")
            overrides[creditor_key(name), code] = _creditor_rules(code, given, key / jurisdiction)
    return overrides


def load_rules(path: Path) -> dict[tuple[str, str], ContactRules]:
    """The creditors' rules in the YAML file at `path`, or ContactRulesError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContactRulesError(str(path), "", f"cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContactRulesError(str(path), "", f"is not valid YAML: {exc}") from None
    return parse_rules(data, str(path))


@lru_cache(maxsize=4)
def _loaded(path: Path) -> Overrides:
    return load_rules(path)


def settings_rules() -> Overrides:
    """The creditors' rules of the settings' file (read once), or none when no file is set."""
    path = get_settings().contact_rules_file
    return _loaded(path) if path is not None else {}


def rules_for(
    jurisdiction: str, creditor: str | None = None, *, overrides: Overrides | None = None
) -> ContactRules | None:
    """The rules for the creditor's accounts in `jurisdiction` (its own, else the defaults), or None
    for an unknown jurisdiction. `overrides` default to the settings' file."""
    code = jurisdiction.upper()
    if creditor is not None:
        table = settings_rules() if overrides is None else overrides
        if table:
            found = table.get((creditor_key(creditor), code))
            if found is not None:
                return found
    return RULES.get(code)
