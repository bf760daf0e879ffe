"""`collect voice download-model fr|de|en`: fetch the official small Vosk model of a language, checked
against its pinned SHA-256, into VOSK_MODELS_DIR/<language>.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from voice.models import RELEASES, InstallError, install_model, is_vosk_model


def _sha256(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise click.BadParameter("a SHA-256 is 64 hexadecimal digits")
    return value.lower() if value else None


@click.group("voice")
def voice() -> None:
    """Voice channel: speech recognition models."""


@voice.command("download-model")
@click.argument("language", type=click.Choice(sorted(RELEASES)))
@click.option(
    "--dir",
    "models_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the models (default VOSK_MODELS_DIR); the model goes into its <language> folder",
)
@click.option("--url", default=None, help="Fetch the archive from here instead (a mirror)")
@click.option(
    "--sha256", default=None, callback=_sha256, help="Expected SHA-256 (default: the official archive's)"
)
@click.option("--force", is_flag=True, help="Replace the model already there")
def download_model(
    language: str, models_dir: Path | None, url: str | None, sha256: str | None, force: bool
) -> None:
    """Download the small Vosk model for LANGUAGE, check it, and install it."""
    from cli.main import load_settings_or_exit

    settings = load_settings_or_exit()
    release = RELEASES[language]
    target = (models_dir or settings.vosk_models_dir) / language
    if target.exists() and not force:
        if is_vosk_model(target):
            click.echo(f"a model is already installed in {target} (--force replaces it)")
            return
        raise click.ClickException(f"{target} exists and holds no Vosk model; --force replaces it")

    source = url or release.url
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task(release.name, total=None)
        try:
            install_model(
                source,
                sha256 or release.sha256,
                target,
                lambda received, total: progress.update(task, advance=received, total=total),
            )
        except (InstallError, OSError) as exc:
            raise click.ClickException(str(exc)) from None

    click.echo(f"installed {release.name} in {target}")
    setting = f"VOSK_MODEL_PATH_{language.upper()}"
    if settings.vosk_model_path(language).resolve() == target.resolve():
        click.echo(f"found there by default: {setting} needs no value")
    else:
        click.echo(f"set {setting}={target.resolve()}")


COMMANDS = [voice]
