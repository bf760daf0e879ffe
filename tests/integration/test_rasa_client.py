"""The Rasa client against the real server, and against a server that is down."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.settings import load_settings
from integrations.rasa_client import RasaClient, RasaUnavailable
from tests.integration.conftest import RasaStack
from tests.integration.processes import free_port


@pytest.mark.rasa
def test_a_turn_with_intent_and_confidence(rasa_stack: RasaStack) -> None:
    settings = load_settings(rasa_url=rasa_stack.rasa_url, rasa_token=rasa_stack.token)

    async def scenario():
        client = RasaClient(settings)
        try:
            return await client.turn("it-client-1", "bonjour", {"channel": "sms", "language": "fr"})
        finally:
            await client.aclose()

    reply = asyncio.run(scenario())
    assert reply.texts and reply.texts[0].startswith("Bonjour")
    assert reply.intent == "greet"
    assert reply.confidence is not None and 0.5 < reply.confidence <= 1.0


def test_a_server_that_is_down_fails_fast_and_clearly() -> None:
    settings = load_settings(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2)

    async def scenario() -> None:
        client = RasaClient(settings)
        try:
            await client.turn("s", "hello", {})
        finally:
            await client.aclose()

    started = time.monotonic()
    with pytest.raises(RasaUnavailable, match="ConnectError"):
        asyncio.run(scenario())
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

    async def scenario() -> None:
        client = RasaClient(settings)
        try:
            await client.turn("s", "hello", {})
        finally:
            await client.aclose()

    started = time.monotonic()
    try:
        with pytest.raises(RasaUnavailable, match="Timeout"):
            asyncio.run(scenario())
        assert time.monotonic() - started < 2
    finally:
        server.shutdown()
        server.server_close()
