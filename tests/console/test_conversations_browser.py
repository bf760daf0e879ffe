"""The conversations section in headless Chromium against the real gateway: a supervisor signs in, filters,
searches, opens a transcript and sees what a debtor typed as text. Screenshots go to /tmp/console-shots/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings
from debt.db import migrate
from debt.models import ConsoleRole
from tests.api.test_chat_page_browser import LOW_CONTRAST
from tests.browser import Browser, Page
from tests.console.helpers import add_user
from tests.console.test_console_browser import here, sign_in, submit, text
from tests.console.test_conversations import SCRIPT, Seeded, seed, seed_many
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.stack

SHOTS = Path("/tmp/console-shots")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    from server import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('conversations') / 'collect.db'}"
    migrate(url)
    app = create_app(load_settings(database_url=url, env="test"))
    add_user(app.state.engine, "camille", ConsoleRole.SUPERVISOR, name="Camille Durand")
    add_user(app.state.engine, "val", ConsoleRole.ADVISOR, name="Val Leroy")
    seed_many(app.state.engine, 60)
    seeded = seed(app.state.engine)
    with serve_in_thread(app) as base_url:
        yield base_url, seeded


@pytest.fixture
def base_url(served: tuple[str, Seeded]) -> str:
    return served[0]


@pytest.fixture
def seeded(served: tuple[str, Seeded]) -> Seeded:
    return served[1]


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    tab = browser.new_page()
    tab.send("Network.clearBrowserCookies")
    tab.set_viewport(1280, 900)
    yield tab
    tab.evaluate("1")
    tab.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"
    elsewhere = [url for url in tab.requests if not url.startswith((base_url, "about:", "data:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


def rows(page: Page) -> list[str]:
    cells = "document.querySelectorAll('table.conversations tbody tr td:first-child')"
    return page.evaluate(f"[...{cells}].map(cell => cell.textContent.trim())")


def choose(page: Page, select: str, value: str) -> None:
    page.evaluate(f"document.querySelector({json.dumps(select)}).value = {json.dumps(value)}")


def test_filter_search_and_open_a_transcript(page: Page, base_url: str, seeded: Seeded) -> None:
    page.goto(f"{base_url}/console/conversations")
    assert here(page) == "/console/login?next=%2Fconsole%2Fconversations"
    sign_in(page, "camille")
    assert here(page) == "/console/conversations"
    assert text(page, "h1") == "Conversations"
    assert len(rows(page)) == 50 and text(page, "#count") == "63 conversations."
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "conversations-list-1280x900.png")

    choose(page, "#f-channel", "sms")
    choose(page, "#f-language", "fr")
    submit(page, ".filters button[type=submit]")
    assert (
        here(page)
        == "/console/conversations?q=&channel=sms&flag=&account_status=&campaign=&language=fr&from=&to="
        "&review=&issue="
    )
    assert text(page, "#count") == "1 conversation matches the filters."
    assert page.evaluate("document.getElementById('f-channel').value") == "sms"

    page.goto(f"{base_url}/console/conversations")
    page.focus("#f-q")
    page.type_text("conteste facture")
    submit(page, ".filters button[type=submit]")
    assert text(page, "#count").startswith("Conversations with these words, newest first")
    assert len(rows(page)) == 1
    assert page.evaluate("document.getElementById('f-q').value") == "conteste facture"
    assert text(page, "table.conversations tbody td:nth-child(3)") == "Jeanne D."
    assert text(page, "table.conversations tbody td:nth-child(4)") == "+336••••••12"
    page.screenshot(SHOTS / "conversations-search-1280x900.png")

    submit(page, "table.conversations tbody a")
    assert here(page) == f"/console/conversations/{seeded.dispute}"
    assert text(page, "h1") == f"Conversation {seeded.dispute}"
    said = page.evaluate("[...document.querySelectorAll('.turn__text')].map(p => p.textContent)")
    assert said[1] == SCRIPT  # shown as the debtor typed it
    assert page.evaluate("document.querySelectorAll('script').length") == 0  # and not run
    assert text(page, ".decision__action") == "dispute.opened"
    assert page.evaluate("[...document.querySelectorAll('.flags--large .flag')].map(f => f.textContent)") == [
        "dispute",
        "handoff",
    ]
    assert "Jeanne Dupont" in text(page, ".side") and "+336••••••12" in text(page, ".side")
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "conversation-transcript-1280x900.png")


def test_a_supervisor_annotates_a_turn_and_sets_the_review_status(
    page: Page, base_url: str, seeded: Seeded
) -> None:
    page.goto(f"{base_url}/console/conversations/{seeded.dispute}")
    sign_in(page, "camille")
    assert text(page, ".review__status").startswith("Not reviewed")
    page.evaluate("document.querySelector('#turn-2 .turn__review summary').click()")
    page.evaluate("document.querySelector('#turn-2 input[name=verdict][value=issue]').click()")
    choose(page, "#turn-2 select[name=category]", "wrong_understanding")
    page.focus("#turn-2 textarea[name=comment]")
    page.type_text("The dispute was heard, but <b>the answer</b> came late.")
    page.screenshot(SHOTS / "conversation-marking-1280x900.png")
    submit(page, "#turn-2 .mark-form button[type=submit]")
    assert page.evaluate("location.hash") == "#turn-2"
    assert text(page, "#turn-2 .mark__verdict") == "Issue: Wrong understanding"
    assert text(page, "#turn-2 .mark__comment") == "The dispute was heard, but <b>the answer</b> came late."
    assert text(page, ".review__status").startswith("In review")
    assert text(page, ".review__issues") == "1 issue marked"

    choose(page, ".review__form select[name=review]", "follow_up")
    submit(page, ".review__form button[type=submit]")
    assert page.evaluate("location.hash") == "#review"
    assert text(page, ".review__status").startswith("Follow-up needed")
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "conversation-reviewed-1280x900.png")

    page.goto(f"{base_url}/console/conversations?review=follow_up")
    assert text(page, "#count") == "1 conversation matches the filters."
    assert text(page, "table.conversations tbody td:last-child") == "Follow-up needed"


def test_a_call_with_its_recording(page: Page, base_url: str, seeded: Seeded) -> None:
    page.goto(f"{base_url}/console/conversations/{seeded.plan}")
    sign_in(page, "camille")
    assert here(page) == f"/console/conversations/{seeded.plan}"
    audio = page.evaluate(
        "(() => { const a = document.querySelector('audio'); return [a.controls, a.preload]; })()"
    )
    assert audio == [True, "none"]  # nothing is fetched from Twilio before someone presses play
    assert text(page, ".turn--debtor .turn__intent") == "intent request_plan, confidence 0.93 0.93"
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "conversation-call-1280x900.png")


def test_an_advisor_sees_the_handed_over_conversations(page: Page, base_url: str, seeded: Seeded) -> None:
    page.goto(f"{base_url}/console/conversations")
    sign_in(page, "val")
    assert len(rows(page)) == 2
    assert page.evaluate("document.querySelector('a[href$=\".csv\"]')") is None
    page.screenshot(SHOTS / "conversations-advisor-1280x900.png")


def test_a_phone_screen_has_no_horizontal_overflow(page: Page, base_url: str, seeded: Seeded) -> None:
    page.set_viewport(360, 740, mobile=True)
    page.goto(f"{base_url}/console/conversations")
    sign_in(page, "camille")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(SHOTS / "conversations-phone-360x740.png")
    page.goto(f"{base_url}/console/conversations/{seeded.dispute}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(SHOTS / "conversation-phone-360x740.png")
