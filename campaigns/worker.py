"""The worker process: campaigns (planning, paced contacts, outcomes), follow-ups of promises and
instalments, and periodic housekeeping.

With REDIS_URL it is an arq worker on Redis: contacts are jobs any worker runs, and a lease in Redis
makes one worker dispatch each campaign. Without, the same work runs in one process, with contacts
as asyncio tasks (one machine, SQLite).

Why arq: the app is asyncio end to end (send_sms, place_call, the database steps in threads), and arq
runs coroutines natively with deferred jobs (a contact's start time), unique job ids and cron, on the
Redis we already run; rq, dramatiq and celery are built around synchronous functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from datetime import timedelta
from typing import Any

from core.logs import configure_logging, get_logger
from core.settings import Settings, get_settings
from debt.clock import utcnow
from debt.contact_rules import settings_rules
from debt.conversations import close_inactive
from debt.db import engine_for, in_thread

log = get_logger("worker")

HOUSEKEEPING_EVERY = timedelta(minutes=5)
FOLLOW_UPS_EVERY = timedelta(hours=1)
QUEUE_NAME = "collect:queue"


async def housekeeping(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]

    idle_for = timedelta(hours=settings.conversation_idle_hours)
    engine = engine_for(settings.database_url)
    closed = await in_thread(engine, lambda session: close_inactive(session, idle_for=idle_for))
    if closed:
        log.info("conversations_closed", count=closed)
    return closed


async def follow_ups(ctx: dict[str, Any]) -> object:
    from campaigns.follow_ups import run_follow_ups

    settings: Settings = ctx["settings"]
    return await run_follow_ups(settings, engine_for(settings.database_url), _providers(ctx).sms, utcnow())


async def contact_target(ctx: dict[str, Any], target_id: int, tries: int) -> str:
    from campaigns.contact import contact_target as make_contact

    settings: Settings = ctx["settings"]
    return await make_contact(settings, engine_for(settings.database_url), _providers(ctx), target_id, tries)


def _providers(ctx: dict[str, Any]) -> Any:
    from campaigns.contact import Providers
    from integrations.twilio_sms import SmsSender
    from integrations.twilio_voice import CallControl

    if "providers" not in ctx:
        settings: Settings = ctx["settings"]
        ctx["providers"] = Providers(SmsSender(settings), CallControl(settings))
    return ctx["providers"]


async def _every(stop: asyncio.Event, period: timedelta, job: Any, ctx: dict[str, Any]) -> None:
    while not stop.is_set():
        try:
            await job(ctx)
        except Exception:
            log.exception("periodic_job_failed", job=job.__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period.total_seconds())


async def run_in_process(settings: Settings) -> None:
    from campaigns.dispatcher import Dispatcher, LocalQueue

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started", queue="in-process")
    ctx: dict[str, Any] = {"settings": settings}
    queue = LocalQueue(lambda target_id, tries: contact_target(ctx, target_id, tries))
    dispatcher = Dispatcher(settings, engine_for(settings.database_url), _providers(ctx), queue)
    await asyncio.gather(
        _every(stop, HOUSEKEEPING_EVERY, housekeeping, ctx),
        _every(stop, FOLLOW_UPS_EVERY, follow_ups, ctx),
        dispatcher.run(stop),
    )
    await queue.drain()
    log.info("worker_stopped")


def arq_settings(settings: Settings) -> type:
    from arq import cron
    from arq.connections import RedisSettings

    async def startup(ctx: dict[str, Any]) -> None:
        from campaigns.dispatcher import ArqQueue, Dispatcher, RedisLeases

        ctx["settings"] = settings
        ctx["stop"] = stop = asyncio.Event()
        owner = f"{socket.gethostname()}:{os.getpid()}"
        dispatcher = Dispatcher(
            settings,
            engine_for(settings.database_url),
            _providers(ctx),
            ArqQueue(ctx["redis"], QUEUE_NAME),
            RedisLeases(ctx["redis"], owner),
        )
        ctx["dispatcher"] = asyncio.create_task(dispatcher.run(stop))
        log.info("worker_started", queue="arq", owner=owner)

    async def shutdown(ctx: dict[str, Any]) -> None:
        ctx["stop"].set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ctx["dispatcher"], 5)

    class WorkerSettings:
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "")
        functions = (housekeeping, follow_ups, contact_target)
        cron_jobs = (
            cron(housekeeping, minute=set(range(0, 60, 5)), run_at_startup=True),
            cron(follow_ups, minute=7, run_at_startup=True),
        )
        on_startup = startup
        on_shutdown = shutdown
        queue_name = QUEUE_NAME
        # Contacts start at their paced time: look for due jobs often.
        poll_delay = 0.05
        max_jobs = 50
        keep_result = 60
        # The health key is what compose's health check reads; refresh it often.
        health_check_interval = 60

    return WorkerSettings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, process="worker")
    settings_rules()  # a bad CONTACT_RULES_FILE stops the start, not the first contact
    if settings.redis_url:
        from arq.worker import run_worker

        run_worker(arq_settings(settings))
    else:
        asyncio.run(run_in_process(settings))


if __name__ == "__main__":
    main()
