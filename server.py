"""The gateway: app factory with settings, routers and lifespan; nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import accounts, health, portfolio
from core.logs import configure_logging, get_logger
from core.settings import Settings, SettingsError, get_settings
from debt.db import make_engine


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format, process="gateway")
    log = get_logger("gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("gateway_started", database=app.state.engine.dialect.name, redis=bool(settings.redis_url))
        yield
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
    for router in (health.router, accounts.router, portfolio.router):
        app.include_router(router)
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
