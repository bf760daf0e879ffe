"""The Rasa server stopped in the middle of an SMS conversation: nothing is lost.

Real processes: the gateway, `rasa run` (trackers in Redis, as in production), the action server, a
SQLite database, Redis on loopback, and a fake Twilio REST server that the real twilio client talks
to through TWILIO_API_BASE. While Rasa is down the person gets holding replies and the advisors an
alert; once Rasa is back the gateway answers the queued messages in order and texts the answers.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from sqlmodel import Session, col, select

from debt.db import make_engine, migrate
from debt.messages import render
from debt.models import ContactAttempt, Conversation, Handoff, Turn, TurnRole
from integrations.sms_phone import SmsPeer
from integrations.sms_text import gsm_friendly
from tests.conftest import TEST_REDIS_URL
from tests.factories import make_account
from tests.fake_twilio import serve_twilio
from tests.integration.conftest import RASA_TOKEN, TWILIO_TOKEN, running_gateway
from tests.integration.processes import ROOT, free_port, start, stop, wait_http

pytestmark = [pytest.mark.rasa, pytest.mark.redis]
PHONE = "+33612345601"
REDIS_URL = TEST_REDIS_URL.rsplit("/", 1)[0] + "/13"


def _says(key: str) -> str:
    return gsm_friendly(render(key, "fr"))


def _start_rasa(folder: Path, env: dict[str, str], port: int, name: str):
    process = start(["bash", str(ROOT / "scripts/rasa-server.sh")], folder / f"{name}.log", env)
    wait_http(f"http://127.0.0.1:{port}/status?token={RASA_TOKEN}", process, folder / f"{name}.log", 300)
    return process


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s: {what}")


def _turns(database_url: str) -> list[Turn]:
    with Session(make_engine(database_url)) as session:
        conversation = session.exec(select(Conversation).where(Conversation.party == PHONE)).one()
        return list(
            session.exec(select(Turn).where(Turn.conversation_id == conversation.id).order_by(col(Turn.seq)))
        )


def test_rasa_stopped_mid_conversation_loses_nothing(tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    database_url = f"sqlite:///{tmp_path / 'collect.db'}"
    migrate(database_url)
    with Session(make_engine(database_url)) as session:
        make_account(session, account_ref="OUT-1", phone=PHONE, principal="150.00", interest="3.60")
        session.commit()
    rasa_port, actions_port = free_port(), free_port()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "RASA_TOKEN": RASA_TOKEN,
        "RASA_PORT": str(rasa_port),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "ENV": "test",
    }
    actions = start(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "rasa_sdk",
            "--actions",
            "bot.actions",
            "--port",
            str(actions_port),
        ],
        tmp_path / "actions.log",
        env,
    )
    rasa = None
    try:
        wait_http(f"http://127.0.0.1:{actions_port}/health", actions, tmp_path / "actions.log", 60)
        rasa = _start_rasa(tmp_path, env, rasa_port, "rasa-1")
        with (
            serve_twilio(auth_token=TWILIO_TOKEN) as twilio,
            running_gateway(
                tmp_path,
                database_url,
                f"http://127.0.0.1:{rasa_port}",
                REDIS_URL=REDIS_URL,
                TWILIO_API_BASE=twilio.base_url,
                TURN_RETRY_SECONDS="1",
            ) as gateway,
        ):
            peer = SmsPeer(gateway.url, gateway.twilio_token, PHONE)
            assert _says("ask_name") in "\n".join(peer.send("combien je vous dois"))
            assert _says("ask_secret") in "\n".join(peer.send("Jeanne Dupont"))

            stop(rasa)  # mid-conversation
            held = [peer.send("12/03/1985"), peer.send("je peux payer en plusieurs fois ?")]
            assert held == [[_says("holding_reply")], [_says("holding_reply")]]
            with Session(make_engine(database_url)) as session:
                assert session.exec(select(Handoff.reason)).all() == ["bot_unavailable"]
            assert [t.state for t in _turns(database_url) if t.role == TurnRole.DEBTOR][-2:] == ["queued"] * 2
            assert twilio.messages == {}

            rasa = _start_rasa(tmp_path, env, rasa_port, "rasa-2")
            _wait_until(
                lambda: (
                    all(t.state == "answered" for t in _turns(database_url) if t.role == TurnRole.DEBTOR)
                    and len(twilio.messages) >= 1
                ),
                120,
                "queued turns answered and texted",
            )
            _wait_until(
                lambda: all(t.state != "to_send" for t in _turns(database_url)), 30, "late replies sent"
            )

            turns = _turns(database_url)
            debtor = [t for t in turns if t.role == TurnRole.DEBTOR]
            assert [t.text for t in debtor] == [
                "combien je vous dois",
                "Jeanne Dupont",
                "12/03/1985",
                "je peux payer en plusieurs fois ?",
            ]
            late = [t for t in turns if t.role == TurnRole.BOT and t.meta.get("late")]
            assert [t.reply_to for t in late] == sorted(t.reply_to for t in late)
            assert {t.reply_to for t in late} == {debtor[2].seq, debtor[3].seq}
            # The tracker lived in Redis: the dialogue went on where it stopped (identity confirmed).
            sent = "\n".join(m["body"] for m in twilio.messages.values())
            assert _says("identity_verified") in sent
            assert all(m["to"] == PHONE for m in twilio.messages.values())
            with Session(make_engine(database_url)) as session:
                attempts = session.exec(select(ContactAttempt)).all()
                assert attempts and all(a.purpose == "reply" and a.allowed for a in attempts)
                assert {a.provider_sid for a in attempts} == set(twilio.messages)

            # The conversation goes on normally.
            assert peer.send("la première")
    finally:
        if rasa is not None:
            stop(rasa)
        stop(actions)
