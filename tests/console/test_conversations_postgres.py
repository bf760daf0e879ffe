"""The conversations section on the real PostgreSQL: full-text search through the GIN index of migration
0008 (whole words, any case), the filters, and the decisions found by their JSON details."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

import console.conversation_list as section_list
from console import conversation_search
from console.auth import console_now
from console.conversation_filters import ConversationFilter
from console.conversation_list import matching
from core.settings import load_settings
from debt.models import AuditEntry, ConsoleRole, Conversation
from tests.console.helpers import Clock, add_user, signed_in_client
from tests.console.test_conversations import PATH, SCRIPT, Seeded, listed, seed, walk

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(pg_url: str) -> FastAPI:
    from server import create_app

    app = create_app(load_settings(database_url=pg_url, env="test"))
    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    app.dependency_overrides[console_now] = lambda: clock.now
    add_user(app.state.engine, "sam", ConsoleRole.SUPERVISOR)
    return app


@pytest.fixture
def web(pg_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(pg_app, follow_redirects=False) as client:
        signed_in_client(client, "sam")
        yield client


@pytest.fixture
def seeded(pg_app: FastAPI) -> Seeded:
    return seed(pg_app.state.engine)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Ratenzahlung", ["plan"]),
        ("RATENZAHLUNG", ["plan"]),
        ("Raten", []),  # whole words: the index knows "ratenzahlung", not its parts
        ("conteste facture", ["dispute"]),
        ("facture, conteste !", ["dispute"]),
        ("conteste Ratenzahlung", []),
        ("lost job", ["hardship"]),
        # PostgreSQL's parser reads <script>…</script> as markup, not words: only the words around it count.
        ("script", []),
        ("alert", []),
        ("!!!", ["dispute", "plan", "hardship"]),
    ],
)
def test_search_on_postgres(web: TestClient, seeded: Seeded, q: str, expected: list[str]) -> None:
    answer = web.get(PATH, params={"q": q})
    assert answer.status_code == 200
    assert listed(answer.text) == [getattr(seeded, name) for name in expected]


def test_filters_and_search_together_on_postgres(web: TestClient, seeded: Seeded) -> None:
    query = {"q": "bonjour", "channel": "sms", "flag": "dispute", "account_status": "disputed"}
    assert listed(web.get(PATH, params={**query, "campaign": str(seeded.campaign)}).text) == [seeded.dispute]
    assert listed(
        web.get(PATH, params={"language": "de", "from": "2026-11-10", "to": "2026-11-10"}).text
    ) == [seeded.plan]


def test_a_conversation_page_on_postgres(web: TestClient, pg_app: FastAPI, seeded: Seeded) -> None:
    text = web.get(f"{PATH}/{seeded.dispute}").text
    assert '<span class="decision__action">dispute.opened</span>' in text  # found by details ->> key
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text and SCRIPT not in text
    with Session(pg_app.state.engine) as db:
        opened = db.exec(select(AuditEntry).where(AuditEntry.action == "conversation_opened")).one()
    assert opened.entity_id == str(seeded.dispute)


def test_the_search_uses_the_gin_index(pg_app: FastAPI, seeded: Seeded) -> None:
    """The query's expression is the index's: with sequential scans off, the plan names the index."""
    with Session(pg_app.state.engine) as db:
        query = matching(db, ConversationFilter(q="ratenzahlung"), False).order_by(col(Conversation.id))
        sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        db.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in db.connection().exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_turn_text_search" in plan, plan


@pytest.mark.parametrize("q", ["bonjour", "guten tag", "ratenzahlung", "Raten", "lost my job"])
def test_a_common_word_finds_on_postgres_what_the_index_finds(
    web: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """The windows of newest conversations (ILIKE, then to_tsvector) agree with the index, whole words."""
    first = f"{PATH}?{urlencode({'q': q})}"
    expected = [i for page in walk(web, first, "next") for i in page]
    monkeypatch.setattr(section_list, "is_common", lambda db, words: True)
    for window in (1, 2, 1000):
        monkeypatch.setattr(section_list, "SEARCH_WINDOW", window)
        assert [i for page in walk(web, first, "next") for i in page] == expected, window


def test_word_shares_come_from_the_statistics_of_the_index(pg_app: FastAPI, seeded: Seeded) -> None:
    with Session(pg_app.state.engine) as db:
        db.connection().exec_driver_sql("ANALYZE turn")
        conversation_search._shares.pop(str(db.get_bind().url), None)  # read the new statistics
        assert conversation_search.word_share(db, "bonjour") > 0.1  # 1 turn in 6
        assert conversation_search.word_share(db, "xylophone") == 0.0
        assert conversation_search.is_common(db, ["bonjour"]) and not conversation_search.is_common(
            db, ["bonjour", "xylophone"]
        )
