"""The database side of a text turn: the message stored first, answers recorded in order, holds, deliveries.

Every function takes a session and does one step; channels/turns.py runs them in a
thread, each in its own transaction, and retries a transaction that lost a race for
a turn number (the unique (conversation, seq) refuses the second writer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from debt.clock import utcnow
from debt.conversations import add_turn
from debt.messages import render
from debt.models import (
    Account,
    AccountStatus,
    Channel,
    ContactKind,
    ContactPoint,
    Conversation,
    ConversationStatus,
    Debtor,
    Turn,
    TurnRole,
    TurnState,
)
from debt.outcomes.handoffs import request_handoff
from debt.phones import language_of

SETTLED = (AccountStatus.PAID, AccountStatus.CLOSED)
BOT_UNAVAILABLE = "bot_unavailable"


@dataclass(frozen=True)
class Inbound:
    """A message from the person, as every channel hands it to the dialogue."""

    channel: Channel
    party: str  # an E.164 phone, a chat session token
    text: str
    external_id: str | None = None  # the provider's id (Twilio MessageSid): a second delivery is a duplicate
    language: str | None = None  # what the person chose (web chat), when known
    local: str | None = None  # an answer given without the bot (channels/local_answers.py)
    meta: dict[str, Any] | None = None
    # A call's turns go to the call's own conversation (a new call never resumes an old one).
    conversation_id: int | None = None
    # What the bot is sent when it differs from what is kept (a keypad entry, a call being answered).
    bot_text: str | None = None
    role: TurnRole = TurnRole.DEBTOR


@dataclass(frozen=True)
class Stored:
    conversation_id: int
    seq: int
    duplicate: bool


@dataclass(frozen=True)
class Context:
    """What the bot is told about the conversation with every message."""

    id: int
    sender_id: str
    channel: str
    party: str
    direction: str
    language: str | None
    account_ref: str | None

    def metadata(self, seq: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "channel": self.channel,
            "direction": self.direction,
            "conversation_id": self.id,
            "turn_ref": f"{self.id}:{seq}",
        }
        if self.language:
            data["language"] = self.language
        if self.account_ref:
            data["account_ref"] = self.account_ref
        return data


@dataclass(frozen=True)
class Waiting:
    """A debtor turn without its answer yet."""

    seq: int
    text: str  # what the bot is sent
    state: str
    local: str | None
    attempts: int


def match_party(session: Session, channel: Channel, party: str) -> tuple[Debtor | None, Account | None]:
    """The debtor a phone number belongs to, and the account it most likely calls about.

    Only a number that points at exactly one debtor names them; a number marked invalid (a wrong
    number) names nobody. A match is a candidate: the identity check still decides.
    """
    if channel not in (Channel.SMS, Channel.VOICE) or not party.startswith("+"):
        return None, None
    debtor_ids = session.exec(
        select(ContactPoint.debtor_id)
        .where(
            ContactPoint.kind == ContactKind.PHONE,
            ContactPoint.value == party,
            col(ContactPoint.valid).is_(True),
        )
        .distinct()
    ).all()
    if len(debtor_ids) != 1:
        return None, None
    debtor = session.get(Debtor, debtor_ids[0])
    accounts = session.exec(
        select(Account).where(Account.debtor_id == debtor_ids[0]).order_by(col(Account.created_at).desc())
    ).all()
    open_accounts = [a for a in accounts if a.status not in SETTLED]
    return debtor, (open_accounts or accounts or [None])[0]


def current_conversation(
    session: Session, channel: Channel, party: str, *, idle: timedelta, now: datetime, language: str | None
) -> Conversation:
    """The party's open conversation on this channel, or a new one when the last went quiet for `idle`
    (one an advisor holds stays theirs however quiet: they hand it back)."""
    conversation = session.exec(
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.party == party,
            Conversation.status == ConversationStatus.OPEN,
        )
        .order_by(col(Conversation.id).desc())
    ).first()
    if conversation is not None and (
        conversation.held_by_user_id is not None or conversation.last_activity_at >= now - idle
    ):
        return conversation
    if conversation is not None:
        conversation.status = ConversationStatus.CLOSED
        conversation.closed_at = now
        session.add(conversation)
    debtor, account = match_party(session, channel, party)
    conversation = Conversation(
        channel=channel,
        party=party,
        debtor_id=debtor.id if debtor else None,
        account_id=account.id if account else None,
        language=language or (debtor.language if debtor else None) or _number_language(channel, party),
        sender_id=f"{channel}-{_token()}",
        started_at=now,
        last_activity_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation


def _number_language(channel: Channel, party: str) -> str | None:
    return language_of(party) if channel in (Channel.SMS, Channel.VOICE) else None


def _token() -> str:
    return uuid.uuid4().hex


def find_duplicate(session: Session, external_id: str | None) -> Stored | None:
    if not external_id:
        return None
    turn = session.exec(select(Turn).where(Turn.external_id == external_id)).first()
    return Stored(turn.conversation_id, turn.seq, duplicate=True) if turn else None


def store_inbound(
    session: Session, inbound: Inbound, *, idle: timedelta, now: datetime | None = None
) -> Stored:
    """Store the person's message before anything else is tried; a known provider id is a duplicate."""
    duplicate = find_duplicate(session, inbound.external_id)
    if duplicate is not None:
        return duplicate
    now = now or utcnow()
    if inbound.conversation_id is not None:
        conversation = session.get(Conversation, inbound.conversation_id)
        if conversation is None:
            raise LookupError(f"no conversation {inbound.conversation_id}")
    else:
        conversation = current_conversation(
            session, inbound.channel, inbound.party, idle=idle, now=now, language=inbound.language
        )
    if inbound.language and conversation.language != inbound.language:
        conversation.language = inbound.language
    meta = dict(inbound.meta or {})
    if inbound.local:
        meta["local"] = inbound.local
    if inbound.bot_text:
        meta["bot_text"] = inbound.bot_text
    turn = add_turn(
        session,
        conversation,
        role=inbound.role,
        text=inbound.text,
        external_id=inbound.external_id,
        meta=meta,
        at=now,
        state=TurnState.RECEIVED,
    )
    return Stored(conversation.id, turn.seq, duplicate=False)  # type: ignore[arg-type]


def context_of(session: Session, conversation_id: int) -> Context:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    account = session.get(Account, conversation.account_id) if conversation.account_id else None
    return Context(
        id=conversation_id,
        sender_id=conversation.sender_id,
        channel=conversation.channel,
        party=conversation.party,
        direction=conversation.direction,
        language=conversation.language,
        account_ref=account.account_ref if account else None,
    )


def waiting_turns(session: Session, conversation_id: int, *, up_to: int | None = None) -> list[Waiting]:
    """Debtor turns without an answer, oldest first: answered in this order and no other."""
    query = select(Turn).where(
        Turn.conversation_id == conversation_id,
        col(Turn.state).in_([TurnState.RECEIVED, TurnState.QUEUED]),
    )
    if up_to is not None:
        query = query.where(Turn.seq <= up_to)
    return [
        Waiting(
            t.seq,
            t.meta.get("bot_text") or t.text,
            t.state or "",
            t.meta.get("local"),
            int(t.meta.get("attempts", 0)),
        )
        for t in session.exec(query.order_by(col(Turn.seq))).all()
    ]


def _debtor_turn(session: Session, conversation_id: int, seq: int) -> Turn:
    return session.exec(select(Turn).where(Turn.conversation_id == conversation_id, Turn.seq == seq)).one()


def record_answer(
    session: Session,
    conversation_id: int,
    seq: int,
    texts: list[str],
    *,
    intent: str | None = None,
    confidence: float | None = None,
    delivered_by: str | None = None,
    retrying: bool = False,
) -> list[str]:
    """Store the bot's replies to turn `seq` and mark it answered.

    Returns the replies when they are late (the person had the holding reply for this turn, or
    the retry answers a turn whose request is gone): the caller delivers them, and says how through
    `delivered_by` now or mark_delivered later.
    """
    conversation = session.get(Conversation, conversation_id)
    assert conversation is not None
    turn = _debtor_turn(session, conversation_id, seq)
    if turn.state == TurnState.ANSWERED:
        return []
    late = retrying or turn.state == TurnState.QUEUED
    turn.state = TurnState.ANSWERED
    turn.intent = intent[:40] if intent else None
    turn.confidence = confidence
    session.add(turn)
    state = (TurnState.SENT if delivered_by else TurnState.TO_SEND) if late else None
    meta = {"late": True, "delivered_by": delivered_by} if late and delivered_by else {}
    for text in texts:
        add_turn(
            session, conversation, role=TurnRole.BOT, text=text, reply_to=seq, state=state, meta=dict(meta)
        )
    return list(texts) if late else []


def note_failure(session: Session, conversation_id: int, seq: int, error: str) -> None:
    """Count an attempt that got no answer; the reason goes with the turn for the reviewer."""
    turn = _debtor_turn(session, conversation_id, seq)
    turn.meta = {**turn.meta, "attempts": int(turn.meta.get("attempts", 0)) + 1, "last_error": error[:200]}
    session.add(turn)


def hold(session: Session, conversation_id: int, seq: int) -> list[str] | None:
    """The bot could not answer in time: queue the turn, give the holding reply, alert the advisors.

    None when the turn was answered meanwhile (the caller returns that answer instead).
    """
    moved = session.exec(  # type: ignore[call-overload]
        update(Turn)
        .where(Turn.conversation_id == conversation_id, Turn.seq == seq, Turn.state == TurnState.RECEIVED)
        .values(state=TurnState.QUEUED)
    )
    if moved.rowcount == 0:
        turn = _debtor_turn(session, conversation_id, seq)
        return (
            None
            if turn.state == TurnState.ANSWERED
            else [t.text for t in answers_to(session, conversation_id, seq)]
        )
    conversation = session.get(Conversation, conversation_id)
    assert conversation is not None
    text = render("holding_reply", conversation.language or "en")
    add_turn(session, conversation, role=TurnRole.BOT, text=text, reply_to=seq, meta={"holding": True})
    request_handoff(
        session,
        conversation,
        reason=BOT_UNAVAILABLE,
        summary="The assistant could not answer in time; the message is queued and will be answered "
        "when it is back. Please check the conversation.",
        actor="system",
    )
    return [text]


def answers_to(session: Session, conversation_id: int, seq: int) -> list[Turn]:
    """The bot turns that answer turn `seq`, in order (the holding reply first when there was one)."""
    return list(
        session.exec(
            select(Turn)
            .where(Turn.conversation_id == conversation_id, Turn.reply_to == seq)
            .order_by(col(Turn.seq))
        ).all()
    )


def own_replies(session: Session, conversation_id: int, seq: int) -> list[str]:
    """The answer to turn `seq` without the holding reply given before it (a duplicate sees it too)."""
    return [t.text for t in answers_to(session, conversation_id, seq) if not t.meta.get("holding")]


def state_of(session: Session, conversation_id: int, seq: int) -> str:
    return _debtor_turn(session, conversation_id, seq).state or ""


def undelivered(session: Session, conversation_id: int) -> list[Turn]:
    """Late replies nobody has delivered yet, in order: the channel sends them."""
    return list(
        session.exec(
            select(Turn)
            .where(Turn.conversation_id == conversation_id, Turn.state == TurnState.TO_SEND)
            .order_by(col(Turn.seq))
        ).all()
    )


def mark_delivered(session: Session, turn_ids: list[int], how: str, **details: Any) -> None:
    for turn in session.exec(select(Turn).where(col(Turn.id).in_(turn_ids))).all():
        turn.state = TurnState.SENT
        turn.meta = {**turn.meta, "late": True, "delivered_by": how, **details}
        session.add(turn)


def conversations_to_retry(session: Session, *, received_before: datetime) -> list[int]:
    """Conversations with a queued turn, a late reply to send, or a turn received so long ago that
    its request must have died (a gateway restarted mid-turn)."""
    rows = session.exec(
        select(Turn.conversation_id)
        .where(
            col(Turn.state).in_([TurnState.QUEUED, TurnState.TO_SEND])
            | ((Turn.state == TurnState.RECEIVED) & (Turn.at < received_before))
        )
        .distinct()
    ).all()
    return sorted(rows)
