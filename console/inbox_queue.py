"""The advisors' inbox as data: handed-off conversations waiting for a person, oldest first, and those an
advisor holds, each with what the bot knew when it handed over.

A list shows what a person typed only masked until their identity is verified: an unverified writer
may be someone else, and what they typed to pass the check (a birth date, a reference) is a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from debt.conversations import flags_of
from debt.masking import MASK, mask_email, mask_phone
from debt.models import (
    Account,
    Channel,
    ConsoleUser,
    Conversation,
    ConversationFlag,
    ConversationStatus,
    Handoff,
    HandoffStatus,
    Turn,
    TurnRole,
)
from debt.outcomes.handoffs import TAKEABLE_CHANNELS

LAST_MESSAGES = 3
EXCERPT = 160  # characters of each last message in the list
MAX_ROWS = 200  # an inbox longer than this is a staffing problem, not a paging one

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Summary:
    """What the bot knew when it handed over, as the inbox and the conversation page show it."""

    conversation_id: int
    channel: str
    party: str  # a phone, masked; empty for a chat, whose party (its session token) opens the chat
    language: str | None
    reason: str
    summary: str
    flags: list[str]
    verified: bool
    account_ref: str | None  # only once the identity is verified
    last_messages: list[str]  # the person's last messages, oldest first, masked unless verified
    requested_at: datetime
    takeable: bool  # a text conversation, still open (calls go to the phone queue)
    ended: bool
    held_by: str | None  # the advisor's name while someone holds it
    held_by_user_id: int | None
    held_since: datetime | None


def mask_message(text: str) -> str:
    """Every digit and e-mail address hidden: 'né le 12/03/1985' → 'né le ••/••/••••'."""
    return _DIGIT.sub(MASK, _EMAIL.sub(lambda found: mask_email(found[0]), text))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def party_label(conversation: Conversation) -> str:
    if conversation.channel == Channel.CHAT:
        return ""
    return mask_phone(conversation.party) if conversation.party.startswith("+") else MASK * 3


def waited(since: datetime, now: datetime) -> str:
    """'under a minute', '4 min', '2 h 05 min', '3 days': how long a person has been waiting."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes == 0:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} days"


def last_debtor_messages(session: Session, conversation_id: int, count: int = LAST_MESSAGES) -> list[str]:
    rows = session.exec(
        select(Turn.text)
        .where(Turn.conversation_id == conversation_id, Turn.role == TurnRole.DEBTOR)
        .order_by(col(Turn.seq).desc())
        .limit(count)
    ).all()
    return list(reversed(rows))


def summarise(session: Session, conversation: Conversation, handoff: Handoff) -> Summary:
    assert conversation.id is not None
    flags = flags_of(session, conversation.id)
    verified = ConversationFlag.IDENTITY_VERIFIED in flags
    shown = (lambda text: text) if verified else mask_message
    account = session.get(Account, conversation.account_id) if verified and conversation.account_id else None
    holder = session.get(ConsoleUser, conversation.held_by_user_id) if conversation.held_by_user_id else None
    ended = conversation.status != ConversationStatus.OPEN
    return Summary(
        conversation_id=conversation.id,
        channel=conversation.channel,
        party=party_label(conversation),
        language=conversation.language,
        reason=handoff.reason,
        summary=shown(_without_reason(handoff)),
        flags=flags,
        verified=verified,
        account_ref=account.account_ref if account else None,
        last_messages=[shown(excerpt(text)) for text in last_debtor_messages(session, conversation.id)],
        requested_at=handoff.requested_at,
        takeable=conversation.channel in TAKEABLE_CHANNELS and not ended,
        ended=ended,
        held_by=holder.display_name if holder else None,
        held_by_user_id=conversation.held_by_user_id,
        held_since=conversation.held_since,
    )


def _without_reason(handoff: Handoff) -> str:
    """The bot's summary starts with the reason, which the pages show on its own already."""
    return handoff.summary.removeprefix(f"{handoff.reason}.").strip()


def _handoffs(session: Session, status: HandoffStatus) -> list[tuple[Handoff, Conversation]]:
    rows = session.exec(
        select(Handoff, Conversation)
        .join(Conversation, col(Conversation.id) == Handoff.conversation_id)
        .where(Handoff.status == status)
        .order_by(col(Handoff.requested_at), col(Handoff.id))
        .limit(MAX_ROWS)
    ).all()
    return [(handoff, conversation) for handoff, conversation in rows]


def waiting(session: Session) -> list[Summary]:
    """Handoffs nobody has taken yet, the longest waiting first."""
    return [
        summarise(session, conversation, handoff)
        for handoff, conversation in _handoffs(session, HandoffStatus.WAITING)
    ]


def held(session: Session) -> list[Summary]:
    """Text conversations an advisor holds now, the oldest handoff first."""
    return [
        summarise(session, conversation, handoff)
        for handoff, conversation in _handoffs(session, HandoffStatus.ACTIVE)
        if conversation.held_by_user_id is not None
    ]
