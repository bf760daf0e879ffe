"""One turn of a text channel, the same for SMS and web chat: nothing lost, nothing answered twice, in order.

1. The message is stored first (a provider id seen before marks a duplicate).
2. Under the conversation's lock, the waiting turns up to this one are answered
   in order: by the bot over Rasa's REST channel, or locally (SMS keywords).
3. Whatever the bot could not answer within the turn budget is queued: the person
   gets a polite holding reply and the advisors an alert; `retry_waiting`, run
   by the gateway every few seconds, answers it when the bot is back and hands the
   late replies to the channel for delivery.
4. While an advisor holds the conversation (console inbox), the bot is silent: its
   waiting turns are left to the advisor, unanswered here (keywords such as STOP
   are still answered: they never reach the bot).
Database steps run in threads (channels/turn_store.py), never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels import turn_store as store
from channels.local_answers import answer_locally
from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.db import session_scope
from debt.models import Turn, TurnState
from debt.outcomes.handoffs import holder_of, leave_to_advisor
from integrations.locks import ConversationLocks, LockTimeout
from integrations.rasa_client import BotReply, RasaClient, RasaUnavailable

log = get_logger("turns")
T = TypeVar("T")

# Delivers late replies on a channel; marks them delivered (turn_store.mark_delivered) when sent.
LateSender = Callable[[store.Context, list[Turn]], Awaitable[None]]


@dataclass(frozen=True)
class TurnResult:
    conversation_id: int
    seq: int
    replies: list[str]  # what this request answers: late replies to earlier messages first, then its own
    # An answer follows later: the bot could not answer yet (the replies hold the holding reply),
    # or an advisor holds the conversation and will answer (no reply at all).
    pending: bool
    duplicate: bool
    # What the bot made of this very turn and waits for next, when this request got the answer.
    intent: str | None = None
    expecting: str | None = None


class TurnProcessor:
    def __init__(
        self, settings: Settings, engine: Engine, rasa: RasaClient, locks: ConversationLocks
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._rasa = rasa
        self._locks = locks
        self._budget = settings.rasa_timeout_seconds
        self._idle = timedelta(hours=settings.conversation_idle_hours)
        self._late_senders: dict[str, LateSender] = {}
        # SQLite takes one writer at a time, and a transaction that finds the file locked sleeps in
        # SQLite's busy handler (1, 2, 5, 10 … 100 ms) before it tries again: with ten conversations at
        # once, the turns' own transactions queued that way (+20 % CPU, a longer tail). Taking them one
        # at a time in this process leaves the busy handler for other processes only.
        self._one_writer: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    def deliver_late_with(self, channel: str, sender: LateSender) -> None:
        self._late_senders[channel] = sender

    async def db(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one step in its own transaction, in a thread; again when it lost a race for a turn number."""

        def run() -> T:
            with self._one_writer, session_scope(self._engine) as session:
                return step(session, *args, **kwargs)

        for attempt in range(8):
            try:
                return await asyncio.to_thread(run)
            except IntegrityError:
                if attempt == 7:
                    raise
                await asyncio.sleep(0.002 * (attempt + 1))
        raise AssertionError("unreachable")

    async def handle(self, inbound: store.Inbound) -> TurnResult:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._budget
        stored = await self.db(store.store_inbound, inbound, idle=self._idle)
        cid, seq = stored.conversation_id, stored.seq
        late: list[str] = []
        own: BotReply | None = None
        try:
            async with self._locks.hold(f"conversation:{cid}", wait=max(0.05, deadline - loop.time())):
                late, own = await self._drain(cid, up_to=seq, deadline=deadline, delivered_by="response")
        except LockTimeout:
            log.warning("turn_lock_timeout", conversation=cid, seq=seq)
        if own is not None:  # answered by this very request
            return TurnResult(cid, seq, late + own.texts, False, stored.duplicate, own.intent, own.expecting)
        state, replies, with_advisor = await self.db(_state_replies_held, cid, seq)
        if state == TurnState.ANSWERED:
            return TurnResult(cid, seq, late + replies, with_advisor and not replies, stored.duplicate)
        if (
            with_advisor
        ):  # no holding reply from the bot: the advisor answers; the next drain leaves it to them
            return TurnResult(cid, seq, late, True, stored.duplicate)
        held = await self.db(store.hold, cid, seq)
        if held is None:  # answered while we gave up
            return TurnResult(
                cid, seq, late + await self.db(store.own_replies, cid, seq), False, stored.duplicate
            )
        if not stored.duplicate:
            log.warning("turn_held", conversation=cid, seq=seq)
        return TurnResult(cid, seq, late + held, True, stored.duplicate)

    async def _drain(
        self, cid: int, *, up_to: int | None, deadline: float | None, delivered_by: str | None
    ) -> tuple[list[str], BotReply | None]:
        """Answer the waiting turns in order, stopping at the first the bot cannot answer.

        Returns late replies to turns other than `up_to` (their holding reply was given already),
        and the answer to `up_to` when this drain gave it. Without `delivered_by` this is the retry:
        every reply is late, for the channel to deliver.
        """
        loop = asyncio.get_running_loop()
        context, waiting, held = await self.db(_context_waiting_held, cid, up_to)
        if held:
            await self.db(leave_to_advisor, cid, [t.seq for t in waiting])
            waiting = [t for t in waiting if t.local]
        late: list[str] = []
        own: BotReply | None = None
        for turn in waiting:
            remaining = deadline - loop.time() if deadline is not None else self._budget
            if remaining <= 0.01:
                break
            try:
                reply = await self._answer(context, turn, remaining)
            except RasaUnavailable as exc:
                await self.db(store.note_failure, cid, turn.seq, str(exc))
                log.warning("rasa_unavailable", conversation=cid, seq=turn.seq, error=str(exc))
                break
            texts = await self.db(
                store.record_answer,
                cid,
                turn.seq,
                reply.texts,
                intent=reply.intent,
                confidence=reply.confidence,
                delivered_by=delivered_by,
                retrying=delivered_by is None,
            )
            if turn.seq == up_to:
                own = reply
            else:
                late += texts
        return late, own

    async def _answer(self, context: store.Context, turn: store.Waiting, budget: float) -> BotReply:
        if turn.local:
            texts = await self.db(answer_locally, self._settings, context.id, turn.seq, turn.local)
            return BotReply(texts, turn.local, 1.0)
        ref = context.metadata(turn.seq)
        if turn.attempts:
            # An earlier attempt may have reached Rasa before it timed out: never send a message twice.
            replayed = await self._rasa.replay(context.sender_id, ref["turn_ref"])
            if replayed is not None:
                return replayed
        return await self._rasa.turn(context.sender_id, turn.text, ref, timeout=budget)

    async def retry_waiting(self) -> int:
        """Answer queued turns when the bot is back and deliver late replies; returns turns answered."""
        stale = utcnow() - timedelta(seconds=2 * self._budget + 10)
        conversations = await self.db(lambda s: store.conversations_to_retry(s, received_before=stale))
        if not conversations:
            return 0
        bot_up = await self._rasa.available()
        answered = 0
        for cid in conversations:
            try:
                async with self._locks.hold(f"conversation:{cid}", wait=1.0):
                    if bot_up:
                        before = len(await self.db(store.waiting_turns, cid))
                        await self._drain(cid, up_to=None, deadline=None, delivered_by=None)
                        answered += before - len(await self.db(store.waiting_turns, cid))
                    await self._deliver_late(cid)
            except LockTimeout:
                continue  # a request is answering it right now
            except Exception:
                log.exception("retry_failed", conversation=cid)
        if answered:
            log.info("turns_retried", answered=answered)
        return answered

    async def deliver_now(self, cid: int) -> None:
        """Deliver what waits to be sent in a conversation (an advisor's message) at once, under its lock
        so the retry loop cannot send it too; what cannot go now is left to that loop."""
        try:
            async with self._locks.hold(f"conversation:{cid}", wait=self._budget):
                await self._deliver_late(cid)
        except LockTimeout:
            log.warning("deliver_lock_timeout", conversation=cid)

    async def _deliver_late(self, cid: int) -> None:
        context, turns = await self.db(lambda s: (store.context_of(s, cid), store.undelivered(s, cid)))
        if not turns:
            return
        sender = self._late_senders.get(context.channel)
        if sender is None:
            # Nothing to push to (web chat polls the transcript): the transcript delivers them.
            await self.db(store.mark_delivered, [t.id for t in turns if t.id], "transcript")
            return
        await sender(context, turns)

    async def run_retries(self, stop: asyncio.Event) -> None:
        """The gateway's background loop: retry until `stop` is set."""
        while not stop.is_set():
            try:
                await self.retry_waiting()
            except Exception:
                log.exception("retry_loop_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._settings.turn_retry_seconds)


def _context_waiting_held(
    session: Session, cid: int, up_to: int | None
) -> tuple[store.Context, list[store.Waiting], bool]:
    context = store.context_of(session, cid)
    return context, store.waiting_turns(session, cid, up_to=up_to), holder_of(session, cid) is not None


def _state_replies_held(session: Session, cid: int, seq: int) -> tuple[str, list[str], bool]:
    held = holder_of(session, cid) is not None
    return store.state_of(session, cid, seq), store.own_replies(session, cid, seq), held
