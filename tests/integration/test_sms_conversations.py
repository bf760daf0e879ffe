"""Whole SMS conversations against the running stack: the gateway (uvicorn), `rasa run` with the trained
model, the action server and one database. Every message is a webhook signed with Twilio's own
RequestValidator; what the person receives is read from the TwiML the gateway answers."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import Session, col, select

from debt.db import make_engine
from debt.messages import render
from debt.models import (
    Account,
    AccountStatus,
    Consent,
    ContactKind,
    ContactPoint,
    Conversation,
    ConversationFlagRow,
    Handoff,
    Turn,
    TurnRole,
)
from integrations.sms_phone import SmsPeer, new_sid
from integrations.sms_text import gsm_friendly
from tests.factories import make_account
from tests.integration.conftest import Gateway
from tests.integration.test_dialogue_flows import LANGUAGES, PEOPLE, SAY

pytestmark = pytest.mark.rasa
_numbers = itertools.count(1)


def new_phone() -> str:
    return f"+3361{2000000 + next(_numbers):07d}"


class SmsTalk:
    """One person texting the gateway from their phone."""

    def __init__(self, gateway: Gateway, language: str, phone: str) -> None:
        self.gateway, self.language = gateway, language
        self.peer = SmsPeer(gateway.url, gateway.twilio_token, phone)

    def send(self, key: str, **values: object) -> str:
        return self.send_text(SAY[self.language][key].format(**values))

    def send_text(self, text: str) -> str:
        return "\n".join(self.peer.send(text))

    def says(self, key: str, **values: object) -> str:
        return gsm_friendly(render(key, self.language, **values))

    def verify(self, request: str) -> str:
        assert self.says("ask_name") in self.send(request)
        person = PEOPLE[self.language]
        assert self.says("ask_secret") in self.send_text(f"{person.first} {person.last}")
        replies = self.send("birth")
        assert self.says("identity_verified") in replies, replies
        return replies


def new_debtor(gateway: Gateway, language: str) -> tuple[str, str]:
    """An account whose debtor's phone is new: (account_ref, phone)."""
    person, phone = PEOPLE[language], new_phone()
    ref = f"SMS{language.upper()}-{300000 + next(_numbers)}"
    with Session(make_engine(gateway.database_url)) as session:
        make_account(
            session,
            account_ref=ref,
            phone=phone,
            first_name=person.first,
            last_name=person.last,
            language=language,
            country=person.country,
            principal="150.00",
            interest="3.60",
        )
        session.commit()
    return ref, phone


def account(gateway: Gateway, ref: str) -> Account:
    with Session(make_engine(gateway.database_url)) as session:
        return session.exec(select(Account).where(Account.account_ref == ref)).one()


def conversation_of(gateway: Gateway, phone: str) -> tuple[Conversation, list[Turn], set[str]]:
    with Session(make_engine(gateway.database_url)) as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.party == phone).order_by(col(Conversation.id).desc())
        ).first()
        assert conversation is not None
        turns = session.exec(
            select(Turn).where(Turn.conversation_id == conversation.id).order_by(col(Turn.seq))
        ).all()
        flags = set(
            session.exec(
                select(ConversationFlagRow.flag).where(ConversationFlagRow.conversation_id == conversation.id)
            ).all()
        )
        return conversation, list(turns), flags


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


@pytest.mark.parametrize("language", LANGUAGES)
def test_promise_by_sms(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    assert talk.says("ask_payment_date") in talk.verify("promise")
    talk.send("date", d=in_days(10))
    assert account(gateway, ref).status == AccountStatus.PROMISE_TO_PAY
    conversation, turns, flags = conversation_of(gateway, phone)
    assert conversation.account_id == account(gateway, ref).id and conversation.language == language
    assert {"identity_verified", "promise_to_pay"} <= flags
    debtor_turns = [t for t in turns if t.role == TurnRole.DEBTOR]
    assert all(t.state == "answered" and t.intent for t in debtor_turns)
    assert debtor_turns[0].intent == "promise_to_pay" and debtor_turns[0].confidence > 0.4


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_by_sms(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    talk.verify("plan")
    talk.send("pick")
    assert account(gateway, ref).status == AccountStatus.ARRANGEMENT


@pytest.mark.parametrize("language", LANGUAGES)
def test_dispute_by_sms(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    assert talk.says("ask_dispute_reason") in talk.verify("dispute")
    assert talk.says("dispute_recorded") in talk.send("reason")
    assert account(gateway, ref).status == AccountStatus.DISPUTED


@pytest.mark.parametrize("language", LANGUAGES)
def test_hardship_by_sms(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    assert talk.says("hardship_held_acknowledge") in talk.send("hardship")
    person = PEOPLE[language]
    talk.send_text(f"{person.first} {person.last}")
    assert talk.says("ask_hardship_circumstances") in talk.send("birth")
    talk.send("circumstances")
    talk.send("pause")
    assert account(gateway, ref).status == AccountStatus.HARDSHIP_HOLD


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_person_by_sms(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    replies = talk.send("wrong_person")
    assert "AR Services" in replies and ref not in replies and "150" not in replies
    _, _, flags = conversation_of(gateway, phone)
    assert "wrong_party" in flags
    with Session(make_engine(gateway.database_url)) as session:
        point = session.exec(
            select(ContactPoint).where(ContactPoint.value == phone, ContactPoint.kind == ContactKind.PHONE)
        ).one()
        assert not point.valid


@pytest.mark.parametrize("language", LANGUAGES)
def test_opt_out_in_words_and_by_keyword(gateway: Gateway, language: str) -> None:
    ref, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    confirmed = talk.send("stop")
    assert confirmed == talk.says("stop_contact_confirmed", channel=render("channel.sms", language))
    with Session(make_engine(gateway.database_url)) as session:
        consent = session.exec(
            select(Consent).where(Consent.debtor_id == account(gateway, ref).debtor_id)
        ).one()
        assert consent.status == "opted_out"
    assert talk.send_text("STOP") == ""  # already opted out: recorded, not confirmed twice
    assert "STOP" in talk.send_text("START")


@pytest.mark.parametrize("language", LANGUAGES)
def test_handoff_by_sms(gateway: Gateway, language: str) -> None:
    _, phone = new_debtor(gateway, language)
    talk = SmsTalk(gateway, language, phone)
    assert talk.send("human") == talk.says("handoff_to_human")
    conversation, _, flags = conversation_of(gateway, phone)
    assert "handoff" in flags
    with Session(make_engine(gateway.database_url)) as session:
        assert session.exec(select(Handoff).where(Handoff.conversation_id == conversation.id)).all()


def test_an_unknown_number_gets_the_identity_flow_and_nothing_else(gateway: Gateway) -> None:
    talk = SmsTalk(gateway, "fr", "+33612999999")
    replies = talk.send("balance")
    assert talk.says("ask_name") in replies
    replies += talk.send_text("Paul Inconnu") + talk.send("birth")
    assert "EUR" not in replies and "€" not in replies


def test_ten_messages_at_once_give_an_ordered_transcript_with_none_lost(gateway: Gateway) -> None:
    _, phone = new_debtor(gateway, "fr")
    peer = SmsPeer(gateway.url, gateway.twilio_token, phone)
    texts = [f"message numéro {i}" for i in range(10)]

    async def all_at_once() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(peer.send_async(client, text) for text in texts))

    answers = asyncio.run(all_at_once())
    assert all(answers), answers  # every message got an answer
    _, turns, _ = conversation_of(gateway, phone)
    debtor_turns = [t for t in turns if t.role == TurnRole.DEBTOR]
    assert sorted(t.text for t in debtor_turns) == sorted(texts)
    assert [t.seq for t in turns] == list(range(1, len(turns) + 1))
    assert all(t.state == "answered" for t in debtor_turns)
    # Answers follow the order the messages were stored in, each after the message it answers.
    replies = [t for t in turns if t.role == TurnRole.BOT]
    assert [r.reply_to for r in replies] == sorted(r.reply_to for r in replies)
    assert all(r.reply_to < r.seq for r in replies)
    assert {r.reply_to for r in replies} == {t.seq for t in debtor_turns}


def test_the_same_message_sid_three_times_at_once_is_processed_once(gateway: Gateway) -> None:
    _, phone = new_debtor(gateway, "de")
    peer = SmsPeer(gateway.url, gateway.twilio_token, phone)
    sid = new_sid()

    async def three() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(peer.send_async(client, "hallo", sid) for _ in range(3)))

    answers = asyncio.run(three())
    assert answers[0] and answers[0] == answers[1] == answers[2]
    _, turns, _ = conversation_of(gateway, phone)
    assert [t.role for t in turns if t.role == TurnRole.DEBTOR] == [TurnRole.DEBTOR]
    assert len([t for t in turns if t.role == TurnRole.BOT]) == len(answers[0][0].split("\n"))
