"""The signature check with Twilio's own RequestValidator: signed requests pass, anything else is 403."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from core.settings import load_settings
from integrations.twilio_webhooks import TwilioRoute, callback_url, signed_form

TOKEN = "webhook-test-auth-token-0123456789"
BASE = "https://collect.example.com"
PARAMS = {"MessageSid": "SM" + "a" * 32, "From": "+33639980012", "To": "+33189000000", "Body": "Bonjour 👋"}


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.state.settings = load_settings(twilio_auth_token=TOKEN, public_base_url=BASE)

    @app.post(TwilioRoute.SMS)
    async def sms(form: dict[str, str] = Depends(signed_form)) -> dict[str, str]:
        return form

    return TestClient(app)


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post(client: TestClient, params: dict[str, str], signature: str, query: str = "") -> object:
    return client.post(
        TwilioRoute.SMS + (f"?{query}" if query else ""),
        content=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def test_a_signed_request_passes(client: TestClient) -> None:
    url = callback_url(client.app.state.settings, TwilioRoute.SMS)
    assert url == "https://collect.example.com/twilio/sms"
    response = post(client, PARAMS, sign(url, PARAMS))
    assert response.status_code == 200
    assert response.json()["Body"] == "Bonjour 👋"


def test_the_query_string_is_part_of_what_is_signed(client: TestClient) -> None:
    url = callback_url(client.app.state.settings, TwilioRoute.SMS, "campaign=7")
    assert post(client, PARAMS, sign(url, PARAMS), "campaign=7").status_code == 200
    assert post(client, PARAMS, sign(url, PARAMS), "campaign=8").status_code == 403


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-a-signature",
        sign("https://collect.example.com/twilio/sms", PARAMS, token="another-account-token"),
        sign("http://testserver/twilio/sms", PARAMS),  # the URL as the server saw it, not the public one
    ],
)
def test_bad_signatures_are_403(client: TestClient, signature: str) -> None:
    assert post(client, PARAMS, signature).status_code == 403


def test_a_changed_parameter_breaks_the_signature(client: TestClient) -> None:
    signature = sign("https://collect.example.com/twilio/sms", PARAMS)
    assert post(client, {**PARAMS, "Body": "STOP"}, signature).status_code == 403


def test_forwarded_headers_do_not_change_the_url(client: TestClient) -> None:
    forged = sign("https://evil.example.net/twilio/sms", PARAMS)
    response = client.post(
        TwilioRoute.SMS,
        content=urlencode(PARAMS),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": forged,
            "X-Forwarded-Host": "evil.example.net",
            "X-Forwarded-Proto": "https",
        },
    )
    assert response.status_code == 403


def test_oversized_and_non_utf8_bodies(client: TestClient) -> None:
    big = client.post(TwilioRoute.SMS, content=b"Body=" + b"a" * 70_000, headers={"X-Twilio-Signature": "x"})
    assert big.status_code == 413
    latin = client.post(
        TwilioRoute.SMS, content="Body=caf\xe9".encode("latin-1"), headers={"X-Twilio-Signature": "x"}
    )
    assert latin.status_code == 400
    assert "not UTF-8" in latin.json()["detail"]
