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


class RasaClient:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._base = settings.rasa_url
        self._token = settings.rasa_token
        self._budget = settings.rasa_timeout_seconds
        self._client = client or httpx.AsyncClient(timeout=self._budget)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def turn(self, sender: str, text: str, metadata: dict[str, Any]) -> BotReply:
        """Send one message, collect the replies; RasaUnavailable on timeout, 5xx or a refused connection."""
        try:
            response = await self._client.post(
                f"{self._base}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self._budget,
            )
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        texts = [m["text"] for m in messages if isinstance(m, dict) and m.get("text")]
        intent, confidence = await self._latest_intent(sender)
        return BotReply(texts, intent, confidence)

    async def _latest_intent(self, sender: str) -> tuple[str | None, float | None]:
        """What Rasa understood of the last message; unknown rather than failing the turn."""
        try:
            response = await self._client.get(
                f"{self._base}/conversations/{sender}/tracker",
                params={"token": self._token, "include_events": "NONE"},
                timeout=self._budget,
            )
            response.raise_for_status()
            intent = response.json().get("latest_message", {}).get("intent") or {}
        except (httpx.HTTPError, ValueError):
            return None, None
        return intent.get("name"), intent.get("confidence")
