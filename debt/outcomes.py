"""What a conversation decides, written in one place: account status, conversation flags, audit.

One function per outcome. Each takes the caller's session (the caller commits), writes the domain
rows, sets the conversation's flags and appends one audit entry. A refusal raises `OutsidePolicy`
before anything is written. Audit details never carry a birth date or the value of a secret.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from debt import contact_hours
from debt.addresses import normalise_address
from debt.arrangements import Plan
from debt.clock import utcnow
from debt.conversations import flags_of, set_flag
from debt.emails import normalise_email
from debt.identity import SecretKind
from debt.masking import mask_address, mask_email, mask_phone
from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    ArrangementStatus,
    AuditEntry,
    Channel,
    Consent,
    ConsentStatus,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    ConversationFlag,
    Debtor,
    Dispute,
    Handoff,
    HandoffStatus,
    HardshipCase,
    Instalment,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from debt.money import CENT
from debt.phones import PhoneError, normalise_phone, timezone_of

DEBTOR = "debtor"
PROMISE_MAX_DAYS = 30
HARDSHIP_HOLD_DAYS = 30
# A debit day that exists in every month (February has 28 days).
LAST_DEBIT_DAY = 28
WRONG_PARTY_REASON = "wrong party: reached someone else"


class OutsidePolicy(ValueError):
    """The outcome is outside what the bot may record; `limit` is the nearest value allowed."""

    def __init__(self, reason_code: str, message: str, limit: object = None) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.limit = limit


class DisputeReason(StrEnum):
    CONTRACT_CANCELLED = "contract_cancelled"
    NEVER_ORDERED = "never_ordered"
    ALREADY_PAID = "already_paid"
    WRONG_AMOUNT = "wrong_amount"
    SERVICE_NOT_PROVIDED = "service_not_provided"
    FRAUD = "fraud"
    OTHER = "other"


# Helpers --------------------------------------------------------------------------------------------


def _audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    conversation: Conversation | None,
    **details: Any,
) -> AuditEntry:
    if conversation is not None:
        details["conversation_id"] = conversation.id
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
    )
    session.add(entry)
    return entry


def _flag(session: Session, conversation: Conversation, *flags: ConversationFlag) -> None:
    assert conversation.id is not None, "flush the conversation before recording outcomes"
    for flag in flags:
        set_flag(session, conversation.id, flag)


def _set_status(session: Session, account: Account, status: AccountStatus, until: date | None) -> None:
    account.status = status
    account.status_until = until
    account.updated_at = utcnow()
    session.add(account)


def _cancel_pending_promises(session: Session, account: Account) -> list[int]:
    """A plan, a dispute or a hold replaces what was promised: nobody chases a promise made before."""
    pending = session.exec(
        select(PromiseToPay).where(
            PromiseToPay.account_id == account.id, PromiseToPay.status == PromiseStatus.PENDING
        )
    ).all()
    for promise in pending:
        promise.status = PromiseStatus.CANCELLED
        session.add(promise)
    return [p.id for p in pending if p.id is not None]


def _refuse_if_settled(account: Account) -> None:
    if account.status in (AccountStatus.PAID, AccountStatus.CLOSED) or account.balance <= 0:
        raise OutsidePolicy("account_settled", f"account {account.account_ref} has nothing left to pay")


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


# Conversations and identity ---------------------------------------------------------------------------


def conversation_for_sender(
    session: Session,
    sender_id: str,
    *,
    channel: Channel,
    party: str,
    account_ref: str | None = None,
    language: str | None = None,
) -> Conversation:
    """The conversation Rasa runs under `sender_id`, opened on first use.

    The sender id is unique: a closed conversation is returned as it is. A known `account_ref`
    links the account and its debtor when the conversation has no account yet (linking tells the
    caller nothing: disclosure waits for identity verification).
    """
    conversation = session.exec(select(Conversation).where(Conversation.sender_id == sender_id)).first()
    if conversation is None:
        conversation = Conversation(sender_id=sender_id, channel=channel, party=party, language=language)
        try:
            with session.begin_nested():
                session.add(conversation)
        except IntegrityError:  # opened concurrently by another process
            conversation = session.exec(select(Conversation).where(Conversation.sender_id == sender_id)).one()
    if account_ref and conversation.account_id is None:
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).first()
        if account is not None:
            conversation.account_id = account.id
            conversation.debtor_id = account.debtor_id
            session.add(conversation)
    session.flush()
    return conversation


def record_identity_verified(
    session: Session,
    conversation: Conversation,
    account: Account,
    secret_kind: SecretKind,
    *,
    actor: str = DEBTOR,
) -> None:
    """Right party confirmed (name plus one secret): the conversation now belongs to the account.

    The audit keeps which kind of secret matched, never its value (no birth date in the log).
    """
    conversation.account_id = account.id
    conversation.debtor_id = account.debtor_id
    session.add(conversation)
    _flag(session, conversation, ConversationFlag.IDENTITY_VERIFIED)
    _audit(
        session,
        actor=actor,
        action="identity.verified",
        entity="account",
        entity_id=account.id,
        conversation=conversation,
        account_ref=account.account_ref,
        secret_kind=SecretKind(secret_kind).value,
    )
    session.flush()


def record_identity_failed(
    session: Session, conversation: Conversation, attempts: int, *, actor: str = DEBTOR
) -> Handoff:
    """Verification attempts exhausted: nothing is disclosed and an advisor takes over."""
    handoff, _ = _handoff(
        session,
        conversation,
        reason="identity_failed",
        summary=f"Identity not verified after {attempts} attempt(s); nothing about the debt was disclosed.",
    )
    _flag(session, conversation, ConversationFlag.IDENTITY_FAILED)
    _audit(
        session,
        actor=actor,
        action="identity.failed",
        entity="conversation",
        entity_id=conversation.id,
        conversation=conversation,
        attempts=attempts,
        handoff_id=handoff.id,
    )
    session.flush()
    return handoff


def record_wrong_party(
    session: Session,
    conversation: Conversation,
    account: Account,
    phone_e164: str,
    *,
    actor: str = DEBTOR,
) -> ContactPoint | None:
    """Someone else answered: that number is no longer the debtor's; the account stays as it is.

    Only this debtor's contact point is marked invalid (another debtor may rightly hold the number).
    Returns the point marked, or None when the number was not on file.
    """
    phone = normalise_phone(phone_e164)
    point = session.exec(
        select(ContactPoint).where(
            ContactPoint.debtor_id == account.debtor_id,
            ContactPoint.kind == ContactKind.PHONE,
            ContactPoint.value == phone,
        )
    ).first()
    if point is not None:
        point.valid = False
        point.invalid_reason = WRONG_PARTY_REASON
        point.updated_at = utcnow()
        session.add(point)
    _flag(session, conversation, ConversationFlag.WRONG_PARTY)
    _audit(
        session,
        actor=actor,
        action="contact.wrong_party",
        entity="contact_point",
        entity_id=point.id if point else None,
        conversation=conversation,
        account_ref=account.account_ref,
        phone=mask_phone(phone),
    )
    session.flush()
    return point


# Paying ----------------------------------------------------------------------------------------------


def record_promise(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    promised_date: date,
    amount: Decimal | None = None,
    today: date,
    max_days: int = PROMISE_MAX_DAYS,
    actor: str = DEBTOR,
) -> PromiseToPay:
    """A promise to pay on a date, no later than `max_days` ahead; it replaces a pending one."""
    _refuse_if_settled(account)
    limit = today + timedelta(days=max_days)
    if promised_date < today:
        raise OutsidePolicy("date_in_past", f"{promised_date} is in the past", limit=today)
    if promised_date > limit:
        raise OutsidePolicy("beyond_promise_limit", f"a promise may not go beyond {limit}", limit=limit)
    amount = (account.balance if amount is None else amount).quantize(CENT)
    if amount <= 0:
        raise OutsidePolicy("amount_not_positive", f"{amount} is not an amount to pay", limit=account.balance)
    if amount > account.balance:
        raise OutsidePolicy("amount_above_balance", f"{amount} is more than is owed", limit=account.balance)

    replaced = _cancel_pending_promises(session, account)
    promise = PromiseToPay(
        account_id=account.id,
        conversation_id=conversation.id,
        amount=amount,
        promised_date=promised_date,
    )
    session.add(promise)
    _set_status(session, account, AccountStatus.PROMISE_TO_PAY, promised_date)
    session.flush()
    _flag(session, conversation, ConversationFlag.PROMISE_TO_PAY)
    _audit(
        session,
        actor=actor,
        action="promise.recorded",
        entity="promise_to_pay",
        entity_id=promise.id,
        conversation=conversation,
        account_ref=account.account_ref,
        amount=_money(amount),
        currency=account.currency,
        promised_date=promised_date.isoformat(),
        replaced_promises=replaced,
    )
    session.flush()
    return promise


def record_arrangement(
    session: Session,
    conversation: Conversation,
    account: Account,
    plan: Plan,
    *,
    actor: str = DEBTOR,
) -> Arrangement:
    """An instalment plan for the whole balance; its instalments sum exactly to it.

    It replaces a pending promise and an earlier active plan of the account.
    """
    _refuse_if_settled(account)
    if (
        not plan.instalments
        or len(plan.instalments) != len(plan.due_dates)
        or sum(plan.instalments, Decimal("0")) != plan.total
        or plan.total != account.balance
    ):
        raise OutsidePolicy(
            "plan_total_mismatch",
            f"the instalments must sum to the balance of {account.balance}",
            limit=account.balance,
        )

    cancelled = _cancel_pending_promises(session, account)
    earlier = session.exec(
        select(Arrangement).where(
            Arrangement.account_id == account.id, Arrangement.status == ArrangementStatus.ACTIVE
        )
    ).all()
    for old in earlier:
        old.status = ArrangementStatus.CANCELLED
        session.add(old)
    arrangement = Arrangement(
        account_id=account.id,
        conversation_id=conversation.id,
        total=plan.total,
        instalment_count=len(plan.instalments),
        first_due=plan.due_dates[0],
    )
    session.add(arrangement)
    session.flush()
    for seq, (due, amount) in enumerate(zip(plan.due_dates, plan.instalments, strict=True), start=1):
        session.add(Instalment(arrangement_id=arrangement.id, seq=seq, due_date=due, amount=amount))
    # The status holds until the last instalment falls due.
    _set_status(session, account, AccountStatus.ARRANGEMENT, plan.due_dates[-1])
    _flag(session, conversation, ConversationFlag.ARRANGEMENT)
    _audit(
        session,
        actor=actor,
        action="arrangement.recorded",
        entity="arrangement",
        entity_id=arrangement.id,
        conversation=conversation,
        account_ref=account.account_ref,
        total=_money(plan.total),
        currency=account.currency,
        instalments=len(plan.instalments),
        first_due=plan.due_dates[0].isoformat(),
        last_due=plan.due_dates[-1].isoformat(),
        cancelled_promises=cancelled,
        replaced_arrangements=[a.id for a in earlier],
    )
    session.flush()
    return arrangement


def record_direct_debit_day(
    session: Session, conversation: Conversation, account: Account, day: int, *, actor: str = DEBTOR
) -> Account:
    """Move the direct debit to a day after payday; only days that exist in every month (1–28)."""
    if not 1 <= day <= 31:
        raise OutsidePolicy("not_a_day_of_month", f"{day} is not a day of the month", limit=LAST_DEBIT_DAY)
    if day > LAST_DEBIT_DAY:
        raise OutsidePolicy(
            "day_not_in_every_month",
            f"the {day}th does not exist in every month: choose a day up to the {LAST_DEBIT_DAY}th",
            limit=LAST_DEBIT_DAY,
        )
    previous = account.direct_debit_day
    account.direct_debit_day = day
    account.updated_at = utcnow()
    session.add(account)
    _audit(
        session,
        actor=actor,
        action="direct_debit_day.changed",
        entity="account",
        entity_id=account.id,
        conversation=conversation,
        account_ref=account.account_ref,
        previous_day=previous,
        day=day,
    )
    session.flush()
    return account


def record_payment_claim(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    paid_on: date,
    method: str,
    amount: Decimal | None = None,
    reference: str | None = None,
    actor: str = DEBTOR,
) -> Payment:
    """The debtor says they paid: a payment to check; it counts (and the status moves) once confirmed."""
    amount = (account.balance if amount is None else amount).quantize(CENT)
    if amount <= 0:
        raise OutsidePolicy("amount_not_positive", f"{amount} is not an amount paid", limit=account.balance)
    payment = Payment(
        account_id=account.id,
        amount=amount,
        currency=account.currency,
        paid_on=paid_on,
        method=method[:30],
        reference=reference[:100] if reference else None,
        confirmed=False,
    )
    session.add(payment)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="payment_check.opened",
        entity="payment",
        entity_id=payment.id,
        conversation=conversation,
        account_ref=account.account_ref,
        amount=_money(amount),
        currency=account.currency,
        paid_on=paid_on.isoformat(),
        method=payment.method,
    )
    session.flush()
    return payment


# Pauses ----------------------------------------------------------------------------------------------


def open_dispute(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    reason: DisputeReason | str,
    details: str | None = None,
    actor: str = DEBTOR,
) -> Dispute:
    """A contested claim pauses collection until it is reviewed (no end date: the review decides)."""
    reason = DisputeReason(reason)
    cancelled = _cancel_pending_promises(session, account)
    dispute = Dispute(
        account_id=account.id, conversation_id=conversation.id, reason=reason.value, details=details
    )
    session.add(dispute)
    _set_status(session, account, AccountStatus.DISPUTED, None)
    session.flush()
    _flag(session, conversation, ConversationFlag.DISPUTE)
    _audit(
        session,
        actor=actor,
        action="dispute.opened",
        entity="dispute",
        entity_id=dispute.id,
        conversation=conversation,
        account_ref=account.account_ref,
        reason=reason.value,
        cancelled_promises=cancelled,
    )
    session.flush()
    return dispute


def open_hardship(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    circumstances: str | None,
    vulnerability: bool,
    today: date,
    hold_days: int = HARDSHIP_HOLD_DAYS,
    actor: str = DEBTOR,
) -> HardshipCase:
    """Hardship leads to forbearance: collection holds for `hold_days` while a person assesses it.

    The circumstances (often health data, GDPR art. 9) stay in the case, never in the audit log.
    """
    if hold_days < 1:
        raise OutsidePolicy("hold_not_positive", "a hold lasts at least one day", limit=HARDSHIP_HOLD_DAYS)
    hold_until = today + timedelta(days=hold_days)
    cancelled = _cancel_pending_promises(session, account)
    case = HardshipCase(
        account_id=account.id,
        conversation_id=conversation.id,
        circumstances=circumstances,
        vulnerability=vulnerability,
        hold_until=hold_until,
    )
    session.add(case)
    _set_status(session, account, AccountStatus.HARDSHIP_HOLD, hold_until)
    session.flush()
    flags = [ConversationFlag.HARDSHIP] + ([ConversationFlag.VULNERABILITY] if vulnerability else [])
    _flag(session, conversation, *flags)
    _audit(
        session,
        actor=actor,
        action="hardship.opened",
        entity="hardship_case",
        entity_id=case.id,
        conversation=conversation,
        account_ref=account.account_ref,
        vulnerability=vulnerability,
        hold_until=hold_until.isoformat(),
        cancelled_promises=cancelled,
    )
    session.flush()
    return case


# People ----------------------------------------------------------------------------------------------


def _handoff(
    session: Session, conversation: Conversation, *, reason: str, summary: str
) -> tuple[Handoff, bool]:
    """The conversation's waiting or active handoff, or a new one; True when new."""
    current = session.exec(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.status.in_([HandoffStatus.WAITING, HandoffStatus.ACTIVE]),  # type: ignore[attr-defined]
        )
        .order_by(Handoff.id)  # type: ignore[arg-type]
    ).first()
    if current is not None:
        _flag(session, conversation, ConversationFlag.HANDOFF)
        return current, False
    handoff = Handoff(
        conversation_id=conversation.id,
        account_id=conversation.account_id,
        reason=reason[:40],
        summary=summary,
    )
    session.add(handoff)
    session.flush()
    _flag(session, conversation, ConversationFlag.HANDOFF)
    return handoff, True


def request_handoff(
    session: Session, conversation: Conversation, *, reason: str, summary: str, actor: str = DEBTOR
) -> Handoff:
    """Ask for an advisor; a conversation waits for at most one (asking again returns it)."""
    handoff, new = _handoff(session, conversation, reason=reason, summary=summary)
    if new:
        _audit(
            session,
            actor=actor,
            action="handoff.requested",
            entity="handoff",
            entity_id=handoff.id,
            conversation=conversation,
            reason=handoff.reason,
        )
        session.flush()
    return handoff


def record_complaint(
    session: Session,
    conversation: Conversation,
    account: Account | None,
    *,
    text: str,
    actor: str = DEBTOR,
) -> Handoff:
    """A complaint always reaches a person: it is flagged and handed to an advisor with its words."""
    summary = f"Complaint: {text}"
    handoff, new = _handoff(session, conversation, reason="complaint", summary=summary)
    if not new:  # an advisor is already asked for: the complaint joins what they will read
        handoff.summary = f"{handoff.summary}\n{summary}"
        session.add(handoff)
    _flag(session, conversation, ConversationFlag.COMPLAINT)
    _audit(
        session,
        actor=actor,
        action="complaint.recorded",
        entity="conversation",
        entity_id=conversation.id,
        conversation=conversation,
        account_ref=account.account_ref if account else None,
        handoff_id=handoff.id,
    )
    session.flush()
    return handoff


# Consent ---------------------------------------------------------------------------------------------


def _set_consent(
    session: Session,
    *,
    debtor_id: int,
    channel: Channel | str,
    status: ConsentStatus,
    wording: str,
    source: str,
    actor: str,
    conversation: Conversation | None,
) -> Consent:
    """Create or update the (debtor, channel) consent; an unchanged status writes nothing."""
    channel = Channel(channel)
    query = select(Consent).where(Consent.debtor_id == debtor_id, Consent.channel == channel)
    consent = session.exec(query).first()
    if consent is None:
        try:
            with session.begin_nested():
                consent = Consent(debtor_id=debtor_id, channel=channel, status=status)
                session.add(consent)
            previous = None
        except IntegrityError:  # written concurrently by another process
            consent = session.exec(query).one()
            previous = consent.status
    else:
        previous = consent.status
    if previous == status:
        return consent
    consent.status = status
    consent.source = source
    consent.wording = wording[:400]
    consent.updated_at = utcnow()
    session.add(consent)
    session.flush()
    _audit(
        session,
        actor=actor,
        action=f"consent.{status.value}",
        entity="consent",
        entity_id=consent.id,
        conversation=conversation,
        debtor_id=debtor_id,
        channel=channel.value,
        wording=consent.wording,
        previous=previous,
    )
    session.flush()
    return consent


def record_opt_out(
    session: Session,
    *,
    debtor_id: int,
    channel: Channel | str,
    wording: str,
    conversation: Conversation | None = None,
    actor: str = DEBTOR,
) -> Consent:
    """Honour an opt-out at once, in any wording (TCPA: consent is revocable by any reasonable means).

    Repeating it changes nothing and writes no second audit entry.
    """
    consent = _set_consent(
        session,
        debtor_id=debtor_id,
        channel=channel,
        status=ConsentStatus.OPTED_OUT,
        wording=wording,
        source="conversation" if conversation is not None else "debtor",
        actor=actor,
        conversation=conversation,
    )
    if conversation is not None:
        _flag(session, conversation, ConversationFlag.OPT_OUT)
    return consent


def record_opt_in(
    session: Session, *, debtor_id: int, channel: Channel | str, wording: str, actor: str = DEBTOR
) -> Consent:
    """The debtor asks to be contacted on the channel again (START)."""
    return _set_consent(
        session,
        debtor_id=debtor_id,
        channel=channel,
        status=ConsentStatus.GRANTED,
        wording=wording,
        source="debtor",
        actor=actor,
        conversation=None,
    )


def is_opted_out(session: Session, debtor_id: int, channel: Channel | str) -> bool:
    status = session.exec(
        select(Consent.status).where(Consent.debtor_id == debtor_id, Consent.channel == Channel(channel))
    ).first()
    return status == ConsentStatus.OPTED_OUT


# Contact ---------------------------------------------------------------------------------------------


def _valid_points(session: Session, debtor_id: int, kind: ContactKind) -> list[ContactPoint]:
    return list(
        session.exec(
            select(ContactPoint)
            .where(ContactPoint.debtor_id == debtor_id, ContactPoint.kind == kind, ContactPoint.valid)
            .order_by(ContactPoint.verified_at.desc().nulls_last(), ContactPoint.id.desc())  # type: ignore[union-attr]
        ).all()
    )


def _phone_to_call(session: Session, conversation: Conversation, account: Account) -> str:
    """The number the debtor is talking from when it is theirs, else their last verified phone."""
    phones = [p.value for p in _valid_points(session, account.debtor_id, ContactKind.PHONE)]
    if conversation.party in phones:
        return conversation.party
    if phones:
        return phones[0]
    try:
        return normalise_phone(conversation.party)
    except PhoneError:
        raise OutsidePolicy("no_phone_to_call", "no valid phone number to call back") from None


def record_callback(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    at: datetime,
    jurisdiction: str,
    tz_name: str | None = None,
    now: datetime | None = None,
    actor: str = DEBTOR,
) -> ContactAttempt:
    """A call back at the time the debtor asked, if it falls in the permitted calling hours.

    The debtor's zone is `tz_name`, else the zone of the number to call, else the jurisdiction's.
    Refused with the next permitted time as `limit` otherwise. Asking twice for one time plans one call.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    now = now or utcnow()
    if at < now:
        raise OutsidePolicy("time_in_past", f"{at.isoformat()} is in the past", limit=now)
    to = _phone_to_call(session, conversation, account)
    tz = tz_name or timezone_of(to) or contact_hours.default_tz(jurisdiction)
    if not contact_hours.is_permitted(at, jurisdiction, tz):
        upcoming = contact_hours.next_permitted(at, jurisdiction, tz)
        raise OutsidePolicy(
            "outside_permitted_hours",
            f"calls are not permitted at that time in {jurisdiction}; next: {upcoming.isoformat()}",
            limit=upcoming,
        )
    at_utc = at.astimezone(UTC)
    key = f"callback:{conversation.id}:{at_utc.isoformat()}"
    existing = session.exec(select(ContactAttempt).where(ContactAttempt.idempotency_key == key)).first()
    if existing is not None:
        return existing
    local = at.astimezone(ZoneInfo(tz))
    attempt = ContactAttempt(
        account_id=account.id,
        debtor_id=account.debtor_id,
        channel=Channel.VOICE,
        to=to,
        purpose="callback",
        allowed=True,
        decision_reason=f"callback requested by the debtor at {local:%Y-%m-%d %H:%M} {tz}",
        idempotency_key=key,
        status="planned",
        scheduled_at=at_utc,
    )
    session.add(attempt)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="callback.planned",
        entity="contact_attempt",
        entity_id=attempt.id,
        conversation=conversation,
        account_ref=account.account_ref,
        scheduled_at=at_utc.isoformat(),
        local_time=f"{local:%Y-%m-%d %H:%M}",
        tz=tz,
        to=mask_phone(to),
    )
    session.flush()
    return attempt


def update_contact_data(
    session: Session,
    conversation: Conversation,
    debtor: Debtor,
    *,
    email: str | None = None,
    phone: str | None = None,
    address_line: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    country: str | None = None,
    now: datetime | None = None,
    actor: str = DEBTOR,
) -> list[ContactPoint]:
    """Confirm or add contact data told in the conversation, once the debtor's identity is verified.

    Values are normalised first (EmailError, PhoneError, AddressError: nothing written); an identical
    point on file is re-verified (and valid again), a new one is added with source "conversation".
    """
    verified = ConversationFlag.IDENTITY_VERIFIED in flags_of(session, conversation.id or 0)
    if conversation.debtor_id != debtor.id or not verified:
        raise OutsidePolicy(
            "identity_not_verified", "contact data is updated only after the debtor's identity is verified"
        )
    country = (country or debtor.country).upper()
    wanted: list[ContactPoint] = []
    if email is not None:
        wanted.append(ContactPoint(debtor_id=debtor.id, kind=ContactKind.EMAIL, value=normalise_email(email)))
    if phone is not None:
        value = normalise_phone(phone, country)
        wanted.append(ContactPoint(debtor_id=debtor.id, kind=ContactKind.PHONE, value=value))
    if address_line is not None or postcode is not None or city is not None:
        address = normalise_address(address_line or "", postcode or "", city or "", country)
        wanted.append(
            ContactPoint(
                debtor_id=debtor.id,
                kind=ContactKind.ADDRESS,
                value=address.one_line,
                address_line=address.line,
                postcode=address.postcode or None,
                city=address.city,
                country=address.country,
            )
        )
    if not wanted:
        return []

    now = now or utcnow()
    points: list[ContactPoint] = []
    created: list[str] = []
    reverified: list[str] = []
    for candidate in wanted:
        point = session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == debtor.id,
                ContactPoint.kind == candidate.kind,
                ContactPoint.value == candidate.value,
            )
        ).first()
        if point is None:
            point = candidate
            point.source = "conversation"
            created.append(_masked(point))
        else:
            point.valid, point.invalid_reason = True, None
            reverified.append(_masked(point))
        point.verified_at = point.updated_at = now
        session.add(point)
        points.append(point)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="contact_data.updated",
        entity="debtor",
        entity_id=debtor.id,
        conversation=conversation,
        created=created,
        reverified=reverified,
    )
    session.flush()
    return points


def _masked(point: ContactPoint) -> str:
    if point.kind == ContactKind.PHONE:
        return f"phone {mask_phone(point.value)}"
    if point.kind == ContactKind.EMAIL:
        return f"email {mask_email(point.value)}"
    return f"address {mask_address(point.address_line)}, {point.postcode or ''} {point.city or ''}".strip()
