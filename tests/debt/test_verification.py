"""Finding whom a caller claims to be: secrets read per language, the name decides among candidates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session

from debt.db import make_engine
from debt.identity import SecretKind
from debt.verification import Secrets, Verification, parse_secrets, verify_caller
from tests.factories import make_account

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("je suis née le 12/03/85", "fr", Secrets(birth_date=date(1985, 3, 12))),
        ("douze mars quatre-vingt-cinq", "fr", Secrets(birth_date=date(1985, 3, 12))),
        ("mein Geburtstag ist der 15. März 1979", "de", Secrets(birth_date=date(1979, 3, 15))),
        ("twelve three eighty five", "en", Secrets(birth_date=date(1985, 3, 12))),
        ("12031985", "fr", Secrets(birth_date=date(1985, 3, 12))),
        ("case ref neb104233", "en", Secrets(case_ref="NEB-104233")),
        ("NEB-104233 et 75011", "fr", Secrets(postcode="75011", case_ref="NEB-104233")),
        ("sw1a 1aa", "en", Secrets(postcode="SW1A 1AA")),
        ("sept cinq zéro un un", "fr", Secrets(postcode="75011")),
        ("eins null acht zwei sieben", "de", Secrets(postcode="10827")),
        ("hello", "en", Secrets()),
        ("", "fr", Secrets()),
    ],
)
def test_secrets_per_language(text: str, language: str, expected: Secrets) -> None:
    assert parse_secrets(text, language, TODAY) == expected


def test_two_people_born_the_same_day_are_told_apart_by_name(sqlite_url: str) -> None:
    with Session(make_engine(sqlite_url)) as session:
        make_account(session, account_ref="AAA-000001", first_name="Jeanne", last_name="Dupont")
        other = make_account(session, account_ref="BBB-000002", first_name="Hans", last_name="Weber")
        session.commit()
        secrets = Secrets(birth_date=date(1985, 3, 12))
        found = verify_caller(session, claimed_name="Hans Weber", secrets=secrets)
        assert found.verified and found.account is not None
        assert found.account.id == other.id and found.secret_kind == SecretKind.BIRTH_DATE
        assert not verify_caller(session, claimed_name="Anna Weber", secrets=secrets).verified
        assert not verify_caller(session, claimed_name="Hans Weber", secrets=Secrets()).verified


def _statements(session: Session) -> list[str]:
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def _born_12_march_1985(session: Session, name: str, *, writing_from: str) -> Verification:
    birth = Secrets(birth_date=date(1985, 3, 12))
    return verify_caller(session, claimed_name=name, secrets=birth, candidate_account=writing_from)


def test_a_caller_writing_from_their_own_number_is_not_compared_with_everyone_born_that_day(
    sqlite_url: str,
) -> None:
    with Session(make_engine(sqlite_url)) as session:
        for n in range(30):  # the same birth date as the caller
            make_account(session, account_ref=f"AAA-{n:06d}", first_name=f"Person{n}", last_name="Martin")
        own = make_account(session, account_ref="BBB-000001", first_name="Jeanne", last_name="Dupont")
        session.commit()
        statements = _statements(session)
        found = _born_12_march_1985(session, "Jeanne Dupont", writing_from="BBB-000001")
        assert found.verified and found.account is not None and found.account.id == own.id
        assert not any("debtor.birth_date =" in sql for sql in statements)


def test_when_the_number_is_someone_elses_the_birth_date_still_finds_the_caller(sqlite_url: str) -> None:
    with Session(make_engine(sqlite_url)) as session:
        make_account(session, account_ref="AAA-000001", first_name="Jeanne", last_name="Dupont")
        caller = make_account(session, account_ref="BBB-000002", first_name="Hans", last_name="Weber")
        session.commit()
        found = _born_12_march_1985(session, "Hans Weber", writing_from="AAA-000001")
        assert found.verified and found.account is not None and found.account.id == caller.id
