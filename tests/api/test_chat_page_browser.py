"""The web chat page in headless Chromium, against an in-test fake of the two chat routes.

The fake keeps the gateway's contract (POST and GET /api/chat/messages, seq per conversation, 404 for
an unknown session, 4xx/5xx with {"detail"}) and has switches: scripted or echo replies, a pending
answer whose real reply comes later through GET, the agent down (503), a slow answer.
Screenshots go to /tmp/chat-shots/.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from tests.browser import SHIFT, Browser, Page
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.stack

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
SHOTS = Path("/tmp/chat-shots")
POLL_S = 3.0  # the page polls every 3 s while visible
HOLDING = {
    "fr": "Merci, votre message est bien reçu. Notre assistant est momentanément indisponible ; "
    "la réponse suit dans un instant.",
    "de": "Danke, Ihre Nachricht ist angekommen. Die Antwort folgt in Kürze.",
    "en": "Thank you, your message has arrived. The answer will follow shortly.",
}


class FakeAgent:
    """The gateway's chat routes in memory. Turns get their seq when they become visible, as a
    store would number them when written."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.mode: Literal["reply", "pending", "down", "refuse"] = "reply"
        self.delay = 0.0  # seconds before answering a POST
        self.late_after = 1.5  # seconds before a pending answer's real reply is visible
        self.script: list[str] = []  # replies to give before echoing
        self.company: str | None = None  # what the server writes into <meta name="company">
        self.conversations: dict[str, list[dict[str, Any]]] = {}
        self.scheduled: dict[str, list[tuple[float, str, str]]] = {}
        self.posts: list[dict[str, Any]] = []
        self.polls: list[tuple[str, int]] = []

    def add(self, session: str, role: str, text: str) -> dict[str, Any]:
        turns = self.conversations[session]
        turn = {"seq": len(turns) + 1, "role": role, "text": text, "at": _now_iso()}
        turns.append(turn)
        return turn

    def later(self, session: str, role: str, text: str, after: float = 0.0) -> None:
        """A turn that appears after `after` seconds (a retried answer, an advisor's message)."""
        self.scheduled.setdefault(session, []).append((time.monotonic() + after, role, text))

    def materialise(self, session: str) -> None:
        due = [item for item in self.scheduled.get(session, []) if item[0] <= time.monotonic()]
        for item in due:
            self.scheduled[session].remove(item)
            self.add(session, item[1], item[2])

    def only_session(self) -> str:
        (session,) = self.conversations
        return session


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


class ChatMessage(BaseModel):
    session: str | None = None
    text: str = Field(min_length=1, max_length=2000)
    language: Literal["fr", "de", "en"]


def make_app(agent: FakeAgent) -> FastAPI:
    app = FastAPI()
    page = (WEB / "chat.html").read_text(encoding="utf-8")

    @app.get("/chat", response_class=HTMLResponse)
    async def chat_page() -> str:
        if agent.company is None:
            return page
        return re.sub(r'(<meta name="company" content=")[^"]*', rf"\g<1>{agent.company}", page)

    @app.post("/api/chat/messages")
    async def post_message(message: ChatMessage) -> dict[str, Any]:
        agent.posts.append(message.model_dump())
        if agent.delay:
            await asyncio.sleep(agent.delay)
        if agent.mode == "down":
            raise HTTPException(503, "the agent is unavailable")
        if agent.mode == "refuse":
            raise HTTPException(422, "the text is not acceptable")
        if message.session is not None and message.session not in agent.conversations:
            raise HTTPException(404, "unknown session")
        session = message.session or uuid.uuid4().hex
        agent.conversations.setdefault(session, [])
        agent.materialise(session)
        agent.add(session, "debtor", message.text)
        answer = agent.script.pop(0) if agent.script else f"Echo ({message.language}): {message.text}"
        if agent.mode == "pending":
            holding = agent.add(session, "bot", HOLDING[message.language])
            agent.later(session, "bot", answer, agent.late_after)
            return {"session": session, "replies": [holding], "pending": True}
        return {"session": session, "replies": [agent.add(session, "bot", answer)], "pending": False}

    @app.get("/api/chat/messages")
    async def get_messages(session: str, after: int = 0) -> dict[str, Any]:
        agent.polls.append((session, after))
        if session not in agent.conversations:
            raise HTTPException(404, "unknown session")
        agent.materialise(session)
        return {"session": session, "turns": [t for t in agent.conversations[session] if t["seq"] > after]}

    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    return app


@pytest.fixture(scope="module")
def fake_agent() -> FakeAgent:
    return FakeAgent()


@pytest.fixture(scope="module")
def base_url(fake_agent: FakeAgent) -> Iterator[str]:
    with serve_in_thread(make_app(fake_agent)) as url:
        yield url


@pytest.fixture
def agent(fake_agent: FakeAgent) -> FakeAgent:
    fake_agent.reset()
    return fake_agent


@pytest.fixture
def page(browser: Browser, base_url: str, agent: FakeAgent) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage) at 1280x800 whose browser prefers French."""
    tab = browser.new_page()
    tab.set_viewport(1280, 800)
    tab.set_languages("fr-FR,fr")
    yield tab
    tab.evaluate("1")  # read what is still queued: late errors and requests
    tab.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"
    elsewhere = [url for url in tab.requests if not url.startswith((base_url, "about:", "data:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


# ---- helpers ------------------------------------------------------------------------------------------

TURNS = """[...document.querySelectorAll('#transcript .turn')].map(n => ({
    role: n.dataset.role, text: n.querySelector('.turn__text').textContent,
    seq: n.dataset.seq ? Number(n.dataset.seq) : null, who: n.querySelector('.turn__who').textContent,
    time: n.querySelector('time').textContent}))"""


def open_chat(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/chat")
    page.wait_for("document.getElementById('send').textContent.length > 0")


def type_and_enter(page: Page, text: str) -> None:
    page.focus("#message")
    page.type_text(text)
    page.press("Enter")


def turns(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(TURNS)


def texts(page: Page) -> list[tuple[str, str]]:
    return [(t["role"], t["text"]) for t in turns(page)]


def wait_turns(page: Page, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    page.wait_for(f"document.querySelectorAll('#transcript .turn').length >= {count}", timeout)
    return turns(page)


def js(value: object) -> str:
    return json.dumps(value)


# ---- sending --------------------------------------------------------------------------------------------


def test_enter_sends_and_the_reply_appears_on_the_left(page: Page, base_url: str, agent: FakeAgent) -> None:
    open_chat(page, base_url)
    assert page.evaluate("document.getElementById('empty').hidden") is False

    type_and_enter(page, "Bonjour, j'ai reçu un courrier")
    shown = wait_turns(page, 2)

    assert [(t["role"], t["text"]) for t in shown] == [
        ("debtor", "Bonjour, j'ai reçu un courrier"),
        ("bot", "Echo (fr): Bonjour, j'ai reçu un courrier"),
    ]
    assert agent.posts == [{"session": None, "text": "Bonjour, j'ai reçu un courrier", "language": "fr"}]
    assert shown[0]["who"] == "Vous"
    assert shown[1]["who"] == "Amicable Recouvrement · assistant automatique"
    assert all(re.fullmatch(r"\d\d:\d\d", t["time"]) for t in shown), shown
    assert page.evaluate("document.getElementById('message').value") == ""
    assert page.evaluate("document.activeElement.id") == "message"
    assert page.evaluate("document.getElementById('empty').hidden") is True
    # The person's words on the right, the agent's on the left.
    sides = page.evaluate(
        """(() => { const log = document.getElementById('transcript').getBoundingClientRect();
            const [mine, theirs] = [...document.querySelectorAll('.turn')]
                .map(n => n.getBoundingClientRect());
            return {mineRight: log.right - mine.right, theirsLeft: theirs.left - log.left,
                    mineLeft: mine.left - log.left}; })()"""
    )
    assert abs(sides["mineRight"]) < 1 and abs(sides["theirsLeft"]) < 1 and sides["mineLeft"] > 100, sides
    # The session is kept for the next message.
    type_and_enter(page, "Merci")
    wait_turns(page, 4)
    assert agent.posts[1]["session"] == agent.only_session()


def test_shift_enter_starts_a_new_line_and_enter_sends_both(
    page: Page, base_url: str, agent: FakeAgent
) -> None:
    open_chat(page, base_url)
    page.focus("#message")
    page.type_text("Première ligne")
    page.press("Enter", SHIFT)
    page.type_text("deuxième ligne")
    assert page.evaluate("document.getElementById('message').value") == "Première ligne\ndeuxième ligne"
    assert agent.posts == []

    page.press("Enter")
    shown = wait_turns(page, 2)
    assert shown[0]["text"] == "Première ligne\ndeuxième ligne"
    # Shown as two lines, not one.
    height = page.evaluate(
        "document.querySelector('.turn--debtor .turn__text').getBoundingClientRect().height"
    )
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.turn__text')).lineHeight)")
    assert height > 1.8 * line


def test_enter_on_an_empty_box_sends_nothing(page: Page, base_url: str, agent: FakeAgent) -> None:
    open_chat(page, base_url)
    page.focus("#message")
    page.type_text("   ")
    page.press("Enter")
    time.sleep(0.3)
    assert agent.posts == []
    assert turns(page) == []


def test_the_page_says_it_is_sending_until_the_answer(page: Page, base_url: str, agent: FakeAgent) -> None:
    agent.delay = 1.5
    open_chat(page, base_url)
    type_and_enter(page, "Allô ?")

    page.wait_for("document.getElementById('send').textContent === 'Envoi…'")
    assert page.evaluate("document.getElementById('status').textContent") == "Envoi de votre message…"
    assert page.evaluate("document.getElementById('message').readOnly") is True
    # A second Enter while sending does not send twice.
    page.press("Enter")

    wait_turns(page, 2)
    assert page.evaluate("document.getElementById('send').textContent") == "Envoyer"
    assert page.evaluate("document.getElementById('status').textContent") == ""
    assert page.evaluate("document.getElementById('message').readOnly") is False
    assert len(agent.posts) == 1


# ---- later replies ------------------------------------------------------------------------------------


def test_a_pending_answer_is_followed_by_the_late_reply_once(
    page: Page, base_url: str, agent: FakeAgent
) -> None:
    agent.mode = "pending"
    open_chat(page, base_url)
    type_and_enter(page, "Je voudrais un échéancier")

    shown = wait_turns(page, 2)
    assert shown[1]["text"] == HOLDING["fr"]
    assert "dès que possible" in page.evaluate("document.getElementById('status').textContent")

    shown = wait_turns(page, 3, timeout=agent.late_after + POLL_S + 3)
    assert shown[2]["text"] == "Echo (fr): Je voudrais un échéancier"
    assert page.evaluate("document.getElementById('status').textContent") == ""

    time.sleep(POLL_S + 1)  # at least one more poll: nothing is shown twice
    assert texts(page) == [
        ("debtor", "Je voudrais un échéancier"),
        ("bot", HOLDING["fr"]),
        ("bot", "Echo (fr): Je voudrais un échéancier"),
    ]
    assert [t["seq"] for t in turns(page)] == [None, 2, 3]  # the person's own turn: shown when sent
    assert agent.polls[-1] == (agent.only_session(), 3)


def test_an_advisor_taking_over_appears_through_polling(page: Page, base_url: str, agent: FakeAgent) -> None:
    open_chat(page, base_url)
    type_and_enter(page, "Je voudrais parler à quelqu'un")
    wait_turns(page, 2)
    session = agent.only_session()
    agent.later(session, "system", "Une conseillère a rejoint la conversation.")
    agent.later(session, "advisor", "Bonjour, je suis Claire. Je reprends votre dossier.")

    shown = wait_turns(page, 4, timeout=POLL_S + 3)
    assert [(t["role"], t["who"]) for t in shown[2:]] == [
        ("system", ""),
        ("advisor", "Amicable Recouvrement · conseiller"),
    ]
    time.sleep(POLL_S + 1)
    assert len(turns(page)) == 4


# ---- errors -------------------------------------------------------------------------------------------


def test_a_503_shows_the_error_and_keeps_the_text(page: Page, base_url: str, agent: FakeAgent) -> None:
    agent.mode = "down"
    open_chat(page, base_url)
    type_and_enter(page, "Je peux payer 20 € par mois")

    page.wait_for("!document.getElementById('error').hidden")
    error = page.evaluate("document.getElementById('error').textContent")
    assert "erreur 503" in error and "conservé" in error
    assert page.evaluate("document.getElementById('message').value") == "Je peux payer 20 € par mois"
    assert page.evaluate("document.getElementById('message').getAttribute('aria-invalid')") == "true"
    assert page.evaluate("document.getElementById('error').getAttribute('role')") == "alert"
    assert turns(page) == []

    # The agent is back: Enter again sends the kept text, and the error goes.
    agent.mode = "reply"
    page.press("Enter")
    wait_turns(page, 2)
    assert page.evaluate("document.getElementById('error').hidden") is True
    assert page.evaluate("document.getElementById('message').value") == ""
    assert [p["text"] for p in agent.posts] == ["Je peux payer 20 € par mois"] * 2


def test_an_unreachable_server_says_so_and_keeps_the_text(
    page: Page, base_url: str, agent: FakeAgent
) -> None:
    open_chat(page, base_url)
    page.send(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    type_and_enter(page, "Vous m'entendez ?")

    page.wait_for("!document.getElementById('error').hidden")
    assert "ne répond pas" in page.evaluate("document.getElementById('error').textContent")
    assert page.evaluate("document.getElementById('message').value") == "Vous m'entendez ?"
    assert agent.posts == []
    page.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def test_a_refused_message_shows_the_servers_reason(page: Page, base_url: str, agent: FakeAgent) -> None:
    agent.mode = "refuse"
    open_chat(page, base_url)
    type_and_enter(page, "Bonjour")
    page.wait_for("!document.getElementById('error').hidden")
    assert page.evaluate("document.getElementById('error').textContent") == (
        "Votre message n’a pas été accepté (erreur 422) : the text is not acceptable. "
        "Votre texte est conservé."
    )
    assert page.evaluate("document.getElementById('message').value") == "Bonjour"


def test_an_expired_conversation_starts_again(page: Page, base_url: str, agent: FakeAgent) -> None:
    open_chat(page, base_url)
    type_and_enter(page, "Bonjour")
    wait_turns(page, 2)
    agent.conversations.clear()  # the server forgot the conversation: 404 for this session

    type_and_enter(page, "Toujours là ?")
    page.wait_for("!document.getElementById('error').hidden")
    assert "expiré" in page.evaluate("document.getElementById('error').textContent")
    assert page.evaluate("sessionStorage.getItem('collect.chat.session')") is None
    # Sending again starts a new conversation, with the kept text.
    page.press("Enter")
    wait_turns(page, 4)
    assert agent.posts[-1] == {"session": None, "text": "Toujours là ?", "language": "fr"}


# ---- reload, tabs ---------------------------------------------------------------------------------------


def test_a_reload_keeps_the_conversation(
    page: Page, base_url: str, agent: FakeAgent, browser: Browser
) -> None:
    open_chat(page, base_url)
    type_and_enter(page, "Premier message")
    wait_turns(page, 2)
    type_and_enter(page, "Second message")
    before = [(t["role"], t["text"]) for t in wait_turns(page, 4)]

    page.reload()
    shown = wait_turns(page, 4)
    assert [(t["role"], t["text"]) for t in shown] == before
    assert [t["seq"] for t in shown] == [1, 2, 3, 4]
    assert (agent.only_session(), 0) in agent.polls
    time.sleep(POLL_S + 1)
    assert len(turns(page)) == 4

    # The next message continues the same conversation.
    type_and_enter(page, "Troisième")
    wait_turns(page, 6)
    assert agent.posts[-1]["session"] == agent.only_session()

    # Another tab is another conversation: sessionStorage belongs to the tab.
    other = browser.new_page()
    try:
        open_chat(other, base_url)
        time.sleep(0.5)
        assert turns(other) == []
        assert other.evaluate("sessionStorage.getItem('collect.chat.session')") is None
    finally:
        other.close()


# ---- language -------------------------------------------------------------------------------------------


def select_language(page: Page, code: str) -> None:
    page.evaluate(
        f"(() => {{ const s = document.getElementById('language'); s.value = {js(code)};"
        " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


UI_TEXT = """({
    lang: document.documentElement.lang, title: document.title,
    label: document.querySelector('label[for=message]').textContent,
    send: document.getElementById('send').textContent,
    privacy: document.querySelector('.composer__privacy').textContent,
    language: document.querySelector('label[for=language]').textContent,
    log: document.getElementById('transcript').getAttribute('aria-label'),
    you: document.querySelector('.turn--debtor .turn__who')?.textContent})"""


def test_the_language_choice_changes_the_words_and_is_sent(
    page: Page, base_url: str, agent: FakeAgent
) -> None:
    open_chat(page, base_url)
    type_and_enter(page, "Bonjour")
    wait_turns(page, 2)
    french = page.evaluate(UI_TEXT)
    assert french["privacy"].startswith("Cette conversation est enregistrée dans une transcription")

    select_language(page, "de")
    german = page.evaluate(UI_TEXT)
    assert german == {
        "lang": "de",
        "title": "Nachrichten – Amicable Recouvrement",
        "label": "Ihre Nachricht",
        "send": "Senden",
        "privacy": german["privacy"],
        "language": "Sprache",
        "log": "Unterhaltung",
        "you": "Sie",
    }
    assert "Protokoll aufgezeichnet" in german["privacy"]
    type_and_enter(page, "Guten Tag")
    wait_turns(page, 4)
    assert agent.posts[-1]["language"] == "de"
    assert page.evaluate("document.querySelector('.turn--bot .turn__who').textContent") == (
        "Amicable Recouvrement · automatischer Assistent"
    )
    page.screenshot(SHOTS / "desktop-1280x800-de.png")

    select_language(page, "en")
    english = page.evaluate(UI_TEXT)
    assert (english["label"], english["send"], english["you"]) == ("Your message", "Send", "You")
    assert english["privacy"].startswith("This conversation is recorded in a transcript")
    # The choice outlives a reload.
    page.reload()
    assert page.evaluate("document.getElementById('language').value") == "en"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("de-CH,de", "de"),
        ("en-GB,en", "en"),
        ("fr-BE,fr", "fr"),
        ("it-IT,it", "fr"),
        ("es-ES,en;q=0.8", "en"),
    ],
)
def test_the_first_language_follows_the_browser(
    page: Page, base_url: str, accept: str, expected: str
) -> None:
    page.set_languages(accept)
    open_chat(page, base_url)
    assert page.evaluate("[document.getElementById('language').value, document.documentElement.lang]") == [
        expected,
        expected,
    ]


def test_the_company_name_comes_from_the_meta_tag(page: Page, base_url: str, agent: FakeAgent) -> None:
    agent.company = "Nébula Services"
    open_chat(page, base_url)
    assert page.evaluate("document.querySelector('.banner__company').textContent") == "Nébula Services"
    assert page.evaluate("document.title") == "Messagerie – Nébula Services"
    type_and_enter(page, "Bonjour")
    assert wait_turns(page, 2)[1]["who"] == "Nébula Services · assistant automatique"


# ---- accessibility, phones -------------------------------------------------------------------------------

# Contrast of every visible text against the first opaque background behind it (WCAG 2 formula).
LOW_CONTRAST = """(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}`);
  }
  return low; })()"""


def test_structure_labels_focus_and_contrast(page: Page, base_url: str, agent: FakeAgent) -> None:
    open_chat(page, base_url)
    structure = page.evaluate(
        """({
        banner: !!document.querySelector('body > header'), main: !!document.querySelector('main'),
        form: document.getElementById('composer').getAttribute('aria-label'),
        h1: document.querySelector('h1').textContent.trim().replace(/\\s+/g, ' '),
        label: document.getElementById('message').labels[0].textContent,
        languageLabel: document.getElementById('language').labels[0].textContent,
        role: document.getElementById('transcript').getAttribute('role'),
        live: document.getElementById('transcript').getAttribute('aria-live'),
        status: document.getElementById('status').getAttribute('role'),
        viewport: document.querySelector('meta[name=viewport]').content,
        sheets: [...document.querySelectorAll('link[rel=stylesheet], script[src]')]
            .map(n => n.href || n.src)})"""
    )
    assert structure == {
        "banner": True,
        "main": True,
        "form": "Écrire un message",
        "h1": "Amicable Recouvrement Messagerie",
        "label": "Votre message",
        "languageLabel": "Langue",
        "role": "log",
        "live": "polite",
        "status": "status",
        "viewport": "width=device-width, initial-scale=1",
        "sheets": [f"{base_url}/static/chat.css", f"{base_url}/static/chat.js"],
    }

    # Keyboard: Tab from the message box reaches the send button, with a visible focus ring.
    page.focus("#message")
    page.press("Tab")
    focus = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.id, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert focus[0] == "send" and focus[1] != "none" and focus[2] >= 2, focus

    # Every kind of turn and the error line, then contrast everywhere.
    type_and_enter(page, "Bonjour")
    wait_turns(page, 2)
    session = agent.only_session()
    agent.later(session, "system", "Une conseillère a rejoint la conversation.")
    agent.later(session, "advisor", "Bonjour, je suis Claire.")
    wait_turns(page, 4, timeout=POLL_S + 3)
    agent.mode = "down"
    type_and_enter(page, "Encore une question")
    page.wait_for("!document.getElementById('error').hidden")
    assert page.evaluate(LOW_CONTRAST) == []


def test_a_phone_screen_has_no_horizontal_overflow(page: Page, base_url: str, agent: FakeAgent) -> None:
    page.set_viewport(360, 740, mobile=True)
    open_chat(page, base_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(SHOTS / "phone-360x740-empty.png")

    agent.script = [
        "Bonjour. Pour protéger vos données, je dois d'abord vérifier votre identité. "
        "Quels sont votre nom et votre prénom ?",
        "Merci. Vous pouvez payer par virement sur FR7630006000011234567890189 avec la référence "
        "NEB-104233, ou suivre https://paiement.example.org/dossier/NEB-104233/echeancier?source=chat",
    ]
    type_and_enter(page, "Bonjour")
    wait_turns(page, 2)
    type_and_enter(page, "Camille Martin, ma référence est NEB-104233-FACTURE-2024-0000000000000000000000")
    wait_turns(page, 4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The composer stays in view at the bottom of the screen.
    bottom = page.evaluate("document.getElementById('composer').getBoundingClientRect().bottom")
    assert 700 <= bottom <= 740
    page.screenshot(SHOTS / "phone-360x740.png")

    agent.mode = "down"
    type_and_enter(page, "Je peux payer 15 € par mois à partir du 5")
    page.wait_for("!document.getElementById('error').hidden")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(SHOTS / "phone-360x740-error.png")


def test_desktop_screenshot(page: Page, base_url: str, agent: FakeAgent) -> None:
    agent.script = [
        "Bonjour. Pour protéger vos données, je dois d'abord vérifier votre identité. "
        "Quels sont votre nom et votre prénom ?",
        "Merci. Quelle est votre date de naissance ?",
    ]
    open_chat(page, base_url)
    type_and_enter(page, "Bonjour, j'ai reçu un SMS au sujet d'une facture")
    wait_turns(page, 2)
    type_and_enter(page, "Camille Martin")
    wait_turns(page, 4)
    session = agent.only_session()
    agent.later(session, "system", "Une conseillère a rejoint la conversation.")
    agent.later(
        session,
        "advisor",
        "Bonjour Madame Martin, je suis Claire. Je reprends votre dossier.\n"
        "Prenez votre temps pour répondre.",
    )
    wait_turns(page, 6, timeout=POLL_S + 3)
    page.focus("#message")
    page.type_text("Le 8 septembre 1988")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(SHOTS / "desktop-1280x800.png")
