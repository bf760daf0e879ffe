"""Every POST of a signed-in person needs the session's token and our origin."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.requests import Request

from console.csrf import check_same_origin
from core.settings import load_settings
from debt.models import ConsoleUser
from tests.console.helpers import ORIGIN, signed_in_client

NEW_USER = {
    "login": "newbie",
    "display_name": "New Person",
    "role": "advisor",
    "password": "a long enough secret",
    "password_again": "a long enough secret",
}


def _created(engine: Engine) -> bool:
    with Session(engine) as db:
        return db.exec(select(ConsoleUser).where(ConsoleUser.login == "newbie")).first() is not None


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        pytest.param(None, {"Origin": ORIGIN}, id="no-token"),
        pytest.param("", {"Origin": ORIGIN}, id="empty-token"),
        pytest.param("forged-token-forged-token-forged-token-1234", {"Origin": ORIGIN}, id="wrong-token"),
        pytest.param("good", {"Origin": "https://evil.example"}, id="cross-origin"),
        pytest.param("good", {"Origin": "null"}, id="opaque-origin"),
        pytest.param("good", {"Referer": "https://evil.example/page"}, id="cross-site-referer"),
        pytest.param("good", {}, id="neither-origin-nor-referer"),
    ],
)
def test_a_forged_post_is_refused_with_403(
    web: TestClient, engine: Engine, staff: dict[str, str], token: str | None, headers: dict[str, str]
) -> None:
    good = signed_in_client(web, "ada")
    data = dict(NEW_USER)
    if token is not None:
        data["csrf"] = good if token == "good" else token
    answer = web.post("/console/users", data=data, headers=headers)
    assert answer.status_code == 403
    assert "could not be accepted" in answer.text
    assert not _created(engine)


def test_another_sessions_token_does_not_fit(
    app, web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    with TestClient(app) as other:
        theirs = signed_in_client(other, "sam")
    signed_in_client(web, "ada")
    answer = web.post("/console/users", data={**NEW_USER, "csrf": theirs}, headers={"Origin": ORIGIN})
    assert answer.status_code == 403 and not _created(engine)


def test_the_same_form_from_our_page_is_accepted(
    web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    csrf = signed_in_client(web, "ada")
    answer = web.post("/console/users", data={**NEW_USER, "csrf": csrf}, headers={"Origin": ORIGIN})
    assert answer.status_code == 303 and _created(engine)


def test_a_same_origin_referer_stands_in_for_a_missing_origin(
    web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    csrf = signed_in_client(web, "ada")
    answer = web.post(
        "/console/users", data={**NEW_USER, "csrf": csrf}, headers={"Referer": f"{ORIGIN}/console/users"}
    )
    assert answer.status_code == 303 and _created(engine)


def test_a_script_may_send_the_token_as_a_header(web: TestClient, staff: dict[str, str]) -> None:
    csrf = signed_in_client(web, "val")
    answer = web.post("/console/logout", headers={"Origin": ORIGIN, "X-CSRF-Token": csrf})
    assert answer.status_code == 303


def _request(host: str, scheme: str, headers: dict[str, str]) -> Request:
    raw = [(b"host", host.encode())] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "scheme": scheme, "path": "/", "headers": raw})


def test_behind_a_tls_proxy_the_public_origin_is_ours() -> None:
    settings = load_settings(env="test", public_base_url="https://console.example")
    # TLS ends at the proxy: the gateway sees http://, the browser says https://.
    check_same_origin(_request("console.example", "http", {"Origin": "https://console.example"}), settings)
    check_same_origin(_request("10.0.0.5:8000", "http", {"Origin": "https://console.example"}), settings)
    with pytest.raises(HTTPException) as refused:
        check_same_origin(_request("console.example", "http", {"Origin": "https://evil.example"}), settings)
    assert refused.value.status_code == 403
