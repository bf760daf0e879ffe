"""Records the conversation Rasa runs under a sender id, linked to its account when known."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from debt.models import Account, Channel, Conversation


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
