"""The contact policy: may this debtor be contacted about this account, on this channel, at this time?

`decide` is pure: it judges facts loaded beforehand (`facts_for`) against the rules of the jurisdiction
(`RULES`, data), or the creditor's own rules there (`debt.contact_rules`). `check_and_record` is what
every outbound contact calls: it decides and keeps the attempt with its reason, as proof, whether the
contact was allowed or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from debt.clock import utcnow
from debt.contact_hours import CallingHours, day_window, next_permitted, zone_info

# The rules' data lives in debt.contact_rules; RULES is still read from here.
from debt.contact_rules import RULES as RULES
from debt.contact_rules import ContactRules, rules_for
from debt.limitation import LIMITATIONS, is_time_barred
from debt.local_zone import zone_for
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
from debt.outcomes.consent import is_opted_out

Purpose = Literal["collection", "reply"]
PURPOSES: tuple[Purpose, ...] = ("collection", "reply")
WINDOW = timedelta(days=7)  # attempts are capped per rolling 7 days
# Each round moves past every rule that blocks; the rules pass for good after a few rounds.
_MAX_ROUNDS = 16
_LABELS = {Channel.SMS: "SMS", Channel.VOICE: "calls"}


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """What the decision needs about one debtor, account and destination, loaded beforehand."""

    jurisdiction: str
    # Zone of the destination (a phone's area); None: the jurisdiction's default zone.
    tz_name: str | None = None
    opted_out: bool = False  # on this channel
    invalid_destination: bool = False  # wrong number, contact point marked invalid
    account_status: AccountStatus = AccountStatus.OPEN
    status_until: date | None = None
    # When the allowed attempts on this channel for the account were made (or planned); those
    # outside the 7 days before the decision are ignored.
    recent_attempts: tuple[datetime, ...] = ()
    # Last activity of the newest conversation about the account.
    last_conversation_at: datetime | None = None
    do_not_contact: bool = False
    # Whose claim it is: the creditor's own contact rules apply (debt.contact_rules).
    creditor: str | None = None
    # Past the limitation period (debt.limitation): the claim can no longer be collected.
    time_barred: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # "allowed", or a machine code: "opted_out", "outside_hours", "cap_reached", ...
    detail: str  # for a person, with the figures
    # UTC; when a retry could pass. None: allowed, or only a person can lift the block.
    next_allowed_at: datetime | None = None


class _Wait(NamedTuple):
    reason: str
    until: datetime


def _utc(at: datetime) -> datetime:
    if at.tzinfo is UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return at.astimezone(UTC)


def _refused(reason: str, detail: str, next_allowed_at: datetime | None = None) -> Decision:
    return Decision(False, reason, detail, next_allowed_at)


def _personal_block(facts: ContactFacts, channel: Channel) -> Decision | None:
    """Blocks that hold for any purpose, until a person lifts them."""
    if facts.do_not_contact:
        return _refused("do_not_contact", "the debtor is on the do-not-contact list")
    if facts.opted_out:
        return _refused("opted_out", f"the debtor opted out of {channel}")
    if facts.invalid_destination:
        return _refused("invalid_destination", "the destination is marked invalid (wrong number or unused)")
    return None


def _claim_block(facts: ContactFacts, rules: ContactRules) -> Decision | None:
    """Blocks of collection that come from the claim itself: settled, time-barred, disputed, held."""
    status = facts.account_status
    stops = status in rules.stop_statuses
    if stops and status in (AccountStatus.PAID, AccountStatus.CLOSED):
        return _refused("settled", f"the account is {status}: nothing to collect")
    if facts.time_barred:
        return _refused(
            "time_barred", "the claim is past its limitation period: it can no longer be collected"
        )
    if stops and status == AccountStatus.DISPUTED:
        return _refused("disputed", "the account is disputed: collection waits for the review")
    if stops and status == AccountStatus.HARDSHIP_HOLD and facts.status_until is None:
        return _refused("hardship_hold", "hardship hold without an end date: a person ends it")
    return None  # a dated hold is a wait (_waits)


def _in_window(attempts: tuple[datetime, ...], at: datetime) -> list[datetime]:
    since = at - WINDOW
    return [attempt for attempt in attempts if since < attempt <= at]


def _hold_ends(facts: ContactFacts, rules: ContactRules, tz: str) -> datetime | None:
    """When a dated hardship hold ends: the day after its last day, in the debtor's local time."""
    if facts.account_status != AccountStatus.HARDSHIP_HOLD or facts.status_until is None:
        return None
    if facts.account_status not in rules.stop_statuses:
        return None
    return datetime.combine(facts.status_until + timedelta(days=1), time(0), zone_info(tz)).astimezone(UTC)


def _in_hours(hours: CallingHours, tz: str, at: datetime) -> bool:
    window = day_window(hours, tz, at.astimezone(zone_info(tz)).date())
    return window is not None and window.opens <= at < window.closes


def _waits(facts: ContactFacts, channel: Channel, rules: ContactRules, tz: str, at: datetime) -> list[_Wait]:
    """The time-based rules that block at `at` (UTC), in the order they are checked, with when each passes."""
    waits = []
    hold_ends = _hold_ends(facts, rules, tz)
    if hold_ends is not None and at < hold_ends:
        waits.append(_Wait("hardship_hold", hold_ends))
    if not _in_hours(rules.hours, tz, at):
        waits.append(_Wait("outside_hours", next_permitted(at, facts.jurisdiction, tz, hours=rules.hours)))
    talked = facts.last_conversation_at
    if talked is not None and at < talked + rules.cool_off[channel]:
        waits.append(_Wait("cool_off", talked + rules.cool_off[channel]))
    used, limit = _in_window(facts.recent_attempts, at), rules.max_per_week[channel]
    if len(used) >= limit:
        # Passes when enough of the oldest attempts have left the window to leave room for one.
        waits.append(_Wait("cap_reached", sorted(used)[len(used) - limit] + WINDOW))
    return waits


def _hours_detail(at: datetime, tz: str, hours: CallingHours) -> str:
    local = at.astimezone(zone_info(tz))
    if day_window(hours, tz, local.date()) is None:
        return _closed_day_detail(local.date(), tz)
    window = f"{hours.start.isoformat('minutes')}–{hours.end.isoformat('minutes')}"
    return f"{local.hour:02d}:{local.minute:02d} in {tz} is outside {window}"


@lru_cache(maxsize=1 << 12)
def _closed_day_detail(day: date, tz: str) -> str:
    return f"{day:%A %Y-%m-%d} is not a contact day in {tz}"


def _wait_detail(
    reason: str, facts: ContactFacts, channel: Channel, rules: ContactRules, tz: str, at: datetime
) -> str:
    """For a person: why the rule `reason` blocks at `at`, with the figures."""
    label = _LABELS.get(channel, str(channel))
    talked = facts.last_conversation_at
    if reason == "hardship_hold":
        return f"hardship hold until {facts.status_until} included"
    if reason == "outside_hours":
        return _hours_detail(at, tz, rules.hours)
    if reason == "cool_off" and talked is not None:
        days = rules.cool_off[channel].days
        when = f"{talked.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return f"conversation about the account at {when}; no {label} for {days} days after"
    used, limit = len(_in_window(facts.recent_attempts, at)), rules.max_per_week[channel]
    return f"{used} {label} in the last 7 days, limit {limit}"


def _allowed(facts: ContactFacts, channel: Channel, rules: ContactRules, tz: str, at: datetime) -> Decision:
    local = at.astimezone(zone_info(tz))
    # Every allowed decision carries the local time: %-formatting takes half the time of an
    # f-string and a quarter of strftime.
    fields = (local.year, local.month, local.day, local.hour, local.minute)
    when = "%04d-%02d-%02d %02d:%02d" % fields  # noqa: UP031 (speed, above)
    used, limit = len(_in_window(facts.recent_attempts, at)), rules.max_per_week[channel]
    label = _LABELS.get(channel, str(channel))
    return Decision(True, "allowed", f"{when} {tz}; {used} {label} in the last 7 days, limit {limit}")


def _earliest_retry(
    facts: ContactFacts, channel: Channel, rules: ContactRules, tz: str, waits: list[_Wait]
) -> datetime | None:
    """The first moment all the time-based rules pass, or None when they keep moving."""
    for _ in range(_MAX_ROUNDS):
        moment = max(wait.until for wait in waits)
        waits = _waits(facts, channel, rules, tz, moment)
        if not waits:
            return moment.astimezone(UTC)
    return None


def decide(
    facts: ContactFacts,
    channel: Channel | str,
    at: datetime,
    *,
    purpose: Purpose = "collection",
    rules: ContactRules | None = None,
) -> Decision:
    """May the contact happen at `at`? Pure: no database, no clock.

    Checks, in order: do-not-contact, opt-out, invalid destination, settled account, time-barred
    claim, disputed account, hold, hours, cool-off, weekly cap. A reply (`purpose="reply"`) answers
    a message the debtor just sent: only the first three apply. When time-based rules block,
    `next_allowed_at` passes all of them. The rules are `rules` if given, else the creditor's in the
    jurisdiction, else the jurisdiction's.
    """
    at = _utc(at)
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}: one of {', '.join(PURPOSES)}")
    if channel.__class__ is not Channel:  # Channel(channel) costs an enum lookup even for a Channel
        channel = Channel(channel)
    blocked = _personal_block(facts, channel)
    if blocked is not None:
        return blocked
    if purpose == "reply":
        return Decision(True, "allowed", "a reply to the debtor's own message")
    rules = rules or rules_for(facts.jurisdiction, facts.creditor)
    if rules is None:
        return _refused("unknown_jurisdiction", f"no contact rules for jurisdiction {facts.jurisdiction!r}")
    if channel not in rules.max_per_week or channel not in rules.cool_off:
        raise ValueError(f"no contact rules for {channel} in {facts.jurisdiction}")
    blocked = _claim_block(facts, rules)
    if blocked is not None:
        return blocked
    tz = facts.tz_name or rules.hours.default_tz
    waits = _waits(facts, channel, rules, tz, at)
    if not waits:
        return _allowed(facts, channel, rules, tz, at)
    first = waits[0].reason
    detail = _wait_detail(first, facts, channel, rules, tz, at)
    return _refused(first, detail, _earliest_retry(facts, channel, rules, tz, waits))


def _is_invalid(session: Session, account: Account, to: str) -> bool:
    invalid = session.exec(
        select(ContactPoint.id).where(
            ContactPoint.debtor_id == account.debtor_id,
            ContactPoint.value == to,
            col(ContactPoint.valid).is_(False),
        )
    ).first()
    return invalid is not None


def _on_do_not_contact(session: Session, account: Account, to: str) -> bool:
    """The destination itself, or the whole debtor, is on the do-not-contact list."""
    listed = session.exec(
        select(DoNotContact.id).where(
            or_(DoNotContact.value == to, DoNotContact.debtor_id == account.debtor_id)
        )
    ).first()
    return listed is not None


def _recent_attempts(
    session: Session, account: Account, channel: Channel, at: datetime
) -> tuple[datetime, ...]:
    since = at - WINDOW
    recent = session.exec(
        select(ContactAttempt.attempted_at, ContactAttempt.scheduled_at).where(
            ContactAttempt.account_id == account.id,
            ContactAttempt.channel == channel,
            col(ContactAttempt.allowed).is_(True),
            # Answers to the debtor are not contacts we start: they do not use up the week's attempts.
            ContactAttempt.purpose != "reply",
            or_(
                and_(col(ContactAttempt.attempted_at) > since, col(ContactAttempt.attempted_at) <= at),
                and_(
                    col(ContactAttempt.attempted_at).is_(None),
                    ContactAttempt.scheduled_at > since,
                    ContactAttempt.scheduled_at <= at,
                ),
            ),
        )
    ).all()
    return tuple(attempted or scheduled for attempted, scheduled in recent)


def _last_conversation_at(session: Session, account: Account) -> datetime | None:
    return session.exec(
        select(func.max(Conversation.last_activity_at)).where(Conversation.account_id == account.id)
    ).one()


def _destination_zone(session: Session, account: Account, to: str) -> str | None:
    """The zone of the number called, else of the debtor's newest valid postal address."""
    address = session.exec(
        select(ContactPoint.country, ContactPoint.postcode)
        .where(
            ContactPoint.debtor_id == account.debtor_id,
            ContactPoint.kind == ContactKind.ADDRESS,
            col(ContactPoint.valid).is_(True),
        )
        .order_by(col(ContactPoint.updated_at).desc(), col(ContactPoint.id).desc())
    ).first()
    country, postcode = address or (None, None)
    # An address without a country is in the account's jurisdiction (overseas France is FR).
    return zone_for(to, country or (account.jurisdiction if address else None), postcode)


def _is_time_barred(session: Session, account: Account, on: date) -> bool:
    if account.jurisdiction.upper() not in LIMITATIONS:
        return False  # no rules at all there: decide refuses the jurisdiction
    # A confirmed part payment acknowledges the debt and may start a new period.
    payments = session.exec(
        select(Payment.paid_on).where(Payment.account_id == account.id, col(Payment.confirmed).is_(True))
    ).all()
    return is_time_barred(account.jurisdiction, account.due_date, on, acknowledged=payments)


def facts_for(
    session: Session, account: Account, channel: Channel | str, to: str, at: datetime
) -> ContactFacts:
    """The facts about contacting `to` (E.164 for phones) about `account` on `channel` at `at`."""
    at, channel = _utc(at), Channel(channel)
    rules = RULES.get(account.jurisdiction.upper())
    tz = _destination_zone(session, account, to) or (rules.hours.default_tz if rules else None)
    creditor = session.get(Creditor, account.creditor_id)
    local_day = at.astimezone(zone_info(tz)).date() if tz else at.date()
    return ContactFacts(
        jurisdiction=account.jurisdiction,
        tz_name=tz,
        opted_out=is_opted_out(session, account.debtor_id, channel),
        invalid_destination=_is_invalid(session, account, to),
        account_status=AccountStatus(account.status),
        status_until=account.status_until,
        recent_attempts=_recent_attempts(session, account, channel, at),
        last_conversation_at=_last_conversation_at(session, account),
        do_not_contact=_on_do_not_contact(session, account, to),
        creditor=creditor.name if creditor else None,
        time_barred=_is_time_barred(session, account, local_day),
    )


def _by_key(idempotency_key: str) -> SelectOfScalar[ContactAttempt]:
    return select(ContactAttempt).where(ContactAttempt.idempotency_key == idempotency_key)


def _stored(session: Session, idempotency_key: str) -> ContactAttempt | None:
    return session.exec(_by_key(idempotency_key)).first()


def _decision_of(attempt: ContactAttempt) -> Decision:
    """The decision as stored (its next_allowed_at is not kept)."""
    reason, _, detail = attempt.decision_reason.partition(": ")
    return Decision(attempt.allowed, reason, detail)


def check_and_record(
    session: Session,
    account: Account,
    channel: Channel | str,
    to: str,
    at: datetime,
    *,
    purpose: Purpose,
    idempotency_key: str,
    campaign_id: int | None = None,
    rules: ContactRules | None = None,
) -> tuple[Decision, ContactAttempt]:
    """Decide and keep the attempt ("planned" or "refused") with its reason; once per idempotency key."""
    stored = _stored(session, idempotency_key)
    if stored is not None:
        return _decision_of(stored), stored
    channel = Channel(channel)
    decision = decide(facts_for(session, account, channel, to, at), channel, at, purpose=purpose, rules=rules)
    attempt = ContactAttempt(
        account_id=account.id,
        debtor_id=account.debtor_id,
        channel=channel,
        to=to,
        purpose=purpose,
        allowed=decision.allowed,
        decision_reason=f"{decision.reason}: {decision.detail}"[:200],
        idempotency_key=idempotency_key,
        status="planned" if decision.allowed else "refused",
        campaign_id=campaign_id,
        scheduled_at=_utc(at),
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # the same key recorded concurrently by another process
        stored = session.exec(_by_key(idempotency_key)).one()
        return _decision_of(stored), stored
    return decision, attempt


def update_attempt(
    session: Session,
    attempt_id: int | None,
    *,
    status: str,
    sid: str | None = None,
    attempted: datetime | None = None,
) -> None:
    """What became of an allowed contact: the provider's status and id, when it was made."""
    attempt = session.get(ContactAttempt, attempt_id)
    assert attempt is not None
    attempt.status = status
    if sid:
        attempt.provider_sid = sid
    if attempted:
        attempt.attempted_at = attempted
    attempt.updated_at = utcnow()
    session.add(attempt)
