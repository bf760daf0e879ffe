"""One conversation in the inbox: its turns as the advisor reads them, who may answer, and the advisor's
message stored for delivery.

An advisor's message is stored as a turn waiting to be sent (TurnState.TO_SEND) and handed to the turn
pipeline (TurnProcessor.deliver_now): by SMS through the contact policy (channels/sms_delivery.py,
purpose "reply"), in the web chat by the page's polling. When Twilio is away it stays waiting and the
gateway's retry loop sends it, like any late reply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from console.templating import when
from debt.conversations import add_turn
from debt.models import (
    Channel,
    ConsoleRole,
    ConsoleUser,
    ContactAttempt,
    Conversation,
    Turn,
    TurnRole,
    TurnState,
)

MAX_REPLY = 1600  # Twilio's limit for one message body; the chat takes 2000

ROLE_LABELS = {
    TurnRole.DEBTOR: "Person",
    TurnRole.BOT: "Assistant",
    TurnRole.ADVISOR: "Advisor",
    TurnRole.SYSTEM: "System",
}


class NotAllowed(PermissionError):
    """This user may not answer or hand back this conversation."""


class NotHeld(ValueError):
    """The conversation is not taken over (any more): nobody may answer it as a person."""


@dataclass(frozen=True)
class TurnView:
    seq: int
    role: str
    who: str
    text: str  # as typed: the template and the script show it as text, never as HTML
    at: str
    delivery: str  # an advisor's message: where it went; empty for other turns


def may_answer(conversation: Conversation, user: ConsoleUser) -> bool:
    """The advisor holding the conversation, or a supervisor, answers it and hands it back."""
    if conversation.held_by_user_id is None:
        return False
    return conversation.held_by_user_id == user.id or user.role == ConsoleRole.SUPERVISOR


def turns_after(session: Session, conversation: Conversation, after: int = 0) -> list[TurnView]:
    rows = session.exec(
        select(Turn).where(Turn.conversation_id == conversation.id, Turn.seq > after).order_by(col(Turn.seq))
    ).all()
    return [_view(session, conversation, turn) for turn in rows]


def turn_json(view: TurnView) -> dict[str, Any]:
    return asdict(view)


def _view(session: Session, conversation: Conversation, turn: Turn) -> TurnView:
    who = ROLE_LABELS.get(turn.role, turn.role)
    if turn.role == TurnRole.ADVISOR and turn.meta.get("advisor_name"):
        who = f"Advisor · {turn.meta['advisor_name']}"
    delivery = _delivery(session, conversation, turn) if turn.role == TurnRole.ADVISOR else ""
    return TurnView(turn.seq, turn.role, who, turn.text, when(turn.at), delivery)


def _delivery(session: Session, conversation: Conversation, turn: Turn) -> str:
    if conversation.channel != Channel.SMS:
        return "shown in the chat"
    if turn.state == TurnState.TO_SEND:
        return "waiting to be sent (Twilio does not answer yet)"
    if turn.meta.get("sids"):
        return "sent by SMS"
    # channels/sms_delivery.late_sms_sender keys an attempt by the first turn of what it sent.
    attempt = session.exec(
        select(ContactAttempt).where(ContactAttempt.idempotency_key == f"late:{conversation.id}:{turn.seq}:0")
    ).first()
    return f"not sent: {attempt.decision_reason}" if attempt else "not sent"


def store_reply(session: Session, conversation_id: int, user: ConsoleUser, text: str, now: datetime) -> int:
    """The advisor's message as the conversation's next turn, waiting to be delivered; returns its seq."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    if conversation.held_by_user_id is None:
        raise NotHeld("take the conversation over before answering it")
    if not may_answer(conversation, user):
        raise NotAllowed("another advisor holds this conversation")
    turn = add_turn(
        session,
        conversation,
        role=TurnRole.ADVISOR,
        text=text,
        at=now,
        state=TurnState.TO_SEND,
        meta={"advisor": user.login, "advisor_name": user.display_name},
    )
    return turn.seq
