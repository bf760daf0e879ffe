"""The per-address window of failed sign-ins: in process, and shared on a real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from console.throttle import InProcessThrottle, RedisThrottle
from tests.conftest import TEST_REDIS_URL


async def _scenario(throttle) -> list[bool]:
    seen = []
    for at in (0.0, 30.0, 60.0):
        await throttle.failed("203.0.113.7", at)
    seen.append(await throttle.blocked("203.0.113.7", 61.0))  # three within the window
    seen.append(await throttle.blocked("198.51.100.1", 61.0))  # another address
    seen.append(await throttle.blocked("203.0.113.7", 91.0))  # the first failure left the window
    await throttle.failed("203.0.113.7", 91.0)
    seen.append(await throttle.blocked("203.0.113.7", 91.0))
    return seen


def test_in_process_window_slides() -> None:
    assert asyncio.run(_scenario(InProcessThrottle(max_failures=3, window_seconds=90))) == [
        True,
        False,
        False,
        True,
    ]


def test_in_process_forgets_stale_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    import console.throttle

    monkeypatch.setattr(console.throttle, "_MAX_ADDRESSES", 10)
    throttle = InProcessThrottle(max_failures=3, window_seconds=60)

    async def many() -> int:
        for n in range(10):
            await throttle.failed(f"192.0.2.{n}", 0.0)
        await throttle.failed("192.0.2.200", 1000.0)
        return len(throttle._failures)

    assert asyncio.run(many()) == 1


@pytest.mark.redis
def test_on_redis_every_gateway_shares_the_count() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"

    async def run() -> tuple[list[bool], bool]:
        first, second = Redis.from_url(TEST_REDIS_URL), Redis.from_url(TEST_REDIS_URL)
        try:
            seen = await _scenario(RedisThrottle(first, max_failures=3, window_seconds=90, prefix=prefix))
            # A second gateway sees the same failures.
            other = await RedisThrottle(second, max_failures=3, window_seconds=90, prefix=prefix).blocked(
                "203.0.113.7", 91.0
            )
            ttl = await first.ttl(prefix + "203.0.113.7")
            assert 0 < ttl <= 91
            return seen, other
        finally:
            keys = await first.keys(prefix + "*")
            if keys:
                await first.delete(*keys)
            await first.aclose()
            await second.aclose()

    assert asyncio.run(run()) == ([True, False, False, True], True)


def test_redis_unreachable_does_not_block_sign_ins() -> None:
    async def run() -> bool:
        redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5)
        throttle = RedisThrottle(redis, max_failures=1)
        await throttle.failed("203.0.113.7", 0.0)
        blocked = await throttle.blocked("203.0.113.7", 1.0)
        await throttle.aclose()
        return blocked

    assert asyncio.run(run()) is False


@pytest.mark.redis
def test_the_app_counts_on_redis_when_redis_url_is_set(sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    from core.settings import load_settings
    from server import create_app
    from tests.console.helpers import sign_in

    app = create_app(load_settings(database_url=sqlite_url, env="test", redis_url=TEST_REDIS_URL))
    key = "console:login-failures:testclient"  # TestClient's address

    async def count() -> int:
        redis = Redis.from_url(TEST_REDIS_URL)
        try:
            return await redis.zcard(key)
        finally:
            await redis.delete(key)
            await redis.aclose()

    asyncio.run(count())
    with TestClient(app, follow_redirects=False) as client:
        assert sign_in(client, "nobody", "wrong password").status_code == 401
        assert isinstance(app.state.console_throttle, RedisThrottle)
    assert asyncio.run(count()) == 1
