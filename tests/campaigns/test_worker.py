"""The worker's housekeeping closes idle conversations, on the in-process loop and as an arq job on Redis."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session

from campaigns.worker import arq_settings, housekeeping
from core.settings import load_settings
from debt.clock import utcnow
from debt.conversations import open_conversation
from debt.db import make_engine
from debt.models import Channel, Conversation, ConversationStatus


def _idle_conversation(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        conversation = open_conversation(session, channel=Channel.SMS, party="+33639980012")
        conversation.last_activity_at = utcnow() - timedelta(hours=30)
        session.add(conversation)
        session.commit()
        return conversation.id


def _status(url: str, conversation_id: int) -> str:
    with Session(make_engine(url)) as session:
        return session.get(Conversation, conversation_id).status


def test_housekeeping_closes_idle_conversations(sqlite_url: str) -> None:
    conversation_id = _idle_conversation(sqlite_url)
    closed = asyncio.run(housekeeping({"settings": load_settings(database_url=sqlite_url)}))
    assert closed == 1
    assert _status(sqlite_url, conversation_id) == ConversationStatus.CLOSED


@pytest.mark.redis
def test_housekeeping_runs_as_a_job_on_the_real_redis_queue(sqlite_url: str) -> None:
    from arq import create_pool
    from arq.worker import Worker

    settings = load_settings(database_url=sqlite_url, redis_url="redis://127.0.0.1:6379/14")
    conversation_id = _idle_conversation(sqlite_url)
    worker_settings = arq_settings(settings)

    async def scenario() -> None:
        pool = await create_pool(worker_settings.redis_settings)
        await pool.flushdb()
        job = await pool.enqueue_job("housekeeping", _queue_name=worker_settings.queue_name)
        worker = Worker(
            functions=worker_settings.functions,
            redis_settings=worker_settings.redis_settings,
            queue_name=worker_settings.queue_name,
            on_startup=worker_settings.on_startup,
            burst=True,
            poll_delay=0.1,
        )
        await worker.main()
        assert await job.result(timeout=10) == 1
        await worker.close()
        await pool.aclose()

    asyncio.run(scenario())
    assert _status(sqlite_url, conversation_id) == ConversationStatus.CLOSED
