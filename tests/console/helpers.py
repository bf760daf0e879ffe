"""Console test helpers: users in the database, the sign-in form, a clock the tests move."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from console.user_store import create_user
from debt.db import session_scope
from debt.models import ConsoleRole, ConsoleUser

PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"  # TestClient's own origin
_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def add_user(
    engine: Engine,
    login: str,
    role: ConsoleRole | str = ConsoleRole.ADMIN,
    *,
    name: str = "",
    password: str = PASSWORD,
) -> ConsoleUser:
    with session_scope(engine) as db:
        return create_user(db, login, password, role, name or login.title())


def csrf_token(page: Response) -> str:
    found = _TOKEN.search(page.text)
    assert found, f"no csrf field in the page:\n{page.text[:2000]}"
    return found[1]


def sign_in(
    client: TestClient, login: str, password: str = PASSWORD, *, next_path: str = "/console"
) -> Response:
    """Open the sign-in form, then send it as the browser would (its hidden fields, our Origin)."""
    form = client.get("/console/login")
    assert form.status_code == 200, form.text
    return client.post(
        "/console/login",
        data={"login": login, "password": password, "csrf": csrf_token(form), "next": next_path},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )


def signed_in_client(client: TestClient, login: str, password: str = PASSWORD) -> str:
    """Sign `client` in; returns the CSRF token of its session (for its forms)."""
    answer = sign_in(client, login, password)
    assert answer.status_code == 303, answer.text
    return csrf_token(client.get("/console"))
