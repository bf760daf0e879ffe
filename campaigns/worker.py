"""The worker process: periodic housekeeping now, outbound campaign jobs as they land.

With REDIS_URL it runs an arq worker on Redis (several workers share the
queue); without, the same jobs run in an in-process loop (one machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import timedelta
from typing import Any

from core.logs import configure_logging, get_logger
from core.settings import Settings, get_settings
from debt.conversations import close_inactive
from debt.db import engine_for, in_thread

log = get_logger("worker")

HOUSEKEEPING_EVERY = timedelta(minutes=5)


async def housekeeping(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]

    idle_for = timedelta(hours=settings.conversation_idle_hours)
    engine = engine_for(settings.database_url)
    closed = await in_thread(engine, lambda session: close_inactive(session, idle_for=idle_for))
    if closed:
        log.info("conversations_closed", count=closed)
    return closed


async def run_in_process(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started", queue="in-process")
    ctx = {"settings": settings}
    while not stop.is_set():
        try:
            await housekeeping(ctx)
        except Exception:
            log.exception("housekeeping_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HOUSEKEEPING_EVERY.total_seconds())
    log.info("worker_stopped")


def arq_settings(settings: Settings) -> type:
    from arq import cron
    from arq.connections import RedisSettings

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        log.info("worker_started", queue="arq")

    class WorkerSettings:
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "")
        functions = (housekeeping,)
        cron_jobs = (cron(housekeeping, minute=set(range(0, 60, 5)), run_at_startup=True),)
        on_startup = startup
        queue_name = "collect:queue"
        # The health key is what compose's health check reads; refresh it often.
        health_check_interval = 60

    return WorkerSettings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, process="worker")
    if settings.redis_url:
        from arq.worker import run_worker

        run_worker(arq_settings(settings))
    else:
        asyncio.run(run_in_process(settings))


if __name__ == "__main__":
    main()
