"""The console's routes: every one behind sign-in, roles, security headers, escaping, the users page."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from console.web import ConsoleRoute
from debt.models import AuditEntry, ConsoleRole, ConsoleUser
from tests.console.helpers import ORIGIN, add_user, sign_in, signed_in_client

OPEN_WITHOUT_SIGNING_IN = {("GET", "/console/login"), ("POST", "/console/login")}


def console_routes(app: FastAPI) -> list[tuple[str, str, object]]:
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith("/console") and not path.startswith("/console/static") and route.methods:
            found += [(method, path, route.original_route) for method in sorted(route.methods)]
    return found


def test_every_console_route_is_a_console_route(app: FastAPI) -> None:
    routes = console_routes(app)
    assert {(m, p) for m, p, _ in routes} >= {
        ("GET", "/console"),
        ("GET", "/console/users"),
        ("POST", "/console/users"),
        ("POST", "/console/logout"),
    }
    assert all(isinstance(route, ConsoleRoute) for _, _, route in routes)


def test_every_console_route_needs_a_session(app: FastAPI, web: TestClient) -> None:
    """Pages send a visitor to the sign-in page, forms answer 401: sections added later are checked too."""
    for method, path, _ in console_routes(app):
        if (method, path) in OPEN_WITHOUT_SIGNING_IN or "{" in path:
            continue
        answer = web.request(method, path, headers={"Origin": ORIGIN})
        if method == "GET":
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/console/login"), path
        else:
            assert answer.status_code == 401, (method, path)
            assert 'href="/console/login"' in answer.text


@pytest.mark.parametrize("path", ["/console/login", "/console", "/console/users"])
def test_security_headers_on_every_console_answer(web: TestClient, staff: dict[str, str], path: str) -> None:
    signed_in_client(web, "val")  # an advisor: /console/users is a 403 page, which needs them too
    headers = web.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_the_redirect_to_sign_in_carries_the_headers_too(web: TestClient) -> None:
    answer = web.get("/console/users")
    assert answer.status_code == 303 and answer.headers["x-frame-options"] == "DENY"


def test_static_files_are_open_and_cacheable_but_not_sniffed(web: TestClient) -> None:
    answer = web.get("/console/static/console.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in answer.headers.get("cache-control", "")


def test_no_inline_script_or_style_in_any_page(web: TestClient, staff: dict[str, str]) -> None:
    pages = [web.get("/console/login").text]
    signed_in_client(web, "ada")
    pages += [web.get("/console").text, web.get("/console/users").text]
    for page in pages:
        assert "<script" not in page and "<style" not in page and " style=" not in page
        assert not re.search(r"\son[a-z]+=", page)  # no onclick= and the like


@pytest.mark.parametrize("role", ["advisor", "supervisor"])
def test_only_an_admin_opens_the_users_page(
    web: TestClient, engine: Engine, staff: dict[str, str], role: str
) -> None:
    csrf = signed_in_client(web, staff[role])
    page = web.get("/console/users")
    assert page.status_code == 403 and "Your role does not give access to this page." in page.text
    assert 'href="/console"' in page.text  # the way back
    form = {
        "login": "sneaky",
        "role": "admin",
        "password": "x" * 20,
        "password_again": "x" * 20,
        "csrf": csrf,
    }
    assert web.post("/console/users", data=form, headers={"Origin": ORIGIN}).status_code == 403
    with Session(engine) as db:
        assert db.exec(select(ConsoleUser).where(ConsoleUser.login == "sneaky")).first() is None


def _nav(page: str) -> list[str]:
    return re.findall(r'class="nav__link" href="([^"]+)"', page)


def test_the_navigation_shows_only_what_the_role_opens(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "val")
    home = web.get("/console").text
    assert _nav(home)[0] == "/console"
    assert not {"/console/users", "/console/dashboard", "/console/audit"} & set(_nav(home))
    web.cookies.clear()
    signed_in_client(web, "ada")
    home = web.get("/console").text
    assert _nav(home) == ["/console", "/console/users", "/console/audit"]
    assert 'class="sections__link" href="/console/users"' in home
    assert 'href="/console" aria-current="page"' in home


def test_home_says_who_you_are_and_your_role(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    home = web.get("/console").text
    assert "Welcome, Sam Supervisor" in home
    assert '<span class="role role--supervisor">supervisor</span>' in home
    assert "You review conversations" in home
    assert "30 minutes without activity" in home and "2026-11-23 20:00 UTC" in home  # 08:00 + 12 h


def test_what_a_person_typed_is_shown_as_text(web: TestClient, engine: Engine) -> None:
    add_user(engine, "eve", ConsoleRole.ADMIN, name='<script>alert("x")</script> & "Eve"')
    signed_in_client(web, "eve")
    for page in (web.get("/console").text, web.get("/console/users").text):
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Eve&#34;" in page


def test_a_login_typed_on_the_sign_in_form_comes_back_escaped(web: TestClient) -> None:
    answer = sign_in(web, '"><script>alert(1)</script>')
    assert answer.status_code == 401
    assert "<script>alert(1)" not in answer.text and "&#34;&gt;&lt;script&gt;" in answer.text


# ---- the users page ------------------------------------------------------------------------------------


def test_an_admin_creates_a_user_who_can_then_sign_in(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    csrf = signed_in_client(web, "ada")
    form = {
        "login": "Claire.M",
        "display_name": "Claire  Martin",
        "role": "advisor",
        "password": "a long enough secret",
        "password_again": "a long enough secret",
        "csrf": csrf,
    }
    answer = web.post("/console/users", data=form, headers={"Origin": ORIGIN})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/users?created=claire.m"

    page = web.get(answer.headers["location"]).text
    assert "Claire Martin (claire.m) can now sign in as advisor." in page
    assert "<td>claire.m</td>" in page
    with Session(engine) as db:
        entry = db.exec(select(AuditEntry).where(AuditEntry.action == "console_user_created")).one()
    assert (entry.actor, entry.details) == ("user:ada", {"login": "claire.m", "role": "advisor"})
    with TestClient(app, follow_redirects=False) as other:
        assert sign_in(other, "claire.m", "a long enough secret").status_code == 303


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short", "password_again": "short"}, "at least 12 characters"),
        ({"password_again": "another long secret"}, "the two passwords differ"),
        ({"login": "sam"}, "the login &#39;sam&#39; is taken"),
        ({"login": "x"}, "a login has 2 to 64 characters"),
        ({"login": "bad login!"}, "a login has 2 to 64 characters"),
        ({"role": "owner"}, "a role is one of advisor, supervisor, admin"),
    ],
)
def test_a_refused_user_keeps_the_form_and_says_why(
    web: TestClient, engine: Engine, staff: dict[str, str], change: dict[str, str], message: str
) -> None:
    csrf = signed_in_client(web, "ada")
    form = {
        "login": "newbie",
        "display_name": "New <b>Person</b>",
        "role": "supervisor",
        "password": "a long enough secret",
        "password_again": "a long enough secret",
        "csrf": csrf,
        **change,
    }
    answer = web.post("/console/users", data=form, headers={"Origin": ORIGIN})
    assert answer.status_code == 400
    assert message in answer.text
    assert 'value="New &lt;b&gt;Person&lt;/b&gt;"' in answer.text  # kept, escaped
    assert "a long enough secret" not in answer.text  # a password is never written back into a page
    with Session(engine) as db:
        assert len(db.exec(select(ConsoleUser)).all()) == 3


def test_the_created_notice_names_only_a_real_user(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "ada")
    assert "can now sign in" not in web.get("/console/users?created=Your+account+is+suspended").text


def test_the_users_page_shows_status(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    for _ in range(5):
        sign_in(web, "sam", "wrong password")
    signed_in_client(web, "ada")
    page = web.get("/console/users").text
    assert re.search(r"<td>sam</td>.*?locked until 2026-11-23 08:15 UTC", page, re.S)
    assert re.search(r"<td>val</td>.*?active.*?never", page, re.S)
