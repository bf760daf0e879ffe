"""bot/channels.py inside the Rasa venv: once `rasa run` has started, its heap is frozen (core/heap.py)."""

from __future__ import annotations

import pytest

from tests.bot.test_rasa_speedups_turn import in_rasa

pytestmark = pytest.mark.rasa


def test_the_model_and_rasa_are_frozen_once_the_server_has_started() -> None:
    report = in_rasa(
        """
        import asyncio, gc, json
        from sanic import Sanic
        from bot.channels import GatewayInput

        async def main():
            app = Sanic("gateway_channel_start")
            app.blueprint(GatewayInput().blueprint(None), url_prefix="/webhooks/gateway")
            before = gc.get_freeze_count()
            server = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
            await server.startup()
            await server.before_start()  # where Rasa loads the model
            started = gc.get_freeze_count()
            await server.after_start()
            after = gc.get_freeze_count()
            server.close()
            await server.wait_closed()
            print(json.dumps({"before": before, "started": started, "after": after}))

        asyncio.run(main())
        """,
        timeout=120,
    )
    assert report["before"] == report["started"] == 0
    assert report["after"] > 100_000  # Rasa, TensorFlow, Sanic: what lives as long as the process
