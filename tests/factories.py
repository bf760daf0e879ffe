"""Test data: a debtor with an account, created through the models (no import file needed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from sqlmodel import Session

from debt.models import Account, ContactKind, ContactPoint, Creditor, Debtor

_seq = count(1)


def make_account(
    session: Session,
    *,
    account_ref: str | None = None,
    first_name: str = "Jeanne",
    last_name: str = "Dupont",
    birth_date: date = date(1985, 3, 12),
    phone: str = "+33639980012",
    email: str = "jeanne.dupont@example.fr",
    language: str = "fr",
    country: str = "FR",
    creditor: str = "Hébergeur Exemple SAS",
    principal: str = "49.90",
    interest: str = "1.20",
    fees: str = "0.00",
) -> Account:
    n = next(_seq)
    creditor_row = Creditor(name=f"{creditor} {n}")
    debtor = Debtor(
        person_key=f"{first_name}|{last_name}|{birth_date}|{n}".lower(),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        language=language,
        country=country,
    )
    session.add(creditor_row)
    session.add(debtor)
    session.flush()
    session.add(ContactPoint(debtor_id=debtor.id, kind=ContactKind.PHONE, value=phone))
    session.add(ContactPoint(debtor_id=debtor.id, kind=ContactKind.EMAIL, value=email))
    session.add(
        ContactPoint(
            debtor_id=debtor.id,
            kind=ContactKind.ADDRESS,
            value="12 rue des Lilas, 75011 Paris",
            address_line="12 rue des Lilas",
            postcode="75011",
            city="Paris",
            country=country,
        )
    )
    balance = Decimal(principal) + Decimal(interest)
    account = Account(
        account_ref=account_ref or f"HEB-{100000 + n}",
        debtor_id=debtor.id,
        creditor_id=creditor_row.id,
        jurisdiction=country,
        invoice_ref=f"F-2026-{n:05d}",
        product="Hébergement mutualisé",
        principal=Decimal(principal),
        interest=Decimal(interest),
        fees=Decimal(fees),
        balance=balance,
        due_date=date(2026, 9, 30),
    )
    session.add(account)
    session.flush()
    return account
