"""The gateway's client of the Rasa server: one turn over the REST channel, within a time budget.

Every channel sends the debtor's message with metadata (channel, language,
account, conversation) and gets the bot's replies back; the turn's intent and
confidence are read from the tracker so the transcript can keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from core.settings import Settings


class RasaUnavailable(RuntimeError):
    """Rasa did not answer within the budget, or answered with an error: the caller's fallback applies."""


@dataclass(frozen=True)
class BotReply:
    texts: list[str]
    intent: str | None
    confidence: float | None
    # The slot the bot asks for next (the active form's requested slot): voice tunes its listening to it.
    expecting: str | None = None


class RasaClient:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._base = settings.rasa_url
        self._token = settings.rasa_token
        self._budget = settings.rasa_timeout_seconds
        self._client = client or httpx.AsyncClient(timeout=self._budget)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def turn(
        self, sender: str, text: str, metadata: dict[str, Any], *, timeout: float | None = None
    ) -> BotReply:
        """Send one message, collect the replies and what the model understood (bot/channels.py).

        RasaUnavailable on timeout, 5xx or a refused connection; `timeout` narrows the budget to
        what is left of the caller's own.
        """
        budget = min(timeout, self._budget) if timeout else self._budget
        try:
            response = await self._client.post(
                f"{self._base}/webhooks/gateway/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=budget,
            )
            response.raise_for_status()
            answer = response.json()
            messages = answer["messages"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        texts = [m["text"] for m in messages if isinstance(m, dict) and m.get("text")]
        confidence = answer.get("confidence")
        expecting = answer.get("expecting")
        return BotReply(
            texts,
            answer.get("intent"),
            float(confidence) if confidence is not None else None,
            expecting if isinstance(expecting, str) else None,
        )

    async def available(self) -> bool:
        """Rasa answers its root route: worth retrying queued turns."""
        try:
            response = await self._client.get(f"{self._base}/", timeout=min(self._budget, 2.0))
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def replay(self, sender: str, turn_ref: str) -> BotReply | None:
        """The answer Rasa already gave to the message sent with `turn_ref` in its metadata, if any.

        A turn that timed out may still have been processed: the retry reads it from the tracker
        instead of sending the message a second time. None when Rasa never received it.
        """
        try:
            response = await self._client.get(
                f"{self._base}/conversations/{sender}/tracker",
                params={"token": self._token, "include_events": "AFTER_RESTART"},
                timeout=self._budget,
            )
            response.raise_for_status()
            events = response.json().get("events") or []
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return answer_in_events(events, turn_ref)


def answer_in_events(events: list[dict[str, Any]], turn_ref: str) -> BotReply | None:
    """The bot texts that followed the user event carrying `turn_ref`, up to the next user event."""
    found: BotReply | None = None
    texts: list[str] = []
    for event in events:
        if event.get("event") == "user":
            if found is not None:
                break
            if (event.get("metadata") or {}).get("turn_ref") == turn_ref:
                intent = (event.get("parse_data") or {}).get("intent") or {}
                found = BotReply(texts, intent.get("name"), intent.get("confidence"))
        elif found is not None and event.get("event") == "bot" and event.get("text"):
            texts.append(event["text"])
    return found
