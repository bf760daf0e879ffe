"""`collect text`: a signed webhook to a running gateway (uvicorn on loopback), the replies printed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from channels.turns import TurnProcessor
from cli.main import main
from core.settings import get_settings, load_settings
from debt.db import make_engine
from integrations.locks import InProcessLocks
from tests.channels.test_turns import FakeRasa
from tests.live_server import serve_in_thread

TOKEN = "cli-text-test-token-0123456789"


def test_a_text_reaches_the_gateway_signed_and_the_replies_are_printed(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import create_app

    app = create_app(load_settings(database_url=sqlite_url))
    with serve_in_thread(app) as url:
        settings = load_settings(database_url=sqlite_url, twilio_auth_token=TOKEN, public_base_url=url)
        app.state.settings = settings
        app.state.turns = TurnProcessor(settings, make_engine(sqlite_url), FakeRasa(), InProcessLocks())  # type: ignore[arg-type]
        for name, value in {
            "DATABASE_URL": sqlite_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

        result = CliRunner().invoke(main, ["text", "+33639980012", "bonjour"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "echo: bonjour"

        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "another-token-that-twilio-would-not-use")
        get_settings.cache_clear()
        refused = CliRunner().invoke(main, ["text", "+33639980012", "bonjour"])
        assert refused.exit_code != 0 and "403" in refused.output


def test_no_gateway_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["text", "+33639980012", "bonjour"])
    assert result.exit_code != 0 and "does not answer" in result.output
