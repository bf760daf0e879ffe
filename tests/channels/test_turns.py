"""The turn pipeline with a fake bot at the Rasa boundary: stored first, in order, once, never lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from channels.turn_store import Context, Inbound
from channels.turns import TurnProcessor
from core.settings import Settings, load_settings
from debt.clock import utcnow
from debt.db import make_engine, session_scope
from debt.models import (
    Channel,
    Consent,
    ConsentStatus,
    Conversation,
    ConversationStatus,
    Handoff,
    Turn,
    TurnRole,
    TurnState,
)
from integrations.locks import InProcessLocks
from integrations.rasa_client import BotReply, RasaUnavailable
from tests.factories import make_account

PHONE = "+33639980012"


class FakeRasa:
    """Answers "echo: <text>"; can be down, slow, or process a message yet time out."""

    def __init__(self) -> None:
        self.up = True
        self.delay = 0.0
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.processed_but_timed_out = False

    async def turn(self, sender: str, text: str, metadata: dict[str, Any], *, timeout: float | None = None):
        if not self.up:
            raise RasaUnavailable("ConnectError: refused")
        self.received.append((sender, text, metadata))
        if self.processed_but_timed_out:
            raise RasaUnavailable("ReadTimeout: budget spent")
        if self.delay:
            if timeout is not None and self.delay > timeout:  # as httpx would: the budget is spent
                await asyncio.sleep(timeout)
                raise RasaUnavailable("ReadTimeout: budget spent")
            await asyncio.sleep(self.delay)
        return BotReply([f"echo: {text}"], "inform", 0.93)

    async def replay(self, sender: str, turn_ref: str) -> BotReply | None:
        for s, text, metadata in self.received:
            if s == sender and metadata["turn_ref"] == turn_ref:
                return BotReply([f"echo: {text}"], "inform", 0.93)
        return None

    async def available(self) -> bool:
        return self.up


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings(database_url=sqlite_url, rasa_timeout_seconds=1.0)


def processor(settings: Settings, rasa: FakeRasa) -> TurnProcessor:
    return TurnProcessor(settings, make_engine(settings.database_url), rasa, InProcessLocks())  # type: ignore[arg-type]


def sms(text: str, sid: str | None = None, party: str = PHONE) -> Inbound:
    return Inbound(channel=Channel.SMS, party=party, text=text, external_id=sid)


def transcript(settings: Settings) -> list[Turn]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(Turn).order_by(col(Turn.conversation_id), col(Turn.seq))).all())


def test_a_message_is_stored_answered_and_linked_to_its_answer(settings: Settings) -> None:
    rasa = FakeRasa()
    turns = processor(settings, rasa)

    result = asyncio.run(turns.handle(sms("bonjour", "SM1")))

    assert result.replies == ["echo: bonjour"] and not result.pending and not result.duplicate
    debtor, bot = transcript(settings)
    assert (debtor.role, debtor.text, debtor.state, debtor.intent) == (
        "debtor",
        "bonjour",
        "answered",
        "inform",
    )
    assert debtor.confidence == pytest.approx(0.93) and debtor.external_id == "SM1"
    assert (bot.role, bot.text, bot.reply_to) == ("bot", "echo: bonjour", debtor.seq)
    metadata = rasa.received[0][2]
    assert metadata["channel"] == "sms" and metadata["turn_ref"] == f"{result.conversation_id}:1"


def test_a_known_number_names_the_candidate_account_and_its_language(settings: Settings) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        account = make_account(session, phone=PHONE, language="de")
        ref = account.account_ref
    rasa = FakeRasa()
    asyncio.run(processor(settings, rasa).handle(sms("hallo", "SM2")))
    metadata = rasa.received[0][2]
    assert metadata["account_ref"] == ref and metadata["language"] == "de"


def test_an_unknown_number_gets_no_account(settings: Settings) -> None:
    rasa = FakeRasa()
    asyncio.run(processor(settings, rasa).handle(sms("hello", "SM3", party="+447700900123")))
    assert "account_ref" not in rasa.received[0][2]


def test_the_same_message_three_times_at_once_is_processed_once_with_one_answer(settings: Settings) -> None:
    rasa = FakeRasa()
    rasa.delay = 0.2
    turns = processor(settings, rasa)

    async def three() -> list:
        return await asyncio.gather(*(turns.handle(sms("combien je dois", "SMdup")) for _ in range(3)))

    results = asyncio.run(three())
    assert len(rasa.received) == 1
    assert {tuple(r.replies) for r in results} == {("echo: combien je dois",)}
    assert sorted(r.duplicate for r in results) == [False, True, True]
    assert [t.role for t in transcript(settings)] == ["debtor", "bot"]


def test_ten_messages_at_once_are_answered_in_the_order_they_were_stored(settings: Settings) -> None:
    rasa = FakeRasa()
    rasa.delay = 0.02
    turns = processor(settings, rasa)

    async def ten() -> list:
        return await asyncio.gather(*(turns.handle(sms(f"message {i}", f"SM{i:02d}")) for i in range(10)))

    results = asyncio.run(ten())
    rows = transcript(settings)
    debtor_turns = [t for t in rows if t.role == TurnRole.DEBTOR]
    assert sorted(t.text for t in debtor_turns) == sorted(f"message {i}" for i in range(10))
    assert [text for _, text, _ in rasa.received] == [
        t.text for t in debtor_turns
    ]  # bot saw the stored order
    for result in results:
        own = next(t for t in debtor_turns if t.seq == result.seq)
        assert result.replies == [f"echo: {own.text}"]
    answers = [t for t in rows if t.role == TurnRole.BOT]
    assert [t.reply_to for t in answers] == [t.seq for t in debtor_turns]
    assert [t.seq for t in rows] == list(range(1, 21))


def test_the_bot_down_gives_a_holding_reply_alerts_advisors_and_answers_later_in_order(
    settings: Settings,
) -> None:
    rasa = FakeRasa()
    turns = processor(settings, rasa)
    delivered: list[str] = []

    async def deliver(context: Context, late: list[Turn]) -> None:
        from channels.turn_store import mark_delivered

        delivered.extend(t.text for t in late)
        await turns.db(mark_delivered, [t.id for t in late], "test")

    turns.deliver_late_with(Channel.SMS, deliver)

    async def scenario() -> tuple:
        first = await turns.handle(sms("bonjour", "SMa"))
        rasa.up = False
        held_1 = await turns.handle(sms("je veux payer", "SMb"))
        held_2 = await turns.handle(sms("en trois fois", "SMc"))
        nothing = await turns.retry_waiting()  # still down: nothing answered, nothing lost
        rasa.up = True
        answered = await turns.retry_waiting()
        return first, held_1, held_2, nothing, answered

    first, held_1, held_2, nothing, answered = asyncio.run(scenario())
    assert not first.pending and held_1.pending and held_2.pending
    assert held_1.replies[0].startswith("Merci pour votre message") or held_1.replies[0].startswith(
        "Thank you"
    )
    assert nothing == 0 and answered == 2
    assert delivered == ["echo: je veux payer", "echo: en trois fois"]
    assert [text for _, text, _ in rasa.received] == ["bonjour", "je veux payer", "en trois fois"]
    with Session(make_engine(settings.database_url)) as session:
        handoffs = session.exec(select(Handoff)).all()
        assert [h.reason for h in handoffs] == ["bot_unavailable"]
        states = session.exec(select(Turn.state).where(Turn.role == TurnRole.DEBTOR)).all()
        assert set(states) == {TurnState.ANSWERED}


def test_a_message_after_an_outage_is_answered_after_the_queued_ones(settings: Settings) -> None:
    rasa = FakeRasa()
    turns = processor(settings, rasa)

    async def scenario():
        rasa.up = False
        await turns.handle(sms("premier", "SMx"))
        rasa.up = True
        return await turns.handle(sms("second", "SMy"))

    result = asyncio.run(scenario())
    # The queued message is answered first; its late reply comes with this answer, before it.
    assert result.replies == ["echo: premier", "echo: second"]
    assert [text for _, text, _ in rasa.received] == ["premier", "second"]


def test_a_timed_out_turn_that_reached_the_bot_is_not_sent_twice(settings: Settings) -> None:
    rasa = FakeRasa()
    rasa.processed_but_timed_out = True
    turns = processor(settings, rasa)

    async def scenario():
        held = await turns.handle(sms("bonjour", "SMt"))
        rasa.processed_but_timed_out = False
        await turns.retry_waiting()
        return held

    held = asyncio.run(scenario())
    assert held.pending
    assert [text for _, text, _ in rasa.received] == ["bonjour"]
    bot_texts = [t.text for t in transcript(settings) if t.role == TurnRole.BOT]
    assert bot_texts[-1] == "echo: bonjour"


def test_a_conversation_idle_for_a_day_is_closed_and_the_next_message_opens_a_new_one(
    settings: Settings,
) -> None:
    rasa = FakeRasa()
    turns = processor(settings, rasa)
    first = asyncio.run(turns.handle(sms("bonjour", "SMo1")))
    with session_scope(make_engine(settings.database_url)) as session:
        conversation = session.get(Conversation, first.conversation_id)
        conversation.last_activity_at = utcnow() - timedelta(hours=25)
        session.add(conversation)
    second = asyncio.run(turns.handle(sms("re-bonjour", "SMo2")))

    assert second.conversation_id != first.conversation_id and second.seq == 1
    with Session(make_engine(settings.database_url)) as session:
        old = session.get(Conversation, first.conversation_id)
        assert old.status == ConversationStatus.CLOSED
    assert rasa.received[0][0] != rasa.received[1][0]  # a new Rasa conversation too


def test_stop_opts_out_at_once_without_the_bot_and_confirms_once(settings: Settings) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        debtor_id = make_account(session, phone=PHONE).debtor_id
    rasa = FakeRasa()
    turns = processor(settings, rasa)

    async def scenario():
        first = await turns.handle(Inbound(Channel.SMS, PHONE, "STOP", "SMs1", local="stop"))
        again = await turns.handle(Inbound(Channel.SMS, PHONE, "stop", "SMs2", local="stop"))
        return first, again

    first, again = asyncio.run(scenario())
    assert first.replies == ["C'est noté : nous ne vous contacterons plus par SMS."]
    assert again.replies == []
    assert rasa.received == []
    with Session(make_engine(settings.database_url)) as session:
        consent = session.exec(select(Consent).where(Consent.debtor_id == debtor_id)).one()
        assert (consent.channel, consent.status) == (Channel.SMS, ConsentStatus.OPTED_OUT)


def test_a_turn_that_cannot_get_its_conversation_in_time_is_held_not_lost(settings: Settings) -> None:
    rasa = FakeRasa()
    rasa.delay = 3.0  # longer than the 1 s budget: the first request keeps the lock until it gives up
    turns = processor(settings, rasa)

    async def two():
        return await asyncio.gather(turns.handle(sms("un", "SMl1")), turns.handle(sms("deux", "SMl2")))

    results = asyncio.run(two())
    assert all(r.pending for r in results)
    states = {t.text: t.state for t in transcript(settings) if t.role == TurnRole.DEBTOR}
    assert states == {"un": TurnState.QUEUED, "deux": TurnState.QUEUED}
