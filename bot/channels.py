"""The gateway's input channel: Rasa's REST channel that also says what the model understood.

`POST /webhooks/gateway/webhook` takes what the REST channel takes (sender, message,
metadata) and answers `{"messages": [...], "intent": name, "confidence": x,
"expecting": slot}`. The intent, and the slot the active form asks for next, are read
from the tracker Rasa just saved, in the same process and without loading it from the
store again (bot/rasa_speedups.py keeps it for the request), so the transcript gets them
without a second request parsing the text again; voice uses `expecting` to listen for
the right thing (hints, keypad).

Runs inside `rasa run` (the Rasa venv): it imports Rasa, nothing of the app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups
from core.heap import freeze_startup_heap

logger = logging.getLogger(__name__)
rasa_speedups.apply()


def understood(events: Any, turn_ref: str | None) -> dict[str, Any]:
    """Intent and confidence of the newest user message (the one with `turn_ref` when given)."""
    for event in reversed(list(events)):
        if not isinstance(event, UserUttered):
            continue
        if turn_ref and (event.metadata or {}).get("turn_ref") != turn_ref:
            continue
        intent = event.intent or {}
        confidence = intent.get("confidence")
        # A plain float: the tracker in hand may hold the classifier's numpy.float64 (same value).
        return {
            "intent": intent.get("name"),
            "confidence": float(confidence) if isinstance(confidence, float) else confidence,
        }
    return {"intent": None, "confidence": None}


def expecting(tracker: Any) -> str | None:
    """What the bot waits for: the slot its active form asks for, or an answer to the offer it made."""
    if tracker is None:
        return None
    if tracker.active_loop_name:
        return tracker.get_slot("requested_slot")
    offer = tracker.get_slot("offer")
    return "yes_no" if offer and offer != "nothing" else None


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("gateway_webhook", __name__)

        @webhook.listener("after_server_start")
        async def freeze_model(*_: Any) -> None:
            # Runs once the model is loaded (Rasa loads it before the server starts).
            freeze_startup_heap()
            logger.info("gateway.heap.frozen")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message must be strings"}, status=400)
            metadata = body.get("metadata") or {}
            collector = CollectingOutputChannel()
            try:
                with rasa_speedups.keep_saved_tracker() as saved:
                    await on_new_message(
                        UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                    )
            except Exception as exc:  # the gateway holds the turn and, on retry, reads what was done
                logger.exception("gateway.message.failed")
                return response.json({"error": type(exc).__name__}, status=500)
            # The tracker Rasa saved at the end of this turn; loaded from the store only if Rasa
            # saved none here (no agent ready), as it was for every turn before.
            tracker = saved.tracker
            if tracker is None or tracker.sender_id != sender:
                tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            reading = understood(tracker.events if tracker else [], metadata.get("turn_ref"))
            return response.json({"messages": collector.messages, **reading, "expecting": expecting(tracker)})

        return webhook
