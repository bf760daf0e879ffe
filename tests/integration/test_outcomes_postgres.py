"""Outcomes on a real PostgreSQL database, each step committed in its own session as the actions do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from debt.arrangements import make_plan
from debt.conversations import flags_of
from debt.db import make_engine
from debt.identity import SecretKind
from debt.models import (
    Account,
    AuditEntry,
    Channel,
    Consent,
    Conversation,
    Dispute,
    Instalment,
    PromiseToPay,
)
from debt.outcomes import (
    DisputeReason,
    conversation_for_sender,
    is_opted_out,
    open_dispute,
    record_arrangement,
    record_identity_verified,
    record_opt_out,
    record_promise,
)
from tests.factories import make_account

pytestmark = pytest.mark.postgres
TODAY = date(2026, 4, 1)
PHONE = "+33639980012"
Outcome = Callable[[Session, Conversation, Account], object]


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def new_account(engine: Engine) -> str:
    with Session(engine) as session:
        account = make_account(session, phone=PHONE)
        session.commit()
        return account.account_ref


def step(engine: Engine, sender_id: str, account_ref: str, outcome: Outcome) -> None:
    """One action run: find the conversation and the account, record the outcome, commit."""
    with Session(engine) as session:
        conversation = conversation_for_sender(
            session, sender_id, channel=Channel.SMS, party=PHONE, account_ref=account_ref
        )
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).one()
        outcome(session, conversation, account)
        session.commit()


def actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def test_verify_then_dispute(engine: Engine) -> None:
    ref = new_account(engine)
    step(engine, "sms-pg-1", ref, lambda s, c, a: record_identity_verified(s, c, a, SecretKind.POSTCODE))
    step(
        engine,
        "sms-pg-1",
        ref,
        lambda s, c, a: open_dispute(s, c, a, reason=DisputeReason.ALREADY_PAID, details="Paid in March."),
    )
    with Session(engine) as session:
        conversation = session.exec(select(Conversation).where(Conversation.sender_id == "sms-pg-1")).one()
        account = session.exec(select(Account).where(Account.account_ref == ref)).one()
        dispute = session.exec(select(Dispute)).one()
        assert (conversation.account_id, conversation.debtor_id) == (account.id, account.debtor_id)
        assert (account.status, account.status_until) == ("disputed", None)
        assert (dispute.reason, dispute.status, dispute.conversation_id) == (
            "already_paid",
            "open",
            conversation.id,
        )
        assert flags_of(session, conversation.id) == ["dispute", "identity_verified"]
        assert actions(session) == ["identity.verified", "dispute.opened"]


def test_promise_then_arrangement(engine: Engine) -> None:
    ref = new_account(engine)
    step(
        engine,
        "sms-pg-2",
        ref,
        lambda s, c, a: record_promise(s, c, a, promised_date=date(2026, 4, 20), today=TODAY),
    )
    step(
        engine,
        "sms-pg-2",
        ref,
        lambda s, c, a: record_arrangement(s, c, a, make_plan(a.balance, 2, date(2026, 4, 30))),
    )
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.account_ref == ref)).one()
        promise = session.exec(select(PromiseToPay)).one()
        amounts = session.exec(select(Instalment.amount).order_by(Instalment.seq)).all()
        assert (account.status, account.status_until) == ("arrangement", date(2026, 5, 30))
        assert promise.status == "cancelled"
        assert amounts == [Decimal("25.55"), Decimal("25.55")]
        assert sum(amounts) == account.balance
        assert actions(session) == ["promise.recorded", "arrangement.recorded"]


def test_opt_out_twice_writes_one_consent_and_one_entry(engine: Engine) -> None:
    ref = new_account(engine)
    for wording in ("STOP", "stop please"):
        step(
            engine,
            "sms-pg-3",
            ref,
            lambda s, c, a, w=wording: record_opt_out(
                s, debtor_id=a.debtor_id, channel=Channel.SMS, wording=w, conversation=c
            ),
        )
    with Session(engine) as session:
        consent = session.exec(select(Consent)).one()
        assert (consent.status, consent.wording) == ("opted_out", "STOP")
        assert is_opted_out(session, consent.debtor_id, Channel.SMS)
        conversation = session.exec(select(Conversation)).one()
        assert flags_of(session, conversation.id) == ["opt_out"]
        assert actions(session) == ["consent.opted_out"]
