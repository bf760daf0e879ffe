"""The console in headless Chromium against the real gateway: redirected to sign in, signed in, the home
page, signed out. Screenshots go to /tmp/console-shots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.sessions import COOKIE
from core.settings import load_settings
from debt.db import migrate
from debt.models import ConsoleRole
from tests.api.test_chat_page_browser import LOW_CONTRAST
from tests.browser import Browser, Page
from tests.console.helpers import PASSWORD, add_user
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.stack

SHOTS = Path("/tmp/console-shots")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from server import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'collect.db'}"
    migrate(url)
    app = create_app(load_settings(database_url=url, env="test"))
    add_user(app.state.engine, "camille", ConsoleRole.SUPERVISOR, name="Camille Durand")
    add_user(app.state.engine, "ada", ConsoleRole.ADMIN, name="Ada Martin")
    add_user(app.state.engine, "val", ConsoleRole.ADVISOR, name='Val <script>alert("x")</script>')
    with serve_in_thread(app) as served:
        yield served


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    tab = browser.new_page()
    tab.send("Network.clearBrowserCookies")  # tabs share the browser's cookies: each test starts signed out
    tab.set_viewport(1280, 800)
    yield tab
    tab.evaluate("1")  # read what is still queued: late errors and requests
    tab.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"
    elsewhere = [url for url in tab.requests if not url.startswith((base_url, "about:", "data:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    mark = len(page.events)
    page.click(selector)
    page.wait_event("Page.loadEventFired", mark)


def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    page.focus("#login")
    page.type_text(login)
    page.focus("#password")
    page.type_text(password)
    submit(page, "form.form button[type=submit]")


def here(page: Page) -> str:
    return page.evaluate("location.pathname + location.search")


def text(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({selector!r})?.textContent.trim().replace(/\\s+/g, ' ')")


def test_sign_in_see_home_and_sign_out(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console")
    assert here(page) == "/console/login"
    assert page.evaluate("document.title") == "Sign in · Amicable Recouvrement"
    assert page.evaluate("document.activeElement.id") == "login"  # autofocus: type at once
    assert page.evaluate("document.getElementById('login').labels[0].textContent") == "Login"
    assert page.evaluate("document.getElementById('password').labels[0].textContent") == "Password"
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "login-1280x800.png")

    sign_in(page, "camille")

    assert here(page) == "/console"
    assert text(page, "h1") == "Welcome, Camille Durand"
    assert text(page, ".whoami__name") == "Camille Durand"
    assert text(page, ".whoami .role") == "supervisor"
    assert "You review conversations" in text(page, ".facts")
    links = page.evaluate("[...document.querySelectorAll('.nav__link')].map(a => a.textContent)")
    assert links[0] == "Home" and "Dashboard" in links and "Users" not in links
    assert COOKIE not in page.evaluate("document.cookie")  # HttpOnly: scripts cannot read the session
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "home-1280x800.png")

    submit(page, ".whoami__signout button")

    assert here(page) == "/console/login?signed_out=1"
    assert text(page, ".notice") == "You are signed out."
    page.screenshot(SHOTS / "signed-out-1280x800.png")
    page.goto(f"{base_url}/console")
    assert here(page) == "/console/login"


def test_a_wrong_password_says_so_and_keeps_the_login(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console/login")
    sign_in(page, "camille", "not the right password")
    assert here(page) == "/console/login"
    assert text(page, ".error").startswith("Unknown login or wrong password.")
    assert page.evaluate(
        "document.getElementById('error') === null && document.querySelector('[role=alert]') !== null"
    )
    assert page.evaluate("document.getElementById('login').value") == "camille"
    assert page.evaluate("document.getElementById('password').value") == ""
    assert page.evaluate("document.getElementById('login').getAttribute('aria-invalid')") == "true"
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "login-error-1280x800.png")


def test_the_page_asked_for_opens_after_signing_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console/users")
    assert here(page) == "/console/login?next=%2Fconsole%2Fusers"
    sign_in(page, "ada")
    assert here(page) == "/console/users"
    assert text(page, "h1") == "Users"
    rows = page.evaluate("[...document.querySelectorAll('tbody tr')].map(r => r.cells[1].textContent)")
    assert rows == ["Ada Martin", "Camille Durand", 'Val <script>alert("x")</script>']  # shown, not run
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "users-1280x800.png")


def test_an_advisor_is_refused_the_users_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console/login")
    sign_in(page, "val")
    assert text(page, ".whoami__name") == 'Val <script>alert("x")</script>'
    page.goto(f"{base_url}/console/users")
    assert text(page, "h1") == "Not allowed"
    assert "Your role does not give access to this page." in text(page, "main")
    links = page.evaluate("[...document.querySelectorAll('.nav__link')].map(a => a.textContent)")
    assert links[0] == "Home" and not {"Users", "Dashboard"} & set(links)
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(SHOTS / "forbidden-1280x800.png")


def test_keyboard_focus_is_visible(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console/login")
    page.focus("#password")
    page.press("Tab")
    focus = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert focus[0] == "Sign in" and focus[1] != "none" and focus[2] >= 2, focus


def test_a_phone_screen_has_no_horizontal_overflow(page: Page, base_url: str) -> None:
    page.set_viewport(360, 740, mobile=True)
    page.goto(f"{base_url}/console/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sign_in(page, "ada")
    assert here(page) == "/console"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(SHOTS / "home-phone-360x740.png")
