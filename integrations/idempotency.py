"""Process a provider's message once: retries and concurrent duplicates get the first answer.

Twilio retries a webhook that timed out and may deliver it twice at once; the
MessageSid names the message. The first request claims the key and stores its
answer; a duplicate waits for that answer instead of processing again.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from redis.asyncio import Redis

PENDING = "\x00pending"


class StillProcessing(TimeoutError):
    """The first delivery of this message has not produced its answer in time."""


class IdempotencyStore(Protocol):
    async def claim(self, key: str) -> bool: ...
    async def answer(self, key: str, value: str) -> None: ...
    async def release(self, key: str) -> None: ...
    async def wait_for_answer(self, key: str, *, wait: float) -> str: ...


class InProcessIdempotency:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._done: dict[str, asyncio.Event] = {}

    async def claim(self, key: str) -> bool:
        if key in self._values:
            return False
        self._values[key] = PENDING
        self._done[key] = asyncio.Event()
        return True

    async def answer(self, key: str, value: str) -> None:
        self._values[key] = value
        self._done.setdefault(key, asyncio.Event()).set()

    async def release(self, key: str) -> None:
        """The first delivery failed before answering: a retry may process the message again."""
        self._values.pop(key, None)
        if event := self._done.pop(key, None):
            event.set()

    async def wait_for_answer(self, key: str, *, wait: float) -> str:
        event = self._done.get(key)
        if event is not None and self._values.get(key) == PENDING:
            try:
                await asyncio.wait_for(event.wait(), wait)
            except TimeoutError:
                raise StillProcessing(key) from None
        value = self._values.get(key)
        if value is None or value == PENDING:
            raise StillProcessing(key)
        return value


class RedisIdempotency:
    """Keys live for a day: longer than any provider's retry window."""

    def __init__(self, redis: Redis, *, prefix: str = "collect:idem:", ttl_seconds: int = 86_400) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    async def claim(self, key: str) -> bool:
        return bool(await self._redis.set(self._prefix + key, PENDING, nx=True, ex=self._ttl))

    async def answer(self, key: str, value: str) -> None:
        await self._redis.set(self._prefix + key, value, ex=self._ttl)

    async def release(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def wait_for_answer(self, key: str, *, wait: float) -> str:
        deadline = asyncio.get_running_loop().time() + wait
        delay = 0.01
        while True:
            raw = await self._redis.get(self._prefix + key)
            value = raw.decode() if isinstance(raw, bytes) else raw
            if value is not None and value != PENDING:
                return value
            if value is None or asyncio.get_running_loop().time() >= deadline:
                raise StillProcessing(key)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
