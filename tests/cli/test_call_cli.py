"""`collect call`: signed voice webhooks to a running gateway (uvicorn on loopback), what the caller
hears printed, speech and keypad turns."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from channels.turns import TurnProcessor
from cli.main import main
from core.settings import get_settings, load_settings
from debt.db import make_engine
from integrations.locks import InProcessLocks
from tests.live_server import serve_in_thread
from tests.voice.scripted_bot import ScriptedBot
from voice.call_flow import CallFlow

TOKEN = "cli-call-test-token-0123456789"


def test_a_call_is_placed_signed_and_what_the_caller_hears_is_printed(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import create_app

    app = create_app(load_settings(database_url=sqlite_url))
    with serve_in_thread(app) as url:
        settings = load_settings(database_url=sqlite_url, twilio_auth_token=TOKEN, public_base_url=url)
        turns = TurnProcessor(
            settings, app.state.engine, ScriptedBot(make_engine(sqlite_url)), InProcessLocks()
        )  # type: ignore[arg-type]
        app.state.settings, app.state.turns, app.state.call_flow = settings, turns, CallFlow(settings, turns)
        for name, value in {
            "DATABASE_URL": sqlite_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

        result = CliRunner().invoke(main, ["call", "+33639980012", "c'est qui", "keys:12031985", "au revoir"])
        assert result.exit_code == 0, result.output
        heard = [line for line in result.output.splitlines() if line.startswith(("bot:", "caller:", "("))]
        assert heard == [
            "bot: Cet appel est enregistré.",
            "bot: Bonjour, ici AR. Comment puis-je vous aider ?",
            "caller: c'est qui",
            "bot: Pour vérifier, votre date de naissance ?",
            "bot: Vous pouvez aussi taper votre date de naissance sur le clavier : deux chiffres pour le "
            "jour, deux pour le mois, quatre pour l'année.",
            "caller: keys:12031985",
            "bot: compris: 12/03/1985",
            "caller: au revoir",
            "bot: Au revoir.",
            "(the call ends)",
        ]

        monkeypatch.setenv("VOICE_MODE", "stream")
        get_settings.cache_clear()
        refused = CliRunner().invoke(main, ["call", "+33639980012"])
        assert refused.exit_code != 0 and "gather mode" in refused.output


def test_no_gateway_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["call", "+33639980012", "bonjour"])
    assert result.exit_code != 0 and "does not answer" in result.output
