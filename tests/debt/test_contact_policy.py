"""The contact policy: each rule, each jurisdiction, the earliest retry, and the attempts it records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from core.settings import get_settings
from debt import contact_policy
from debt.contact_hours import CALLING_HOURS, is_permitted
from debt.contact_policy import (
    RULES,
    WINDOW,
    ContactFacts,
    ContactRules,
    check_and_record,
    decide,
    facts_for,
)
from debt.db import make_engine
from debt.models import (
    Account,
    AccountStatus,
    Channel,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    Creditor,
    DoNotContact,
    Payment,
)
from debt.outcomes import record_opt_out
from tests.factories import make_account

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
PHONE = "+33639980012"  # make_account's number, in the fiction range
# Wednesday 8 April 2026, 10:00 in Paris: inside the hours everywhere in Europe.
WEDNESDAY = datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def fr(**facts: Any) -> ContactFacts:
    return ContactFacts(jurisdiction="FR", **facts)


# --- the defaults -------------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", ["FR", "DE", "GB", "US"])
def test_every_jurisdiction_has_rules_with_its_calling_hours(jurisdiction: str) -> None:
    rules = RULES[jurisdiction]
    assert rules.hours == CALLING_HOURS[jurisdiction]
    assert rules.max_per_week == {Channel.VOICE: 7, Channel.SMS: 3}
    cool_off = timedelta(days=7 if jurisdiction == "US" else 2)
    assert rules.cool_off == {Channel.VOICE: cool_off, Channel.SMS: cool_off}


def test_a_weekly_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ContactRules(CALLING_HOURS["FR"], {Channel.SMS: 0}, {Channel.SMS: timedelta(days=2)})


# --- blocks only a person can lift --------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (fr(do_not_contact=True), "do_not_contact"),
        (fr(opted_out=True), "opted_out"),
        (fr(invalid_destination=True), "invalid_destination"),
        (fr(account_status=AccountStatus.PAID), "settled"),
        (fr(account_status=AccountStatus.CLOSED), "settled"),
        (fr(account_status=AccountStatus.DISPUTED, status_until=date(2026, 4, 20)), "disputed"),
        (fr(account_status=AccountStatus.HARDSHIP_HOLD), "hardship_hold"),  # no end date
        (fr(time_barred=True), "time_barred"),
    ],
)
def test_permanent_blocks_have_no_retry_time(facts: ContactFacts, reason: str) -> None:
    decision = decide(facts, Channel.SMS, WEDNESDAY)
    assert (decision.allowed, decision.reason, decision.next_allowed_at) == (False, reason, None)
    assert decision.detail


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (fr(do_not_contact=True, opted_out=True, invalid_destination=True), "do_not_contact"),
        (fr(opted_out=True, invalid_destination=True, account_status=AccountStatus.PAID), "opted_out"),
        (fr(invalid_destination=True, account_status=AccountStatus.DISPUTED), "invalid_destination"),
        # A permanent block wins over the hours: retrying tomorrow morning would not help.
        (fr(account_status=AccountStatus.DISPUTED), "disputed"),
        (fr(time_barred=True), "time_barred"),
        # Settled says more than time-barred; time-barred outlasts a dispute's review or a hold.
        (fr(time_barred=True, account_status=AccountStatus.PAID), "settled"),
        (fr(time_barred=True, account_status=AccountStatus.DISPUTED), "time_barred"),
        (
            fr(time_barred=True, account_status=AccountStatus.HARDSHIP_HOLD, status_until=date(2026, 5, 1)),
            "time_barred",
        ),
        (fr(time_barred=True, opted_out=True), "opted_out"),
    ],
)
def test_permanent_blocks_come_first(facts: ContactFacts, reason: str) -> None:
    sunday_night = datetime(2026, 4, 12, 23, 0, tzinfo=PARIS)
    decision = decide(facts, Channel.SMS, sunday_night)
    assert (decision.reason, decision.next_allowed_at) == (reason, None)


def test_unknown_jurisdiction_is_refused_unless_rules_are_given() -> None:
    facts = ContactFacts(jurisdiction="ES", tz_name="Europe/Madrid")
    assert decide(facts, Channel.SMS, WEDNESDAY).reason == "unknown_jurisdiction"
    assert decide(facts, Channel.SMS, WEDNESDAY, rules=RULES["FR"]).allowed


# --- calling hours, per jurisdiction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("jurisdiction", "at", "next_allowed_at"),
    [
        # France: Monday–Saturday 08:00–20:00; a Sunday waits for Monday 08:00.
        ("FR", datetime(2026, 4, 12, 10, 0, tzinfo=PARIS), utc(2026, 4, 13, 6, 0)),
        ("FR", datetime(2026, 4, 8, 20, 0, tzinfo=PARIS), utc(2026, 4, 9, 6, 0)),
        ("FR", datetime(2026, 4, 8, 7, 59, tzinfo=PARIS), utc(2026, 4, 8, 6, 0)),
        # Germany: Good Friday and German Unity Day (a Saturday, then a Sunday) are closed.
        ("DE", datetime(2026, 4, 3, 10, 0, tzinfo=BERLIN), utc(2026, 4, 4, 6, 0)),
        ("DE", datetime(2026, 10, 3, 10, 0, tzinfo=BERLIN), utc(2026, 10, 5, 6, 0)),
        # United Kingdom: until 21:00, no Sundays.
        ("GB", datetime(2026, 4, 11, 21, 0, tzinfo=LONDON), utc(2026, 4, 13, 7, 0)),
        ("GB", datetime(2026, 4, 12, 12, 0, tzinfo=LONDON), utc(2026, 4, 13, 7, 0)),
        # United States: 21:00 is already too late; 08:00 next morning in New York (EDT).
        ("US", datetime(2026, 4, 7, 21, 0, tzinfo=NEW_YORK), utc(2026, 4, 8, 12, 0)),
        # Summer time starts on Sunday 29 March: Monday 08:00 in Paris is 06:00 UTC, no longer 07:00.
        ("FR", datetime(2026, 3, 28, 20, 30, tzinfo=PARIS), utc(2026, 3, 30, 6, 0)),
        # And ends on Sunday 25 October: Monday 08:00 is 07:00 UTC again.
        ("FR", datetime(2026, 10, 24, 20, 30, tzinfo=PARIS), utc(2026, 10, 26, 7, 0)),
    ],
)
def test_outside_hours_waits_for_the_next_permitted_time(
    jurisdiction: str, at: datetime, next_allowed_at: datetime
) -> None:
    decision = decide(ContactFacts(jurisdiction=jurisdiction), Channel.SMS, at)
    assert (decision.allowed, decision.reason) == (False, "outside_hours")
    assert decision.next_allowed_at == next_allowed_at
    assert decision.next_allowed_at.tzinfo == UTC
    assert decide(ContactFacts(jurisdiction=jurisdiction), Channel.SMS, next_allowed_at).allowed


@pytest.mark.parametrize(
    ("jurisdiction", "at"),
    [
        ("FR", datetime(2026, 4, 11, 19, 59, tzinfo=PARIS)),  # a Saturday
        ("DE", datetime(2026, 4, 4, 8, 0, tzinfo=BERLIN)),  # Holy Saturday is no holiday
        ("GB", datetime(2026, 4, 11, 20, 59, tzinfo=LONDON)),
        ("US", datetime(2026, 4, 7, 20, 59, tzinfo=NEW_YORK)),
        ("US", datetime(2026, 4, 12, 12, 0, tzinfo=NEW_YORK)),  # Sundays too
    ],
)
def test_inside_hours_is_allowed(jurisdiction: str, at: datetime) -> None:
    for channel in (Channel.SMS, Channel.VOICE):
        decision = decide(ContactFacts(jurisdiction=jurisdiction), channel, at)
        assert (decision.allowed, decision.reason, decision.next_allowed_at) == (True, "allowed", None)


def test_sunday_detail_names_the_day() -> None:
    decision = decide(fr(), Channel.SMS, datetime(2026, 4, 12, 10, 0, tzinfo=PARIS))
    assert decision.detail == "Sunday 2026-04-12 is not a contact day in Europe/Paris"


def test_hours_are_the_debtors_local_hours() -> None:
    # 17:00 UTC is 19:00 in Paris but 21:00 in Réunion, where this French account's debtor lives.
    at = utc(2026, 4, 8, 17, 0)
    assert decide(fr(), Channel.SMS, at).allowed
    decision = decide(fr(tz_name="Indian/Reunion"), Channel.SMS, at)
    assert decision.reason == "outside_hours"
    assert decision.detail == "21:00 in Indian/Reunion is outside 08:00–20:00"
    assert decision.next_allowed_at == utc(2026, 4, 9, 4, 0)  # 08:00 in Réunion


# --- holds, cool-off and caps -------------------------------------------------------------------


def test_a_hardship_hold_lasts_through_its_last_day() -> None:
    held = fr(account_status=AccountStatus.HARDSHIP_HOLD, status_until=date(2026, 4, 14))
    decision = decide(held, Channel.SMS, WEDNESDAY)
    assert (decision.reason, decision.detail) == ("hardship_hold", "hardship hold until 2026-04-14 included")
    assert decision.next_allowed_at == utc(2026, 4, 15, 6, 0)  # Wednesday 08:00 in Paris
    assert not decide(held, Channel.SMS, datetime(2026, 4, 14, 19, 0, tzinfo=PARIS)).allowed
    assert decide(held, Channel.SMS, datetime(2026, 4, 15, 8, 0, tzinfo=PARIS)).allowed


def test_sms_cap_is_three_in_a_rolling_week() -> None:
    sent = tuple(WEDNESDAY - timedelta(days=days) for days in (6, 4, 2))
    decision = decide(fr(recent_attempts=sent), Channel.SMS, WEDNESDAY)
    assert (decision.reason, decision.detail) == ("cap_reached", "3 SMS in the last 7 days, limit 3")
    assert decision.next_allowed_at == (WEDNESDAY + timedelta(days=1)).astimezone(UTC)  # the oldest leaves
    assert decide(fr(recent_attempts=sent[1:]), Channel.SMS, WEDNESDAY).allowed
    # An attempt exactly 7 days old has left the window.
    week_old = (WEDNESDAY - WINDOW, *sent[1:])
    assert decide(fr(recent_attempts=week_old), Channel.SMS, WEDNESDAY).allowed


def test_call_cap_is_seven_in_a_rolling_week() -> None:
    calls = tuple(WEDNESDAY - timedelta(hours=20 * n + 1) for n in range(7))
    assert decide(fr(recent_attempts=calls[:6]), Channel.VOICE, WEDNESDAY).allowed
    decision = decide(fr(recent_attempts=calls), Channel.VOICE, WEDNESDAY)
    assert (decision.reason, decision.detail) == ("cap_reached", "7 calls in the last 7 days, limit 7")


def test_cap_waits_until_enough_attempts_leave_the_window() -> None:
    # Five SMS in the window (more than the limit, e.g. sent under older rules): three must leave.
    sent = tuple(datetime(2026, 4, day, 10, 0, tzinfo=PARIS) for day in (2, 3, 4, 6, 7))
    decision = decide(fr(recent_attempts=sent), Channel.SMS, WEDNESDAY)
    assert decision.detail == "5 SMS in the last 7 days, limit 3"
    assert decision.next_allowed_at == utc(2026, 4, 11, 8, 0)  # 4 April 10:00 Paris + 7 days


@pytest.mark.parametrize(("days", "allowed"), [(1, False), (2, True)])
def test_cool_off_after_a_conversation_is_two_days_in_europe(days: int, allowed: bool) -> None:
    talked = WEDNESDAY - timedelta(days=days)
    decision = decide(fr(last_conversation_at=talked), Channel.SMS, WEDNESDAY)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason == "cool_off"
        assert (
            decision.detail
            == "conversation about the account at 2026-04-07 08:00 UTC; no SMS for 2 days after"
        )
        assert decision.next_allowed_at == (talked + timedelta(days=2)).astimezone(UTC)


@pytest.mark.parametrize(("days", "allowed"), [(6, False), (7, True)])
def test_us_calls_wait_seven_days_after_a_conversation(days: int, allowed: bool) -> None:
    at = datetime(2026, 4, 8, 12, 0, tzinfo=NEW_YORK)
    facts = ContactFacts(jurisdiction="US", last_conversation_at=at - timedelta(days=days))
    decision = decide(facts, Channel.VOICE, at)
    assert (decision.allowed, decision.reason) == (allowed, "allowed" if allowed else "cool_off")


# --- the earliest retry when several rules block ------------------------------------------------


def test_hours_and_cap_give_the_first_moment_that_passes_both() -> None:
    # Saturday 21:00: the hours reopen on Monday 08:00, but the oldest SMS leaves the week at 09:00.
    sent = tuple(datetime(2026, 4, day, 9, 0, tzinfo=PARIS) for day in (6, 8, 10))
    decision = decide(fr(recent_attempts=sent), Channel.SMS, datetime(2026, 4, 11, 21, 0, tzinfo=PARIS))
    assert decision.reason == "outside_hours"  # hours are checked before caps
    assert decision.next_allowed_at == utc(2026, 4, 13, 7, 0)  # Monday 09:00 in Paris


def test_a_cool_off_ending_on_a_sunday_waits_for_monday() -> None:
    facts = ContactFacts(jurisdiction="GB", last_conversation_at=datetime(2026, 4, 10, 20, 45, tzinfo=LONDON))
    decision = decide(facts, Channel.VOICE, datetime(2026, 4, 11, 10, 0, tzinfo=LONDON))
    assert decision.reason == "cool_off"
    assert decision.next_allowed_at == utc(2026, 4, 13, 7, 0)  # Monday 08:00 in London


def test_a_hold_a_cool_off_and_a_cap_together() -> None:
    facts = fr(
        account_status=AccountStatus.HARDSHIP_HOLD,
        status_until=date(2026, 4, 9),
        last_conversation_at=datetime(2026, 4, 8, 9, 0, tzinfo=PARIS),
        recent_attempts=tuple(datetime(2026, 4, day, 12, 0, tzinfo=PARIS) for day in (3, 6, 7)),
    )
    decision = decide(facts, Channel.SMS, WEDNESDAY)
    assert decision.reason == "hardship_hold"
    # Hold over on Friday 00:00, cool-off over Friday 09:00, the 3 April SMS left on Friday 12:00.
    assert decision.next_allowed_at == utc(2026, 4, 10, 10, 0)


# --- a creditor's own rules ---------------------------------------------------------------------

CREDITOR = "Hébergeur Exemple SAS"
CREDITOR_RULES = """\
creditors:
  "{name}":
    FR: {{hours: {{start: "09:00", end: "18:00", weekdays: [mon, tue, wed, thu, fri]}},
         max_per_week: {{sms: 2}}, cool_off_days: {{sms: 4}}}}
"""


def use_rules_file(folder: Path, monkeypatch: pytest.MonkeyPatch, creditor: str) -> None:
    path = folder / "contact_rules.yaml"
    path.write_text(CREDITOR_RULES.format(name=creditor), encoding="utf-8")
    monkeypatch.setenv("CONTACT_RULES_FILE", str(path))
    get_settings.cache_clear()


@pytest.fixture
def creditor_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules_file(tmp_path, monkeypatch, CREDITOR)


@pytest.mark.usefixtures("creditor_rules")
@pytest.mark.parametrize(
    ("at", "detail", "next_allowed_at"),
    [
        (
            datetime(2026, 4, 8, 8, 30, tzinfo=PARIS),
            "08:30 in Europe/Paris is outside 09:00–18:00",
            utc(2026, 4, 8, 7, 0),
        ),
        (
            datetime(2026, 4, 8, 18, 0, tzinfo=PARIS),
            "18:00 in Europe/Paris is outside 09:00–18:00",
            utc(2026, 4, 9, 7, 0),
        ),
        (
            datetime(2026, 4, 11, 10, 0, tzinfo=PARIS),
            "Saturday 2026-04-11 is not a contact day in Europe/Paris",
            utc(2026, 4, 13, 7, 0),
        ),
    ],
)
def test_a_creditors_hours_narrow_the_jurisdictions(
    at: datetime, detail: str, next_allowed_at: datetime
) -> None:
    assert decide(fr(), Channel.SMS, at).allowed
    decision = decide(fr(creditor=CREDITOR), Channel.SMS, at)
    assert (decision.reason, decision.detail, decision.next_allowed_at) == (
        "outside_hours",
        detail,
        next_allowed_at,
    )
    assert decide(fr(creditor=CREDITOR), Channel.SMS, next_allowed_at).allowed
    # Rules given to decide win over the creditor's.
    assert decide(fr(creditor=CREDITOR), Channel.SMS, at, rules=RULES["FR"]).allowed


@pytest.mark.usefixtures("creditor_rules")
def test_a_creditors_cap_and_cool_off_apply_to_their_channel_only() -> None:
    sent = (WEDNESDAY - timedelta(days=3), WEDNESDAY - timedelta(days=1))
    capped = decide(fr(creditor=CREDITOR, recent_attempts=sent), Channel.SMS, WEDNESDAY)
    assert (capped.reason, capped.detail) == ("cap_reached", "2 SMS in the last 7 days, limit 2")
    assert decide(fr(creditor=CREDITOR, recent_attempts=sent), Channel.VOICE, WEDNESDAY).allowed
    talked = fr(creditor=CREDITOR, last_conversation_at=WEDNESDAY - timedelta(days=3))
    cooling = decide(talked, Channel.SMS, WEDNESDAY)
    assert (cooling.reason, cooling.next_allowed_at) == ("cool_off", utc(2026, 4, 9, 8, 0))
    assert cooling.detail.endswith("no SMS for 4 days after")
    assert decide(talked, Channel.VOICE, WEDNESDAY).allowed  # calls keep the 2 days


@pytest.mark.usefixtures("creditor_rules")
@pytest.mark.parametrize(
    "facts",
    [
        fr(creditor="Another Creditor SA"),
        ContactFacts(jurisdiction="DE", creditor=CREDITOR),  # its rules name France only
        fr(),
    ],
)
def test_other_creditors_and_jurisdictions_keep_the_defaults(facts: ContactFacts) -> None:
    early = datetime(2026, 4, 8, 8, 30, tzinfo=PARIS)
    assert decide(facts, Channel.SMS, early).allowed


# --- replies ------------------------------------------------------------------------------------


def test_a_reply_at_23_00_is_allowed_whatever_hours_caps_cool_off_or_holds_say() -> None:
    late = datetime(2026, 4, 12, 23, 0, tzinfo=PARIS)  # a Sunday night
    facts = fr(
        account_status=AccountStatus.DISPUTED,
        time_barred=True,
        recent_attempts=(late - timedelta(hours=1),) * 3,
        last_conversation_at=late - timedelta(minutes=2),
    )
    assert not decide(facts, Channel.SMS, late).allowed
    decision = decide(facts, Channel.SMS, late, purpose="reply")
    assert (decision.allowed, decision.reason, decision.next_allowed_at) == (True, "allowed", None)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (fr(opted_out=True), "opted_out"),
        (fr(do_not_contact=True), "do_not_contact"),
        (fr(invalid_destination=True), "invalid_destination"),
    ],
)
def test_a_reply_is_refused_after_an_opt_out(facts: ContactFacts, reason: str) -> None:
    decision = decide(facts, Channel.SMS, datetime(2026, 4, 8, 23, 0, tzinfo=PARIS), purpose="reply")
    assert (decision.allowed, decision.reason, decision.next_allowed_at) == (False, reason, None)


# --- wrong use ----------------------------------------------------------------------------------


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        decide(fr(), Channel.SMS, datetime(2026, 4, 8, 10, 0))


def test_an_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValueError, match="purpose"):
        decide(fr(), Channel.SMS, WEDNESDAY, purpose="marketing")  # type: ignore[arg-type]


def test_a_channel_without_rules_is_refused() -> None:
    with pytest.raises(ValueError, match="no contact rules for email"):
        decide(fr(), Channel.EMAIL, WEDNESDAY)


# --- property: allowed means permitted and under the cap; a retry time passes the hours ----------

ZONES = [None, "Europe/Paris", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles"]
AGES = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9))


@st.composite
def situations(draw: st.DrawFn) -> tuple[ContactFacts, Channel, datetime]:
    at = draw(st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59), timezones=st.just(UTC)))
    hold_end = st.dates(at.date() - timedelta(days=3), at.date() + timedelta(days=20))
    facts = ContactFacts(
        jurisdiction=draw(st.sampled_from(sorted(RULES))),
        tz_name=draw(st.sampled_from(ZONES)),
        opted_out=draw(st.integers(0, 9)) == 0,
        account_status=draw(st.sampled_from([*AccountStatus, *[AccountStatus.OPEN] * 5])),
        status_until=draw(st.none() | hold_end),
        recent_attempts=tuple(at - age for age in draw(st.lists(AGES, max_size=9))),
        last_conversation_at=draw(st.none() | AGES.map(lambda age: at - age)),
    )
    return facts, draw(st.sampled_from([Channel.SMS, Channel.VOICE])), at


@settings(max_examples=300, deadline=None)
@given(situations())
def test_decisions_keep_the_rules(situation: tuple[ContactFacts, Channel, datetime]) -> None:
    facts, channel, at = situation
    rules = RULES[facts.jurisdiction]
    decision = decide(facts, channel, at)
    if decision.allowed:
        assert is_permitted(at, facts.jurisdiction, facts.tz_name)
        in_window = [a for a in facts.recent_attempts if at - WINDOW < a <= at]
        assert len(in_window) < rules.max_per_week[channel]
    elif decision.next_allowed_at is not None:
        assert decision.next_allowed_at > at
        retry = decide(facts, channel, decision.next_allowed_at)
        assert retry.reason != "outside_hours"
        assert retry.allowed


# --- loading the facts and recording the attempt ------------------------------------------------


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def account(session: Session) -> Account:
    return make_account(session, phone=PHONE)


def attempt(account: Account, key: str, **fields: object) -> ContactAttempt:
    values: dict[str, object] = {
        "channel": Channel.SMS,
        "to": PHONE,
        "allowed": True,
        "decision_reason": "allowed: test",
        "scheduled_at": WEDNESDAY - timedelta(days=1),
        **fields,
    }
    return ContactAttempt(account_id=account.id, debtor_id=account.debtor_id, idempotency_key=key, **values)


def conversation(
    account: Account, sender_id: str, last_activity_at: datetime, status: str = "open"
) -> Conversation:
    return Conversation(
        channel=Channel.SMS,
        party=PHONE,
        status=status,
        debtor_id=account.debtor_id,
        account_id=account.id,
        sender_id=sender_id,
        last_activity_at=last_activity_at,
    )


def test_facts_of_a_fresh_account(session: Session, account: Account) -> None:
    facts = facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY)
    creditor = session.get(Creditor, account.creditor_id)
    assert creditor is not None
    assert facts == ContactFacts(jurisdiction="FR", tz_name="Europe/Paris", creditor=creditor.name)


def test_facts_load_opt_out_per_channel_and_invalid_numbers(session: Session, account: Account) -> None:
    record_opt_out(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="STOP")
    point = session.exec(
        select(ContactPoint).where(ContactPoint.debtor_id == account.debtor_id, ContactPoint.value == PHONE)
    ).one()
    assert point.kind == ContactKind.PHONE
    point.valid = False
    session.add(point)
    session.flush()
    sms = facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY)
    voice = facts_for(session, account, Channel.VOICE, PHONE, WEDNESDAY)
    other = facts_for(session, account, Channel.VOICE, "+33639980099", WEDNESDAY)
    assert (sms.opted_out, voice.opted_out) == (True, False)
    assert (sms.invalid_destination, voice.invalid_destination, other.invalid_destination) == (
        True,
        True,
        False,
    )


def test_facts_count_only_allowed_attempts_of_the_channel_in_the_week(
    session: Session, account: Account
) -> None:
    other_account = make_account(session, phone="+33639980013")
    day = timedelta(days=1)
    session.add_all(
        [
            attempt(account, "sent", attempted_at=WEDNESDAY - 2 * day, scheduled_at=WEDNESDAY - 3 * day),
            attempt(account, "planned", scheduled_at=WEDNESDAY - day),  # not sent yet: its plan counts
            attempt(account, "refused", allowed=False, decision_reason="outside_hours: x"),
            attempt(account, "old", scheduled_at=WEDNESDAY - 8 * day),
            attempt(account, "sent-late", attempted_at=WEDNESDAY - 8 * day, scheduled_at=WEDNESDAY - day),
            attempt(account, "later", scheduled_at=WEDNESDAY + day),
            attempt(account, "call", channel=Channel.VOICE),
            attempt(account, "reply", purpose="reply"),
            attempt(other_account, "other-account"),
        ]
    )
    session.flush()
    facts = facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY)
    assert sorted(facts.recent_attempts) == [WEDNESDAY - 2 * day, WEDNESDAY - day]
    assert facts_for(session, account, Channel.VOICE, PHONE, WEDNESDAY).recent_attempts == (WEDNESDAY - day,)


def test_facts_take_the_newest_conversation_and_the_account_status(
    session: Session, account: Account
) -> None:
    session.add(conversation(account, "older", WEDNESDAY - timedelta(days=5), status="closed"))
    session.add(conversation(account, "newer", WEDNESDAY - timedelta(hours=3)))
    account.status, account.status_until = AccountStatus.HARDSHIP_HOLD, date(2026, 4, 20)
    session.add(account)
    session.flush()
    facts = facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY)
    assert facts.last_conversation_at == WEDNESDAY - timedelta(hours=3)
    assert (facts.account_status, facts.status_until) == (AccountStatus.HARDSHIP_HOLD, date(2026, 4, 20))


def test_check_and_record_plans_an_allowed_attempt(session: Session, account: Account) -> None:
    decision, row = check_and_record(
        session,
        account,
        Channel.SMS,
        PHONE,
        WEDNESDAY,
        purpose="collection",
        idempotency_key="k1",
        campaign_id=4,
    )
    assert decision.allowed
    assert (row.allowed, row.status, row.campaign_id, row.purpose) == (True, "planned", 4, "collection")
    assert row.decision_reason == f"allowed: {decision.detail}"
    assert row.scheduled_at == WEDNESDAY and row.attempted_at is None
    assert row.id is not None


def test_check_and_record_keeps_refusals_with_their_reason(session: Session, account: Account) -> None:
    sunday = datetime(2026, 4, 12, 10, 0, tzinfo=PARIS)
    decision, row = check_and_record(
        session, account, Channel.VOICE, PHONE, sunday, purpose="collection", idempotency_key="k1"
    )
    assert (decision.reason, decision.next_allowed_at) == ("outside_hours", utc(2026, 4, 13, 6, 0))
    assert (row.allowed, row.status) == (False, "refused")
    assert row.decision_reason == "outside_hours: Sunday 2026-04-12 is not a contact day in Europe/Paris"


def test_the_cap_counts_only_allowed_attempts(session: Session, account: Account) -> None:
    for n in range(5):  # refused on a Sunday: they use up nothing
        sunday = datetime(2026, 4, 5, 10, n, tzinfo=PARIS)
        decision, _ = check_and_record(
            session, account, Channel.SMS, PHONE, sunday, purpose="collection", idempotency_key=f"sun{n}"
        )
        assert decision.reason == "outside_hours"
    reasons = []
    for n, day in enumerate((6, 7, 8, 9)):  # no conversation, so no cool-off between them
        at = datetime(2026, 4, day, 10, 0, tzinfo=PARIS)
        decision, _ = check_and_record(
            session, account, Channel.SMS, PHONE, at, purpose="collection", idempotency_key=f"day{n}"
        )
        reasons.append(decision.reason)
    assert reasons == ["allowed", "allowed", "allowed", "cap_reached"]
    assert decision.next_allowed_at == utc(2026, 4, 13, 8, 0)  # 6 April 10:00 Paris + 7 days
    # Replies still go out: they answer the debtor and do not count.
    reply, _ = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="reply", idempotency_key="reply"
    )
    assert reply.allowed


def test_the_same_idempotency_key_returns_the_stored_attempt(session: Session, account: Account) -> None:
    first, row = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="collection", idempotency_key="once"
    )
    # Whatever changed since, the answer for that key stays the one recorded.
    record_opt_out(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="STOP")
    again, same = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="collection", idempotency_key="once"
    )
    assert same.id == row.id
    assert again == first
    assert session.exec(select(func.count()).select_from(ContactAttempt)).one() == 1


def test_a_key_recorded_concurrently_returns_that_attempt(
    session: Session, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, row = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="collection", idempotency_key="race"
    )
    session.commit()
    # The other process wrote the key after this one looked: the insert hits the unique constraint.
    monkeypatch.setattr(contact_policy, "_stored", lambda session, key: None)
    sunday = datetime(2026, 4, 12, 10, 0, tzinfo=PARIS)
    decision, same = check_and_record(
        session, account, Channel.SMS, PHONE, sunday, purpose="collection", idempotency_key="race"
    )
    assert same.id == row.id
    assert decision.allowed
    session.commit()  # the session is still usable
    assert session.exec(select(func.count()).select_from(ContactAttempt)).one() == 1


def test_a_settled_account_is_refused_and_recorded(session: Session, account: Account) -> None:
    account.status = AccountStatus.PAID
    session.add(account)
    decision, row = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="collection", idempotency_key="paid"
    )
    assert (decision.reason, decision.next_allowed_at) == ("settled", None)
    assert row.decision_reason == "settled: the account is paid: nothing to collect"


# --- do-not-contact, creditor, limitation and zone in the facts ---------------------------------


def test_the_do_not_contact_list_by_destination(session: Session, account: Account) -> None:
    session.add(DoNotContact(value=PHONE, reason="asked by the debtor's lawyer"))
    session.flush()
    assert facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY).do_not_contact
    assert facts_for(session, account, Channel.VOICE, PHONE, WEDNESDAY).do_not_contact
    assert not facts_for(session, account, Channel.SMS, "+33639980099", WEDNESDAY).do_not_contact


def test_the_do_not_contact_list_by_debtor(session: Session, account: Account) -> None:
    other = make_account(session, phone="+33639980013")
    session.add(DoNotContact(debtor_id=account.debtor_id, reason="deceased"))
    session.flush()
    assert facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY).do_not_contact
    assert facts_for(session, account, Channel.SMS, "+33639980099", WEDNESDAY).do_not_contact
    assert not facts_for(session, other, Channel.SMS, "+33639980013", WEDNESDAY).do_not_contact


def test_a_listed_debtor_is_refused_and_recorded(session: Session, account: Account) -> None:
    session.add(DoNotContact(debtor_id=account.debtor_id, reason="complaint"))
    session.flush()
    decision, row = check_and_record(
        session, account, Channel.SMS, PHONE, WEDNESDAY, purpose="collection", idempotency_key="dnc"
    )
    assert (decision.reason, decision.next_allowed_at) == ("do_not_contact", None)
    assert (row.allowed, row.status) == (False, "refused")
    assert row.decision_reason == "do_not_contact: the debtor is on the do-not-contact list"


def test_the_creditors_rules_apply_through_facts_for(
    session: Session, account: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creditor = session.get(Creditor, account.creditor_id)
    assert creditor is not None
    use_rules_file(tmp_path, monkeypatch, creditor.name)
    early = datetime(2026, 4, 8, 8, 30, tzinfo=PARIS)
    facts = facts_for(session, account, Channel.SMS, PHONE, early)
    assert facts.creditor == creditor.name
    decision, _ = check_and_record(
        session, account, Channel.SMS, PHONE, early, purpose="collection", idempotency_key="early"
    )
    assert (decision.reason, decision.next_allowed_at) == ("outside_hours", utc(2026, 4, 8, 7, 0))


@pytest.mark.parametrize(
    ("at", "barred"),
    [
        # Due on 30 September 2026: time-barred in France from 1 October 2028.
        (datetime(2028, 9, 30, 19, 0, tzinfo=PARIS), False),
        (datetime(2028, 10, 1, 8, 0, tzinfo=PARIS), True),
        # The debtor's local day decides: 23:30 UTC is already 1 October in Paris.
        (utc(2028, 9, 30, 23, 30), True),
        (utc(2028, 9, 30, 21, 30), False),
    ],
)
def test_facts_know_a_time_barred_claim(
    session: Session, account: Account, at: datetime, barred: bool
) -> None:
    assert account.due_date == date(2026, 9, 30)
    assert facts_for(session, account, Channel.SMS, PHONE, at).time_barred is barred


def test_a_confirmed_part_payment_starts_a_new_period(session: Session, account: Account) -> None:
    later = datetime(2028, 10, 2, 10, 0, tzinfo=PARIS)
    paid = {"account_id": account.id, "amount": Decimal("10.00"), "method": "card"}
    session.add(Payment(paid_on=date(2027, 5, 1), confirmed=False, **paid))  # reported, not checked
    session.flush()
    assert facts_for(session, account, Channel.SMS, PHONE, later).time_barred
    session.add(Payment(paid_on=date(2027, 5, 2), confirmed=True, **paid))
    session.flush()
    assert not facts_for(session, account, Channel.SMS, PHONE, later).time_barred
    decision = decide(facts_for(session, account, Channel.SMS, PHONE, later), Channel.SMS, later)
    assert decision.allowed


def address_of(session: Session, account: Account) -> ContactPoint:
    return session.exec(
        select(ContactPoint).where(
            ContactPoint.debtor_id == account.debtor_id, ContactPoint.kind == ContactKind.ADDRESS
        )
    ).one()


def move(session: Session, account: Account, **fields: object) -> None:
    point = address_of(session, account)
    for name, value in fields.items():
        setattr(point, name, value)
    session.add(point)
    session.flush()


REUNION_MOBILE = "+262692123456"  # +262 is Réunion and Mayotte: the number alone gives no zone


@pytest.mark.parametrize(
    ("fields", "zone"),
    [
        ({"postcode": "97400", "city": "Saint-Denis"}, "Indian/Reunion"),
        ({"postcode": "97600", "city": "Mamoudzou"}, "Indian/Mayotte"),
        ({"postcode": "97400", "country": None}, "Indian/Reunion"),  # in the account's jurisdiction
        ({"postcode": "97400", "valid": False}, "Europe/Paris"),  # an address known to be wrong
        ({}, "Europe/Paris"),  # the Paris address of make_account
    ],
)
def test_the_zone_comes_from_the_address_when_the_number_gives_none(
    session: Session, fields: dict[str, object], zone: str
) -> None:
    account = make_account(session, phone=REUNION_MOBILE)
    move(session, account, **fields)
    assert facts_for(session, account, Channel.SMS, REUNION_MOBILE, WEDNESDAY).tz_name == zone


def test_the_number_zone_comes_before_the_address(session: Session, account: Account) -> None:
    move(session, account, postcode="97400")
    assert facts_for(session, account, Channel.SMS, PHONE, WEDNESDAY).tz_name == "Europe/Paris"


def test_a_us_toll_free_number_takes_the_zip_codes_zone(session: Session) -> None:
    account = make_account(session, phone="+18005550199", country="US")
    move(session, account, postcode="94105", city="San Francisco")
    facts = facts_for(session, account, Channel.VOICE, "+18005550199", utc(2026, 4, 8, 14, 0))
    assert facts.tz_name == "America/Los_Angeles"
    # 14:00 UTC is 10:00 in New York but 07:00 in San Francisco: too early there.
    decision = decide(facts, Channel.VOICE, utc(2026, 4, 8, 14, 0))
    assert (decision.reason, decision.next_allowed_at) == ("outside_hours", utc(2026, 4, 8, 15, 0))
