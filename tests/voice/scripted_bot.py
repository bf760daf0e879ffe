"""A bot at the Rasa boundary for call tests: answers by what it is sent; a few texts act like the real
bot's actions (a handoff recorded in the database, goodbye, a question that expects a slot)."""

from __future__ import annotations

from typing import Any

from debt.db import session_scope
from debt.models import Conversation
from debt.outcomes.handoffs import request_handoff
from integrations.rasa_client import BotReply, RasaUnavailable


class ScriptedBot:
    """Answers by what it is sent; a few texts act like the real bot's actions (a handoff, goodbye)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.up = True
        self.received: list[tuple[str, dict[str, Any]]] = []

    async def turn(self, sender: str, text: str, metadata: dict[str, Any], *, timeout: float | None = None):
        if not self.up:
            raise RasaUnavailable("ConnectError: refused")
        self.received.append((text, metadata))
        if text == "/greet":
            if metadata["direction"] == "outbound":
                return BotReply(["Bonjour, puis-je parler à Jeanne Dupont ?"], "greet", 1.0, "yes_no")
            return BotReply(
                ["Cet appel est enregistré.", "Bonjour, ici AR. Comment puis-je vous aider ?"], "greet", 1.0
            )
        if text == "je veux un conseiller":
            with session_scope(self.engine) as session:
                conversation = session.get(Conversation, metadata["conversation_id"])
                request_handoff(
                    session, conversation, reason="requested by the debtor", summary="Asked for a person."
                )
            return BotReply(["Je vous passe un conseiller."], "request_human", 0.97)
        if text == "au revoir":
            return BotReply(["Au revoir."], "goodbye", 0.99)
        if text == "/callback_later":
            return BotReply(["Quand pouvons-nous vous rappeler ?"], "callback_later", 1.0, "callback_time")
        if text == "c'est qui":
            return BotReply(["Pour vérifier, votre date de naissance ?"], "inform", 0.8, "identity_secret")
        return BotReply([f"compris: {text}"], "inform", 0.9)

    async def replay(self, sender: str, turn_ref: str) -> BotReply | None:
        return None

    async def available(self) -> bool:
        return self.up
