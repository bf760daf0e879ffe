"""Whole calls against `rasa run` with the trained model and the action server.

Gather mode: the gateway under uvicorn, every webhook signed with Twilio's RequestValidator, what the
caller hears read from the TwiML. Stream mode: the gateway in this process on a live socket, a real
Media Streams client (streamdouble) speaking espeak-ng audio, a recognizer that replays what that
audio says (no French or German Vosk model here) in step with its frames.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from core.settings import Settings, load_settings
from debt.db import make_engine
from debt.messages import render
from debt.models import Account, Call, Conversation, Handoff, Turn, TurnRole
from integrations.twilio_webhooks import TwilioRoute
from integrations.voice_phone import VoicePeer
from tests.factories import make_account
from tests.integration.conftest import RASA_TOKEN, Gateway, RasaStack
from tests.integration.test_dialogue_flows import LANGUAGES, PEOPLE, SAY
from tests.voice.live_gateway import place_call, reply, say, serving, signed_by_twilio
from tests.voice.spoken_audio import silence, spoken
from voice.recognizer import ReplayRecognizer

pytestmark = pytest.mark.rasa
_numbers = itertools.count(1)
LOCALES = {"fr": "fr-FR", "de": "de-DE", "en": "en-GB"}
RECORDED = {"fr": "enregistré", "de": "aufgezeichnet", "en": "recorded"}


def new_account(database_url: str, language: str) -> tuple[str, str]:
    person = PEOPLE[language]
    phone = f"+3363{3000000 + next(_numbers):07d}"
    with Session(make_engine(database_url)) as session:
        account = make_account(
            session,
            first_name=person.first,
            last_name=person.last,
            language=language,
            country=person.country,
            phone=phone,
            principal="150.00",
            interest="3.60",
        )
        session.commit()
        return account.account_ref, phone


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_in_gather_mode_verifies_explains_and_hands_over(gateway: Gateway, language: str) -> None:
    ref, phone = new_account(gateway.database_url, language)
    caller = VoicePeer(gateway.url, gateway.twilio_token, phone)
    opening = caller.call()
    assert RECORDED[language] in opening[0]  # the recording notice comes first
    assert any("Amicable Recouvrement" in text for text in opening)
    assert caller.twiml.find("Gather").get("language") == LOCALES[language]  # type: ignore[union-attr]

    asked = caller.say(SAY[language]["balance"])
    assert render("ask_name", language) in asked
    person = PEOPLE[language]
    secret = caller.say(f"{person.first} {person.last}")
    assert render("ask_secret", language) in secret
    assert render("voice_keypad_birth_date", language) in secret  # typing it is offered with the question
    assert "e=identity_secret" in caller.twiml.find("Gather").get("action")  # type: ignore[union-attr]
    verified = caller.press("12031985")
    assert render("identity_verified", language) in verified
    assert any(ref in text for text in verified)  # the debt is explained now, not before
    assert not any(ref in text or "150" in text for text in opening + asked + secret)

    handed = caller.say(SAY[language]["human"])
    assert caller.queue == f"advisors-{language}", handed

    with Session(make_engine(gateway.database_url)) as session:
        call = session.exec(select(Call).where(Call.call_sid == caller.call_sid)).one()
        turns = session.exec(
            select(Turn).where(Turn.conversation_id == call.conversation_id).order_by(Turn.seq)
        ).all()
        handoff = session.exec(select(Handoff).where(Handoff.conversation_id == call.conversation_id)).one()
    debtor = [t for t in turns if t.role == TurnRole.DEBTOR]
    assert [t.text for t in debtor][-2:] == ["[keypad] 12031985", SAY[language]["human"]]
    assert all(t.intent for t in debtor) and handoff.reason
    assert call.stage == "queued"
    [whisper] = caller.post(f"{gateway.url}{TwilioRoute.VOICE_WHISPER}?call={caller.call_sid}", {})
    assert "verified" in whisper


@pytest.fixture
def stream_gateway(rasa_stack: RasaStack) -> Iterator[tuple[str, Settings, Any]]:
    from server import create_app

    settings = load_settings(
        database_url=rasa_stack.database_url,
        rasa_url=rasa_stack.rasa_url,
        rasa_token=RASA_TOKEN,
        public_base_url="https://collect.example.com",
        twilio_auth_token="stream-integration-token-0123456789",
        voice_mode="stream",
        env="test",
    )
    app = create_app(settings)
    with serving(app) as url, signed_by_twilio(settings):
        yield url, settings, app


@pytest.mark.parametrize("language", ["fr", "de"])
def test_a_call_in_stream_mode_runs_the_same_dialogue_by_voice(
    stream_gateway, rasa_stack: RasaStack, language: str
) -> None:
    url, settings, app = stream_gateway
    ref, phone = new_account(rasa_stack.database_url, language)
    sid = f"CA{next(_numbers) + 5000:032x}"
    person = PEOPLE[language]
    said = [
        SAY[language]["balance"],
        f"{person.first} {person.last}",
        SAY[language]["birth"],
        SAY[language]["human"],
    ]
    app.state.recognizer_for = lambda _language: ReplayRecognizer(said)

    form = {"CallSid": sid, "From": phone, "To": "+33189000000"}
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_url(TwilioRoute.VOICE), form
    )
    answer = httpx.post(
        url.replace("ws://", "http://") + TwilioRoute.VOICE,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        timeout=30,
    )
    assert "<Connect" in answer.text

    steps: list[Any] = [reply()]
    for text in said:
        steps += [
            say(list(spoken(text, language)) + silence(900)),
            reply(),
        ]
    result = asyncio.run(place_call(f"{url}/twilio/media", sid, steps, quiet_s=2.0))
    assert result.closed_by == "agent" and not result.violations

    with Session(make_engine(rasa_stack.database_url)) as session:
        call = session.exec(select(Call).where(Call.call_sid == sid)).one()
        turns = session.exec(
            select(Turn).where(Turn.conversation_id == call.conversation_id).order_by(Turn.seq)
        ).all()
        conversation = session.get(Conversation, call.conversation_id)
        account = session.get(Account, conversation.account_id)
    assert [t.text for t in turns if t.role == TurnRole.DEBTOR] == said
    bot = [t.text for t in turns if t.role == TurnRole.BOT]
    assert render("identity_verified", language) in bot and any(ref in text for text in bot)
    assert call.stage == "queued" and account.account_ref == ref
