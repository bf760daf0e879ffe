"""The account filter: its command-line form (good and bad clauses), its JSON, and the accounts it
selects on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from campaigns.filters import AccountFilter, FilterError, account_query, parse_filter
from debt.db import make_engine
from debt.models import Account, AccountStatus, ContactAttempt, Creditor, Debtor, Language
from tests.factories import make_account

ON = date(2026, 11, 25)
EXAMPLE = (
    "status=open,promise_to_pay; balance>=20; balance<500; days_past_due>=30; language=fr; "
    "country=FR; creditor=Hébergeur Exemple SAS; last_contact_days>=7"
)

# --- the command-line form ------------------------------------------------------------------------


def test_the_example_of_the_issue() -> None:
    assert parse_filter(EXAMPLE) == AccountFilter(
        statuses=(AccountStatus.OPEN, AccountStatus.PROMISE_TO_PAY),
        min_balance=Decimal("20"),
        max_balance=Decimal("499.99"),
        min_days_past_due=30,
        languages=(Language.FR,),
        countries=("FR",),
        creditors=("Hébergeur Exemple SAS",),
        no_contact_for_days=7,
    )


def test_an_empty_filter_selects_everything() -> None:
    assert parse_filter("") == parse_filter(" ; ;") == AccountFilter()


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        # A strict bound moves by the smallest step: a cent, a day.
        ("balance>20", {"min_balance": Decimal("20.01")}),
        ("balance<=99,90", {"max_balance": Decimal("99.90")}),
        ("balance=50", {"min_balance": Decimal("50"), "max_balance": Decimal("50")}),
        ("days_past_due>30; days_past_due<90", {"min_days_past_due": 31, "max_days_past_due": 89}),
        # Two bounds on one side: the narrower holds.
        ("balance>=20; balance>=30", {"min_balance": Decimal("30")}),
        ("last_contact_days>7", {"no_contact_for_days": 8}),
        ("last_contact_days<3", {"contacted_within_days": 3}),
        ("last_contact_days<=3", {"contacted_within_days": 4}),
        ("last_contact_days=3", {"no_contact_for_days": 3, "contacted_within_days": 4}),
        (" Status = Disputed , hardship_hold ", {"statuses": ("disputed", "hardship_hold")}),
        ("country=fr,de; language=DE", {"countries": ("FR", "DE"), "languages": ("de",)}),
    ],
)
def test_clauses(text: str, fields: dict[str, object]) -> None:
    assert parse_filter(text) == AccountFilter.model_validate(fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour=red", "clause 'colour=red': unknown field 'colour': one of status, language,"),
        ("status>=open", "clause 'status>=open': status takes '=' and a comma-separated list, not '>='"),
        ("balance=>20", "clause 'balance=>20': balance takes one of >= > <= < =, not '=>'"),
        ("balance!=20", "clause 'balance!=20': balance takes one of"),
        ("balance~20", "clause 'balance~20': expected field=value or field>=number"),
        ("balance>=abc", "clause 'balance>=abc': 'abc' is not a number"),
        ("balance>=nan", "clause 'balance>=nan': 'nan' is not a number"),
        ("balance>=20.005", "clause 'balance>=20.005': 20.005 has more than two decimals"),
        ("days_past_due>=1.5", "clause 'days_past_due>=1.5': '1.5' is not a whole number"),
        ("status=opn", "clause 'status=opn': unknown status 'opn': one of open, promise_to_pay,"),
        ("status=open,,", None),  # empty items are ignored
        ("status=", "clause 'status=': no value given"),
        ("language=es", "clause 'language=es': unknown language 'es': one of fr, de, en"),
        ("country=FRA", "clause 'country=FRA': 'FRA' is not a two-letter country code"),
        ("status=open; status=paid", "clause 'status=paid': status is given twice"),
        ("last_contact_days<0", "clause 'last_contact_days<0': Input should be greater than or equal to 1"),
        ("balance>=500; balance<20", "min_balance 500 is above max_balance 19.99"),
    ],
)
def test_bad_clauses_are_named(text: str, message: str | None) -> None:
    if message is None:
        parse_filter(text)
        return
    with pytest.raises(FilterError) as raised:
        parse_filter(text)
    assert str(raised.value).startswith(message) or message in str(raised.value)


def test_the_filter_is_kept_as_json() -> None:
    account_filter = parse_filter(EXAMPLE)
    text = account_filter.model_dump_json(exclude_defaults=True)
    assert '"max_balance":"499.99"' in text
    assert AccountFilter.model_validate_json(text) == account_filter
    assert AccountFilter.model_validate_json("{}") == AccountFilter()


def test_a_stored_filter_is_checked_too() -> None:
    with pytest.raises(ValidationError, match="extra"):
        AccountFilter.model_validate_json('{"colour": "red"}')
    with pytest.raises(ValidationError, match="above"):
        AccountFilter(min_days_past_due=90, max_days_past_due=30)


# --- the accounts it selects -----------------------------------------------------------------------


def _account(
    session: Session,
    ref: str,
    *,
    status: str = "open",
    balance: str = "100.00",
    due: date = date(2026, 9, 30),
    language: str = "fr",
    country: str = "FR",
    creditor: str = "Hébergeur Exemple SAS",
    contacted_days_ago: list[float] = (),  # type: ignore[assignment]
) -> Account:
    account = make_account(session, account_ref=ref, language=language, country=country)
    account.status, account.balance, account.due_date = status, Decimal(balance), due
    account.creditor_id = _creditor(session, creditor)
    session.add(account)
    for n, days in enumerate(contacted_days_ago):
        at = datetime.combine(ON, datetime.min.time(), UTC) + timedelta(hours=12) - timedelta(days=days)
        session.add(
            ContactAttempt(
                account_id=account.id,
                debtor_id=account.debtor_id,
                channel="sms",
                to="+33639980012",
                allowed=True,
                decision_reason="allowed: test",
                idempotency_key=f"{ref}:{n}",
                status="delivered",
                scheduled_at=at,
                attempted_at=at,
            )
        )
    session.flush()
    return account


def _creditor(session: Session, name: str) -> int:
    """The creditor of that name (make_account gives each account a creditor of its own)."""
    creditor = session.exec(select(Creditor).where(Creditor.name == name)).first()
    if creditor is None:
        creditor = Creditor(name=name)
        session.add(creditor)
        session.flush()
    assert creditor.id is not None
    return creditor.id


@pytest.fixture
def accounts(sqlite_url: str) -> Iterator[Session]:
    with Session(make_engine(sqlite_url)) as session:
        yield _portfolio(session)


def _portfolio(session: Session) -> Session:
    _account(session, "PLAIN")
    _account(session, "PROMISED", status="promise_to_pay")
    _account(session, "DISPUTED", status="disputed")
    _account(session, "SMALL", balance="19.99")
    _account(session, "BIG", balance="500.00")
    _account(session, "RECENT", due=ON - timedelta(days=29))
    _account(session, "OLD", due=ON - timedelta(days=400))
    _account(session, "GERMAN", language="de", country="DE")
    _account(session, "OTHER_CREDITOR", creditor="Funkturm Mobil GmbH")
    _account(session, "TEXTED_TODAY", contacted_days_ago=[0])
    _account(session, "TEXTED_6_DAYS_AGO", contacted_days_ago=[6, 20])
    _account(session, "TEXTED_7_DAYS_AGO", contacted_days_ago=[7])
    session.commit()
    return session


def _selected(session: Session, text: str) -> set[str]:
    query = account_query(parse_filter(text), ON)
    return {account.account_ref for account in session.exec(query)}


ALL = {
    "PLAIN", "PROMISED", "DISPUTED", "SMALL", "BIG", "RECENT", "OLD", "GERMAN", "OTHER_CREDITOR",
    "TEXTED_TODAY", "TEXTED_6_DAYS_AGO", "TEXTED_7_DAYS_AGO",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("", ALL),
        ("status=promise_to_pay,disputed", {"PROMISED", "DISPUTED"}),
        ("balance>=20; balance<500", ALL - {"SMALL", "BIG"}),
        ("balance=19.99", {"SMALL"}),
        ("days_past_due>=30", ALL - {"RECENT"}),
        ("days_past_due>=30; days_past_due<=365", ALL - {"RECENT", "OLD"}),
        ("days_past_due=29", {"RECENT"}),
        ("language=de", {"GERMAN"}),
        ("country=DE,GB", {"GERMAN"}),
        ("creditor=Funkturm Mobil GmbH", {"OTHER_CREDITOR"}),
        ("creditor=Nobody SA", set()),
        # Days since the last contact, in calendar days: 0 today, 6 and 7 days ago.
        ("last_contact_days>=7", ALL - {"TEXTED_TODAY", "TEXTED_6_DAYS_AGO"}),
        ("last_contact_days>=1", ALL - {"TEXTED_TODAY"}),
        ("last_contact_days<7", {"TEXTED_TODAY", "TEXTED_6_DAYS_AGO"}),
        ("last_contact_days<=7", {"TEXTED_TODAY", "TEXTED_6_DAYS_AGO", "TEXTED_7_DAYS_AGO"}),
        ("last_contact_days>=7; last_contact_days<=7", {"TEXTED_7_DAYS_AGO"}),
        ("last_contact_days>=1; last_contact_days<=7", {"TEXTED_6_DAYS_AGO", "TEXTED_7_DAYS_AGO"}),
    ],
)
def test_the_query_selects_the_matching_accounts(accounts: Session, text: str, refs: set[str]) -> None:
    assert _selected(accounts, text) == refs


def test_refused_and_reply_attempts_are_not_contacts(accounts: Session) -> None:
    account = _account(accounts, "REFUSED_ONLY")
    for n, (allowed, purpose) in enumerate([(False, "collection"), (True, "reply")]):
        accounts.add(
            ContactAttempt(
                account_id=account.id,
                debtor_id=account.debtor_id,
                channel="sms",
                to="+33639980012",
                purpose=purpose,
                allowed=allowed,
                decision_reason="test",
                idempotency_key=f"refused-only:{n}",
                scheduled_at=datetime.combine(ON, datetime.min.time(), UTC),
            )
        )
    accounts.commit()
    assert "REFUSED_ONLY" in _selected(accounts, "last_contact_days>=7")


def test_the_query_keeps_the_account_order_and_the_language_join(accounts: Session) -> None:
    rows = accounts.exec(account_query(parse_filter("language=fr,de"), ON)).all()
    assert [a.id for a in rows] == sorted(a.id for a in rows)
    assert all(accounts.get(Debtor, a.debtor_id).language in ("fr", "de") for a in rows)  # type: ignore[union-attr]


@pytest.mark.postgres
def test_the_same_selections_on_postgresql(pg_url: str) -> None:
    with Session(make_engine(pg_url)) as session:
        _portfolio(session)
        assert _selected(session, EXAMPLE) == ALL - {
            "DISPUTED", "SMALL", "BIG", "RECENT", "GERMAN", "OTHER_CREDITOR", "TEXTED_TODAY",
            "TEXTED_6_DAYS_AGO",
        }  # fmt: skip
        assert _selected(session, "last_contact_days=7") == {"TEXTED_7_DAYS_AGO"}
