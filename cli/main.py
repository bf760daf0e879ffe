"""`collect`: the operations command line. Every command migrates the database first."""

from __future__ import annotations

import click

from core.logs import configure_logging
from core.settings import Settings, SettingsError, get_settings


def load_settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def migrated_settings() -> Settings:
    """Settings of a database brought to the newest schema (a new, empty database works)."""
    from debt.db import migrate

    settings = load_settings_or_exit()
    migrate(settings.database_url)
    return settings


@click.group()
def main() -> None:
    """Amicable collection: portfolio, campaigns, users and voice models."""
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, process="cli")


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings = migrated_settings()
    click.echo(f"database ready: {settings.database_url.split('@')[-1]}")


@main.command("check-settings")
def check_settings() -> None:
    """Validate the environment's settings and print them (secrets hidden)."""
    settings = load_settings_or_exit()
    for name, value in settings.model_dump().items():
        shown = "********" if any(k in name for k in ("token", "password", "iban")) else value
        click.echo(f"{name.upper()}={shown}")


def _register() -> None:
    from cli import calling, campaigns, creditors, portfolio, texting, users, voice

    modules = (portfolio, creditors, campaigns, texting, calling, voice, users)
    for command in [command for module in modules for command in module.COMMANDS]:
        main.add_command(command)


_register()


if __name__ == "__main__":
    main()
