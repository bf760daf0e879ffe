"""Locks keep one conversation's turns in order, in-process and on Redis across clients."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from integrations.locks import InProcessLocks, LockTimeout, RedisLocks

REDIS_URL = "redis://127.0.0.1:6379/15"


async def _ordered_turns(locks) -> list[int]:
    log: list[int] = []

    async def turn(n: int) -> None:
        async with locks.hold("conversation-1"):
            log.append(n)
            await asyncio.sleep(0.01)  # the turn's work; another turn must not interleave
            log.append(n)

    await asyncio.gather(*(turn(n) for n in range(10)))
    return log


def _pairs_intact(log: list[int]) -> bool:
    return all(log[i] == log[i + 1] for i in range(0, len(log), 2))


def test_in_process_lock_serialises_and_cleans_up() -> None:
    locks = InProcessLocks()
    assert _pairs_intact(asyncio.run(_ordered_turns(locks)))
    assert len(locks) == 0


def test_in_process_lock_times_out() -> None:
    locks = InProcessLocks()

    async def scenario() -> None:
        async with locks.hold("c"):
            with pytest.raises(LockTimeout):
                async with locks.hold("c", wait=0.05):
                    pass

    asyncio.run(scenario())


async def _with_redis(work: Callable[[Redis, str], object]) -> object:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        return await work(redis, prefix)
    finally:
        keys = [k async for k in _scan(redis, prefix)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def _scan(redis: Redis, prefix: str) -> AsyncIterator[bytes]:
    async for key in redis.scan_iter(match=prefix + "*"):
        yield key


@pytest.mark.redis
def test_redis_lock_serialises_turns_across_clients() -> None:
    async def work(redis: Redis, prefix: str) -> list[int]:
        return await _ordered_turns(RedisLocks(redis, prefix=prefix))

    assert _pairs_intact(asyncio.run(_with_redis(work)))


@pytest.mark.redis
def test_redis_lock_expires_when_its_holder_died() -> None:
    async def work(redis: Redis, prefix: str) -> None:
        crashed = RedisLocks(redis, prefix=prefix, ttl=0.2)
        await redis.set(prefix + "c", "someone-else", px=200)  # a holder that never released
        async with crashed.hold("c", wait=2):
            pass

    asyncio.run(_with_redis(work))
