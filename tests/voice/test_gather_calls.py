"""Voice calls in gather mode over HTTP: webhooks signed with Twilio's own RequestValidator, TwiML read
back as Twilio would read it; the bot is a scripted fake at the Rasa boundary (tests/integration has the
same calls against `rasa run`). Twilio's REST side is tests/fake_twilio.py on loopback.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from channels.turns import TurnProcessor
from core.settings import Settings
from debt.db import make_engine, session_scope
from debt.models import (
    AuditEntry,
    Call,
    CallRecording,
    ContactAttempt,
    Conversation,
    ConversationStatus,
    Handoff,
    HandoffStatus,
    Turn,
    TurnRole,
)
from integrations.locks import InProcessLocks
from integrations.twilio_webhooks import TwilioRoute, callback_url
from tests.factories import make_account
from tests.fake_twilio import FakeTwilio
from tests.voice.scripted_bot import ScriptedBot
from voice.call_flow import CallFlow

BASE = "https://collect.example.com"
WEDNESDAY_10_PARIS = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CALLER = "+33639980012"
SID = "CA" + "a" * 32


@pytest.fixture(autouse=True)
def within_calling_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    import voice.outbound

    monkeypatch.setattr(voice.outbound, "utcnow", lambda: WEDNESDAY_10_PARIS)


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    # The scripted bot answers at once: the budget only has to outlast a pause of a busy machine
    # (a turn held after 1 s once failed a test that waits for nothing).
    return twilio.settings(
        database_url=sqlite_url, public_base_url=BASE, rasa_timeout_seconds=5, api_token="voice-api-token"
    )


@pytest.fixture
def bot(settings: Settings) -> ScriptedBot:
    return ScriptedBot(make_engine(settings.database_url))


@pytest.fixture
def client(settings: Settings, bot: ScriptedBot) -> Iterator[TestClient]:
    from server import create_app

    app = create_app(settings)
    with TestClient(app) as test_client:
        turns = TurnProcessor(settings, app.state.engine, bot, InProcessLocks())  # type: ignore[arg-type]
        app.state.turns = turns
        app.state.call_flow = CallFlow(settings, turns)
        yield test_client


def post(client: TestClient, route: str, form: dict[str, str], signature: str | None = None, **query: Any):
    settings = client.app.state.settings
    url = (
        callback_url(settings, TwilioRoute(route), urlencode(query))
        if query
        else callback_url(settings, TwilioRoute(route))
    )
    signature = (
        signature
        if signature is not None
        else RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    )
    path = route + (f"?{urlencode(query)}" if query else "")
    return client.post(
        path,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def follow(client: TestClient, absolute_url: str, form: dict[str, str]):
    """Post to a URL found in our own TwiML, as Twilio does (signed over that very URL)."""
    parts = urlsplit(absolute_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return post(client, parts.path, form, **query)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)  # noqa: S314 (our own TwiML)


def said(root: ET.Element) -> list[str]:
    return [s.text or "" for s in root.iter("Say")]


def call_form(sid: str = SID, caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": "+33189000000",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        **extra,
    }


def rows(settings: Settings, model) -> list:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def start_call(client: TestClient) -> ET.Element:
    return twiml(post(client, TwilioRoute.VOICE, call_form()))


def answer(client: TestClient, root: ET.Element, **form: str) -> ET.Element:
    gather = root.find("Gather")
    assert gather is not None
    return twiml(follow(client, gather.get("action", ""), call_form(**form)))


def silence(client: TestClient, root: ET.Element) -> ET.Element:
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text
    return twiml(follow(client, redirect.text, call_form()))


# -- answering a call --------------------------------------------------------------------------------


def test_an_inbound_call_opens_with_the_bot_and_listens_for_speech_and_keys(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    root = start_call(client)

    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("input") == "speech dtmf"
    assert gather.get("language") == "fr-FR"  # a French number: the caller hears French
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("action") == f"{BASE}/twilio/voice/turn?t=1"
    assert said(gather) == ["Cet appel est enregistré.", "Bonjour, ici AR. Comment puis-je vous aider ?"]
    assert all(s.get("language") == "fr-FR" for s in gather.iter("Say"))
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text == f"{BASE}/twilio/voice/turn?t=1&s=1"

    [call] = rows(settings, Call)
    assert (call.call_sid, call.direction, call.from_number, call.stage) == (
        SID,
        "inbound",
        CALLER,
        "dialogue",
    )
    [conversation] = rows(settings, Conversation)
    assert (conversation.channel, conversation.direction, conversation.language) == ("voice", "inbound", "fr")
    assert call.conversation_id == conversation.id
    text, metadata = bot.received[0]
    assert text == "/greet" and metadata["channel"] == "voice"
    turns = rows(settings, Turn)
    assert (turns[0].role, turns[0].text) == (TurnRole.SYSTEM, "call answered")


def test_the_caller_number_names_the_account_for_the_bot(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        account = make_account(session, phone=CALLER, language="de")
        ref = account.account_ref
    root = start_call(client)
    assert root.find("Gather").get("language") == "de-DE"  # type: ignore[union-attr]
    assert bot.received[0][1]["account_ref"] == ref


def test_twilio_asking_twice_for_the_same_call_gets_the_same_answer_and_one_call(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    first = post(client, TwilioRoute.VOICE, call_form()).text
    second = post(client, TwilioRoute.VOICE, call_form()).text
    assert first == second
    assert len(rows(settings, Call)) == 1 and len(rows(settings, Conversation)) == 1
    assert [t for t, _ in bot.received] == ["/greet"]


def test_a_webhook_with_a_bad_signature_or_call_sid_is_refused_and_stores_nothing(
    client: TestClient, settings: Settings
) -> None:
    assert post(client, TwilioRoute.VOICE, call_form(), signature="forged").status_code == 403
    assert post(client, TwilioRoute.VOICE, call_form(), signature="").status_code == 403
    assert post(client, TwilioRoute.VOICE, call_form(sid="CA123")).status_code == 400
    assert post(client, TwilioRoute.VOICE, {"From": CALLER}).status_code == 400
    assert rows(settings, Call) == [] and rows(settings, Turn) == []


def test_a_new_call_from_the_same_number_is_a_new_conversation(
    client: TestClient, settings: Settings
) -> None:
    start_call(client)
    twiml(post(client, TwilioRoute.VOICE, call_form(sid="CA" + "b" * 32)))
    first, second = rows(settings, Conversation)
    assert first.status == ConversationStatus.CLOSED and second.status == ConversationStatus.OPEN


# -- turns ---------------------------------------------------------------------------------------------


def test_what_the_caller_says_goes_to_the_bot_and_its_answer_is_said(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    root = answer(client, start_call(client), SpeechResult="je voudrais payer", Confidence="0.87")
    assert said(root) == ["compris: je voudrais payer"]
    assert root.find("Gather").get("action") == f"{BASE}/twilio/voice/turn?t=2"  # type: ignore[union-attr]
    debtor = [t for t in rows(settings, Turn) if t.role == TurnRole.DEBTOR]
    assert [(t.text, t.external_id, t.intent) for t in debtor] == [
        ("je voudrais payer", f"{SID}:1", "inform")
    ]
    assert debtor[0].meta["speech_confidence"] == pytest.approx(0.87)
    assert bot.received[-1][1]["turn_ref"] == f"{debtor[0].conversation_id}:{debtor[0].seq}"


def test_the_same_gather_posted_twice_is_answered_once(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    opening = start_call(client)
    first = answer(client, opening, SpeechResult="bonjour")
    second = answer(client, opening, SpeechResult="bonjour")
    assert said(first) == said(second)
    assert [t for t, _ in bot.received] == ["/greet", "bonjour"]


def test_keypad_entries_reach_the_bot_as_what_they_mean(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    root = answer(client, start_call(client), SpeechResult="c'est qui")
    # Asked for a proof of identity: a birth date typed as DDMMYYYY.
    assert root.find("Gather").get("action").endswith("t=2&e=identity_secret")  # type: ignore[union-attr]
    answer(client, root, Digits="12031985#")
    assert bot.received[-1][0] == "12/03/1985"
    [typed] = [t for t in rows(settings, Turn) if t.external_id == f"{SID}:2"]
    assert typed.text == "[keypad] 12031985"


def test_yes_no_questions_take_one_key(client: TestClient, settings: Settings, twilio: FakeTwilio) -> None:
    call_id = _outbound_call(client, settings)
    form = call_form(sid=rows(settings, Call)[0].call_sid, AnsweredBy="human")
    root = twiml(post(client, TwilioRoute.VOICE_ANSWER, form, call=call_id))
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1" and "oui" in (gather.get("hints") or "")
    assert said(root) == ["Bonjour, puis-je parler à Jeanne Dupont ?"]
    # Another call's SID on this call's answer URL is not this call.
    other = twiml(post(client, TwilioRoute.VOICE_ANSWER, call_form(sid="CA" + "c" * 32), call=call_id))
    assert other.find("Hangup") is not None and other.find("Gather") is None


def test_silence_gets_one_reprompt_with_the_keypad_then_an_advisor(
    client: TestClient, settings: Settings
) -> None:
    first = silence(client, start_call(client))
    assert said(first)[0] == "Êtes-vous toujours là ? Je vous écoute."
    assert first.find("Redirect").text.endswith("t=1&s=2")  # type: ignore[union-attr]
    second = silence(client, first)
    assert said(second) == ["Je ne vous entends pas, je vous passe donc un conseiller."]
    enqueue = second.find("Enqueue")
    assert enqueue is not None and enqueue.text == "advisors-fr"
    assert enqueue.get("waitUrl") == f"{BASE}/twilio/voice/wait?lang=fr"
    [handoff] = rows(settings, Handoff)
    assert handoff.reason == "no_speech" and handoff.status == HandoffStatus.WAITING
    assert rows(settings, Call)[0].stage == "queued"
    assert [t.role for t in rows(settings, Turn)].count(TurnRole.DEBTOR) == 0  # silence is not a turn


def test_the_bot_handing_off_puts_the_caller_in_the_queue_of_the_language(
    client: TestClient, settings: Settings
) -> None:
    root = answer(client, start_call(client), SpeechResult="je veux un conseiller")
    assert said(root) == ["Je vous passe un conseiller."]
    assert root.find("Enqueue").text == "advisors-fr"  # type: ignore[union-attr]
    assert root.find("Gather") is None


def test_a_dial_number_replaces_the_queue_and_whispers_to_the_advisor(
    settings: Settings, bot: ScriptedBot
) -> None:
    from server import create_app

    dial_settings = settings.model_copy(update={"advisor_dial_number": "+33612345678"})
    app = create_app(dial_settings)
    with TestClient(app) as client:
        turns = TurnProcessor(dial_settings, app.state.engine, bot, InProcessLocks())  # type: ignore[arg-type]
        app.state.turns, app.state.call_flow = turns, CallFlow(dial_settings, turns)
        root = answer(client, start_call(client), SpeechResult="je veux un conseiller")
    dial = root.find("Dial")
    assert dial is not None and dial.get("timeout") == str(settings.advisor_wait_seconds)
    number = dial.find("Number")
    assert number is not None and number.text == "+33612345678"
    assert number.get("url") == f"{BASE}/twilio/voice/whisper?call={SID}"


def test_the_bot_being_down_means_an_apology_and_a_person(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    opening = start_call(client)
    bot.up = False
    root = answer(client, opening, SpeechResult="allô")
    assert said(root) == [
        "Veuillez m'excuser, je rencontre un problème technique. Je vous passe un conseiller."
    ]
    assert root.find("Enqueue") is not None
    [handoff] = rows(settings, Handoff)
    assert handoff.reason == "bot_unavailable"
    assert [t.text for t in rows(settings, Turn) if t.role == TurnRole.DEBTOR] == ["allô"]  # kept


def test_goodbye_hangs_up_after_the_bot_speaks(client: TestClient) -> None:
    root = answer(client, start_call(client), SpeechResult="au revoir")
    assert said(root) == ["Au revoir."] and root.find("Hangup") is not None


def test_a_turn_for_a_call_we_do_not_know_gets_an_apology_not_an_error(
    client: TestClient, settings: Settings
) -> None:
    root = twiml(
        post(client, TwilioRoute.VOICE_TURN, call_form(sid="CA" + "f" * 32, SpeechResult="allô"), t="1")
    )
    assert "+33 1 89 00 00 00" in said(root)[0] and root.find("Hangup") is not None
    assert rows(settings, Turn) == []


# -- the advisors' queue -------------------------------------------------------------------------------


def test_waiting_plays_a_hold_message_until_the_limit_then_leaves(
    client: TestClient, settings: Settings
) -> None:
    root = twiml(post(client, TwilioRoute.VOICE_WAIT, call_form(QueueTime="30"), lang="de"))
    assert said(root)[0].startswith("Im Moment sind alle") and root.find("Pause") is not None
    limit = str(settings.advisor_wait_seconds)
    assert (
        twiml(post(client, TwilioRoute.VOICE_WAIT, call_form(QueueTime=limit), lang="de")).find("Leave")
        is not None
    )


def test_no_advisor_in_time_offers_a_callback_and_gives_up_the_handoff(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    queued = answer(client, start_call(client), SpeechResult="je veux un conseiller")
    enqueue = queued.find("Enqueue")
    assert enqueue is not None
    root = twiml(follow(client, enqueue.get("action", ""), call_form(QueueResult="leave", QueueTime="120")))
    assert said(root) == [
        "Je suis désolé, aucun conseiller n'est disponible pour le moment. Nous pouvons vous rappeler.",
        "Quand pouvons-nous vous rappeler ?",
    ]
    assert root.find("Gather").get("action").endswith("e=callback_time")  # type: ignore[union-attr]
    assert bot.received[-1][0] == "/callback_later"
    [handoff] = rows(settings, Handoff)
    assert handoff.status == HandoffStatus.ABANDONED
    assert rows(settings, Call)[0].stage == "dialogue"


def test_an_advisor_who_takes_the_call_hears_the_whisper_first(
    client: TestClient, settings: Settings
) -> None:
    answer(client, start_call(client), SpeechResult="je veux un conseiller")
    line = twiml(post(client, TwilioRoute.VOICE_ADVISOR, call_form(sid="CA" + "d" * 32), lang="fr"))
    queue = line.find("Dial/Queue")
    assert (
        queue is not None
        and queue.text == "advisors-fr"
        and queue.get("url") == f"{BASE}/twilio/voice/whisper"
    )
    whisper = twiml(post(client, TwilioRoute.VOICE_WHISPER, call_form(DequeingCallSid="CA" + "d" * 32)))
    assert said(whisper) == [
        "Appel transféré par l'assistant. Asked for a person.. Motif : requested by the debtor."
    ]
    [handoff] = rows(settings, Handoff)
    assert handoff.status == HandoffStatus.ACTIVE and handoff.accepted_at is not None
    bridged = twiml(post(client, TwilioRoute.VOICE_QUEUE_RESULT, call_form(QueueResult="bridged"), t="2"))
    assert bridged.find("Hangup") is not None


# -- statuses and recordings ---------------------------------------------------------------------------


def test_call_statuses_only_move_forward_and_the_end_closes_the_conversation(
    client: TestClient, settings: Settings
) -> None:
    start_call(client)
    for status in ("ringing", "completed", "in-progress", "ringing"):
        response = post(client, TwilioRoute.VOICE_STATUS, call_form(CallStatus=status, CallDuration="42"))
        assert response.status_code == 204
    [call] = rows(settings, Call)
    assert (call.status, call.duration_seconds, call.stage) == ("completed", 42, "ended")
    assert rows(settings, Conversation)[0].status == ConversationStatus.CLOSED
    assert post(client, TwilioRoute.VOICE_STATUS, call_form(CallStatus="")).status_code == 400
    assert (
        post(
            client, TwilioRoute.VOICE_STATUS, call_form(sid="CA" + "9" * 32, CallStatus="completed")
        ).status_code
        == 204
    )


def test_hanging_up_in_the_queue_abandons_the_handoff(client: TestClient, settings: Settings) -> None:
    silence(client, silence(client, start_call(client)))
    post(client, TwilioRoute.VOICE_STATUS, call_form(CallStatus="completed"))
    assert rows(settings, Handoff)[0].status == HandoffStatus.ABANDONED


def test_recording_starts_after_the_notice_was_heard_and_its_callbacks_are_kept(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    opening = start_call(client)
    assert twilio.recordings == {}  # the notice has not been heard yet
    answer(client, opening, SpeechResult="bonjour")
    deadline = time.monotonic() + 5
    while not twilio.recordings and time.monotonic() < deadline:
        time.sleep(0.02)
    [recording] = twilio.recordings.values()
    assert recording["call_sid"] == SID and recording["channels"] == 2
    assert recording["status_callback"] == f"{BASE}/twilio/voice/recording"
    assert rows(settings, Call)[0].recording_requested

    rec = {
        "RecordingSid": recording["sid"],
        "RecordingUrl": "https://api.twilio.com/rec",
        "RecordingChannels": "2",
    }
    post(
        client,
        TwilioRoute.VOICE_RECORDING,
        call_form(**rec, RecordingStatus="completed", RecordingDuration="61"),
    )
    post(client, TwilioRoute.VOICE_RECORDING, call_form(**rec, RecordingStatus="in-progress"))
    [kept] = rows(settings, CallRecording)
    assert (kept.status, kept.duration_seconds, kept.url, kept.call_id) == (
        "completed",
        61,
        "https://api.twilio.com/rec",
        1,
    )
    bad = post(client, TwilioRoute.VOICE_RECORDING, call_form(RecordingSid="nope"))
    assert bad.status_code == 400


# -- the caller objects to the recording ---------------------------------------------------------------


def recording_requests(twilio: FakeTwilio, method: str = "POST") -> list:
    """Requests about a call's recordings: POST .../Recordings.json starts one, POST .../Recordings/RE….json
    updates one, GET .../Recordings.json lists them."""
    return [r for r in twilio.requests if "/Recordings" in r.path and r.method == method]


def background_done(client: TestClient) -> None:
    """Let the call flow's background work (recordings started or stopped) finish on the app's loop."""
    client.portal.call(client.app.state.call_flow.drain)  # type: ignore[attr-defined]


def audit(settings: Settings, prefix: str = "recording.") -> list[AuditEntry]:
    return [a for a in rows(settings, AuditEntry) if a.action.startswith(prefix)]


def test_an_objection_before_the_recording_started_means_it_never_starts(
    client: TestClient, settings: Settings, bot: ScriptedBot, twilio: FakeTwilio
) -> None:
    opening = start_call(client)
    root = answer(client, opening, SpeechResult="je ne veux pas être enregistré", Confidence="0.9")
    # The confirmation, then the bot's question again; the objection never reaches the bot.
    assert said(root) == [
        "C'est noté : cet appel ne sera pas enregistré.",
        "Bonjour, ici AR. Comment puis-je vous aider ?",
    ]
    assert root.find("Gather").get("action") == f"{BASE}/twilio/voice/turn?t=2"  # type: ignore[union-attr]
    assert [t for t, _ in bot.received] == ["/greet"]

    # The dialogue goes on; no recording is ever asked of Twilio for this call.
    assert said(answer(client, root, SpeechResult="je voudrais payer")) == ["compris: je voudrais payer"]
    background_done(client)
    assert recording_requests(twilio) == [] and twilio.recordings == {}
    [call] = rows(settings, Call)
    assert call.recording_objected_at is not None and not call.recording_requested

    [entry] = audit(settings)
    assert (entry.action, entry.actor, entry.entity, entry.entity_id) == (
        "recording.objected",
        "debtor",
        "call",
        str(call.id),
    )
    assert entry.details["wording"] == "je ne veux pas être enregistré"
    assert entry.details["recording_started"] is False and entry.details["call_sid"] == SID
    objection = next(t for t in rows(settings, Turn) if t.external_id == f"{SID}:1")
    assert (objection.role, objection.state, objection.intent) == (TurnRole.DEBTOR, "answered", None)
    assert objection.meta["recording_objection"] and objection.meta["speech_confidence"] == 0.9
    replies = [t.text for t in rows(settings, Turn) if t.reply_to == objection.seq]
    assert replies == said(root)


def test_an_objection_after_the_recording_started_stops_it_through_twilio(
    client: TestClient, settings: Settings, bot: ScriptedBot, twilio: FakeTwilio
) -> None:
    root = answer(client, start_call(client), SpeechResult="bonjour")
    background_done(client)
    [recording] = twilio.recordings.values()
    assert recording["status"] == "in-progress"

    root = answer(client, root, SpeechResult="Arrêtez l'enregistrement, s'il vous plaît.")
    assert said(root) == ["C'est noté : j'arrête l'enregistrement de cet appel.", "compris: bonjour"]
    background_done(client)
    [listed] = recording_requests(twilio, "GET")
    assert listed.path.endswith(f"/Calls/{SID}/Recordings.json")
    [started, stopped] = recording_requests(twilio)
    assert started.path.endswith(f"/Calls/{SID}/Recordings.json")
    assert stopped.path.endswith(f"/Calls/{SID}/Recordings/{recording['sid']}.json")
    assert stopped.form == {"Status": "stopped"}
    assert twilio.recordings[recording["sid"]]["status"] == "stopped"
    assert "arrêtez" not in " ".join(t for t, _ in bot.received).lower()

    objected, stopped_entry = audit(settings)
    assert objected.action == "recording.objected" and objected.details["recording_started"] is True
    assert stopped_entry.action == "recording.stopped" and stopped_entry.actor == "system"
    assert stopped_entry.details["stopped"] == [recording["sid"]] and stopped_entry.details["failed"] == {}
    # The dialogue goes on, and the recording is never started again.
    assert said(answer(client, root, SpeechResult="je voudrais payer")) == ["compris: je voudrais payer"]
    background_done(client)
    assert len(recording_requests(twilio)) == 2


def test_an_objection_keeps_what_the_bot_listens_for(client: TestClient, settings: Settings) -> None:
    asked = answer(client, start_call(client), SpeechResult="c'est qui")
    root = answer(client, asked, SpeechResult="I don't want to be recorded")
    # The question again, with the keypad offered for it as before.
    assert said(root)[1:3] == ["Pour vérifier, votre date de naissance ?", said(asked)[1]]
    assert said(asked)[1].startswith("Vous pouvez aussi taper votre date de naissance")
    assert root.find("Gather").get("action").endswith("t=3&e=identity_secret")  # type: ignore[union-attr]


def test_the_same_objection_posted_twice_is_answered_and_audited_once(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    opening = start_call(client)
    first = answer(client, opening, SpeechResult="pas d'enregistrement")
    second = answer(client, opening, SpeechResult="pas d'enregistrement")
    assert said(first) == said(second)
    assert len([t for t in rows(settings, Turn) if t.role == TurnRole.DEBTOR]) == 1
    assert [a.action for a in audit(settings)] == ["recording.objected"]


def test_twilio_failing_to_stop_the_recording_is_audited_and_the_call_goes_on(
    client: TestClient, settings: Settings, bot: ScriptedBot, twilio: FakeTwilio
) -> None:
    root = answer(client, start_call(client), SpeechResult="bonjour")
    background_done(client)
    [recording] = twilio.recordings.values()
    twilio.fail_next(503, None, "Service unavailable")  # listing the call's recordings fails

    root = answer(client, root, SpeechResult="stop recording")
    assert said(root)[0] == "C'est noté : j'arrête l'enregistrement de cet appel."
    background_done(client)
    failed = audit(settings)[-1]
    assert failed.action == "recording.stop_failed"
    assert "Service unavailable" in failed.details["failed"]["list"]
    assert twilio.recordings[recording["sid"]]["status"] == "in-progress"
    going_on = answer(client, root, SpeechResult="je voudrais payer")
    assert said(going_on) == ["compris: je voudrais payer"]

    # Saying it again tries again: one audit of the objection, the stop this time done.
    again = answer(client, going_on, SpeechResult="no recording please")
    assert said(again)[0] == "C'est noté : j'arrête l'enregistrement de cet appel."
    background_done(client)
    assert twilio.recordings[recording["sid"]]["status"] == "stopped"
    assert [a.action for a in audit(settings)] == [
        "recording.objected",
        "recording.stop_failed",
        "recording.stopped",
    ]


def test_an_objection_while_twilio_starts_the_recording_stops_it_once_started(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    twilio.stall_next(1.0)  # the recording being started answers late
    root = answer(client, start_call(client), SpeechResult="bonjour")
    deadline = time.monotonic() + 5
    while not recording_requests(twilio) and time.monotonic() < deadline:
        time.sleep(0.02)
    answer(client, root, SpeechResult="ich möchte nicht aufgenommen werden")
    background_done(client)
    [recording] = twilio.recordings.values()
    assert recording["status"] == "stopped"
    assert rows(settings, Call)[0].recording_objected_at is not None


# -- outbound calls ------------------------------------------------------------------------------------


def _outbound_call(client: TestClient, settings: Settings, **body: Any) -> int:
    with session_scope(make_engine(settings.database_url)) as session:
        account = make_account(session, phone="+33639980099")
        ref = account.account_ref
    response = client.post(
        "/api/calls",
        json={"account_ref": ref, "idempotency_key": "k1", **body},
        headers={"Authorization": "Bearer voice-api-token"},
    )
    assert response.status_code == 200, response.text
    return response.json()["call_id"]


def test_an_outbound_call_passes_the_policy_and_asks_twilio_for_machine_detection(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    call_id = _outbound_call(client, settings)
    [created] = [r for r in twilio.requests if r.path.endswith("/Calls.json")]
    form = created.form
    assert form["MachineDetection"] == "DetectMessageEnd"
    assert form["Url"] == f"{BASE}/twilio/voice/answer?call={call_id}"
    assert form["StatusCallback"] == f"{BASE}/twilio/voice/status?call={call_id}"
    assert form["To"] == "+33639980099"
    [attempt] = rows(settings, ContactAttempt)
    [call] = rows(settings, Call)
    assert attempt.allowed and attempt.channel == "voice" and attempt.provider_sid == call.call_sid
    # The same key again rings nobody twice.
    again = client.post(
        "/api/calls",
        json={"account_ref": rows(settings, Call)[0].account_id and _ref(settings), "idempotency_key": "k1"},
        headers={"Authorization": "Bearer voice-api-token"},
    )
    assert again.json()["call_id"] == call_id
    assert len([r for r in twilio.requests if r.path.endswith("/Calls.json")]) == 1


def _ref(settings: Settings) -> str:
    from debt.models import Account

    return rows(settings, Account)[0].account_ref


def test_a_machine_gets_a_message_that_says_nothing_of_a_debt(
    client: TestClient, settings: Settings, bot: ScriptedBot
) -> None:
    call_id = _outbound_call(client, settings)
    sid = rows(settings, Call)[0].call_sid
    root = twiml(
        post(
            client, TwilioRoute.VOICE_ANSWER, call_form(sid=sid, AnsweredBy="machine_end_beep"), call=call_id
        )
    )
    [message] = said(root)
    assert "AR Services" in message and "+33 1 89 00 00 00" in message
    for leak in (
        "49",
        "Hébergeur",
        "dette",
        "recouvrement",
        "Recouvrement",
        rows(settings, Call)[0].to_number,
    ):
        assert leak not in message
    assert root.find("Hangup") is not None and bot.received == []
    [call] = rows(settings, Call)
    assert (call.answered_by, call.stage) == ("machine_end_beep", "voicemail")
    assert [t.meta.get("voicemail") for t in rows(settings, Turn)] == [True]


def test_a_fax_gets_nothing(client: TestClient, settings: Settings) -> None:
    call_id = _outbound_call(client, settings)
    sid = rows(settings, Call)[0].call_sid
    root = twiml(post(client, TwilioRoute.VOICE_ANSWER, call_form(sid=sid, AnsweredBy="fax"), call=call_id))
    assert said(root) == [] and root.find("Hangup") is not None


def test_a_refused_outbound_call_is_409_with_the_reason_and_rings_nobody(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        account = make_account(session, phone="+33639980099")
        account.status = "disputed"
        session.add(account)
        ref = account.account_ref
    response = client.post(
        "/api/calls", json={"account_ref": ref}, headers={"Authorization": "Bearer voice-api-token"}
    )
    assert response.status_code == 409 and "disput" in response.json()["detail"]
    assert not [r for r in twilio.requests if r.path.endswith("/Calls.json")]
    assert rows(settings, Call) == []


def test_twilio_down_is_503_and_the_same_key_rings_later(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        ref = make_account(session, phone="+33639980099").account_ref
    twilio.fail_next(503, None, "unavailable")
    body = {"account_ref": ref, "idempotency_key": "again"}
    headers = {"Authorization": "Bearer voice-api-token"}
    assert client.post("/api/calls", json=body, headers=headers).status_code == 503
    retried = client.post("/api/calls", json=body, headers=headers)
    assert retried.status_code == 200 and retried.json()["sid"].startswith("CA")
    assert len(rows(settings, Call)) == 1
