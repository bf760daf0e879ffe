"""The advisors' inbox as data: handed-off conversations waiting for a person, oldest first, and those an
advisor holds, each with what the bot knew when it handed over.

A list shows what a person typed only masked until their identity is verified: an unverified writer
may be someone else, and what they typed to pass the check (a birth date, a reference) is a secret.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from console.conversation_masking import mask_party
from debt.masking import MASK, mask_email
from debt.models import (
    Account,
    Channel,
    ConsoleUser,
    Conversation,
    ConversationFlag,
    ConversationFlagRow,
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
    """As the conversation list shows the party, but a chat not at all: its token is the inbox's to guard."""
    return "" if conversation.channel == Channel.CHAT else mask_party(conversation.party)


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


@dataclass(frozen=True)
class _Known:
    """What the summaries of some conversations need besides the conversation and its handoff, read
    in one query per kind (a long inbox is drawn in a handful of queries, not four per row)."""

    flags: dict[int, list[str]]
    account_refs: dict[int, str]
    holders: dict[int, str]
    last_messages: dict[int, list[str]]


def _known(session: Session, conversations: list[Conversation]) -> _Known:
    ids = [c.id for c in conversations if c.id is not None]
    flags: dict[int, list[str]] = defaultdict(list)
    for conversation_id, flag in session.exec(
        select(ConversationFlagRow.conversation_id, ConversationFlagRow.flag)
        .where(col(ConversationFlagRow.conversation_id).in_(ids))
        .order_by(col(ConversationFlagRow.flag))
    ).all():
        flags[conversation_id].append(flag)
    account_ids = {c.account_id for c in conversations if c.account_id is not None}
    holder_ids = {c.held_by_user_id for c in conversations if c.held_by_user_id is not None}
    accounts = session.exec(select(Account.id, Account.account_ref).where(col(Account.id).in_(account_ids)))
    holders = session.exec(
        select(ConsoleUser.id, ConsoleUser.display_name).where(col(ConsoleUser.id).in_(holder_ids))
    )
    newest_first = (
        func.row_number()
        .over(partition_by=col(Turn.conversation_id), order_by=col(Turn.seq).desc())
        .label("n")
    )
    recent = (
        select(Turn.conversation_id, Turn.seq, Turn.text, newest_first)
        .where(col(Turn.conversation_id).in_(ids), Turn.role == TurnRole.DEBTOR)
        .subquery()
    )
    messages: dict[int, list[str]] = defaultdict(list)
    for conversation_id, text in session.exec(
        select(recent.c.conversation_id, recent.c.text)
        .where(recent.c.n <= LAST_MESSAGES)
        .order_by(recent.c.conversation_id, recent.c.seq)
    ).all():
        messages[conversation_id].append(text)
    return _Known(flags, dict(accounts.all()), dict(holders.all()), messages)


def summarise(session: Session, conversation: Conversation, handoff: Handoff) -> Summary:
    return _summary(conversation, handoff, _known(session, [conversation]))


def _summary(conversation: Conversation, handoff: Handoff, known: _Known) -> Summary:
    assert conversation.id is not None
    flags = known.flags.get(conversation.id, [])
    verified = ConversationFlag.IDENTITY_VERIFIED in flags
    shown = (lambda text: text) if verified else mask_message
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
        account_ref=known.account_refs.get(conversation.account_id or 0) if verified else None,
        last_messages=[shown(excerpt(text)) for text in known.last_messages.get(conversation.id, [])],
        requested_at=handoff.requested_at,
        takeable=conversation.channel in TAKEABLE_CHANNELS and not ended,
        ended=ended,
        held_by=known.holders.get(conversation.held_by_user_id or 0),
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


def _summaries(session: Session, rows: list[tuple[Handoff, Conversation]]) -> list[Summary]:
    known = _known(session, [conversation for _, conversation in rows])
    return [_summary(conversation, handoff, known) for handoff, conversation in rows]


def waiting(session: Session) -> list[Summary]:
    """Handoffs nobody has taken yet, the longest waiting first."""
    return _summaries(session, _handoffs(session, HandoffStatus.WAITING))


def held(session: Session) -> list[Summary]:
    """Text conversations an advisor holds now, the oldest handoff first."""
    rows = _handoffs(session, HandoffStatus.ACTIVE)
    return _summaries(session, [(h, c) for h, c in rows if c.held_by_user_id is not None])
