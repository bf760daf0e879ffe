"""The turn pipeline while an advisor holds a conversation, without HTTP: the bot never sees what was
written to a person, not through a lock timeout, a retry, nor after the conversation is handed back."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from channels.turn_store import Inbound
from channels.turns import TurnProcessor
from console.inbox_queue import held as held_now
from console.inbox_queue import waiting
from console.user_store import create_user
from core.settings import Settings, load_settings
from debt.db import make_engine, session_scope
from debt.models import (
    Channel,
    ConsoleRole,
    ConsoleUser,
    Conversation,
    Handoff,
    HandoffStatus,
    Turn,
    TurnState,
)
from debt.outcomes.handoffs import TakeoverRefused, hand_back, request_handoff, take_over
from integrations.locks import InProcessLocks
from tests.channels.test_turns import FakeRasa

PHONE = "+33639980012"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings(database_url=sqlite_url, rasa_timeout_seconds=1.0)


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


@pytest.fixture
def advisor(engine: Engine) -> ConsoleUser:
    with session_scope(engine) as db:
        return create_user(db, "val", "correct horse battery staple", ConsoleRole.ADVISOR, "Val Advisor")


def processor(settings: Settings, engine: Engine, rasa: FakeRasa) -> TurnProcessor:
    return TurnProcessor(settings, engine, rasa, InProcessLocks())  # type: ignore[arg-type]


def sms(text: str, sid: str, local: str | None = None) -> Inbound:
    return Inbound(channel=Channel.SMS, party=PHONE, text=text, external_id=sid, local=local)


def held_conversation(settings: Settings, engine: Engine, rasa: FakeRasa, advisor: ConsoleUser) -> int:
    """A texter answered once by the bot, handed over, then taken by `advisor`."""
    first = asyncio.run(processor(settings, engine, rasa).handle(sms("bonjour", "SM0")))
    with session_scope(engine) as db:
        conversation = db.get(Conversation, first.conversation_id)
        assert conversation is not None
        request_handoff(db, conversation, reason="requested by the debtor", summary="wants a person")
        take_over(db, first.conversation_id, advisor, actor="user:val", now=NOW)
    return first.conversation_id


def debtor_turns(engine: Engine, cid: int) -> dict[str, Turn]:
    with Session(engine) as db:
        found = db.exec(select(Turn).where(Turn.conversation_id == cid, Turn.role == "debtor")).all()
        return {t.text: t for t in found}


def test_a_held_conversation_is_not_sent_to_the_bot_and_gets_no_reply(
    settings: Settings, engine: Engine, advisor: ConsoleUser
) -> None:
    rasa = FakeRasa()
    cid = held_conversation(settings, engine, rasa, advisor)

    result = asyncio.run(processor(settings, engine, rasa).handle(sms("allo ?", "SM1")))

    assert (result.conversation_id, result.replies, result.pending) == (cid, [], True)
    assert [text for _, text, _ in rasa.received] == ["bonjour"]
    turn = debtor_turns(engine, cid)["allo ?"]
    assert turn.state == TurnState.ANSWERED and turn.meta["for_advisor"] is True
    with Session(engine) as db:  # no holding reply, no second handoff
        assert db.exec(select(Handoff)).all()[0].status == HandoffStatus.ACTIVE
        assert len(db.exec(select(Turn).where(Turn.conversation_id == cid)).all()) == 3


def test_a_held_turn_that_times_out_on_the_lock_gets_no_holding_reply(
    settings: Settings, engine: Engine, advisor: ConsoleUser
) -> None:
    rasa = FakeRasa()
    cid = held_conversation(settings, engine, rasa, advisor)
    locks = InProcessLocks()
    turns = TurnProcessor(settings, engine, rasa, locks)  # type: ignore[arg-type]

    async def while_locked():  # another request holds the conversation for longer than the budget
        async with locks.hold(f"conversation:{cid}", wait=1):
            return await turns.handle(sms("vous êtes là ?", "SM2"))

    result = asyncio.run(while_locked())

    assert result.replies == [] and result.pending is True
    assert debtor_turns(engine, cid)["vous êtes là ?"].state == TurnState.RECEIVED  # not queued for the bot
    with session_scope(engine) as db:  # long enough ago for the retry loop to pick it up
        db.exec(
            update(Turn).where(col(Turn.external_id) == "SM2").values(at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    asyncio.run(turns.retry_waiting())
    assert debtor_turns(engine, cid)["vous êtes là ?"].meta["for_advisor"] is True  # left to the advisor
    assert [text for _, text, _ in rasa.received] == ["bonjour"]


def test_turns_queued_before_the_takeover_are_the_advisors_when_it_is_handed_back(
    settings: Settings, engine: Engine, advisor: ConsoleUser
) -> None:
    rasa = FakeRasa()
    turns = processor(settings, engine, rasa)
    rasa.up = False
    queued = asyncio.run(turns.handle(sms("bonjour", "SM3")))  # the bot is down: held, queued, handed over
    assert (
        queued.pending and debtor_turns(engine, queued.conversation_id)["bonjour"].state == TurnState.QUEUED
    )
    with session_scope(engine) as db:
        take_over(db, queued.conversation_id, advisor, actor="user:val", now=NOW)
        hand_back(db, queued.conversation_id, outcome="resolved", actor="user:val", now=NOW)
    rasa.up = True

    asyncio.run(turns.retry_waiting())

    assert rasa.received == []  # written to a person: the bot never answers it late
    assert debtor_turns(engine, queued.conversation_id)["bonjour"].state == TurnState.ANSWERED
    after = asyncio.run(turns.handle(sms("et maintenant ?", "SM4")))
    assert after.replies == ["echo: et maintenant ?"]


def test_stop_is_answered_without_the_bot_even_while_held(
    settings: Settings, engine: Engine, advisor: ConsoleUser
) -> None:
    rasa = FakeRasa()
    held_conversation(settings, engine, rasa, advisor)
    result = asyncio.run(processor(settings, engine, rasa).handle(sms("STOP", "SM5", local="stop")))
    assert result.replies and not result.pending
    assert [text for _, text, _ in rasa.received] == ["bonjour"]


def test_only_a_waiting_text_conversation_is_taken_and_only_once(
    settings: Settings, engine: Engine, advisor: ConsoleUser
) -> None:
    rasa = FakeRasa()
    cid = held_conversation(settings, engine, rasa, advisor)
    with session_scope(engine) as db:
        other = create_user(db, "max", "correct horse battery staple", ConsoleRole.ADVISOR, "Max Advisor")
        with pytest.raises(TakeoverRefused, match="Val Advisor holds it already"):
            take_over(db, cid, other, actor="user:max", now=NOW)
        again = take_over(db, cid, advisor, actor="user:val", now=NOW)  # the holder again: nothing changes
        assert again.status == HandoffStatus.ACTIVE
        hand_back(db, cid, outcome="resolved", actor="user:val", now=NOW)
        with pytest.raises(TakeoverRefused, match="no handoff is waiting"):
            take_over(db, cid, other, actor="user:max", now=NOW)
        with pytest.raises(TakeoverRefused, match="nobody holds"):
            hand_back(db, cid, outcome="resolved", actor="user:val", now=NOW)


@pytest.mark.postgres
def test_two_advisors_taking_at_once_on_postgres_one_wins(pg_url: str) -> None:
    """PostgreSQL waits for the first claim's commit, then sees the row held: exactly one takeover."""
    engine = make_engine(pg_url)
    with session_scope(engine) as db:
        users = [
            create_user(db, login, "correct horse battery staple", ConsoleRole.ADVISOR, login.title())
            for login in ("val", "max")
        ]
        conversation = Conversation(channel=Channel.CHAT, party="s" * 24, sender_id="chat-pg")
        db.add(conversation)
        db.flush()
        request_handoff(db, conversation, reason="requested by the debtor", summary="wants a person")
        cid = conversation.id
    assert cid is not None
    start = threading.Barrier(2)

    def take(user: ConsoleUser) -> str:
        with session_scope(engine) as db:
            db.get(Conversation, cid)  # both read the conversation unheld before either claims it
            start.wait(5)
            try:
                take_over(db, cid, user, actor=f"user:{user.login}", now=NOW)
            except TakeoverRefused:
                return "refused"
            time.sleep(0.2)  # the claim stays uncommitted a while: the other must wait for it
            return "taken"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(take, users))

    assert outcomes == ["refused", "taken"]
    with Session(engine) as db:
        held = db.get(Conversation, cid)
        assert held is not None and held.held_by_user_id in {u.id for u in users}
        assert db.exec(select(Handoff)).one().status == HandoffStatus.ACTIVE
        summaries = waiting(db) + held_now(db)
        assert [s.conversation_id for s in summaries] == [cid] and summaries[0].held_by in {"Val", "Max"}
    engine.dispose()
