"""Outbound SMS: the real twilio client against the fake Twilio on loopback, errors mapped, status order."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from core.settings import load_settings
from integrations.twilio_rest import TwilioRejected, TwilioThrottled, TwilioUnavailable, twilio_client
from integrations.twilio_sms import SmsSender, advance_status, is_final
from integrations.twilio_webhooks import TwilioRoute, callback_url
from tests.fake_twilio import FakeTwilio, serve_twilio

SID = "AC" + "1" * 32
TOKEN = "sms-test-auth-token-0123456789"
DEBTOR = "+33639980012"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with serve_twilio(SID, TOKEN) as fake:
        yield fake


def test_the_message_goes_to_the_api_base_with_the_form_and_basic_auth(twilio: FakeTwilio) -> None:
    settings = twilio.settings(
        public_base_url="https://collect.example.com", twilio_from_number="+33189000000"
    )
    status_url = callback_url(settings, TwilioRoute.SMS_STATUS)

    sent = SmsSender(settings).send(
        DEBTOR, "Bonjour, votre solde est de 49,90 €.", status_callback=status_url
    )

    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert sent.status == "queued"
    (request,) = twilio.requests
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert request.auth == (SID, TOKEN)
    assert request.form == {
        "To": DEBTOR,
        "From": "+33189000000",
        "Body": "Bonjour, votre solde est de 49,90 €.",
        "StatusCallback": "https://collect.example.com/twilio/sms/status",
    }
    assert twilio.messages[sent.sid]["num_segments"] == "1"


def test_no_status_callback_means_no_parameter(twilio: FakeTwilio) -> None:
    SmsSender(twilio.settings()).send(DEBTOR, "Bonjour")
    assert "StatusCallback" not in twilio.requests[0].form


def test_calls_go_to_the_api_base_too(twilio: FakeTwilio) -> None:
    call = twilio_client(twilio.settings()).calls.create(
        to=DEBTOR, from_="+33189000000", url="https://collect.example.com/twilio/voice"
    )
    assert call.sid.startswith("CA") and call.status == "queued"
    assert twilio.requests[0].path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert twilio.requests[0].form["Url"] == "https://collect.example.com/twilio/voice"
    assert twilio_client(twilio.settings()).calls(call.sid).fetch().to == DEBTOR


def test_a_base_with_a_path_prefix_keeps_it() -> None:
    with serve_twilio(SID, TOKEN) as twilio:
        settings = twilio.settings(twilio_api_base=twilio.base_url + "/proxy")
        with pytest.raises(TwilioRejected) as caught:
            SmsSender(settings).send(DEBTOR, "Bonjour")
    assert twilio.requests[0].path == f"/proxy/2010-04-01/Accounts/{SID}/Messages.json"
    assert caught.value.status == 404  # the fake only serves the unprefixed paths


def test_the_real_api_is_the_default() -> None:
    client = twilio_client(load_settings())
    assert client.api.base_url == "https://api.twilio.com"
    assert client.http_client.timeout == 10


def test_an_unsubscribed_recipient_is_rejected_with_its_code(twilio: FakeTwilio) -> None:
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    with pytest.raises(TwilioRejected) as caught:
        SmsSender(twilio.settings()).send(DEBTOR, "Bonjour")
    assert (caught.value.code, caught.value.status) == (21610, 400)
    assert caught.value.message == "Attempt to send to unsubscribed recipient"


def test_an_invalid_number_is_rejected_by_the_fake_as_by_twilio(twilio: FakeTwilio) -> None:
    with pytest.raises(TwilioRejected) as caught:
        SmsSender(twilio.settings()).send("0639980012", "Bonjour")
    assert caught.value.code == 21211
    assert twilio.messages == {}


def test_wrong_credentials_are_a_401(twilio: FakeTwilio) -> None:
    with pytest.raises(TwilioRejected) as caught:
        SmsSender(twilio.settings(twilio_auth_token="not-the-token-0123456789")).send(DEBTOR, "Bonjour")
    assert (caught.value.status, caught.value.code) == (401, 20003)


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (429, None), (400, 20429)])
def test_too_many_requests_is_throttled(twilio: FakeTwilio, status: int, code: int | None) -> None:
    twilio.fail_next(status, code, "Too Many Requests")
    with pytest.raises(TwilioThrottled):
        SmsSender(twilio.settings()).send(DEBTOR, "Bonjour")


def test_a_server_error_is_unavailable_and_may_have_been_sent(twilio: FakeTwilio) -> None:
    twilio.fail_next(500, None, "Internal Server Error")
    with pytest.raises(TwilioUnavailable) as caught:
        SmsSender(twilio.settings()).send(DEBTOR, "Bonjour")
    assert caught.value.status == 500 and caught.value.code is None
    assert caught.value.maybe_sent


def test_the_next_send_works_once_the_scripted_failure_is_spent(twilio: FakeTwilio) -> None:
    sender = SmsSender(twilio.settings())
    twilio.fail_next(503)
    with pytest.raises(TwilioUnavailable):
        sender.send(DEBTOR, "Bonjour")
    assert sender.send(DEBTOR, "Bonjour").status == "queued"
    assert len(twilio.requests) == 2


def test_a_refused_connection_is_unavailable_and_was_not_sent() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = load_settings(twilio_api_base=f"http://127.0.0.1:{port}")
    with pytest.raises(TwilioUnavailable) as caught:
        SmsSender(settings).send(DEBTOR, "Bonjour")
    assert not caught.value.maybe_sent


def test_a_slow_answer_times_out_and_may_have_been_sent(twilio: FakeTwilio) -> None:
    twilio.stall_next(5)
    sender = SmsSender(twilio.settings(), client=twilio_client(twilio.settings(), timeout=0.3))
    started = time.monotonic()
    with pytest.raises(TwilioUnavailable) as caught:
        sender.send(DEBTOR, "Bonjour")
    assert time.monotonic() - started < 3
    assert caught.value.maybe_sent


@pytest.mark.parametrize(
    ("current", "new", "kept"),
    [
        (None, "queued", "queued"),
        ("accepted", "queued", "queued"),
        ("scheduled", "queued", "queued"),
        ("queued", "sending", "sending"),
        ("queued", "sent", "sent"),
        ("sent", "delivered", "delivered"),
        ("sent", "undelivered", "undelivered"),
        ("sending", "failed", "failed"),
        ("delivered", "read", "read"),
        # late or repeated callbacks never move a status back
        ("delivered", "sent", "delivered"),
        ("delivered", "queued", "delivered"),
        ("sent", "sending", "sent"),
        ("read", "delivered", "read"),
        ("failed", "sent", "failed"),
        ("queued", "queued", "queued"),
        # one final status does not replace another
        ("undelivered", "delivered", "undelivered"),
        ("delivered", "failed", "delivered"),
        # unknown statuses never overwrite known ones; something beats nothing
        ("sent", "teleported", "sent"),
        (None, "teleported", "teleported"),
        ("teleported", "sent", "sent"),
        # inbound statuses stay as they are
        ("receiving", "received", "received"),
        ("received", "receiving", "received"),
        ("received", "delivered", "received"),
        ("sent", "received", "sent"),
    ],
)
def test_advance_status(current: str | None, new: str, kept: str) -> None:
    assert advance_status(current, new) == kept


def test_final_statuses() -> None:
    assert all(is_final(s) for s in ("delivered", "undelivered", "failed", "read", "canceled", "received"))
    assert not any(is_final(s) for s in ("accepted", "scheduled", "queued", "sending", "sent", "receiving"))
    assert not is_final(None) and not is_final("teleported")
