"""`collect creditor-policy`: show or set what a creditor lets the assistant agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from cli.main import main
from core.settings import get_settings
from debt.db import engine_for
from debt.models import Creditor


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'collect.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    assert CliRunner().invoke(main, ["demo"]).exit_code == 0
    yield url
    get_settings.cache_clear()


def test_show_then_set(database: str) -> None:
    shown = CliRunner().invoke(main, ["creditor-policy", "Nébula Hébergement SAS"])
    assert shown.exit_code == 0 and "instalments from 15.00, at most 12 months" in shown.output
    changed = CliRunner().invoke(
        main, ["creditor-policy", "Nébula Hébergement SAS", "--min-instalment", "20,50", "--max-months", "6"]
    )
    assert changed.exit_code == 0 and "from 20.50, at most 6 months" in changed.output
    with Session(engine_for(database)) as session:
        creditor = session.exec(select(Creditor).where(Creditor.name == "Nébula Hébergement SAS")).one()
        assert (str(creditor.min_instalment), creditor.max_months) == ("20.50", 6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nobody Ltd"], "no creditor named 'Nobody Ltd'"),
        (["Nébula Hébergement SAS", "--min-instalment", "abc"], "is not an amount"),
        (["Nébula Hébergement SAS", "--min-instalment", "0"], "more than zero"),
        (["Nébula Hébergement SAS", "--max-months", "0"], "0 is not in the range"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(database: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["creditor-policy", *args])
    assert result.exit_code != 0 and message in result.output
    with Session(engine_for(database)) as session:
        assert all(c.min_instalment is None for c in session.exec(select(Creditor)).all())
