"""Reachability checks of the components a gateway depends on, for /readyz."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from core.settings import Settings
from debt.db import ping

CHECK_TIMEOUT = 2.0


@dataclass(frozen=True)
class Check:
    component: str
    ok: bool
    detail: str


async def check_database(engine: Engine) -> Check:
    try:
        await asyncio.wait_for(asyncio.to_thread(ping, engine), CHECK_TIMEOUT)
    except Exception as exc:  # every failure means "not ready", whatever its type
        return Check("database", False, f"{type(exc).__name__}: {exc}"[:200])
    return Check("database", True, engine.dialect.name)


async def check_redis(url: str) -> Check:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_timeout=CHECK_TIMEOUT, socket_connect_timeout=CHECK_TIMEOUT)
    try:
        await client.ping()
    except Exception as exc:
        return Check("redis", False, f"{type(exc).__name__}: {exc}"[:200])
    finally:
        await client.aclose()
    return Check("redis", True, "pong")


async def check_http(component: str, url: str, params: dict[str, str] | None = None) -> Check:
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT) as client:
            response = await client.get(url, params=params)
    except httpx.HTTPError as exc:
        return Check(component, False, f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__)
    if response.status_code != 200:
        return Check(component, False, f"HTTP {response.status_code} from {url}")
    return Check(component, True, "ok")


async def check_rasa(settings: Settings) -> Check:
    """The Rasa server is ready when its HTTP API answers /status with the token and a model is loaded."""
    return await check_http("rasa", f"{settings.rasa_url}/status", {"token": settings.rasa_token})


def action_server_health_url(action_server_url: str) -> str:
    # rasa-sdk serves /health beside /webhook.
    return action_server_url.rsplit("/webhook", 1)[0] + "/health"


async def readiness(settings: Settings, engine: Engine) -> list[Check]:
    checks = [
        check_database(engine),
        check_rasa(settings),
        check_http("actions", action_server_health_url(settings.action_server_url)),
    ]
    if settings.redis_url:
        checks.append(check_redis(settings.redis_url))
    return list(await asyncio.gather(*checks))
