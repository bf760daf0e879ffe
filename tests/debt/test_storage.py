"""The schema on SQLite and on the real PostgreSQL server: migrations match the models, values survive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

import debt.models  # noqa: F401
from debt.conversations import add_turn, close_inactive, flags_of, open_conversation, set_flag
from debt.db import alembic_config, make_engine, migrate
from debt.models import Account, Channel, ConversationFlag, ConversationStatus, Turn, TurnRole
from tests.factories import make_account


def _schema_drift(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def test_migrations_match_the_models_on_sqlite(sqlite_url: str) -> None:
    assert _schema_drift(sqlite_url) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgres(pg_url: str) -> None:
    assert _schema_drift(pg_url) == []


@pytest.mark.postgres
def test_migrating_twice_changes_nothing(empty_pg_url: str) -> None:
    migrate(empty_pg_url)
    migrate(empty_pg_url)
    assert _schema_drift(empty_pg_url) == []


def _round_trip(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        account = make_account(session, principal="1234567.89", interest="0.01")
        session.commit()
        ref = account.account_ref
    with Session(engine) as session:
        stored = session.exec(select(Account).where(Account.account_ref == ref)).one()
        assert stored.principal == Decimal("1234567.89")
        assert stored.balance == Decimal("1234567.90")
        assert isinstance(stored.balance, Decimal)
        assert stored.created_at.tzinfo is UTC
        # Balance filters compare exactly in the database.
        assert session.exec(select(Account).where(Account.balance > Decimal("1234567.89"))).all()
    engine.dispose()


def test_money_and_times_survive_sqlite(sqlite_url: str) -> None:
    _round_trip(sqlite_url)


@pytest.mark.postgres
def test_money_and_times_survive_postgres(pg_url: str) -> None:
    _round_trip(pg_url)


def test_turns_are_numbered_and_flags_are_set_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        account = make_account(session)
        conversation = open_conversation(
            session, channel=Channel.SMS, party="+33639980012", account_id=account.id, language="fr"
        )
        add_turn(session, conversation, role=TurnRole.DEBTOR, text="Bonjour", external_id="SM1")
        add_turn(session, conversation, role=TurnRole.BOT, text="Bonjour !", intent="greet", confidence=0.98)
        assert set_flag(session, conversation.id, ConversationFlag.DISPUTE) is True
        assert set_flag(session, conversation.id, ConversationFlag.DISPUTE) is False
        session.commit()
        turns = session.exec(
            select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)
        ).all()
        assert [(t.seq, t.role) for t in turns] == [(1, "debtor"), (2, "bot")]
        assert flags_of(session, conversation.id) == ["dispute"]
    engine.dispose()


def test_inactive_conversations_close_after_a_day(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    with Session(engine) as session:
        old = open_conversation(session, channel=Channel.CHAT, party="web-1")
        old.last_activity_at = now - timedelta(hours=25)
        fresh = open_conversation(session, channel=Channel.CHAT, party="web-2")
        fresh.last_activity_at = now - timedelta(hours=1)
        session.commit()
        assert close_inactive(session, idle_for=timedelta(hours=24), now=now) == 1
        session.commit()
        assert session.get(type(old), old.id).status == ConversationStatus.CLOSED
        assert session.get(type(fresh), fresh.id).status == ConversationStatus.OPEN
    engine.dispose()


def test_naive_datetimes_are_refused(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        conversation = open_conversation(session, channel=Channel.CHAT, party="web-3")
        conversation.last_activity_at = datetime(2026, 1, 1)  # no zone
        session.add(conversation)
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()
    engine.dispose()


def test_phones_already_on_file_get_their_zone_and_kind_from_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before-zones.db'}"
    command.upgrade(alembic_config(url), "0011")
    engine = make_engine(url)
    points = [
        ("phone", "+33612345678"),  # settled by the country code
        ("phone", "+33142685300"),
        ("phone", "+14155550123"),  # a US area: a parse tells
        ("phone", "+18005550100"),  # US toll-free: no zone
        ("email", "a@example.org"),
        ("address", "1 rue de la Paix 75002 Paris"),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO debtor (person_key, first_name, last_name, language, country, created_at,"
                " updated_at) VALUES ('k', 'A', 'B', 'fr', 'FR', '2026-01-01', '2026-01-01')"
            )
        )
        for kind, value in points:
            conn.execute(
                text(
                    "INSERT INTO contact_point (debtor_id, kind, value, valid, source, created_at,"
                    " updated_at) VALUES (1, :kind, :value, 1, 'import', '2026-01-01', '2026-01-01')"
                ),
                {"kind": kind, "value": value},
            )
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT value, time_zone, mobile FROM contact_point")).all()
    engine.dispose()
    assert {value: (zone, mobile) for value, zone, mobile in rows} == {
        "+33612345678": ("Europe/Paris", True),
        "+33142685300": ("Europe/Paris", False),  # a Paris landline
        "+14155550123": ("America/Los_Angeles", True),  # US numbers may be either: "fixed line or mobile"
        "+18005550100": ("", False),
        "a@example.org": (None, None),
        "1 rue de la Paix 75002 Paris": (None, None),
    }
