"""`collect campaign`: create with a filter and a window, list, show, pause/resume/cancel, follow the
progress with a bar; bad options are refused with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlmodel import Session

from cli.campaigns import parse_window
from cli.main import main
from core.settings import get_settings
from debt.db import engine_for
from debt.models import Campaign, CampaignStatus

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'collect.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, ["campaign", *args])


def _create(*extra: str) -> click.testing.Result:
    return _run(
        "create",
        "--name",
        "Relance novembre",
        "--filter",
        "status=open; balance>=20; days_past_due>=30; language=fr",
        "--channels",
        "sms,voice",
        "--window",
        "2026-11-23/2026-11-27",
        "--max-concurrent-calls",
        "5",
        "--calls-per-second",
        "2",
        *extra,
    )


def test_create_then_list_and_show(database: str) -> None:
    created = _create()
    assert created.exit_code == 0, created.output
    shown = json.loads(created.output[: created.output.rindex("}") + 1])
    assert shown["status"] == "draft" and shown["channels"] == ["sms", "voice"]
    # The window is local to the default jurisdiction (Paris) and the end date includes its day.
    assert shown["window_start"] == "2026-11-22T23:00:00+00:00"
    assert shown["window_end"] == "2026-11-27T23:00:00+00:00"
    assert "the worker plans it" in created.output

    listed = _run("list")
    assert listed.exit_code == 0 and "Relance novembre" in listed.output and "draft" in listed.output
    assert json.loads(_run("show", str(shown["id"])).output)["calls_per_second"] == 2.0


def test_bad_options_are_refused_with_the_reason(database: str) -> None:
    assert "--filter" in _create("--filter", "colour=blue").output
    assert _run("create", "--name", "x", "--window", "tomorrow").exit_code == 2
    refused = _run("create", "--name", "x", "--window", "7d", "--channels", "fax")
    assert refused.exit_code == 1 and "channels" in refused.output
    _create()
    assert "exists already" in _create().output


def test_actions_follow_the_status_and_progress_ends_when_cancelled(database: str) -> None:
    campaign_id = json.loads(_create().output.split("\nthe worker")[0])["id"]
    refused = _run("pause", str(campaign_id))
    assert refused.exit_code == 1 and "cannot pause a campaign that is draft" in refused.output
    with Session(engine_for(database)) as session:
        session.get(Campaign, campaign_id).status = CampaignStatus.RUNNING
        session.commit()
    assert "paused" in _run("pause", str(campaign_id)).output
    assert "running" in _run("resume", str(campaign_id)).output
    assert "cancelled" in _run("cancel", str(campaign_id)).output

    followed = _run("progress", str(campaign_id))
    assert followed.exit_code == 0 and followed.output.strip().endswith("cancelled:")
    once = json.loads(_run("progress", str(campaign_id), "--once").output)
    assert once["status"] == "cancelled"
    assert _run("show", "999").exit_code == 1


def test_windows_read_as_intervals_or_lengths() -> None:
    assert parse_window("8h", "Europe/Paris", NOW) == (NOW, datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    start, end = parse_window("2026-11-24T09:00/2026-11-24T18:00+00:00", "Europe/Paris", NOW)
    assert start == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    for bad in ("2026-11-27/2026-11-23", "soon/later", "7w"):
        with pytest.raises(click.BadParameter):
            parse_window(bad, "Europe/Paris", NOW)
