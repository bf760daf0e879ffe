"""Outcomes of a conversation: the rows written, the account status, the flags and one audit entry each.

Refusals raise OutsidePolicy (or the normaliser's error) and write nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from debt.addresses import AddressError
from debt.arrangements import Plan, make_plan
from debt.conversations import flags_of
from debt.db import make_engine
from debt.emails import EmailError
from debt.identity import SecretKind
from debt.models import (
    Account,
    Arrangement,
    AuditEntry,
    Channel,
    Consent,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    Debtor,
    Dispute,
    Handoff,
    HandoffStatus,
    HardshipCase,
    Instalment,
    Payment,
    PromiseToPay,
)
from debt.outcomes import (
    WRONG_PARTY_REASON,
    DisputeReason,
    OutsidePolicy,
    conversation_for_sender,
    is_opted_out,
    open_dispute,
    open_hardship,
    record_arrangement,
    record_callback,
    record_complaint,
    record_direct_debit_day,
    record_identity_failed,
    record_identity_verified,
    record_opt_in,
    record_opt_out,
    record_payment_claim,
    record_promise,
    record_wrong_party,
    request_handoff,
    update_contact_data,
)
from tests.factories import make_account

TODAY = date(2026, 4, 1)
PHONE = "+33639980012"
PARIS = ZoneInfo("Europe/Paris")
BALANCE = Decimal("51.10")  # make_account: 49.90 + 1.20


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def account(session: Session) -> Account:
    account = make_account(session, phone=PHONE)
    session.commit()
    return account


@pytest.fixture
def conversation(session: Session, account: Account) -> Conversation:
    conversation = conversation_for_sender(session, "sms-test-1", channel=Channel.SMS, party=PHONE)
    session.commit()
    return conversation


def verified(session: Session, conversation: Conversation, account: Account) -> Conversation:
    record_identity_verified(session, conversation, account, SecretKind.BIRTH_DATE)
    session.commit()
    return conversation


def audit(session: Session, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query).all())


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def snapshot(session: Session, account: Account) -> dict[str, object]:
    """What a refusal must leave as it was."""
    session.refresh(account)
    tables = (AuditEntry, PromiseToPay, Arrangement, Instalment, Dispute, HardshipCase, Handoff, Payment)
    return {
        "rows": {t.__name__: count(session, t) for t in (*tables, ContactAttempt, ContactPoint, Consent)},
        "account": (account.status, account.status_until, account.direct_debit_day),
        "flags": [flags_of(session, c.id) for c in session.exec(select(Conversation)).all()],
    }


@contextmanager
def refused(
    session: Session, account: Account, reason_code: str
) -> Iterator[pytest.ExceptionInfo[OutsidePolicy]]:
    """The block raises OutsidePolicy with `reason_code`, and the database is as it was."""
    before = snapshot(session, account)
    with pytest.raises(OutsidePolicy) as caught:
        yield caught
    assert caught.value.reason_code == reason_code
    assert not session.new and not session.dirty
    assert snapshot(session, account) == before


# Conversations and identity ---------------------------------------------------------------------------


def test_conversation_for_sender_opens_once_and_links_a_known_account(
    session: Session, account: Account
) -> None:
    first = conversation_for_sender(
        session,
        "voice-CA123",
        channel=Channel.VOICE,
        party=PHONE,
        account_ref=account.account_ref,
        language="fr",
    )
    again = conversation_for_sender(session, "voice-CA123", channel=Channel.VOICE, party=PHONE)
    assert again.id == first.id
    assert (first.sender_id, first.account_id, first.debtor_id, first.language) == (
        "voice-CA123",
        account.id,
        account.debtor_id,
        "fr",
    )
    unknown = conversation_for_sender(
        session, "chat-x", channel=Channel.CHAT, party="web-1", account_ref="NOPE-1"
    )
    assert unknown.account_id is None and unknown.debtor_id is None
    assert count(session, Conversation) == 2
    assert audit(session) == []  # opening a conversation is not an outcome


def test_identity_verified_links_the_conversation_and_logs_the_kind_of_secret_only(
    session: Session, account: Account, conversation: Conversation
) -> None:
    record_identity_verified(session, conversation, account, SecretKind.BIRTH_DATE)
    session.commit()
    assert (conversation.account_id, conversation.debtor_id) == (account.id, account.debtor_id)
    assert flags_of(session, conversation.id) == ["identity_verified"]
    [entry] = audit(session)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "debtor",
        "identity.verified",
        "account",
        str(account.id),
    )
    assert entry.details["secret_kind"] == "birth_date"
    assert "1985" not in json.dumps(entry.details)


def test_identity_failed_hands_off(session: Session, conversation: Conversation) -> None:
    handoff = record_identity_failed(session, conversation, 3)
    session.commit()
    assert (handoff.reason, handoff.status, handoff.conversation_id) == (
        "identity_failed",
        HandoffStatus.WAITING,
        conversation.id,
    )
    assert flags_of(session, conversation.id) == ["handoff", "identity_failed"]
    [entry] = audit(session)
    assert entry.action == "identity.failed"
    assert entry.details == {"attempts": 3, "handoff_id": handoff.id, "conversation_id": conversation.id}


def test_wrong_party_invalidates_only_this_debtors_number(
    session: Session, account: Account, conversation: Conversation
) -> None:
    other = make_account(session, first_name="Paul", last_name="Martin", phone=PHONE)
    session.commit()
    before = (account.status, account.balance, account.status_until)

    point = record_wrong_party(session, conversation, account, PHONE)
    session.commit()

    assert point is not None and point.debtor_id == account.debtor_id
    assert (point.valid, point.invalid_reason) == (False, WRONG_PARTY_REASON)
    others = session.exec(select(ContactPoint).where(ContactPoint.debtor_id == other.debtor_id)).all()
    assert all(p.valid for p in others)
    session.refresh(account)
    assert (account.status, account.balance, account.status_until) == before
    assert conversation.debtor_id is None  # the person on the line is not the debtor
    assert flags_of(session, conversation.id) == ["wrong_party"]
    [entry] = audit(session)
    assert (entry.action, entry.entity_id) == ("contact.wrong_party", str(point.id))
    assert PHONE not in json.dumps(entry.details)


# Paying ----------------------------------------------------------------------------------------------


def test_promise_to_pay(session: Session, account: Account, conversation: Conversation) -> None:
    promise = record_promise(session, conversation, account, promised_date=date(2026, 4, 15), today=TODAY)
    session.commit()
    assert (promise.amount, promise.promised_date, promise.status, promise.conversation_id) == (
        BALANCE,
        date(2026, 4, 15),
        "pending",
        conversation.id,
    )
    assert (account.status, account.status_until) == ("promise_to_pay", date(2026, 4, 15))
    assert flags_of(session, conversation.id) == ["promise_to_pay"]
    [entry] = audit(session)
    assert (entry.action, entry.entity, entry.entity_id) == (
        "promise.recorded",
        "promise_to_pay",
        str(promise.id),
    )
    assert entry.details["amount"] == "51.10" and entry.details["promised_date"] == "2026-04-15"


def test_a_new_promise_replaces_the_pending_one(
    session: Session, account: Account, conversation: Conversation
) -> None:
    first = record_promise(session, conversation, account, promised_date=date(2026, 4, 10), today=TODAY)
    second = record_promise(
        session, conversation, account, promised_date=date(2026, 5, 1), amount=Decimal("20"), today=TODAY
    )
    session.commit()
    assert (first.status, second.status, second.amount) == ("cancelled", "pending", Decimal("20.00"))
    assert account.status_until == date(2026, 5, 1)
    assert audit(session)[-1].details["replaced_promises"] == [first.id]


def test_promises_outside_the_policy_are_refused(
    session: Session, account: Account, conversation: Conversation
) -> None:
    with refused(session, account, "date_in_past") as past:
        record_promise(session, conversation, account, promised_date=date(2026, 3, 31), today=TODAY)
    assert past.value.limit == TODAY
    with refused(session, account, "beyond_promise_limit") as late:
        record_promise(session, conversation, account, promised_date=date(2026, 5, 2), today=TODAY)
    assert late.value.limit == date(2026, 5, 1)
    with refused(session, account, "amount_above_balance"):
        record_promise(
            session, conversation, account, promised_date=date(2026, 4, 2), amount=Decimal("60"), today=TODAY
        )
    # The last day allowed is accepted.
    assert record_promise(session, conversation, account, promised_date=date(2026, 5, 1), today=TODAY)


def test_arrangement_writes_its_instalments_and_cancels_the_promise(
    session: Session, account: Account, conversation: Conversation
) -> None:
    promise = record_promise(session, conversation, account, promised_date=date(2026, 4, 10), today=TODAY)
    plan = make_plan(BALANCE, 3, date(2026, 4, 30))
    arrangement = record_arrangement(session, conversation, account, plan)
    session.commit()

    instalments = session.exec(
        select(Instalment).where(Instalment.arrangement_id == arrangement.id).order_by(Instalment.seq)
    ).all()
    assert [(i.seq, i.due_date, i.amount) for i in instalments] == [
        (1, date(2026, 4, 30), Decimal("17.03")),
        (2, date(2026, 5, 30), Decimal("17.03")),
        (3, date(2026, 6, 30), Decimal("17.04")),
    ]
    assert (arrangement.total, arrangement.instalment_count, arrangement.first_due, arrangement.status) == (
        BALANCE,
        3,
        date(2026, 4, 30),
        "active",
    )
    assert promise.status == "cancelled"
    assert (account.status, account.status_until) == ("arrangement", date(2026, 6, 30))
    assert flags_of(session, conversation.id) == ["arrangement", "promise_to_pay"]
    entry = audit(session, "arrangement.recorded")[0]
    assert entry.entity_id == str(arrangement.id)
    assert entry.details["cancelled_promises"] == [promise.id] and entry.details["instalments"] == 3
    assert len(audit(session)) == 2  # the promise, then the plan


def test_plans_that_do_not_sum_to_the_balance_are_refused(
    session: Session, account: Account, conversation: Conversation
) -> None:
    other_total = make_plan(Decimal("40.00"), 2, date(2026, 4, 30))
    with refused(session, account, "plan_total_mismatch") as error:
        record_arrangement(session, conversation, account, other_total)
    assert error.value.limit == BALANCE
    short = Plan(BALANCE, (Decimal("25.00"), Decimal("25.00")), (date(2026, 4, 30), date(2026, 5, 30)))
    with refused(session, account, "plan_total_mismatch"):
        record_arrangement(session, conversation, account, short)


def test_direct_debit_day(session: Session, account: Account, conversation: Conversation) -> None:
    record_direct_debit_day(session, conversation, account, 5)
    record_direct_debit_day(session, conversation, account, 28)
    session.commit()
    assert account.direct_debit_day == 28
    assert account.status == "open"
    entries = audit(session, "direct_debit_day.changed")
    assert [(e.details["previous_day"], e.details["day"]) for e in entries] == [(None, 5), (5, 28)]
    for day in (29, 31):
        with refused(session, account, "day_not_in_every_month") as error:
            record_direct_debit_day(session, conversation, account, day)
        assert error.value.limit == 28
    with refused(session, account, "not_a_day_of_month"):
        record_direct_debit_day(session, conversation, account, 0)


def test_a_claimed_payment_is_checked_before_it_counts(
    session: Session, account: Account, conversation: Conversation
) -> None:
    payment = record_payment_claim(
        session, conversation, account, paid_on=date(2026, 3, 28), method="transfer"
    )
    session.commit()
    assert (payment.amount, payment.confirmed, payment.paid_on, payment.method) == (
        BALANCE,
        False,
        date(2026, 3, 28),
        "transfer",
    )
    session.refresh(account)
    assert (account.status, account.balance) == ("open", BALANCE)
    [entry] = audit(session)
    assert (entry.action, entry.entity, entry.entity_id) == (
        "payment_check.opened",
        "payment",
        str(payment.id),
    )


# Pauses ----------------------------------------------------------------------------------------------


def test_dispute_pauses_collection(session: Session, account: Account, conversation: Conversation) -> None:
    promise = record_promise(session, conversation, account, promised_date=date(2026, 4, 10), today=TODAY)
    dispute = open_dispute(
        session, conversation, account, reason="contract_cancelled", details="Résilié en janvier, lettre AR."
    )
    session.commit()
    assert (dispute.reason, dispute.status, dispute.details) == (
        "contract_cancelled",
        "open",
        "Résilié en janvier, lettre AR.",
    )
    assert (account.status, account.status_until) == ("disputed", None)
    assert promise.status == "cancelled"
    assert "dispute" in flags_of(session, conversation.id)
    entry = audit(session, "dispute.opened")[0]
    assert entry.details["reason"] == DisputeReason.CONTRACT_CANCELLED
    assert entry.details["cancelled_promises"] == [promise.id]
    assert "Résilié" not in json.dumps(entry.details)


def test_unknown_dispute_reasons_are_refused(
    session: Session, account: Account, conversation: Conversation
) -> None:
    with pytest.raises(ValueError):
        open_dispute(session, conversation, account, reason="bad_mood")
    assert count(session, Dispute) == 0


@pytest.mark.parametrize("vulnerability", [True, False])
def test_hardship_holds_the_account(
    session: Session, account: Account, conversation: Conversation, vulnerability: bool
) -> None:
    case = open_hardship(
        session,
        conversation,
        account,
        circumstances="job loss, illness",
        vulnerability=vulnerability,
        today=TODAY,
    )
    session.commit()
    assert (case.hold_until, case.vulnerability, case.status) == (date(2026, 5, 1), vulnerability, "open")
    assert (account.status, account.status_until) == ("hardship_hold", date(2026, 5, 1))
    expected = ["hardship", "vulnerability"] if vulnerability else ["hardship"]
    assert flags_of(session, conversation.id) == expected
    [entry] = audit(session)
    assert entry.action == "hardship.opened" and entry.details["hold_until"] == "2026-05-01"
    assert "illness" not in json.dumps(entry.details)


# People ----------------------------------------------------------------------------------------------


def test_complaint_reaches_an_advisor(session: Session, account: Account, conversation: Conversation) -> None:
    handoff = record_complaint(session, conversation, account, text="Vous m'appelez trois fois par jour.")
    session.commit()
    assert (handoff.reason, handoff.status) == ("complaint", "waiting")
    assert "trois fois" in handoff.summary
    assert flags_of(session, conversation.id) == ["complaint", "handoff"]
    [entry] = audit(session)
    assert (entry.action, entry.details["handoff_id"]) == ("complaint.recorded", handoff.id)


def test_a_complaint_joins_the_waiting_handoff(
    session: Session, account: Account, conversation: Conversation
) -> None:
    waiting = request_handoff(session, conversation, reason="negotiation", summary="Asks for 30 months.")
    handoff = record_complaint(session, conversation, account, text="Personne ne répond à mes lettres.")
    session.commit()
    assert handoff.id == waiting.id and count(session, Handoff) == 1
    assert handoff.summary == "Asks for 30 months.\nComplaint: Personne ne répond à mes lettres."
    assert [e.action for e in audit(session)] == ["handoff.requested", "complaint.recorded"]


def test_handoff_is_requested_once_per_conversation(session: Session, conversation: Conversation) -> None:
    first = request_handoff(session, conversation, reason="negotiation", summary="Asks for 30 months.")
    again = request_handoff(session, conversation, reason="other", summary="Asks again.")
    session.commit()
    assert again.id == first.id and count(session, Handoff) == 1
    assert flags_of(session, conversation.id) == ["handoff"]
    [entry] = audit(session)
    assert (entry.action, entry.entity_id, entry.details["reason"]) == (
        "handoff.requested",
        str(first.id),
        "negotiation",
    )

    first.status = HandoffStatus.RETURNED
    session.add(first)
    later = request_handoff(session, conversation, reason="distress", summary="Crying.")
    assert later.id != first.id and len(audit(session, "handoff.requested")) == 2


# Consent ---------------------------------------------------------------------------------------------


def test_opt_out_is_honoured_once(session: Session, account: Account, conversation: Conversation) -> None:
    consent = record_opt_out(
        session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="STOP", conversation=conversation
    )
    session.commit()
    assert (consent.status, consent.wording, consent.source) == ("opted_out", "STOP", "conversation")
    assert is_opted_out(session, account.debtor_id, Channel.SMS)
    assert not is_opted_out(session, account.debtor_id, Channel.VOICE)
    assert flags_of(session, conversation.id) == ["opt_out"]

    again = record_opt_out(
        session, debtor_id=account.debtor_id, channel="sms", wording="arrêtez", conversation=conversation
    )
    session.commit()
    assert again.id == consent.id and again.wording == "STOP"
    assert count(session, Consent) == 1
    [entry] = audit(session)
    assert (entry.action, entry.details["channel"], entry.details["wording"]) == (
        "consent.opted_out",
        "sms",
        "STOP",
    )


def test_opt_in_after_opt_out(session: Session, account: Account) -> None:
    record_opt_out(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="keine SMS mehr")
    consent = record_opt_in(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="START")
    record_opt_in(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="START")
    session.commit()
    assert consent.status == "granted"
    assert not is_opted_out(session, account.debtor_id, Channel.SMS)
    assert [(e.action, e.details["previous"]) for e in audit(session)] == [
        ("consent.opted_out", None),
        ("consent.granted", "opted_out"),
    ]


# Contact ---------------------------------------------------------------------------------------------


def test_callback_in_permitted_hours(session: Session, account: Account, conversation: Conversation) -> None:
    at = datetime(2026, 4, 2, 18, 30, tzinfo=PARIS)  # a Thursday
    now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    attempt = record_callback(session, conversation, account, at=at, jurisdiction="FR", now=now)
    same = record_callback(session, conversation, account, at=at.astimezone(UTC), jurisdiction="FR", now=now)
    session.commit()
    assert same.id == attempt.id and count(session, ContactAttempt) == 1
    assert (attempt.purpose, attempt.allowed, attempt.status, attempt.channel, attempt.to) == (
        "callback",
        True,
        "planned",
        "voice",
        PHONE,
    )
    assert attempt.scheduled_at == datetime(2026, 4, 2, 16, 30, tzinfo=UTC)
    assert attempt.decision_reason == "callback requested by the debtor at 2026-04-02 18:30 Europe/Paris"
    assert attempt.idempotency_key == f"callback:{conversation.id}:2026-04-02T16:30:00+00:00"
    [entry] = audit(session)
    assert (entry.action, entry.entity_id) == ("callback.planned", str(attempt.id))


def test_callbacks_outside_the_hours_are_refused_with_the_next_permitted_time(
    session: Session, account: Account, conversation: Conversation
) -> None:
    now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    late = datetime(2026, 4, 2, 21, 0, tzinfo=PARIS)
    with refused(session, account, "outside_permitted_hours") as error:
        record_callback(session, conversation, account, at=late, jurisdiction="FR", now=now)
    assert error.value.limit == datetime(2026, 4, 3, 6, 0, tzinfo=UTC)  # Friday 08:00 in Paris
    before_now = datetime(2026, 3, 31, 10, 0, tzinfo=PARIS)
    with refused(session, account, "time_in_past"):
        record_callback(session, conversation, account, at=before_now, jurisdiction="FR", now=now)


def test_a_chat_callback_goes_to_the_debtors_phone(session: Session, account: Account) -> None:
    chat = conversation_for_sender(session, "chat-abc", channel=Channel.CHAT, party="web-session-abc")
    at = datetime(2026, 4, 2, 10, 0, tzinfo=PARIS)
    attempt = record_callback(
        session, chat, account, at=at, jurisdiction="FR", now=datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert attempt.to == PHONE


def test_contact_data_waits_for_identity(
    session: Session, account: Account, conversation: Conversation
) -> None:
    debtor = session.get(Debtor, account.debtor_id)
    with refused(session, account, "identity_not_verified"):
        update_contact_data(session, conversation, debtor, email="new@example.fr")


def test_contact_data_is_normalised_added_or_reverified(
    session: Session, account: Account, conversation: Conversation
) -> None:
    verified(session, conversation, account)
    debtor = session.get(Debtor, account.debtor_id)
    now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    points = update_contact_data(
        session,
        conversation,
        debtor,
        email=" Jeanne.Dupont@Example.FR ",
        address_line="3 RUE DE LA PAIX",
        postcode="75 002",
        city="PARIS",
        now=now,
    )
    session.commit()
    email, address = points
    assert (email.kind, email.value, email.source, email.verified_at) == (
        ContactKind.EMAIL,
        "jeanne.dupont@example.fr",
        "import",  # already on file: re-verified, not duplicated
        now,
    )
    assert (address.address_line, address.postcode, address.city, address.country, address.source) == (
        "3 Rue de la Paix",
        "75002",
        "Paris",
        "FR",
        "conversation",
    )
    assert address.verified_at == now and address.value == "3 Rue de la Paix, 75002 Paris, FR"
    assert count(session, ContactPoint) == 4
    entry = audit(session, "contact_data.updated")[0]
    assert entry.entity_id == str(debtor.id)
    assert len(entry.details["created"]) == 1 and len(entry.details["reverified"]) == 1
    assert "jeanne.dupont" not in json.dumps(entry.details)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"email": "not an address"}, EmailError),
        (
            {"email": "ok@example.fr", "address_line": "3 rue de la Paix", "postcode": "ABCDE", "city": "x"},
            AddressError,
        ),
        ({"address_line": "3 rue de la Paix", "postcode": "75002"}, AddressError),  # no city
    ],
)
def test_bad_contact_data_writes_nothing(
    session: Session,
    account: Account,
    conversation: Conversation,
    fields: dict[str, str],
    error: type[Exception],
) -> None:
    verified(session, conversation, account)
    debtor = session.get(Debtor, account.debtor_id)
    before = snapshot(session, account)
    with pytest.raises(error):
        update_contact_data(session, conversation, debtor, **fields)
    assert snapshot(session, account) == before
