"""Properties of `decide` over random facts, jurisdictions, creditors' rules and instants, many of them
around the summer-time switches (Europe: the last Sundays of March and October; US: the second Sunday
of March and the first of November).

Whatever the facts: an allowed contact is inside the local hours and days of the rules, off their
holidays, under the weekly cap and past the cool-off; a refusal that names a retry time names the
earliest moment `decide` itself allows; a refusal without one is a block only a person can lift;
nothing raises.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from hypothesis import event, given, settings
from hypothesis import strategies as st

from debt.contact_policy import RULES, WINDOW, ContactFacts, ContactRules, Decision, decide
from debt.contact_rules import parse_rules, rules_for
from debt.models import AccountStatus, Channel

TIME_BASED = {"hardship_hold", "outside_hours", "cool_off", "cap_reached"}
PERMANENT = {"do_not_contact", "opted_out", "invalid_destination", "settled", "time_barred", "disputed"}
PERMANENT |= {"hardship_hold"}  # without an end date
ZONES = [
    None,
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/London",
    "Indian/Reunion",
    "America/Martinique",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
]
# The days of the switches: Europe (its zones switch at 01:00 UTC), then the US (02:00 local).
SWITCH_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28)]
SWITCH_DAYS += [date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14)]
AGES = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))
CHANNELS = [Channel.SMS, Channel.VOICE]


@st.composite
def instants(draw: st.DrawFn, tz: str) -> datetime:
    """A wall time in the debtor's zone, often in the daytime, often within days of a switch;
    nonexistent and repeated wall times (the switch's hour) included."""
    near_a_switch = st.builds(
        lambda day, shift: day + timedelta(days=shift), st.sampled_from(SWITCH_DAYS), st.integers(-4, 4)
    )
    day = draw(near_a_switch | st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    wall = draw(st.times(time(7), time(22)) | st.times())
    local = datetime.combine(day, wall, tzinfo=ZoneInfo(tz)).replace(fold=draw(st.integers(0, 1)))
    return local.astimezone(UTC)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def creditor_rules(draw: st.DrawFn, jurisdiction: str) -> dict[str, Any]:
    """A valid entry of the creditors' file for `jurisdiction`: hours inside the law's, any caps and
    cool-offs the law allows."""
    legal = RULES[jurisdiction].hours
    entry: dict[str, Any] = {}
    if draw(st.booleans()):
        earliest, latest = legal.start.hour * 60 + legal.start.minute, legal.end.hour * 60 + legal.end.minute
        start = draw(st.integers(earliest, latest - 1))
        end = draw(st.integers(start + 1, latest))
        hours: dict[str, Any] = {"start": _clock(start), "end": _clock(end)}
        if draw(st.booleans()):
            days = draw(st.sets(st.sampled_from(sorted(legal.weekdays)), min_size=1))
            hours["weekdays"] = [["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day] for day in days]
        if draw(st.booleans()):
            hours["holidays"] = True if legal.holidays_of else draw(st.booleans())
        entry["hours"] = hours
    most_calls = 7 if jurisdiction == "US" else 10
    least_call_cool_off = 7 if jurisdiction == "US" else 0
    caps = {"sms": st.integers(1, 10), "voice": st.integers(1, most_calls)}
    cool_offs = {"sms": st.integers(0, 10), "voice": st.integers(least_call_cool_off, 10)}
    entry["max_per_week"] = {name: draw(values) for name, values in caps.items() if draw(st.booleans())}
    entry["cool_off_days"] = {name: draw(values) for name, values in cool_offs.items() if draw(st.booleans())}
    return entry


@st.composite
def situations(draw: st.DrawFn) -> tuple[ContactFacts, Channel, datetime, ContactRules | None]:
    jurisdiction = draw(st.sampled_from(sorted(RULES)))
    tz_name = draw(st.sampled_from(ZONES))
    at = draw(instants(tz_name or RULES[jurisdiction].hours.default_tz))
    rules = None
    if draw(st.booleans()):
        entry = draw(creditor_rules(jurisdiction))
        overrides = parse_rules({"creditors": {"Random Creditor": {jurisdiction: entry}}})
        rules = rules_for(jurisdiction, "Random Creditor", overrides=overrides)
    rare = st.sampled_from([False] * 19 + [True])  # st.booleans() would block half the examples
    facts = ContactFacts(
        jurisdiction=jurisdiction,
        tz_name=tz_name,
        opted_out=draw(rare),
        invalid_destination=draw(rare),
        account_status=draw(st.sampled_from([*[AccountStatus.OPEN] * 20, *AccountStatus])),
        status_until=draw(
            st.none() | st.dates(at.date() - timedelta(days=3), at.date() + timedelta(days=20))
        ),
        recent_attempts=tuple(at - age for age in draw(st.lists(AGES, max_size=10))),
        last_conversation_at=draw(st.none() | AGES.map(lambda age: at - age)),
        do_not_contact=draw(rare),
        time_barred=draw(rare),
    )
    return facts, draw(st.sampled_from(CHANNELS)), at, rules


def assert_inside_the_rules(facts: ContactFacts, channel: Channel, at: datetime, rules: ContactRules) -> None:
    hours = rules.hours
    local = at.astimezone(ZoneInfo(facts.tz_name or hours.default_tz))
    assert hours.start <= local.time() < hours.end, local
    assert local.weekday() in hours.weekdays, local
    if hours.holidays_of:
        assert local.date() not in holidays.country_holidays(hours.holidays_of, years=local.year)
    in_window = [attempt for attempt in facts.recent_attempts if at - WINDOW < attempt <= at]
    assert len(in_window) < rules.max_per_week[channel]
    if facts.last_conversation_at is not None:
        assert at >= facts.last_conversation_at + rules.cool_off[channel]
    assert not (facts.do_not_contact or facts.opted_out or facts.invalid_destination or facts.time_barred)
    if facts.account_status == AccountStatus.HARDSHIP_HOLD:
        assert facts.status_until is not None
        ends = datetime.combine(facts.status_until + timedelta(days=1), time(0), local.tzinfo)
        assert at >= ends
    assert facts.account_status not in {AccountStatus.PAID, AccountStatus.CLOSED, AccountStatus.DISPUTED}


def assert_earliest_retry(
    facts: ContactFacts, channel: Channel, at: datetime, decision: Decision, rules: Any
) -> None:
    retry = decision.next_allowed_at
    assert retry is not None
    assert decision.reason in TIME_BASED
    assert retry > at and retry.tzinfo is UTC
    assert decide(facts, channel, retry, rules=rules).allowed
    # Every moment from `at` to the retry is refused: the last one before it, in particular.
    assert not decide(facts, channel, retry - timedelta(microseconds=1), rules=rules).allowed


@settings(max_examples=600, deadline=None)
@given(situations())
def test_decide_keeps_every_rule(
    situation: tuple[ContactFacts, Channel, datetime, ContactRules | None],
) -> None:
    facts, channel, at, rules = situation
    decision = decide(facts, channel, at, rules=rules)
    event(decision.reason)
    event("a creditor's rules" if rules else "the jurisdiction's rules")
    effective = rules or RULES[facts.jurisdiction]
    if decision.allowed:
        assert decision.reason == "allowed"
        assert_inside_the_rules(facts, channel, at, effective)
    elif decision.next_allowed_at is not None:
        assert_earliest_retry(facts, channel, at, decision, rules)
    else:
        assert decision.reason in PERMANENT, decision


@settings(max_examples=200, deadline=None)
@given(situations())
def test_a_reply_passes_everything_but_the_personal_blocks(
    situation: tuple[ContactFacts, Channel, datetime, ContactRules | None],
) -> None:
    facts, channel, at, rules = situation
    decision = decide(facts, channel, at, purpose="reply", rules=rules)
    blocked = facts.do_not_contact or facts.opted_out or facts.invalid_destination
    assert decision.allowed is not blocked
    assert decision.next_allowed_at is None
