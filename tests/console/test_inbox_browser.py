"""The inbox in headless Chromium against the real gateway (a fake bot at the Rasa boundary): a debtor asks
for a person in the web chat, an advisor takes the conversation over, the bot goes silent, the advisor's
reply reaches the chat page, and the conversation goes back to the bot. Both pages in one browser, two tabs.
Screenshots go to /tmp/console-shots/.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from channels.turns import TurnProcessor
from console.sessions import COOKIE
from core.settings import load_settings
from debt.db import migrate, session_scope
from debt.models import ConsoleRole, Conversation
from debt.outcomes import request_handoff
from integrations.locks import InProcessLocks
from integrations.rasa_client import BotReply
from tests.api.test_chat_page_browser import LOW_CONTRAST
from tests.browser import Browser, Page
from tests.channels.test_turns import FakeRasa
from tests.console.helpers import PASSWORD, add_user
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.stack

SHOTS = Path("/tmp/console-shots")
GREETING = "Bonjour ! Je suis l'assistant automatique. Que puis-je faire pour vous ?"
HANDING_OVER = "Je transmets votre demande à un conseiller : il vous répond ici dans quelques minutes."
ADVISOR_SAYS = "Bonjour, je suis Val, conseillère. Je regarde votre dossier avec vous."


class HandingOverBot(FakeRasa):
    """Greets, and hands the conversation to a person when asked for an advisor (as action_handoff does)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    async def turn(self, sender: str, text: str, metadata: dict[str, Any], *, timeout: float | None = None):
        self.received.append((sender, text, metadata))
        if "conseiller" not in text.lower():
            return BotReply([GREETING if len(self.received) == 1 else f"Bien noté : {text}"], "inform", 0.9)
        await asyncio.to_thread(self._hand_over, metadata["conversation_id"])
        return BotReply([HANDING_OVER], "request_human", 0.97)

    def _hand_over(self, conversation_id: int) -> None:
        with session_scope(self.engine) as db:
            conversation = db.get(Conversation, conversation_id)
            assert conversation is not None
            request_handoff(
                db,
                conversation,
                reason="requested by the debtor",
                summary="requested by the debtor. identity not verified; chat, language fr; asked about: -.",
            )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, HandingOverBot]]:
    from server import create_app

    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    migrate(url)
    settings = load_settings(database_url=url, env="test")
    app = create_app(settings)
    bot = HandingOverBot(app.state.engine)
    # The server runs without its lifespan here: the turn pipeline is set up as the lifespan would.
    app.state.turns = TurnProcessor(settings, app.state.engine, bot, InProcessLocks())  # type: ignore[arg-type]
    add_user(app.state.engine, "val", ConsoleRole.ADVISOR, name="Val Martin")
    with serve_in_thread(app) as base_url:
        yield base_url, bot


@pytest.fixture
def base_url(served: tuple[str, HandingOverBot]) -> str:
    return served[0]


def open_tab(browser: Browser) -> Page:
    tab = browser.new_page()
    tab.set_viewport(1280, 800)
    tab.set_languages("fr-FR,fr")
    return tab


def check_and_close(tab: Page, base_url: str) -> None:
    tab.evaluate("1")  # read what is still queued: late errors and requests
    tab.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"
    elsewhere = [url for url in tab.requests if not url.startswith((base_url, "about:", "data:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


@pytest.fixture
def tabs(browser: Browser, base_url: str) -> Iterator[tuple[Page, Page]]:
    """The debtor's chat tab and the advisor's console tab, in the same browser."""
    debtor = open_tab(browser)
    debtor.send("Network.clearBrowserCookies")
    advisor = open_tab(browser)
    yield debtor, advisor
    check_and_close(debtor, base_url)
    check_and_close(advisor, base_url)


def js(value: object) -> str:
    return json.dumps(value)


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    mark = len(page.events)
    page.click(selector)
    page.wait_event("Page.loadEventFired", mark)


def here(page: Page) -> str:
    return page.evaluate("location.pathname + location.search")


def show(page: Page) -> None:
    """Make the tab the visible one: the pages poll only while visible, as a person's screen would."""
    page.send("Page.bringToFront")


def shows(role: str, text: str) -> str:
    """JavaScript: is a turn of `role` with exactly `text` on the page (the chat or the console)?"""
    return (
        f"[...document.querySelectorAll('#transcript .turn--{role} .turn__text')]"
        f".some(n => n.textContent === {js(text)})"
    )


def say_in_chat(page: Page, text: str) -> None:
    show(page)
    page.focus("#message")
    page.type_text(text)
    page.press("Enter")
    page.wait_for(shows("debtor", text))


def chat_turns(page: Page) -> list[tuple[str, str, str]]:
    return page.evaluate(
        "[...document.querySelectorAll('#transcript .turn')].map(n => [n.dataset.role,"
        " n.querySelector('.turn__who').textContent, n.querySelector('.turn__text').textContent])"
    )


def console_turns(page: Page) -> list[tuple[str, str]]:
    return page.evaluate(
        "[...document.querySelectorAll('#transcript .turn')]"
        ".map(n => [n.className.replace('turn turn--', ''), n.querySelector('.turn__text').textContent])"
    )


def test_an_advisor_takes_over_a_chat_answers_and_hands_it_back(
    tabs: tuple[Page, Page], base_url: str, served: tuple[str, HandingOverBot]
) -> None:
    debtor, advisor = tabs
    bot = served[1]

    # The debtor asks for a person in the web chat.
    debtor.goto(f"{base_url}/chat")
    debtor.wait_for("document.getElementById('send').textContent.length > 0")
    say_in_chat(debtor, "Bonjour")
    debtor.wait_for(f"document.getElementById('transcript').textContent.includes({js(GREETING)})")
    say_in_chat(debtor, "Je voudrais parler à un conseiller <b>svp</b>")
    debtor.wait_for(f"document.getElementById('transcript').textContent.includes({js(HANDING_OVER)})")

    # The advisor signs in and finds it in the inbox.
    show(advisor)
    advisor.goto(f"{base_url}/console/inbox")
    assert here(advisor) == "/console/login?next=%2Fconsole%2Finbox"
    advisor.focus("#login")
    advisor.type_text("val")
    advisor.focus("#password")
    advisor.type_text(PASSWORD)
    submit(advisor, "form.form button[type=submit]")
    assert here(advisor) == "/console/inbox"
    assert COOKIE not in advisor.evaluate("document.cookie")
    items = advisor.evaluate("[...document.querySelectorAll('.inbox__item')].map(n => n.textContent)")
    assert len(items) == 1 and "requested by the debtor" in items[0] and "Web chat" in items[0]
    assert "Je voudrais parler à un conseiller <b>svp</b>" in items[0]  # shown as text
    assert advisor.evaluate("document.querySelectorAll('.inbox__messages b').length") == 0
    assert advisor.evaluate(LOW_CONTRAST) == []
    advisor.screenshot(SHOTS / "inbox-waiting-1280x800.png")

    # Taking over: the conversation page with the transcript and the reply form.
    submit(advisor, ".inbox__actions button[type=submit]")
    assert advisor.evaluate("location.search") == "?done=taken"
    assert "You hold this conversation" in advisor.evaluate("document.querySelector('.state').textContent")
    assert [role for role, _ in console_turns(advisor)] == ["debtor", "bot", "debtor", "bot"]
    assert advisor.evaluate("document.querySelectorAll('#transcript b, main script').length") == 0
    assert advisor.evaluate(LOW_CONTRAST) == []
    advisor.screenshot(SHOTS / "inbox-taken-1280x800.png")

    # The debtor writes again: the bot stays silent, the advisor's page shows the message by itself.
    sent_to_bot = len(bot.received)
    say_in_chat(debtor, "Merci, j'attends.")
    show(advisor)
    advisor.wait_for(shows("debtor", "Merci, j'attends."), timeout=10)
    assert len(bot.received) == sent_to_bot
    assert chat_turns(debtor)[-1][0] == "debtor"  # no reply from the bot

    # The advisor answers as a person.
    advisor.focus("#reply-text")
    advisor.type_text(ADVISOR_SAYS)
    submit(advisor, ".reply button[type=submit]")
    assert advisor.evaluate("location.search") == "?done=sent"
    last = advisor.evaluate("[...document.querySelectorAll('#transcript .turn')].pop().textContent")
    assert ADVISOR_SAYS in last and "Advisor · Val Martin" in last and "shown in the chat" in last
    assert advisor.evaluate(LOW_CONTRAST) == []
    advisor.screenshot(SHOTS / "inbox-replied-1280x800.png")

    # The debtor's chat shows it, marked as an advisor's message, by its polling.
    show(debtor)
    debtor.wait_for(shows("advisor", ADVISOR_SAYS), timeout=10)
    role, who, text = chat_turns(debtor)[-1]
    assert (role, text) == ("advisor", ADVISOR_SAYS) and "conseiller" in who
    debtor.screenshot(SHOTS / "chat-advisor-reply-1280x800.png")

    # Handed back: the inbox is empty and the bot answers the next message.
    show(advisor)
    submit(advisor, ".release button[type=submit]")
    assert here(advisor) == "/console/inbox?done=released"
    assert "The conversation is back with the assistant." in advisor.evaluate(
        "document.querySelector('.notice').textContent"
    )
    assert advisor.evaluate("document.querySelectorAll('.inbox__item').length") == 0
    advisor.screenshot(SHOTS / "inbox-released-1280x800.png")
    say_in_chat(debtor, "Une dernière question")
    debtor.wait_for(
        "document.getElementById('transcript').textContent.includes('Bien noté : Une dernière question')"
    )


def test_the_inbox_page_fits_a_phone(
    tabs: tuple[Page, Page], base_url: str, served: tuple[str, HandingOverBot]
) -> None:
    debtor, advisor = tabs
    debtor.goto(f"{base_url}/chat")
    debtor.wait_for("document.getElementById('send').textContent.length > 0")
    say_in_chat(debtor, "Je veux un conseiller")
    debtor.wait_for(f"document.getElementById('transcript').textContent.includes({js(HANDING_OVER)})")
    show(advisor)
    advisor.set_viewport(360, 740, mobile=True)
    advisor.goto(f"{base_url}/console/login?next=/console/inbox")
    advisor.focus("#login")
    advisor.type_text("val")
    advisor.focus("#password")
    advisor.type_text(PASSWORD)
    submit(advisor, "form.form button[type=submit]")
    assert advisor.evaluate("document.documentElement.scrollWidth") <= 360
    advisor.screenshot(SHOTS / "inbox-phone-360x740.png")
    link = advisor.evaluate("document.querySelector('.inbox__link').getAttribute('href')")
    advisor.goto(f"{base_url}{link}")
    assert advisor.evaluate("document.documentElement.scrollWidth") <= 360
    advisor.screenshot(SHOTS / "inbox-conversation-phone-360x740.png")
