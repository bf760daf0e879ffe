"""`collect import FILE.csv` and `collect demo`: a creditor's portfolio into the database."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from debt.db import engine_for, migrate
from debt.models import Account
from debt.portfolio import ImportReport
from integrations.portfolio_csv import import_csv

# Below this size an import takes about a second: no progress bar.
PROGRESS_FROM_BYTES = 512 * 1024
ERRORS_PRINTED = 50
DEMO_SOURCE = "demo portfolio (debt/demo/portfolio.csv)"


@contextmanager
def _progress(size: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled or size < PROGRESS_FROM_BYTES:
        yield None
        return
    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("import", total=size)

        def advance(done: int) -> None:
            progress.update(task, completed=done)

        yield advance


def import_stream(
    stream: BinaryIO,
    size: int,
    database_url: str,
    *,
    source: str,
    skip_invalid: bool = False,
    show_progress: bool = False,
    today: date | None = None,
) -> ImportReport:
    """What `collect import` does: migrate the database, then import the file in one transaction."""
    migrate(database_url)
    with (
        Session(engine_for(database_url), expire_on_commit=False) as session,
        _progress(size, show_progress) as on_progress,
    ):
        return import_csv(
            stream,
            session,
            source=source,
            actor="import",
            skip_invalid=skip_invalid,
            today=today,
            on_progress=on_progress,
        )


def import_file(
    path: Path,
    database_url: str,
    *,
    skip_invalid: bool = False,
    show_progress: bool = False,
) -> ImportReport:
    with path.open("rb") as stream:
        return import_stream(
            stream,
            path.stat().st_size,
            database_url,
            source=path.name,
            skip_invalid=skip_invalid,
            show_progress=show_progress,
        )


@contextmanager
def _database_errors() -> Iterator[None]:
    # The import rolled back; one readable line instead of a traceback (e.g. two imports at once).
    try:
        yield
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise click.ClickException(f"nothing imported: database error: {cause}") from None


def _database_url() -> str:
    from cli.main import load_settings_or_exit

    return load_settings_or_exit().database_url


def _n(value: int) -> str:
    return f"{value:,}"


def echo_report(report: ImportReport) -> None:
    c = report.counts
    if report.file_error:
        click.echo(f"{report.source}: nothing imported: {report.file_error}", err=True)
        return
    click.echo(
        f"{report.source}: {_n(report.rows)} lines read, {_n(report.valid_rows)} valid, "
        f"{_n(report.bad_rows)} bad"
    )
    for error in report.errors[:ERRORS_PRINTED]:
        where = f"line {error.line}" + (f", {error.column}" if error.column else "")
        click.echo(f"  {where}: {error.reason}", err=True)
    more = len(report.errors) - ERRORS_PRINTED + report.errors_not_shown
    if more > 0:
        click.echo(f"  ... and {_n(more)} more problems (--report FILE writes them all)", err=True)
    if report.imported:
        click.echo(
            f"imported in {report.seconds:.1f} s: accounts {_n(c.accounts_created)} new, "
            f"{_n(c.accounts_updated)} updated, {_n(c.accounts_unchanged)} unchanged; "
            f"debtors {_n(c.debtors_created)} new, {_n(c.debtors_updated)} updated; "
            f"contact points {_n(c.contacts_created)} new; creditors {_n(c.creditors_created)} new"
        )
        if report.bad_rows:
            click.echo(f"skipped {_n(report.bad_rows)} bad lines", err=True)
    elif report.bad_rows and not report.skip_invalid:
        click.echo(
            f"nothing imported: {_n(report.bad_rows)} bad lines; correct them, or pass --skip-invalid "
            f"to import the {_n(report.valid_rows)} valid ones",
            err=True,
        )
    else:
        click.echo("nothing imported: no valid line", err=True)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines even when some are bad.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the full import report (every bad line) to this JSON file.",
)
def import_(file: Path, skip_invalid: bool, report_path: Path | None) -> None:
    """Import a portfolio CSV (UTF-8, comma or semicolon); by default all lines or none."""
    with _database_errors():
        report = import_file(file, _database_url(), skip_invalid=skip_invalid, show_progress=True)
    echo_report(report)
    if report_path:
        report_path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if not report.imported:
        raise SystemExit(1)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load it only when the database holds no account yet.")
def demo(if_empty: bool) -> None:
    """Load the demo portfolio (about 50 debtors in France, Germany and the UK). Safe to run again."""
    url = _database_url()
    if if_empty:
        migrate(url)
        with Session(engine_for(url)) as session:
            accounts = session.exec(select(func.count()).select_from(Account)).one()
        if accounts:
            click.echo(f"demo portfolio not loaded: the database already holds accounts ({_n(accounts)})")
            return
    data = resources.files("debt.demo").joinpath("portfolio.csv").read_bytes()
    with _database_errors():
        report = import_stream(io.BytesIO(data), len(data), url, source=DEMO_SOURCE)
    echo_report(report)
    if not report.imported:
        raise SystemExit(1)


COMMANDS = [import_, demo]
