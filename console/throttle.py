"""Failed sign-ins per client address in a sliding window: past the limit, that address waits.

The per-login lock (five failures, stored on the user) stops guessing one password; this stops one
address trying many logins. On Redis (REDIS_URL) the count is shared by every gateway behind the load
balancer; in process it is per gateway. Redis unreachable: the window is not enforced (logged), the
per-login lock still is.
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import TYPE_CHECKING, Protocol

from fastapi import Request

from core.logs import get_logger

if TYPE_CHECKING:
    from redis.asyncio import Redis

WINDOW_SECONDS = 15 * 60
MAX_FAILURES = 20  # a shared office address gets room for people mistyping; a script does not
_MAX_ADDRESSES = 10_000  # in process: beyond this many addresses, stale ones are dropped
REDIS_TIMEOUT_SECONDS = 1.0

log = get_logger("console.throttle")


class LoginThrottle(Protocol):
    async def blocked(self, address: str, now: float) -> bool: ...

    async def failed(self, address: str, now: float) -> None: ...

    async def aclose(self) -> None: ...


class InProcessThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}

    async def blocked(self, address: str, now: float) -> bool:
        failures = self._failures.get(address)
        if failures is None:
            return False
        self._expire(failures, now)
        return len(failures) >= self.max_failures

    async def failed(self, address: str, now: float) -> None:
        if len(self._failures) >= _MAX_ADDRESSES:
            for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
                del self._failures[key]
        failures = self._failures.setdefault(address, deque())
        self._expire(failures, now)
        failures.append(now)

    async def aclose(self) -> None:
        self._failures.clear()

    def _expire(self, failures: deque[float], now: float) -> None:
        while failures and failures[0] <= now - self.window:
            failures.popleft()


class RedisThrottle:
    """One sorted set per address: members are failures, scores their times."""

    def __init__(
        self,
        redis: Redis,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        prefix: str = "console:login-failures:",
    ) -> None:
        self.redis = redis
        self.max_failures = max_failures
        self.window = window_seconds
        self.prefix = prefix

    async def blocked(self, address: str, now: float) -> bool:
        key = self.prefix + address
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now - self.window)
                pipe.zcard(key)
                _, count = await pipe.execute()
        except Exception as exc:  # any Redis failure: the per-login lock still holds
            log.warning("login_throttle_unavailable", error=type(exc).__name__)
            return False
        return count >= self.max_failures

    async def failed(self, address: str, now: float) -> None:
        key = self.prefix + address
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
                pipe.zremrangebyscore(key, "-inf", now - self.window)
                pipe.expire(key, int(self.window) + 1)
                await pipe.execute()
        except Exception as exc:
            log.warning("login_throttle_unavailable", error=type(exc).__name__)

    async def aclose(self) -> None:
        await self.redis.aclose()


def login_throttle(request: Request) -> LoginThrottle:
    """The app's throttle, made on first use: on Redis when REDIS_URL is set, else in process."""
    state = request.app.state
    throttle = getattr(state, "console_throttle", None)
    if throttle is None:
        redis_url = state.settings.redis_url
        if redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            throttle = RedisThrottle(redis)
        else:
            throttle = InProcessThrottle()
        state.console_throttle = throttle
    return throttle
