"""The contact policy: may this debtor be contacted about this account, on this channel, at this time?

`decide` is pure: it judges facts loaded beforehand (`facts_for`) against the rules of the jurisdiction
(`RULES`, data). `check_and_record` is what every outbound contact calls: it decides and keeps the
attempt with its reason, as proof, whether the contact was allowed or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from debt.clock import utcnow
from debt.contact_hours import CALLING_HOURS, CallingHours, is_open_day, is_permitted, next_permitted
from debt.models import Account, AccountStatus, Channel, ContactAttempt, ContactPoint, Conversation
from debt.outcomes.consent import is_opted_out
from debt.phones import timezone_of

Purpose = Literal["collection", "reply"]
PURPOSES: tuple[Purpose, ...] = ("collection", "reply")
WINDOW = timedelta(days=7)  # attempts are capped per rolling 7 days
STOP_STATUSES = frozenset(
    {AccountStatus.DISPUTED, AccountStatus.HARDSHIP_HOLD, AccountStatus.PAID, AccountStatus.CLOSED}
)
# Each round moves past every rule that blocks; the rules pass for good after a few rounds.
_MAX_ROUNDS = 16
_LABELS = {Channel.SMS: "SMS", Channel.VOICE: "calls"}


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


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # "allowed", or a machine code: "opted_out", "outside_hours", "cap_reached", ...
    detail: str  # for a person, with the figures
    # UTC; when a retry could pass. None: allowed, or only a person can lift the block.
    next_allowed_at: datetime | None = None


class _Wait(NamedTuple):
    reason: str
    detail: str
    until: datetime


def _utc(at: datetime) -> datetime:
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


def _status_block(facts: ContactFacts, rules: ContactRules) -> Decision | None:
    status = facts.account_status
    if status not in rules.stop_statuses:
        return None
    if status in (AccountStatus.PAID, AccountStatus.CLOSED):
        return _refused("settled", f"the account is {status}: nothing to collect")
    if status == AccountStatus.DISPUTED:
        return _refused("disputed", "the account is disputed: collection waits for the review")
    if status == AccountStatus.HARDSHIP_HOLD and facts.status_until is None:
        return _refused("hardship_hold", "hardship hold without an end date: a person ends it")
    return None  # a dated hold is a wait (_waits)


def _in_window(attempts: tuple[datetime, ...], at: datetime) -> list[datetime]:
    return sorted(a for a in attempts if at - WINDOW < a <= at)


def _hours_detail(at: datetime, tz: str, hours: CallingHours) -> str:
    local = at.astimezone(ZoneInfo(tz))
    if not is_open_day(local.date(), hours):
        return f"{local:%A %Y-%m-%d} is not a contact day in {tz}"
    return f"{local:%H:%M} in {tz} is outside {hours.start:%H:%M}–{hours.end:%H:%M}"


def _waits(facts: ContactFacts, channel: Channel, rules: ContactRules, tz: str, at: datetime) -> list[_Wait]:
    """The time-based rules that block at `at`, in the order they are checked, with when each passes."""
    waits = []
    held = facts.account_status == AccountStatus.HARDSHIP_HOLD and facts.account_status in rules.stop_statuses
    if held and facts.status_until is not None:
        # The hold covers its last day: contact resumes the day after, in the debtor's local time.
        ends = datetime.combine(facts.status_until + timedelta(days=1), time(0), ZoneInfo(tz)).astimezone(UTC)
        if at < ends:
            waits.append(_Wait("hardship_hold", f"hardship hold until {facts.status_until} included", ends))
    if not is_permitted(at, facts.jurisdiction, tz, hours=rules.hours):
        opens = next_permitted(at, facts.jurisdiction, tz, hours=rules.hours)
        waits.append(_Wait("outside_hours", _hours_detail(at, tz, rules.hours), opens))
    label = _LABELS.get(channel, str(channel))
    cool_off = rules.cool_off[channel]
    if facts.last_conversation_at is not None and at < facts.last_conversation_at + cool_off:
        talked = f"{facts.last_conversation_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        detail = f"conversation about the account at {talked}; no {label} for {cool_off.days} days after"
        waits.append(_Wait("cool_off", detail, facts.last_conversation_at + cool_off))
    used, limit = _in_window(facts.recent_attempts, at), rules.max_per_week[channel]
    if len(used) >= limit:
        # Passes when enough of the oldest attempts have left the window to leave room for one.
        frees = used[len(used) - limit] + WINDOW
        waits.append(_Wait("cap_reached", f"{len(used)} {label} in the last 7 days, limit {limit}", frees))
    return waits


def decide(
    facts: ContactFacts,
    channel: Channel | str,
    at: datetime,
    *,
    purpose: Purpose = "collection",
    rules: ContactRules | None = None,
) -> Decision:
    """May the contact happen at `at`? Pure: no database, no clock.

    Checks, in order: do-not-contact, opt-out, invalid destination, settled or disputed account, hold,
    hours, cool-off, weekly cap. A reply (`purpose="reply"`) answers a message the debtor just sent:
    only the first three apply. When time-based rules block, `next_allowed_at` passes all of them.
    """
    at = _utc(at)
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}: one of {', '.join(PURPOSES)}")
    channel = Channel(channel)
    blocked = _personal_block(facts, channel)
    if blocked is not None:
        return blocked
    if purpose == "reply":
        return Decision(True, "allowed", "a reply to the debtor's own message")
    rules = rules or RULES.get(facts.jurisdiction.upper())
    if rules is None:
        return _refused("unknown_jurisdiction", f"no contact rules for jurisdiction {facts.jurisdiction!r}")
    if channel not in rules.max_per_week or channel not in rules.cool_off:
        raise ValueError(f"no contact rules for {channel} in {facts.jurisdiction}")
    blocked = _status_block(facts, rules)
    if blocked is not None:
        return blocked
    tz = facts.tz_name or rules.hours.default_tz
    waits = _waits(facts, channel, rules, tz, at)
    if not waits:
        used = len(_in_window(facts.recent_attempts, at))
        local = at.astimezone(ZoneInfo(tz))
        label, limit = _LABELS.get(channel, str(channel)), rules.max_per_week[channel]
        detail = f"{local:%Y-%m-%d %H:%M} {tz}; {used} {label} in the last 7 days, limit {limit}"
        return Decision(True, "allowed", detail)
    first, moment = waits[0], at
    for _ in range(_MAX_ROUNDS):
        moment = max(wait.until for wait in waits)
        waits = _waits(facts, channel, rules, tz, moment)
        if not waits:
            return _refused(first.reason, first.detail, moment.astimezone(UTC))
    return _refused(first.reason, first.detail)


def facts_for(
    session: Session, account: Account, channel: Channel | str, to: str, at: datetime
) -> ContactFacts:
    """The facts about contacting `to` (E.164 for phones) about `account` on `channel` at `at`."""
    at, channel = _utc(at), Channel(channel)
    rules = RULES.get(account.jurisdiction.upper())
    invalid = session.exec(
        select(ContactPoint.id).where(
            ContactPoint.debtor_id == account.debtor_id,
            ContactPoint.value == to,
            col(ContactPoint.valid).is_(False),
        )
    ).first()
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
    last_talk = session.exec(
        select(func.max(Conversation.last_activity_at)).where(Conversation.account_id == account.id)
    ).one()
    return ContactFacts(
        jurisdiction=account.jurisdiction,
        tz_name=timezone_of(to) or (rules.hours.default_tz if rules else None),
        opted_out=is_opted_out(session, account.debtor_id, channel),
        invalid_destination=invalid is not None,
        account_status=AccountStatus(account.status),
        status_until=account.status_until,
        recent_attempts=tuple(attempted or scheduled for attempted, scheduled in recent),
        last_conversation_at=last_talk,
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
