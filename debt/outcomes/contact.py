"""Records how to reach the debtor: a call back in permitted hours, contact data confirmed or added."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from debt import contact_hours
from debt.addresses import normalise_address
from debt.clock import utcnow
from debt.conversations import flags_of
from debt.emails import normalise_email
from debt.masking import mask_phone
from debt.models import (
    Account,
    Channel,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    ConversationFlag,
    Debtor,
)
from debt.outcomes._common import DEBTOR, OutsidePolicy, _audit, _masked
from debt.phones import PhoneError, normalise_phone, preferred_phone, timezone_of


def _valid_points(session: Session, debtor_id: int, kind: ContactKind) -> list[ContactPoint]:
    return list(
        session.exec(
            select(ContactPoint)
            .where(ContactPoint.debtor_id == debtor_id, ContactPoint.kind == kind, ContactPoint.valid)
            .order_by(ContactPoint.verified_at.desc().nulls_last(), ContactPoint.id.desc())  # type: ignore[union-attr]
        ).all()
    )


def contact_on_file(session: Session, debtor_id: int) -> tuple[ContactPoint | None, ContactPoint | None]:
    """The postal address and the e-mail letters and mails go to: the most recently verified valid ones."""
    addresses = _valid_points(session, debtor_id, ContactKind.ADDRESS)
    emails = _valid_points(session, debtor_id, ContactKind.EMAIL)
    return (addresses[0] if addresses else None), (emails[0] if emails else None)


def phone_to_text(session: Session, debtor_id: int) -> str | None:
    """The debtor's valid phone to text (debt.phones.preferred_phone), newest as the planner reads
    them: last updated (confirming a number updates it), then last written."""
    phones = session.exec(
        select(ContactPoint.value, ContactPoint.mobile)
        .where(
            ContactPoint.debtor_id == debtor_id,
            ContactPoint.kind == ContactKind.PHONE,
            col(ContactPoint.valid).is_(True),
        )
        .order_by(col(ContactPoint.updated_at).desc(), col(ContactPoint.id).desc())
    ).all()
    return preferred_phone(phones)


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
    # A new postal address or e-mail replaces the old one: letters and e-mails go to the new one only.
    for point in points:
        if point.kind in (ContactKind.ADDRESS, ContactKind.EMAIL) and _masked(point) in created:
            for old in _valid_points(session, debtor.id, point.kind):
                if old.id != point.id:
                    old.valid, old.invalid_reason, old.updated_at = False, "superseded", now
                    session.add(old)
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


def confirm_contact_data(
    session: Session,
    conversation: Conversation,
    debtor: Debtor,
    *,
    now: datetime | None = None,
    actor: str = DEBTOR,
) -> list[ContactPoint]:
    """The debtor confirms the postal address and e-mail on file: they are marked verified today."""
    verified = ConversationFlag.IDENTITY_VERIFIED in flags_of(session, conversation.id or 0)
    if conversation.debtor_id != debtor.id or not verified:
        raise OutsidePolicy(
            "identity_not_verified", "contact data is confirmed only after the debtor's identity is verified"
        )
    now = now or utcnow()
    points = [point for point in contact_on_file(session, debtor.id or 0) if point is not None]
    for point in points:
        point.verified_at = point.updated_at = now
        session.add(point)
    _audit(
        session,
        actor=actor,
        action="contact_data.confirmed",
        entity="debtor",
        entity_id=debtor.id,
        conversation=conversation,
        confirmed=[_masked(point) for point in points],
    )
    session.flush()
    return points
