"""`collect users`: create (prompted twice or from stdin), list, disable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from cli.main import main
from console.passwords import verify_password
from console.sessions import live_session, open_session
from core.settings import get_settings
from debt.clock import utcnow
from debt.db import engine_for, migrate, session_scope
from debt.models import AuditEntry, ConsoleUser

SECRET = "a long enough secret"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'collect.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    migrate(url)
    yield url
    get_settings.cache_clear()


def users(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["users", *args], input=stdin)


def _user(url: str, login: str) -> ConsoleUser | None:
    with Session(engine_for(url)) as db:
        return db.exec(select(ConsoleUser).where(ConsoleUser.login == login)).first()


def test_create_asks_the_password_twice_hidden(database: str) -> None:
    result = users(
        "create", "Ada", "--role", "admin", "--name", "Ada Lovelace", stdin=f"{SECRET}\n{SECRET}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Password again:" in result.output
    assert SECRET not in result.output  # hidden input is not echoed
    assert "created ada (admin)" in result.output
    user = _user(database, "ada")
    assert user is not None and user.display_name == "Ada Lovelace" and user.active
    assert verify_password(SECRET, user.password_hash) and SECRET not in user.password_hash
    with Session(engine_for(database)) as db:
        entry = db.exec(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.details) == (
        "cli",
        "console_user_created",
        {"login": "ada", "role": "admin"},
    )


def test_two_different_passwords_are_asked_again(database: str) -> None:
    result = users(
        "create", "sam", "--role", "supervisor", stdin=f"{SECRET}\nsomething else!!\n{SECRET}\n{SECRET}\n"
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


def test_password_stdin_for_scripts(database: str) -> None:
    result = users("create", "val", "--role", "advisor", "--password-stdin", stdin=f"{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    user = _user(database, "val")
    assert user is not None and user.display_name == "val" and verify_password(SECRET, user.password_hash)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create", "val", "--role", "advisor", "--password-stdin"], "short\n", "at least 12 characters"),
        (["create", "val", "--role", "advisor", "--password-stdin"], "\n", "at least 12 characters"),
        (["create", "val", "--role", "advisor", "--password-stdin"], "my-val-password\n", "must not contain"),
        (["create", "val", "--role", "owner", "--password-stdin"], f"{SECRET}\n", "'owner' is not one of"),
        (["create", "val", "--password-stdin"], f"{SECRET}\n", "Missing option '--role'"),
        (
            ["create", "no spaces", "--role", "advisor", "--password-stdin"],
            f"{SECRET}\n",
            "a login has 2 to 64",
        ),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(
    database: str, args: list[str], stdin: str, message: str
) -> None:
    result = users(*args, stdin=stdin)
    assert result.exit_code != 0 and message in result.output
    assert _user(database, "val") is None


def test_a_taken_login_is_refused(database: str) -> None:
    assert users("create", "val", "--role", "advisor", "--password-stdin", stdin=f"{SECRET}\n").exit_code == 0
    again = users("create", "VAL", "--role", "admin", "--password-stdin", stdin=f"{SECRET}\n")
    assert again.exit_code != 0 and "the login 'val' is taken" in again.output


def test_list_and_disable(database: str) -> None:
    assert users("list").output.startswith("no console user yet")
    for login, role in (("sam", "supervisor"), ("ada", "admin")):
        assert users("create", login, "--role", role, "--password-stdin", stdin=f"{SECRET}\n").exit_code == 0
    listed = users("list").output.splitlines()
    assert [line.split()[:3] for line in listed] == [
        ["ada", "admin", "active"],
        ["sam", "supervisor", "active"],
    ]

    now = utcnow()
    with session_scope(engine_for(database)) as db:
        token = open_session(db, _user(database, "sam"), now)
    disabled = users("disable", "SAM")
    assert disabled.exit_code == 0 and "disabled sam" in disabled.output
    assert users("list").output.splitlines()[1].split()[:3] == ["sam", "supervisor", "disabled"]
    with Session(engine_for(database)) as db:
        assert live_session(db, token, now + timedelta(seconds=1)) is None
        assert (
            db.exec(select(AuditEntry).where(AuditEntry.action == "console_user_disabled")).one().actor
            == "cli"
        )

    unknown = users("disable", "nobody")
    assert unknown.exit_code != 0 and "no user 'nobody'" in unknown.output
