"""The audit log page: newest first, filters, pages by entry id, who opened which conversation, roles,
escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.audit_page import PER_PAGE
from debt.db import session_scope
from debt.models import AuditEntry
from tests.console.helpers import signed_in_client
from tests.console.test_dashboard import include_sections

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return include_sections(app)


def add_entries(engine: Engine, *entries: tuple[str, str, str, str | None, dict, datetime]) -> None:
    with session_scope(engine) as db:
        for actor, action, entity, entity_id, details, at in entries:
            db.add(
                AuditEntry(
                    actor=actor, action=action, entity=entity, entity_id=entity_id, details=details, at=at
                )
            )


@pytest.fixture
def log(engine: Engine, staff: dict[str, str]) -> None:
    """Three days of entries, after the sign-ins the staff fixture did not make (it creates users only)."""
    add_entries(
        engine,
        ("user:sam", "conversation_opened", "conversation", "41", {}, START),
        (
            "user:val",
            "conversation_opened",
            "conversation",
            "42",
            {"from": "inbox"},
            START + timedelta(hours=1),
        ),
        (
            "system",
            "console_user_locked",
            "console_user",
            "3",
            {"until": "2026-11-21T10:15:00+00:00"},
            START + timedelta(days=1),
        ),
        (
            "user:sam",
            "campaign_paused",
            "campaign",
            "7",
            {"name": "Relance", "previous": "running"},
            START + timedelta(days=2),
        ),
        (
            "debtor",
            "identity.verified",
            "account",
            "12",
            {"secret_kind": "postcode", "conversation_id": 42},
            START + timedelta(days=2, hours=1),
        ),
    )


def rows(page: str) -> list[list[str]]:
    """Each entry as [when, actor, action, entity] with the markup taken out."""
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells[:4]])
    return found


def ours(page: str) -> list[list[str]]:
    """Entries of the seeded log (the sign-in of the test's own user is there too)."""
    return [r for r in rows(page) if r[2] != "console_login"]


def test_newest_first_with_links_to_what_was_opened(web: TestClient, log: None) -> None:
    signed_in_client(web, "ada")
    page = web.get("/console/audit")
    assert page.status_code == 200, page.text
    assert ours(page.text) == [
        ["2026-11-22 10:00 UTC", "debtor", "identity.verified", "account 12"],
        ["2026-11-22 09:00 UTC", "user:sam", "campaign_paused", "campaign 7"],
        ["2026-11-21 09:00 UTC", "system", "console_user_locked", "console_user 3"],
        ["2026-11-20 10:00 UTC", "user:val", "conversation_opened", "conversation 42"],
        ["2026-11-20 09:00 UTC", "user:sam", "conversation_opened", "conversation 41"],
    ]
    assert rows(page.text)[0][2] == "console_login"  # ada's own sign-in: written now, the newest id
    assert '<a href="/console/conversations/42">42</a>' in page.text
    assert '<a href="/console/campaigns/7">7</a>' in page.text
    assert '<span class="details__key">conversation_id:</span> 42' in page.text
    assert '<span class="details__key">name:</span> Relance' in page.text
    assert "<script" not in page.text and " style=" not in page.text


def test_who_opened_which_conversation(web: TestClient, log: None) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/audit").text
    assert 'href="/console/audit?action=conversation_opened">Who opened which conversation' in page
    opened = web.get("/console/audit?action=conversation_opened").text
    assert [r[1:] for r in rows(opened)] == [
        ["user:val", "conversation_opened", "conversation 42"],
        ["user:sam", "conversation_opened", "conversation 41"],
    ]
    assert '<option value="conversation_opened" selected>' in opened


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "user:sam"}, ["campaign_paused", "conversation_opened"]),
        ({"actor": " user:sam "}, ["campaign_paused", "conversation_opened"]),
        ({"entity": "conversation", "entity_id": "42"}, ["conversation_opened"]),
        ({"from": "2026-11-21", "to": "2026-11-21"}, ["console_user_locked"]),
        ({"from": "2026-11-22", "actor": "debtor"}, ["identity.verified"]),
        ({"to": "2026-11-20"}, ["conversation_opened", "conversation_opened"]),
        ({"actor": "user:nobody"}, []),
    ],
)
def test_filters(web: TestClient, log: None, query: dict[str, str], expected: list[str]) -> None:
    signed_in_client(web, "ada")
    page = web.get("/console/audit", params=query)
    assert page.status_code == 200
    assert [r[2] for r in ours(page.text)] == expected
    if not expected:
        assert "No entry matches these filters." in page.text


def test_an_action_nobody_did_yet_stays_selected(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/audit", params={"action": "conversation_opened"}).text
    assert (
        '<option value="conversation_opened" selected>' in page and "No entry matches these filters." in page
    )


def test_a_wrong_day_says_why(web: TestClient, log: None) -> None:
    signed_in_client(web, "ada")
    page = web.get("/console/audit", params={"from": "2026-11-22", "to": "2026-11-20"})
    assert page.status_code == 400 and "Not filtered: the first day comes after the last." in page.text
    page = web.get("/console/audit", params={"from": "22/11/26"})
    assert page.status_code == 400 and "Not filtered: from: a date as YYYY-MM-DD." in page.text


def test_pages_go_by_entry_id_and_keep_the_filters(
    web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    add_entries(
        engine,
        *[
            ("user:sam", "conversation_opened", "conversation", str(n), {}, START + timedelta(minutes=n))
            for n in range(PER_PAGE + 5)
        ],
    )
    signed_in_client(web, "sam")
    first = web.get("/console/audit?action=conversation_opened").text
    ids = [int(r[3].split()[1]) for r in rows(first)]
    assert ids == list(range(PER_PAGE + 4, 4, -1))  # the newest 50
    older = re.search(r'href="(/console/audit\?[^"]+)">Older', first)
    assert older and "action=conversation_opened" in older[1] and "Newer" not in first
    second = web.get(older[1].replace("&amp;", "&")).text
    assert [int(r[3].split()[1]) for r in rows(second)] == [4, 3, 2, 1, 0]
    assert "Older" not in second
    newer = re.search(r'href="(/console/audit\?[^"]+)">← Newer', second)
    assert newer
    back = web.get(newer[1].replace("&amp;", "&")).text
    assert [int(r[3].split()[1]) for r in rows(back)] == ids
    assert "Newer" not in back and 'href="/console/audit?action=conversation_opened">Newest entries' in back


def test_what_the_log_holds_is_shown_as_text(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    add_entries(
        engine,
        (
            "user:<b>x</b>",
            "<script>a()</script>",
            "conversation",
            '"><img src=x>',
            {"note": "<i>hi</i>", "n": {"a": "<b>"}},
            START,
        ),
    )
    signed_in_client(web, "ada")
    page = web.get("/console/audit").text
    assert "<script>a()" not in page and "<img src=x>" not in page and "<i>hi" not in page
    assert "<td>user:&lt;b&gt;x&lt;/b&gt;</td>" in page
    assert "&lt;script&gt;a()&lt;/script&gt;" in page
    assert 'href="/console/conversations/&#34;&gt;&lt;img src=x&gt;"' in page
    assert "&lt;i&gt;hi&lt;/i&gt;" in page and "{&#34;a&#34;: &#34;&lt;b&gt;&#34;}" in page
    typed = web.get("/console/audit", params={"actor": '"><script>alert(1)</script>'}).text
    assert (
        "<script>alert(1)" not in typed and 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in typed
    )


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("supervisor", 200), ("advisor", 403)])
def test_admins_and_supervisors_read_the_log(
    web: TestClient, staff: dict[str, str], role: str, status: int
) -> None:
    signed_in_client(web, staff[role])
    assert web.get("/console/audit").status_code == status


def test_without_a_session_the_log_sends_to_sign_in(web: TestClient) -> None:
    answer = web.get("/console/audit?actor=system")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=%2Fconsole%2Faudit%3Factor%3Dsystem"


def test_a_filter_too_long_is_refused(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "ada")
    assert web.get("/console/audit", params={"actor": "x" * 101}).status_code == 400
