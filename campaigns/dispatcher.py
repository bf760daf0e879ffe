"""The dispatcher: plans new campaigns, then feeds each running one's due contacts to the job queue at
its pace (calls and SMS per second, concurrent calls), and settles what the contacts became.

One dispatcher leads a campaign at a time (a Redis lease when several workers run); the contacts
themselves are jobs any worker runs (`contact_target`). Pacing gives each contact a start time one
interval after the previous one; the queue starts the job then.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns import targets
from campaigns.contact import Providers, settle_unsure
from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.db import in_thread
from debt.models import Campaign, CampaignStatus, Channel

log = get_logger("campaigns")

# How far ahead contacts are handed to the queue: they start at their own time within it.
HORIZON_SECONDS = 1.0
# Settling (outcomes, stale jobs, unsure contacts) need not run on every tick.
SETTLE_EVERY_SECONDS = 2.0


class ContactQueue(Protocol):
    async def enqueue(self, target_id: int, tries: int, start_at: float) -> None:
        """Run contact_target(target_id, tries) at `start_at` (time.time()); a second enqueue of the
        same pair may run it twice: the job itself ignores what is no longer its own."""


class Leases(Protocol):
    async def hold(self, campaign_id: int) -> bool:
        """True while this dispatcher leads the campaign (taken or renewed)."""


class LocalLeases:
    async def hold(self, campaign_id: int) -> bool:
        return True


class RedisLeases:
    """A lease per campaign in Redis, renewed on every tick; a dead dispatcher's lease runs out."""

    def __init__(self, redis: object, owner: str, ttl_ms: int = 5000) -> None:
        self._redis, self._owner, self._ttl = redis, owner, ttl_ms

    async def hold(self, campaign_id: int) -> bool:
        key = f"collect:campaign:{campaign_id}:lease"
        if await self._redis.set(key, self._owner, nx=True, px=self._ttl):  # type: ignore[attr-defined]
            return True
        held = await self._redis.get(key)  # type: ignore[attr-defined]
        if held is not None and (held.decode() if isinstance(held, bytes) else held) == self._owner:
            await self._redis.pexpire(key, self._ttl)  # type: ignore[attr-defined]
            return True
        return False


@dataclass
class Pacer:
    """Start times one `1/rate` apart, handed out up to a horizon ahead; a pause leaves no burst behind."""

    rate: float
    next_at: float = 0.0

    def slots(self, now: float, horizon: float, limit: int) -> list[float]:
        interval = 1.0 / self.rate
        self.next_at = max(self.next_at, now)
        times = []
        while self.next_at < now + horizon - 1e-9 and len(times) < limit:
            times.append(self.next_at)
            self.next_at += interval
        return times

    def give_back(self, unused: int) -> None:
        self.next_at -= unused / self.rate


@dataclass
class _Running:
    campaign_id: int
    channels: tuple[str, ...]
    pacers: dict[str, Pacer]
    max_concurrent_calls: int
    settled_at: float = 0.0


@dataclass
class Dispatcher:
    settings: Settings
    engine: Engine
    providers: Providers
    queue: ContactQueue
    leases: Leases = field(default_factory=LocalLeases)
    clock: Callable[[], float] = time.time
    _running: dict[int, _Running] = field(default_factory=dict)
    _planning: dict[int, asyncio.Task[None]] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher_started")
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("dispatch_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.dispatch_interval_seconds)
        for task in self._planning.values():
            task.cancel()
        log.info("dispatcher_stopped")

    async def tick(self) -> None:
        drafts, running = await in_thread(self.engine, _live_campaigns)
        for campaign_id in drafts:
            # The lease is renewed while planning runs, so no other worker plans it meanwhile.
            if await self.leases.hold(campaign_id) and campaign_id not in self._planning:
                self._planning[campaign_id] = asyncio.create_task(self._plan(campaign_id))
        for campaign in running:
            if not await self.leases.hold(campaign.id):  # type: ignore[arg-type]
                self._running.pop(campaign.id, None)  # type: ignore[arg-type]
                continue
            await self._dispatch(self._state_of(campaign))
        gone = set(self._running) - {c.id for c in running}
        for campaign_id in gone:
            del self._running[campaign_id]

    async def _plan(self, campaign_id: int) -> None:
        from campaigns.planner import plan_campaign

        try:
            summary = await asyncio.to_thread(plan_campaign, self.engine, campaign_id, utcnow())
            await in_thread(self.engine, lambda s: _start(s, campaign_id))
            log.info(
                "campaign_planned", campaign=campaign_id, planned=summary.planned, skipped=summary.skipped
            )
        except Exception:
            log.exception("campaign_planning_failed", campaign=campaign_id)
        finally:
            self._planning.pop(campaign_id, None)

    def _state_of(self, campaign: Campaign) -> _Running:
        state = self._running.get(campaign.id)  # type: ignore[arg-type]
        channels = tuple(campaign.channels.split(","))
        rates = {Channel.SMS.value: campaign.sms_per_second, Channel.VOICE.value: campaign.calls_per_second}
        if state is None:
            pacers = {channel: Pacer(rates[channel]) for channel in channels}
            state = _Running(campaign.id, channels, pacers, campaign.max_concurrent_calls)  # type: ignore[arg-type]
            self._running[campaign.id] = state  # type: ignore[index]
        for channel, pacer in state.pacers.items():  # rates may be changed while it runs
            pacer.rate = rates[channel]
        state.max_concurrent_calls = campaign.max_concurrent_calls
        return state

    async def _dispatch(self, state: _Running) -> None:
        now = self.clock()
        if now - state.settled_at >= SETTLE_EVERY_SECONDS:
            state.settled_at = now
            await self._settle(state.campaign_id)
        for channel in state.channels:
            await self._feed(state, channel)

    async def _feed(self, state: _Running, channel: str) -> None:
        now = self.clock()
        room = 1000
        if channel == Channel.VOICE:
            busy = await in_thread(self.engine, lambda s: targets.calls_in_flight(s, state.campaign_id))
            room = state.max_concurrent_calls - busy
        slots = state.pacers[channel].slots(now, HORIZON_SECONDS, max(room, 0))
        if not slots:
            return
        moment = utcnow()
        claimed = await in_thread(
            self.engine, lambda s: targets.claim(s, state.campaign_id, channel, moment, len(slots))
        )
        state.pacers[channel].give_back(len(slots) - len(claimed))
        for (target_id, tries), start_at in zip(claimed, slots, strict=False):
            await self.queue.enqueue(target_id, tries, start_at)

    async def _settle(self, campaign_id: int) -> None:
        now = utcnow()
        base = self.settings.retry_backoff_minutes
        await in_thread(self.engine, lambda s: targets.settle_contacted(s, campaign_id, now, base))
        # A queued contact no job took within the time a try may take was lost with a worker.
        stale = now - timedelta(seconds=self.settings.sending_timeout_seconds)
        lost = await in_thread(self.engine, lambda s: targets.stale_queued(s, campaign_id, stale))
        for target_id, tries in lost:
            await self.queue.enqueue(target_id, tries, self.clock())
        for target_id in await in_thread(self.engine, lambda s: targets.unsure(s, campaign_id, now)):
            tries = await settle_unsure(self.settings, self.engine, self.providers, target_id)
            if tries is not None:
                await self.queue.enqueue(target_id, tries, self.clock())
        finished = await in_thread(self.engine, lambda s: targets.finish_campaigns(s, campaign_id, now))
        if finished:
            log.info("campaign_completed", campaign=campaign_id)


def _live_campaigns(session: Session) -> tuple[list[int], list[Campaign]]:
    drafts = session.exec(
        select(Campaign.id).where(Campaign.status == CampaignStatus.DRAFT, col(Campaign.planned_at).is_(None))
    ).all()
    running = session.exec(select(Campaign).where(Campaign.status == CampaignStatus.RUNNING)).all()
    session.expunge_all()
    return [i for i in drafts if i is not None], list(running)


def _start(session: Session, campaign_id: int) -> None:
    """Planned: it runs, unless someone cancelled it meanwhile."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and campaign.status == CampaignStatus.DRAFT:
        campaign.status, campaign.updated_at = CampaignStatus.RUNNING, utcnow()
        session.add(campaign)


class LocalQueue:
    """The in-process queue (no Redis): each contact runs as a task at its start time."""

    def __init__(
        self, run: Callable[[int, int], Awaitable[object]], clock: Callable[[], float] = time.time
    ) -> None:
        self._run, self._clock = run, clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def enqueue(self, target_id: int, tries: int, start_at: float) -> None:
        task = asyncio.create_task(self._later(target_id, tries, start_at - self._clock()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(self, target_id: int, tries: int, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self._run(target_id, tries)
        except Exception:
            log.exception("campaign_contact_failed", target=target_id)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class ArqQueue:
    """Contacts as arq jobs on Redis: any worker runs them; the job id makes a second enqueue a no-op
    while the first is queued."""

    def __init__(self, redis: object, queue_name: str) -> None:
        self._redis, self._queue = redis, queue_name

    async def enqueue(self, target_id: int, tries: int, start_at: float) -> None:
        await self._redis.enqueue_job(  # type: ignore[attr-defined]
            "contact_target",
            target_id,
            tries,
            _job_id=f"contact:{target_id}:{tries}:{int(start_at)}",
            _queue_name=self._queue,
            _defer_until=datetime.fromtimestamp(start_at).astimezone(),
        )
