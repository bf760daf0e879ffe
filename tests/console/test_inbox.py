"""The advisors' inbox over HTTP: the waiting list, taking over, the bot silent while an advisor holds the
conversation, replies by SMS (the fake Twilio REST server) and in the web chat, handing back, roles, CSRF.

The gateway is the real app with a fake bot at the Rasa boundary (tests/channels/test_turns.FakeRasa).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from channels.sms_delivery import late_sms_sender
from channels.turns import TurnProcessor
from core.settings import DEV_TWILIO_TOKEN, Settings
from debt.clock import utcnow
from debt.conversations import close_inactive, set_flag
from debt.db import session_scope
from debt.models import (
    AuditEntry,
    Channel,
    ConsoleRole,
    ContactAttempt,
    Conversation,
    ConversationFlag,
    ConversationStatus,
    Handoff,
    HandoffStatus,
    Turn,
    TurnRole,
    TurnState,
)
from debt.outcomes import record_opt_out, request_handoff
from integrations.locks import InProcessLocks
from integrations.twilio_webhooks import TwilioRoute, callback_url
from tests.channels.test_turns import FakeRasa
from tests.conftest import API_TOKEN
from tests.console.helpers import ORIGIN, Clock, add_user, signed_in_client
from tests.factories import make_account
from tests.fake_twilio import FakeTwilio

INBOX = "/console/inbox"
CHAT = "/api/chat/messages"
PHONE = "+33639980012"


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    # The gateway's own retry loop (real Rasa client) stays asleep: the tests drive `retry_waiting`.
    return twilio.settings(
        database_url=sqlite_url,
        api_token=API_TOKEN,
        env="test",
        rasa_timeout_seconds=1,
        turn_retry_seconds=600,
    )


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return app


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def turns(web: TestClient, app: FastAPI, settings: Settings, rasa: FakeRasa) -> TurnProcessor:
    """The gateway's turn pipeline with the fake bot, SMS delivered to the fake Twilio."""
    processor = TurnProcessor(settings, app.state.engine, rasa, InProcessLocks())  # type: ignore[arg-type]
    processor.deliver_late_with(
        Channel.SMS, late_sms_sender(settings, app.state.engine, app.state.sms_sender)
    )
    app.state.turns = processor
    return processor


@pytest.fixture
def advisors(engine: Engine, staff: dict[str, str]) -> dict[str, str]:
    add_user(engine, "max", ConsoleRole.ADVISOR, name="Max Advisor")
    return {**staff, "other": "max"}


# -- helpers ----------------------------------------------------------------------------------------


def chat(web: TestClient, text: str, session: str | None = None) -> dict:
    answer = web.post(CHAT, json={"text": text, "session": session, "language": "fr"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def sms(web: TestClient, settings: Settings, text: str, sid: str, sender: str = PHONE) -> Response:
    """The SMS webhook as Twilio calls it, signed."""
    form = {"MessageSid": sid, "From": sender, "To": "+33189000000", "Body": text, "NumMedia": "0"}
    url = callback_url(settings, TwilioRoute.SMS)
    signature = RequestValidator(DEV_TWILIO_TOKEN).compute_signature(url, form)
    return web.post(
        TwilioRoute.SMS,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def twiml_messages(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]  # noqa: S314 (our own TwiML)


def hand_off(
    engine: Engine, conversation_id: int, reason: str = "requested by the debtor", **later: float
) -> int:
    """What the bot's action_handoff records; `later` moves the request's time (minutes=..)."""
    with session_scope(engine) as db:
        conversation = db.get(Conversation, conversation_id)
        assert conversation is not None
        handoff = request_handoff(
            db,
            conversation,
            reason=reason,
            summary=f"{reason}. identity not verified; {conversation.channel}, language fr; asked: debt.",
        )
        if later:
            handoff.requested_at = handoff.requested_at + timedelta(**later)
            db.add(handoff)
        assert handoff.id is not None
        return handoff.id


def post(web: TestClient, path: str, csrf: str, **fields: str) -> Response:
    return web.post(path, data={"csrf": csrf, **fields}, headers={"Origin": ORIGIN})


def chat_handed_off(
    web: TestClient, engine: Engine, text: str = "je veux parler à quelqu'un"
) -> tuple[str, int]:
    """A web chat the bot answered once, then handed to a person: (chat session, conversation id)."""
    first = chat(web, text)
    with Session(engine) as db:
        conversation = db.exec(select(Conversation).where(Conversation.party == first["session"])).one()
    assert conversation.id is not None
    hand_off(engine, conversation.id)
    return first["session"], conversation.id


def sms_handed_off(web: TestClient, engine: Engine, settings: Settings) -> tuple[int, str]:
    """A debtor on file who texted, answered by the bot, then handed over: (conversation id, account ref)."""
    with session_scope(engine) as db:
        account_ref = make_account(db, phone=PHONE).account_ref
    assert twiml_messages(sms(web, settings, "bonjour", "SM" + "a" * 32)) == ["echo: bonjour"]
    with Session(engine) as db:
        conversation = db.exec(select(Conversation).where(Conversation.party == PHONE)).one()
    assert conversation.id is not None
    hand_off(engine, conversation.id)
    return conversation.id, account_ref


def rows(engine: Engine, model: type, *where: object) -> list:
    with Session(engine) as db:
        return list(db.exec(select(model).where(*where)).all())  # type: ignore[call-overload]


def conversation_of(engine: Engine, conversation_id: int) -> Conversation:
    with Session(engine) as db:
        found = db.get(Conversation, conversation_id)
        assert found is not None
        return found


def audit(engine: Engine, action: str) -> list[AuditEntry]:
    return rows(engine, AuditEntry, AuditEntry.action == action)


# -- the list ---------------------------------------------------------------------------------------


def test_the_inbox_lists_waiting_handoffs_oldest_first_with_what_the_bot_knew(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str], clock: Clock
) -> None:
    newer = chat(web, "né le 12/03/1985, mail jeanne@example.fr")
    older = chat(web, "ma référence est HEB-100234")
    with Session(engine) as db:
        ids = {
            c.party: c.id
            for c in db.exec(select(Conversation).where(Conversation.channel == Channel.CHAT)).all()
        }
    hand_off(engine, ids[newer["session"]], reason="not understood twice")
    hand_off(engine, ids[older["session"]], reason="complaint", minutes=-30)
    with session_scope(engine) as db:
        call = Conversation(channel=Channel.VOICE, party="+33612345678", sender_id="voice-x", language="fr")
        db.add(call)
        db.flush()
        assert call.id is not None
        request_handoff(db, call, reason="no_speech", summary="the caller did not speak")
        set_flag(db, ids[older["session"]], ConversationFlag.IDENTITY_VERIFIED)
    signed_in_client(web, "val")

    page = web.get(INBOX)

    assert page.status_code == 200
    text = page.text
    assert (
        text.index("complaint") < text.index("not understood twice") < text.index("no_speech")
    )  # oldest first
    assert "ma référence est HEB-100234" in text  # verified: shown as typed
    assert (
        "né le ••/••/••••, mail j•••@example.fr" in text and "12/03/1985" not in text
    )  # not verified: masked
    assert "identity not verified" in text and "identity verified" in text
    assert newer["session"] not in text and older["session"] not in text  # a chat's token opens the chat
    assert "+336••••••78" in text and "+33612345678" not in text
    assert "A call: answered from the phone queue, not here." in text
    assert text.count(f'action="{INBOX}/') == 2  # two take-over forms: the chats, not the call
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_the_waiting_time_is_counted_from_the_request(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str], clock: Clock
) -> None:
    _, cid = chat_handed_off(web, engine)
    with session_scope(engine) as db:
        handoff = db.exec(select(Handoff).where(Handoff.conversation_id == cid)).one()
        handoff.requested_at = clock.now - timedelta(hours=2, minutes=5)
        db.add(handoff)
    signed_in_client(web, "val")
    assert "waiting <strong>2 h 05 min</strong>" in web.get(INBOX).text


def test_an_empty_inbox_says_so(web: TestClient, turns: TurnProcessor, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    page = web.get(INBOX).text
    assert "Nobody is waiting for an advisor." in page and "No conversation is taken over." in page


# -- taking over ------------------------------------------------------------------------------------


def test_taking_over_holds_the_conversation_and_is_audited(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str], clock: Clock
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")

    answer = post(web, f"{INBOX}/{cid}/take", csrf)

    assert answer.status_code == 303 and answer.headers["location"] == f"{INBOX}/{cid}?done=taken"
    conversation = conversation_of(engine, cid)
    assert conversation.held_by_user_id is not None and conversation.held_since == clock.now
    (handoff,) = rows(engine, Handoff, Handoff.conversation_id == cid)
    assert (handoff.status, handoff.advisor, handoff.accepted_at) == (HandoffStatus.ACTIVE, "val", clock.now)
    (entry,) = audit(engine, "handoff.taken")
    assert entry.actor == "user:val" and entry.details["conversation_id"] == cid
    page = web.get(answer.headers["location"]).text
    assert "You hold this conversation" in page and f'action="/console/inbox/{cid}/reply"' in page
    assert "held by <strong>you</strong>" in web.get(INBOX).text


def test_a_second_advisor_cannot_take_a_held_conversation(
    web: TestClient, engine: Engine, turns: TurnProcessor, advisors: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    assert post(web, f"{INBOX}/{cid}/take", csrf).status_code == 303
    assert post(web, f"{INBOX}/{cid}/take", csrf).status_code == 303  # a double click changes nothing
    web.cookies.clear()
    csrf = signed_in_client(web, "max")

    refused = post(web, f"{INBOX}/{cid}/take", csrf)

    assert refused.status_code == 409
    assert "Not taken over: Val Advisor holds it already." in refused.text
    assert len(audit(engine, "handoff.taken")) == 1
    page = web.get(f"{INBOX}/{cid}").text
    assert "Val Advisor holds this conversation" in page and "/reply" not in page and "/release" not in page
    assert post(web, f"{INBOX}/{cid}/reply", csrf, text="hello").status_code == 403
    assert post(web, f"{INBOX}/{cid}/release", csrf, outcome="resolved").status_code == 403
    assert conversation_of(engine, cid).held_by_user_id is not None


def test_a_call_is_not_taken_over_here(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    with session_scope(engine) as db:
        call = Conversation(channel=Channel.VOICE, party="+33612345678", sender_id="voice-y")
        db.add(call)
        db.flush()
        request_handoff(db, call, reason="no_speech", summary="silence")
        cid = call.id
    csrf = signed_in_client(web, "val")
    refused = post(web, f"{INBOX}/{cid}/take", csrf)
    assert refused.status_code == 409 and "answered from the advisors&#39; phone queue" in refused.text
    assert conversation_of(engine, cid).held_by_user_id is None


def test_only_a_conversation_in_the_inbox_opens_here(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    session = chat(web, "bonjour")["session"]
    with Session(engine) as db:
        cid = db.exec(select(Conversation.id).where(Conversation.party == session)).one()
    csrf = signed_in_client(web, "val")
    assert web.get(f"{INBOX}/{cid}").status_code == 404  # no handoff: not the inbox's to show
    assert web.get(f"{INBOX}/{cid}/turns").status_code == 404
    assert post(web, f"{INBOX}/{cid}/take", csrf).status_code == 409
    assert web.get(f"{INBOX}/999999").status_code == 404


# -- the bot is silent while held -------------------------------------------------------------------


def test_while_held_a_chat_message_is_stored_and_the_bot_stays_silent(
    web: TestClient, engine: Engine, turns: TurnProcessor, rasa: FakeRasa, staff: dict[str, str]
) -> None:
    session, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    sent_to_bot = len(rasa.received)

    answer = chat(web, "vous êtes là ?", session)

    assert answer["replies"] == [] and answer["pending"] is True  # no bot text; the advisor answers
    assert len(rasa.received) == sent_to_bot
    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.text == "vous êtes là ?")
    assert turn.state == TurnState.ANSWERED and turn.meta["for_advisor"] is True
    assert [t.role for t in rows(engine, Turn, Turn.conversation_id == cid, Turn.seq > turn.seq)] == []
    new = web.get(f"{INBOX}/{cid}/turns", params={"after": turn.seq - 1}).json()
    assert [(t["seq"], t["role"], t["who"], t["text"]) for t in new["turns"]] == [
        (turn.seq, "debtor", "Person", "vous êtes là ?")
    ]
    assert new["held_by"] == "Val Advisor" and new["can_answer"] is True


def test_a_held_conversation_stays_open_however_quiet_until_handed_back(
    web: TestClient, engine: Engine, turns: TurnProcessor, rasa: FakeRasa, staff: dict[str, str]
) -> None:
    session, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    with session_scope(engine) as db:
        quiet = db.get(Conversation, cid)
        assert quiet is not None
        quiet.last_activity_at = utcnow() - timedelta(days=3)
        db.add(quiet)
    with session_scope(engine) as db:
        assert close_inactive(db, idle_for=timedelta(hours=24)) == 0

    sent_to_bot = len(rasa.received)
    answer = chat(web, "toujours là ?", session)

    assert answer["pending"] is True and len(rasa.received) == sent_to_bot  # still the advisor's
    assert rows(engine, Turn, Turn.text == "toujours là ?")[0].conversation_id == cid
    assert conversation_of(engine, cid).status == ConversationStatus.OPEN


def test_while_held_an_sms_gets_an_empty_twiml_and_stop_still_works(
    web: TestClient,
    engine: Engine,
    settings: Settings,
    turns: TurnProcessor,
    rasa: FakeRasa,
    staff: dict[str, str],
) -> None:
    cid, _ = sms_handed_off(web, engine, settings)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    sent_to_bot = len(rasa.received)

    quiet = sms(web, settings, "je préfère parler à une personne", "SM" + "b" * 32)
    stop = sms(web, settings, "STOP", "SM" + "c" * 32)

    assert twiml_messages(quiet) == [] and "<Response />" in quiet.text
    assert len(rasa.received) == sent_to_bot
    # An opt-out never waits for a person: recorded and confirmed at once, held conversation or not.
    assert twiml_messages(stop) == ["C'est noté : nous ne vous contacterons plus par SMS."]


def test_the_advisor_sees_new_messages_on_the_page(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    session, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    chat(web, "j'ai perdu mon emploi", session)
    page = web.get(f"{INBOX}/{cid}").text
    assert "j&#39;ai perdu mon emploi" in page
    assert '<script src="/console/static/inbox.js" defer></script>' in page
    assert re.search(r'data-turns-url="/console/inbox/\d+/turns" data-after="\d+"', page)
    (opened,) = audit(engine, "conversation_opened")
    assert (
        opened.actor == "user:val" and opened.entity_id == str(cid) and opened.details == {"source": "inbox"}
    )


# -- answering as a person --------------------------------------------------------------------------


def test_a_reply_in_the_chat_reaches_the_chat_page_by_its_polling(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    session, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)

    answer = post(web, f"{INBOX}/{cid}/reply", csrf, text="  Bonjour, je suis Val, conseillère.  ")

    assert answer.status_code == 303
    assert re.fullmatch(rf"{INBOX}/{cid}\?done=sent#turn-\d+", answer.headers["location"])
    polled = web.get(CHAT, params={"session": session, "after": 0}).json()["turns"]
    assert polled[-1]["role"] == "advisor" and polled[-1]["text"] == "Bonjour, je suis Val, conseillère."
    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.role == TurnRole.ADVISOR)
    assert turn.state == TurnState.SENT and turn.meta["delivered_by"] == "transcript"
    assert turn.meta["advisor"] == "val"
    (entry,) = audit(engine, "advisor_replied")
    assert entry.actor == "user:val" and entry.details == {"seq": turn.seq}
    page = web.get(answer.headers["location"]).text
    assert (
        "Your message is on its way." in page
        and "Advisor · Val Advisor" in page
        and "shown in the chat" in page
    )


def test_a_reply_by_sms_goes_through_the_contact_policy_to_twilio(
    web: TestClient,
    engine: Engine,
    settings: Settings,
    turns: TurnProcessor,
    twilio: FakeTwilio,
    staff: dict[str, str],
) -> None:
    cid, _ = sms_handed_off(web, engine, settings)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)

    assert post(web, f"{INBOX}/{cid}/reply", csrf, text="Bonjour, ici Val, conseillère.").status_code == 303

    (sent,) = [r for r in twilio.requests if r.method == "POST" and r.path.endswith("/Messages.json")]
    assert sent.form["To"] == PHONE and sent.form["Body"] == "Bonjour, ici Val, conseillère."
    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.role == TurnRole.ADVISOR)
    assert turn.state == TurnState.SENT and turn.meta["sids"] == list(twilio.messages)
    (attempt,) = rows(engine, ContactAttempt, ContactAttempt.to == PHONE)
    assert (attempt.purpose, attempt.allowed, attempt.provider_sid) == ("reply", True, turn.meta["sids"][0])
    assert (
        attempt.idempotency_key == f"late:{cid}:{turn.seq}:0"
    )  # one key per turn: a retry never texts twice
    assert "sent by SMS" in web.get(f"{INBOX}/{cid}").text


def test_a_reply_to_someone_who_opted_out_is_not_sent_and_the_page_says_why(
    web: TestClient,
    engine: Engine,
    settings: Settings,
    turns: TurnProcessor,
    twilio: FakeTwilio,
    staff: dict[str, str],
) -> None:
    cid, _ = sms_handed_off(web, engine, settings)
    with session_scope(engine) as db:
        debtor_id = db.exec(select(Conversation.debtor_id).where(Conversation.id == cid)).one()
        assert debtor_id is not None
        record_opt_out(db, debtor_id=debtor_id, channel=Channel.SMS, wording="STOP")
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)

    post(web, f"{INBOX}/{cid}/reply", csrf, text="Bonjour")

    assert [r for r in twilio.requests if r.method == "POST"] == []
    assert "not sent: opted_out: the debtor opted out of sms" in web.get(f"{INBOX}/{cid}").text


def test_a_reply_waits_while_twilio_is_away_and_the_retry_loop_sends_it(
    web: TestClient,
    engine: Engine,
    settings: Settings,
    turns: TurnProcessor,
    twilio: FakeTwilio,
    staff: dict[str, str],
) -> None:
    cid, _ = sms_handed_off(web, engine, settings)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    twilio.fail_next(503, None, "Service Unavailable")

    post(web, f"{INBOX}/{cid}/reply", csrf, text="Bonjour")

    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.role == TurnRole.ADVISOR)
    assert turn.state == TurnState.TO_SEND
    assert "waiting to be sent" in web.get(f"{INBOX}/{cid}").text
    web.portal.call(turns.retry_waiting)  # type: ignore[union-attr]
    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.role == TurnRole.ADVISOR)
    assert turn.state == TurnState.SENT and turn.meta["sids"]
    assert [m["body"] for m in twilio.messages.values()] == ["Bonjour"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 1601])
def test_an_empty_or_too_long_reply_is_refused(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str], text: str
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    assert post(web, f"{INBOX}/{cid}/reply", csrf, text=text).status_code == 400
    assert rows(engine, Turn, Turn.role == TurnRole.ADVISOR) == []


def test_nobody_answers_as_a_person_before_taking_over(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "sam")
    refused = post(web, f"{INBOX}/{cid}/reply", csrf, text="Bonjour")
    assert refused.status_code == 409 and "take the conversation over before answering it" in refused.text
    assert post(web, f"{INBOX}/{cid}/release", csrf, outcome="resolved").status_code == 409
    assert rows(engine, Turn, Turn.role == TurnRole.ADVISOR) == []


# -- handing back -----------------------------------------------------------------------------------


def test_handing_back_ends_the_handoff_and_the_bot_answers_again(
    web: TestClient, engine: Engine, turns: TurnProcessor, rasa: FakeRasa, staff: dict[str, str], clock: Clock
) -> None:
    session, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    chat(web, "merci", session)

    answer = post(web, f"{INBOX}/{cid}/release", csrf, outcome="back_to_assistant")

    assert answer.status_code == 303 and answer.headers["location"] == f"{INBOX}?done=released"
    assert conversation_of(engine, cid).held_by_user_id is None
    (handoff,) = rows(engine, Handoff, Handoff.conversation_id == cid)
    assert (handoff.status, handoff.ended_at) == (HandoffStatus.RETURNED, clock.now)
    (entry,) = audit(engine, "handoff.returned")
    assert entry.actor == "user:val" and entry.details == {
        "conversation_id": cid,
        "outcome": "back_to_assistant",
    }
    assert "The conversation is back with the assistant." in web.get(answer.headers["location"]).text
    assert chat(web, "une question", session)["replies"][0]["text"] == "echo: une question"
    assert [text for _, text, _ in rasa.received] == ["je veux parler à quelqu'un", "une question"]
    assert web.get(f"{INBOX}/{cid}").status_code == 404  # no longer in the inbox


def test_an_unknown_outcome_is_refused(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    assert post(web, f"{INBOX}/{cid}/release", csrf, outcome="whatever").status_code == 400
    assert conversation_of(engine, cid).held_by_user_id is not None


def test_a_supervisor_may_answer_and_hand_back_what_an_advisor_holds(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    post(web, f"{INBOX}/{cid}/take", signed_in_client(web, "val"))
    web.cookies.clear()
    csrf = signed_in_client(web, "sam")

    assert post(web, f"{INBOX}/{cid}/reply", csrf, text="Je prends le relais.").status_code == 303
    assert post(web, f"{INBOX}/{cid}/release", csrf, outcome="resolved").status_code == 303

    (turn,) = rows(engine, Turn, Turn.conversation_id == cid, Turn.role == TurnRole.ADVISOR)
    assert turn.meta["advisor"] == "sam"
    assert [e.actor for e in audit(engine, "handoff.returned")] == ["user:sam"]


# -- roles, CSRF, escaping --------------------------------------------------------------------------


def test_an_admin_has_no_inbox(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "ada")
    assert web.get(INBOX).status_code == 403
    assert web.get(f"{INBOX}/{cid}").status_code == 403
    assert web.get(f"{INBOX}/{cid}/turns").status_code == 403
    assert post(web, f"{INBOX}/{cid}/take", csrf).status_code == 403
    assert conversation_of(engine, cid).held_by_user_id is None


def test_signed_out_pages_go_to_sign_in_and_forms_are_401(
    web: TestClient, engine: Engine, turns: TurnProcessor
) -> None:
    _, cid = chat_handed_off(web, engine)
    answer = web.get(f"{INBOX}/{cid}")
    assert (
        answer.status_code == 303
        and answer.headers["location"] == f"/console/login?next=%2Fconsole%2Finbox%2F{cid}"
    )
    for action in ("take", "reply", "release"):
        assert web.post(f"{INBOX}/{cid}/{action}", headers={"Origin": ORIGIN}).status_code == 401


@pytest.mark.parametrize(
    ("csrf", "origin"), [("", ORIGIN), ("forged-token", ORIGIN), (None, "https://evil.example")]
)
def test_a_take_without_our_token_or_from_another_site_is_refused(
    web: TestClient,
    engine: Engine,
    turns: TurnProcessor,
    staff: dict[str, str],
    csrf: str | None,
    origin: str,
) -> None:
    _, cid = chat_handed_off(web, engine)
    real = signed_in_client(web, "val")
    answer = web.post(
        f"{INBOX}/{cid}/take", data={"csrf": real if csrf is None else csrf}, headers={"Origin": origin}
    )
    assert answer.status_code == 403
    assert conversation_of(engine, cid).held_by_user_id is None


def test_a_script_sends_the_token_in_a_header(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    csrf = signed_in_client(web, "val")
    answer = web.post(f"{INBOX}/{cid}/take", headers={"Origin": ORIGIN, "X-CSRF-Token": csrf})
    assert answer.status_code == 303


def test_what_a_person_types_is_shown_as_text(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _, cid = chat_handed_off(web, engine, text=attack)
    with session_scope(engine) as db:
        set_flag(db, cid, ConversationFlag.IDENTITY_VERIFIED)  # shown unmasked, as typed
    csrf = signed_in_client(web, "val")
    post(web, f"{INBOX}/{cid}/take", csrf)
    post(web, f"{INBOX}/{cid}/reply", csrf, text="<b>bold?</b>")

    for page in (web.get(INBOX).text, web.get(f"{INBOX}/{cid}").text):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<script>alert" not in page and "<img" not in page and "<b>bold" not in page
        assert "<style" not in page and " style=" not in page and not re.search(r"\son[a-z]+=\"", page)
    polled = web.get(f"{INBOX}/{cid}/turns").json()["turns"]
    assert polled[0]["text"] == attack  # JSON for the script, which adds it with textContent
    assert web.get(f"{INBOX}/{cid}/turns").headers["content-type"] == "application/json"


def test_turns_after_a_seq_are_what_the_page_polls(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    signed_in_client(web, "val")
    all_turns = web.get(f"{INBOX}/{cid}/turns").json()
    assert [t["role"] for t in all_turns["turns"]] == ["debtor", "bot"] and all_turns["held_by"] is None
    assert web.get(f"{INBOX}/{cid}/turns", params={"after": 2}).json()["turns"] == []
    assert web.get(f"{INBOX}/{cid}/turns", params={"after": -1}).status_code == 400
    assert len(audit(engine, "conversation_opened")) == 0  # polling is not an opening


def test_the_static_script_and_stylesheet_are_served(web: TestClient) -> None:
    for name, kind in (("inbox.js", "javascript"), ("inbox.css", "text/css")):
        answer = web.get(f"/console/static/{name}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"]


def test_the_take_buttons_are_only_for_text_conversations_still_open(
    web: TestClient, engine: Engine, turns: TurnProcessor, staff: dict[str, str]
) -> None:
    _, cid = chat_handed_off(web, engine)
    with session_scope(engine) as db:
        conversation = db.get(Conversation, cid)
        assert conversation is not None
        conversation.status = "closed"  # type: ignore[assignment]
        db.add(conversation)
    csrf = signed_in_client(web, "val")
    assert "The conversation has ended; it cannot be taken over." in web.get(INBOX).text
    refused = post(web, f"{INBOX}/{cid}/take", csrf)
    assert refused.status_code == 409 and "the conversation has ended" in refused.text
    assert rows(engine, Handoff, col(Handoff.status) == HandoffStatus.WAITING)
