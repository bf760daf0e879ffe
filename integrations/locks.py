"""Per-conversation locks: turns of one conversation never race (Redis when set, in-process otherwise)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis


class LockTimeout(TimeoutError):
    """The conversation stayed locked longer than the caller could wait."""


class ConversationLocks(Protocol):
    def hold(self, key: str, *, wait: float = 30.0) -> AsyncIterator[None]: ...


class InProcessLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str, *, wait: float = 30.0) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            try:
                await asyncio.wait_for(lock.acquire(), wait)
            except TimeoutError:
                raise LockTimeout(key) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


# Releases only our own token: a lock that expired and was taken by someone else stays theirs.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


class RedisLocks:
    """A lock shared by every gateway process: SET NX with an expiry, released by token."""

    def __init__(
        self, redis: Redis, *, prefix: str = "collect:lock:conversation:", ttl: float = 60.0
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = int(ttl * 1000)

    @asynccontextmanager
    async def hold(self, key: str, *, wait: float = 30.0) -> AsyncIterator[None]:
        name, token = self._prefix + key, uuid.uuid4().hex
        deadline = asyncio.get_running_loop().time() + wait
        delay = 0.005
        while not await self._redis.set(name, token, nx=True, px=self._ttl_ms):
            if asyncio.get_running_loop().time() >= deadline:
                raise LockTimeout(key)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            await self._redis.eval(_RELEASE, 1, name, token)
