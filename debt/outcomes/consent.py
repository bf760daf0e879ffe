"""Records the debtor's consent per channel: opt-out, opt-in, and whether they opted out."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from debt.clock import utcnow
from debt.models import Channel, Consent, ConsentStatus, Conversation, ConversationFlag
from debt.outcomes._common import DEBTOR, _audit, _flag


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
