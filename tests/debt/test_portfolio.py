"""The portfolio upsert: idempotent re-imports, one debtor per person, all lines or none, one audit entry.

What happens to bad input: by default one bad line means nothing at all is written (not even the
lines before it); with skip_invalid the good lines are imported and the bad ones only reported.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from debt.db import engine_for
from debt.models import (
    Account,
    AccountStatus,
    AuditEntry,
    ContactKind,
    ContactPoint,
    Creditor,
    Debtor,
)
from debt.portfolio import ImportReport, person_key
from integrations.portfolio_csv import import_csv
from tests.portfolio_files import DE_LINE, FR_LINE, GB_LINE, TODAY, line, portfolio_csv

TABLES = (Creditor, Debtor, Account, ContactPoint, AuditEntry)


def run_import(url: str, data: bytes, **options: object) -> ImportReport:
    with Session(engine_for(url)) as session:
        return import_csv(io.BytesIO(data), session, source="test.csv", today=TODAY, **options)  # type: ignore[arg-type]


def counts(url: str) -> dict[str, int]:
    with Session(engine_for(url)) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def nothing_written(url: str) -> bool:
    return set(counts(url).values()) == {0}


def test_person_key_folds_case_accents_and_punctuation() -> None:
    assert person_key("José-María", "GARCÍA", date(1980, 1, 31), "X-1") == "jose maria|garcia|1980-01-31"
    assert person_key("Jörg", "Straße", date(1980, 1, 31), "X-1") == "jorg|strasse|1980-01-31"


def test_a_portfolio_is_imported_with_the_fee_rules_of_each_country(sqlite_url: str) -> None:
    report = run_import(sqlite_url, portfolio_csv(FR_LINE, DE_LINE, GB_LINE))
    assert report.imported and report.bad_rows == 0
    assert (report.counts.accounts_created, report.counts.debtors_created) == (3, 3)
    assert (report.counts.creditors_created, report.counts.contacts_created) == (3, 9)
    with Session(engine_for(sqlite_url)) as session:
        fr = session.exec(select(Account).where(Account.account_ref == "NEB-104233")).one()
        # CPCE L111-8: the fees stay on record, out of the balance
        assert (fr.jurisdiction, fr.fees, fr.fees_charged) == ("FR", Decimal("15.00"), Decimal("0.00"))
        assert fr.balance == Decimal("51.10") and fr.status == AccountStatus.OPEN
        de = session.exec(select(Account).where(Account.account_ref == "WWH-200417")).one()
        assert (de.fees_charged, de.balance) == (Decimal("55.62"), Decimal("155.62"))
        gb = session.exec(select(Account).where(Account.account_ref == "KML-300512")).one()
        assert (gb.currency, gb.balance) == ("GBP", Decimal("134.50"))
        debtor = session.get(Debtor, fr.debtor_id)
        assert debtor is not None
        assert (debtor.person_key, debtor.language, debtor.birth_date) == (
            "camille|martin|1985-03-12",
            "fr",
            date(1985, 3, 12),
        )
        contacts = session.exec(select(ContactPoint).where(ContactPoint.debtor_id == debtor.id)).all()
        # The phone keeps its zone for the calling hours; the others have none.
        assert {(c.kind, c.value, c.time_zone) for c in contacts} == {
            (ContactKind.PHONE, "+33639981234", "Europe/Paris"),
            (ContactKind.EMAIL, "camille.martin@example.com", None),
            (ContactKind.ADDRESS, "12 Rue de la République, 69002 Lyon, FR", None),
        }
        address = next(c for c in contacts if c.kind == ContactKind.ADDRESS)
        assert (address.address_line, address.postcode, address.city) == (
            "12 Rue de la République",
            "69002",
            "Lyon",
        )


def test_importing_the_same_file_again_changes_nothing(sqlite_url: str) -> None:
    data = portfolio_csv(FR_LINE, DE_LINE, GB_LINE)
    run_import(sqlite_url, data)
    with Session(engine_for(sqlite_url)) as session:
        before = [(a.id, a.updated_at) for a in session.exec(select(Account).order_by(Account.id))]
    again = run_import(sqlite_url, data)
    assert again.imported
    c = again.counts
    assert (c.accounts_created, c.accounts_updated, c.accounts_unchanged) == (0, 0, 3)
    assert (c.debtors_created, c.debtors_updated, c.contacts_created, c.creditors_created) == (0, 0, 0, 0)
    assert counts(sqlite_url) == {
        "Creditor": 3,
        "Debtor": 3,
        "Account": 3,
        "ContactPoint": 9,
        "AuditEntry": 2,
    }
    with Session(engine_for(sqlite_url)) as session:
        assert [(a.id, a.updated_at) for a in session.exec(select(Account).order_by(Account.id))] == before


def test_a_reimport_updates_the_claim_but_keeps_the_case_status_and_old_contacts(sqlite_url: str) -> None:
    run_import(sqlite_url, portfolio_csv(FR_LINE))
    with Session(engine_for(sqlite_url)) as session:
        account = session.exec(select(Account)).one()
        account.status = AccountStatus.DISPUTED
        phone = session.exec(select(ContactPoint).where(ContactPoint.kind == ContactKind.PHONE)).one()
        phone.valid, phone.invalid_reason = False, "number no longer in service"
        session.add_all([account, phone])
        session.commit()

    report = run_import(
        sqlite_url, portfolio_csv(line(principal="59.90", phone="06 39 98 55 55", language="en"))
    )
    assert (
        report.counts.accounts_updated,
        report.counts.debtors_updated,
        report.counts.contacts_created,
    ) == (1, 1, 1)
    with Session(engine_for(sqlite_url)) as session:
        account = session.exec(select(Account)).one()
        assert (account.principal, account.balance) == (Decimal("59.90"), Decimal("61.10"))
        assert account.status == AccountStatus.DISPUTED
        phones = session.exec(select(ContactPoint).where(ContactPoint.kind == ContactKind.PHONE)).all()
        assert {(p.value, p.valid) for p in phones} == {("+33639981234", False), ("+33639985555", True)}
        assert session.exec(select(Debtor)).one().language == "en"


def test_several_accounts_of_one_person_share_one_debtor_even_across_chunks(sqlite_url: str) -> None:
    lines = [
        FR_LINE,
        GB_LINE,
        line(
            account_ref="OND-000001", creditor="Ondine Télécom SA", first_name="CAMILLE", last_name="martin"
        ),
        line(account_ref="FIB-000002", creditor="Fibréa Internet SAS", email="camille@example.net"),
    ]
    report = run_import(sqlite_url, portfolio_csv(*lines), chunk_rows=2)
    assert report.imported
    assert (report.counts.debtors_created, report.counts.accounts_created) == (2, 4)
    with Session(engine_for(sqlite_url)) as session:
        camille = session.exec(select(Debtor).where(Debtor.person_key == "camille|martin|1985-03-12")).one()
        accounts = session.exec(select(Account).where(Account.debtor_id == camille.id)).all()
        assert len(accounts) == 3
        emails = session.exec(
            select(ContactPoint.value).where(
                ContactPoint.debtor_id == camille.id, ContactPoint.kind == ContactKind.EMAIL
            )
        ).all()
        assert sorted(emails) == ["camille.martin@example.com", "camille@example.net"]


def test_namesakes_without_birth_date_are_never_merged(sqlite_url: str) -> None:
    data = portfolio_csv(line(birth_date=""), line(birth_date="", account_ref="NEB-104234"))
    report = run_import(sqlite_url, data)
    assert report.counts.debtors_created == 2


def test_one_bad_line_means_nothing_is_written(sqlite_url: str) -> None:
    # Enough good lines before the bad one for several chunks to have been written (and rolled back).
    good = [line(account_ref=f"NEB-{n:06d}", first_name=f"Camille{n}") for n in range(10)]
    data = portfolio_csv(*good, line(account_ref="NEB-999999", phone="12"), GB_LINE)
    report = run_import(sqlite_url, data, chunk_rows=3)
    assert not report.imported
    assert (report.rows, report.valid_rows, report.bad_rows) == (12, 11, 1)
    assert [(e.line, e.column) for e in report.errors] == [(12, "phone")]
    assert report.counts.accounts_created == 0
    assert nothing_written(sqlite_url)


def test_skip_invalid_imports_the_good_lines_only(sqlite_url: str) -> None:
    data = portfolio_csv(FR_LINE, line(DE_LINE, fees="500.00"), GB_LINE, line(account_ref="NEB-104233"))
    report = run_import(sqlite_url, data, skip_invalid=True)
    assert report.imported
    assert (report.valid_rows, report.bad_rows, report.counts.accounts_created) == (2, 2, 2)
    assert [(e.line, e.column) for e in report.errors] == [(3, "fees"), (5, "account_ref")]
    with Session(engine_for(sqlite_url)) as session:
        refs = session.exec(select(Account.account_ref).order_by(Account.account_ref)).all()
        assert refs == ["KML-300512", "NEB-104233"]


def test_skip_invalid_with_no_good_line_imports_nothing(sqlite_url: str) -> None:
    report = run_import(sqlite_url, portfolio_csv(line(principal="-1")), skip_invalid=True)
    assert not report.imported and report.bad_rows == 1
    assert nothing_written(sqlite_url)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (portfolio_csv(FR_LINE, encoding="latin-1"), "the file is not UTF-8"),
        (portfolio_csv(), "the file has a header but no data lines"),
        (b"account_ref,creditor\nNEB-1,X\n", "missing required columns: first_name, last_name, country"),
    ],
)
def test_a_file_error_writes_nothing_even_with_skip_invalid(
    sqlite_url: str, data: bytes, message: str
) -> None:
    report = run_import(sqlite_url, data, skip_invalid=True)
    assert not report.imported
    assert report.file_error is not None and report.file_error.startswith(message)
    assert nothing_written(sqlite_url)


def test_one_audit_entry_per_import_with_its_counts(sqlite_url: str) -> None:
    run_import(sqlite_url, portfolio_csv(FR_LINE, DE_LINE, GB_LINE), actor="user:ops")
    with Session(engine_for(sqlite_url)) as session:
        [entry] = session.exec(select(AuditEntry)).all()
    assert (entry.actor, entry.action, entry.entity) == ("user:ops", "portfolio.import", "portfolio")
    assert entry.details["rows"] == 3 and entry.details["accounts_created"] == 3
    assert entry.details["source"] == "test.csv" and len(entry.details["sha256"]) == 64
    assert entry.entity_id == entry.details["sha256"][:16]


def test_the_report_caps_the_errors_it_keeps(sqlite_url: str) -> None:
    bad = [line(account_ref=f"NEB-{n:06d}", principal="-1", phone="12") for n in range(300)]
    report = run_import(sqlite_url, portfolio_csv(*bad))
    assert report.bad_rows == 300
    assert len(report.errors) == 500 and report.errors_not_shown == 100
    assert report.to_dict()["errors_not_shown"] == 100
