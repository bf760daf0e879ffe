"""`collect users create|list|disable`: who may sign in to the console at /console."""

from __future__ import annotations

import sys

import click

from console.audit import record
from console.user_store import UserError, check_login, create_user, disable_user, list_users
from debt.db import engine_for, session_scope
from debt.models import ConsoleRole

ACTOR = "cli"  # the audit log's actor for changes made at the command line


def _database_url() -> str:
    from cli.main import migrated_settings

    return migrated_settings().database_url


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Password again")


@click.group("users")
def users() -> None:
    """Console users: create, list, disable."""


@users.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice([role.value for role in ConsoleRole]))
@click.option("--name", "display_name", default="", help="The name the console shows (default: the login).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts) instead of prompting.",
)
def create(login: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create the user LOGIN; the password (at least 12 characters) is asked twice, hidden."""
    try:
        login = check_login(login)  # before the prompts: a bad login is said before a password is typed
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    password = _read_password(password_stdin)
    url = _database_url()
    try:
        with session_scope(engine_for(url)) as db:
            user = create_user(db, login, password, role, display_name)
            record(db, ACTOR, "console_user_created", "console_user", user.id, login=user.login, role=role)
    except UserError as exc:
        raise click.ClickException(f"not created: {exc}") from None
    click.echo(f"created {user.login} ({user.role}): sign in at /console/login")


@users.command("list")
def list_() -> None:
    """List the console's users: login, role, status, last sign-in, name."""
    with session_scope(engine_for(_database_url())) as db:
        rows = list_users(db)
    if not rows:
        click.echo("no console user yet: collect users create LOGIN --role admin")
        return
    for user in rows:
        status = "active" if user.active else "disabled"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never"
        click.echo(f"{user.login:<24} {user.role:<10} {status:<8} {last:<20} {user.display_name}")


@users.command("disable")
@click.argument("login")
def disable(login: str) -> None:
    """Disable the user LOGIN: no more sign-ins, and their open sessions end now."""
    try:
        with session_scope(engine_for(_database_url())) as db:
            user = disable_user(db, login)
            record(db, ACTOR, "console_user_disabled", "console_user", user.id, login=user.login)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"disabled {user.login}: signed out everywhere")


COMMANDS = [users]
