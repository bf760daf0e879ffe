"""The Rasa client against the real server, and against a server that is down."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.settings import Settings, load_settings
from integrations.rasa_client import BotReply, RasaClient, RasaUnavailable
from tests.integration.conftest import RasaStack
from tests.integration.processes import free_port


async def _one_turn(settings: Settings, text: str = "hello", metadata: dict | None = None) -> BotReply:
    client = RasaClient(settings)
    try:
        return await client.turn("it-client-1", text, metadata or {})
    finally:
        await client.aclose()


@pytest.mark.rasa
def test_a_turn_and_what_the_model_understood(rasa_stack: RasaStack) -> None:
    settings = load_settings(rasa_url=rasa_stack.rasa_url, rasa_token=rasa_stack.token)

    reply = asyncio.run(
        _one_turn(settings, "bonjour", {"channel": "sms", "language": "fr", "turn_ref": "1:1"})
    )
    assert reply.texts and reply.texts[0].startswith("Bonjour")
    assert reply.intent == "greet"  # read by bot/channels.py from the tracker Rasa just wrote
    assert reply.confidence is not None and 0.5 < reply.confidence <= 1.0


def test_a_server_that_is_down_fails_fast_and_clearly() -> None:
    settings = load_settings(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2)

    started = time.monotonic()
    with pytest.raises(RasaUnavailable, match="ClientConnectorError"):
        asyncio.run(_one_turn(settings))
    assert time.monotonic() - started < 2


def test_a_slow_server_is_cut_at_the_turn_budget() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = load_settings(
        rasa_url=f"http://127.0.0.1:{server.server_address[1]}", rasa_timeout_seconds=0.5
    )

    started = time.monotonic()
    try:
        with pytest.raises(RasaUnavailable, match="Timeout"):
            asyncio.run(_one_turn(settings))
        assert time.monotonic() - started < 2
    finally:
        server.shutdown()
        server.server_close()
