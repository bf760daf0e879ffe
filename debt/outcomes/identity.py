"""Records who answered: the right party verified, verification failed, or someone else."""

from __future__ import annotations

from sqlmodel import Session, select

from debt.clock import utcnow
from debt.identity import SecretKind
from debt.masking import mask_phone
from debt.models import Account, ContactKind, ContactPoint, Conversation, ConversationFlag, Handoff
from debt.outcomes._common import DEBTOR, WRONG_PARTY_REASON, _audit, _flag
from debt.outcomes.handoffs import _handoff
from debt.phones import normalise_phone


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
    phone_e164: str | None,
    *,
    actor: str = DEBTOR,
) -> ContactPoint | None:
    """Someone else answered: that number is no longer the debtor's; the account stays as it is.

    Only this debtor's contact point is marked invalid (another debtor may rightly hold the number).
    Returns the point marked, or None when the number was not on file or the channel has none (chat).
    """
    phone = normalise_phone(phone_e164) if phone_e164 else None
    point = (
        session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == account.debtor_id,
                ContactPoint.kind == ContactKind.PHONE,
                ContactPoint.value == phone,
            )
        ).first()
        if phone
        else None
    )
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
        phone=mask_phone(phone) if phone else None,
    )
    session.flush()
    return point
