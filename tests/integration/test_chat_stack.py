"""Web chat against the running stack: headless Chromium on the gateway's /chat page, the real bot behind it.

A person verifies who they are and hears their balance; the transcript is the same as for SMS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from debt.db import make_engine
from debt.messages import render
from debt.models import Conversation, ConversationFlagRow, Turn
from tests.api.test_chat_page_browser import open_chat, texts, type_and_enter, wait_turns
from tests.browser import Browser, Page
from tests.factories import make_account
from tests.integration.conftest import Gateway

pytestmark = [pytest.mark.rasa, pytest.mark.stack]
REF = "CHAT-4711"
SHOTS = Path("/tmp/chat-shots")


def say(page: Page, text: str) -> None:
    """Type, send, and wait for the answer (the box is writable again)."""
    count = len(texts(page))
    type_and_enter(page, text)
    wait_turns(page, count + 2, timeout=30)
    page.wait_for("!document.getElementById('message').readOnly", timeout=30)


def test_a_person_verifies_and_hears_the_balance_in_the_browser(gateway: Gateway, browser: Browser) -> None:
    with Session(make_engine(gateway.database_url)) as session:
        make_account(session, account_ref=REF, first_name="Camille", last_name="Martin", phone="+33611223344")
        session.commit()
    page = browser.new_page()
    try:
        page.set_viewport(1280, 900)
        page.set_languages("fr-FR,fr")
        open_chat(page, gateway.url)
        say(page, "Bonjour, combien je vous dois ?")
        assert render("ask_name", "fr") in [text for role, text in texts(page) if role == "bot"]
        say(page, "Camille Martin")
        assert render("ask_secret", "fr") in [text for role, text in texts(page) if role == "bot"]
        say(page, "12/03/1985")
        try:
            page.wait_for(f"document.getElementById('transcript').textContent.includes({REF!r})", timeout=30)
        finally:
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(SHOTS / "stack-chat-verified.png")
        shown = texts(page)
        assert render("identity_verified", "fr") in [text for _, text in shown]
        assert page.errors == []
    finally:
        page.close()

    with Session(make_engine(gateway.database_url)) as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.channel == "chat").order_by(col(Conversation.id).desc())
        ).first()
        turns = session.exec(
            select(Turn).where(Turn.conversation_id == conversation.id).order_by(col(Turn.seq))
        )
        stored = [(t.role, t.text) for t in turns]
        flags = set(
            session.exec(
                select(ConversationFlagRow.flag).where(ConversationFlagRow.conversation_id == conversation.id)
            )
        )
    assert stored == shown  # what the page shows is the transcript, turn for turn
    assert "identity_verified" in flags and conversation.language == "fr"
