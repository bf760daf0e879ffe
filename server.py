"""The gateway: app factory with settings, routers and lifespan; nothing else."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import accounts, campaigns, health, outbound_calls, outbound_sms, portfolio
from channels import chat, sms
from channels.sms_delivery import late_sms_sender
from channels.turns import TurnProcessor
from console import routes as console
from core.heap import freeze_startup_heap, thaw_heap
from core.logs import configure_logging, get_logger
from core.settings import Settings, SettingsError, get_settings
from debt.contact_rules import settings_rules
from debt.db import make_engine
from debt.models import Channel
from integrations.locks import InProcessLocks, RedisLocks
from integrations.rasa_client import RasaClient
from integrations.twilio_sms import SmsSender
from integrations.twilio_voice import CallControl
from voice import media, webhooks
from voice.call_flow import CallFlow


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format, process="gateway")
    log = get_logger("gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings_rules()  # a bad CONTACT_RULES_FILE stops the start, not the first contact
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        rasa = RasaClient(settings)
        turns = TurnProcessor(
            settings, app.state.engine, rasa, RedisLocks(redis) if redis else InProcessLocks()
        )
        app.state.sms_sender = SmsSender(settings)
        turns.deliver_late_with(
            Channel.SMS, late_sms_sender(settings, app.state.engine, app.state.sms_sender)
        )
        app.state.turns = turns
        app.state.call_control = CallControl(settings)
        app.state.call_flow = CallFlow(settings, turns, app.state.call_control)
        stop = asyncio.Event()
        retries = asyncio.create_task(turns.run_retries(stop), name="turn-retries")
        log.info("gateway_started", database=app.state.engine.dialect.name, redis=bool(settings.redis_url))
        freeze_startup_heap()
        yield
        thaw_heap()
        stop.set()
        await retries
        await app.state.call_flow.drain()
        if app.state.synthesizer is not None:
            app.state.synthesizer.close()
        await rasa.aclose()
        if redis is not None:
            await redis.aclose()
        app.state.engine.dispose()
        log.info("gateway_stopped")

    app = FastAPI(
        title="Amicable collection gateway",
        description="Twilio webhooks, web chat, REST API and the supervisor console.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    # Stream mode's speech parts, made on the first Media Stream (voice/media.py).
    app.state.synthesizer = None
    app.state.recognizer_for = None
    app.state.stream_timings = deque(maxlen=1000)  # per call: when utterances ended, when replies began
    for router in (
        health.router,
        accounts.router,
        portfolio.router,
        campaigns.router,
        outbound_sms.router,
        outbound_calls.router,
        sms.router,
        chat.router,
        webhooks.router,
        media.router,
        console.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=chat.WEB_DIR / "static"), name="static")
    app.mount(console.STATIC_PATH, console.static_files(), name="console-static")
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn server:app` builds the app on first access, after the environment is read.
    if name == "app":
        try:
            app = create_app()
        except SettingsError as exc:
            raise SystemExit(f"gateway: {exc}") from None
        globals()["app"] = app
        return app
    raise AttributeError(name)
