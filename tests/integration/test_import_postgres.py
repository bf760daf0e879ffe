"""The portfolio import on a real PostgreSQL database (bulk COPY, ids drawn from the sequences).

What happens to bad input: the transaction is rolled back, so no table holds a row afterwards.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bench.bench_import import generate
from cli.portfolio import import_file, import_stream
from debt.db import engine_for
from debt.models import Account, AuditEntry, ContactPoint, Creditor, Debtor
from debt.phones import phone_facts
from tests.portfolio_files import FR_LINE, GB_LINE, TODAY, line, portfolio_csv

pytestmark = pytest.mark.postgres
TABLES = (Creditor, Debtor, Account, ContactPoint, AuditEntry)


def counts(url: str) -> dict[str, int]:
    with Session(engine_for(url)) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def test_a_generated_portfolio_imports_and_reimports_unchanged(pg_url: str, tmp_path: Path) -> None:
    path = tmp_path / "portfolio.csv"
    generate(path, 5_000, seed=7)
    first = import_file(path, pg_url)
    assert first.imported, first.errors[:3]
    assert (first.rows, first.counts.accounts_created) == (5_000, 5_000)
    assert first.counts.debtors_created < 5_000  # some people owe on several accounts
    after_first = counts(pg_url)

    again = import_file(path, pg_url)
    assert again.imported
    assert (again.counts.accounts_unchanged, again.counts.accounts_created) == (5_000, 0)
    assert again.counts.debtors_updated == again.counts.contacts_created == 0
    assert counts(pg_url) == {**after_first, "AuditEntry": 2}

    with Session(engine_for(pg_url)) as session:
        # Rows written by COPY carry every column the ORM expects.
        account = session.exec(select(Account).order_by(Account.id)).first()
        assert account is not None and account.status == "open" and account.created_at.tzinfo is not None
        # Every phone written by COPY carries its zone (US numbers included, whose zone needs a parse)
        # and whether it is a mobile.
        phones = session.exec(select(ContactPoint).where(ContactPoint.kind == "phone")).all()
        assert all((phone.time_zone, phone.mobile) == phone_facts(phone.value) for phone in phones)
        assert {phone.time_zone for phone in phones if phone.value.startswith("+1")} - {None, ""}
        # The sequences moved with the COPY: an ordinary insert still gets a fresh id.
        debtor = Debtor(person_key="new|person|2000-01-01", first_name="New", last_name="Person")
        session.add(debtor)
        session.commit()
        assert debtor.id is not None and debtor.id > max(session.exec(select(Account.debtor_id)).all())


def test_a_bad_line_leaves_the_database_empty(pg_url: str) -> None:
    data = portfolio_csv(FR_LINE, GB_LINE, line(account_ref="NEB-777777", birth_date="1985-02-30"))
    report = import_stream(io.BytesIO(data), len(data), pg_url, source="bad.csv", today=TODAY)
    assert not report.imported and report.bad_rows == 1
    assert set(counts(pg_url).values()) == {0}


def test_skip_invalid_and_the_demo_on_postgres(pg_url: str) -> None:
    data = portfolio_csv(FR_LINE, line(GB_LINE, postcode="nowhere"))
    report = import_stream(
        io.BytesIO(data), len(data), pg_url, source="x.csv", skip_invalid=True, today=TODAY
    )
    assert report.imported and report.counts.accounts_created == 1
    with Session(engine_for(pg_url)) as session:
        account = session.exec(select(Account)).one()
        assert str(account.balance) == "51.10"

    demo = resources.files("debt.demo").joinpath("portfolio.csv").read_bytes()
    for _ in range(2):
        report = import_stream(io.BytesIO(demo), len(demo), pg_url, source="demo")
        assert report.imported
    assert report.counts.accounts_unchanged == counts(pg_url)["Account"]
