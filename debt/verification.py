"""Who the caller claims to be, checked against what we hold: the identity gate's database side.

The rule itself (name plus one secret) is `debt.identity.check_identity`; this
module finds the people a claim could be about and gathers their secrets.
A candidate account (the number the person writes from, or the campaign's
target) is tried first; an unknown caller is looked up by case reference,
birth date or postcode, then the name must match too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from debt.identity import IdentityCheck, KnownParty, SecretKind, check_identity, normalise_case_ref
from debt.models import Account, AccountStatus, ContactKind, ContactPoint, Debtor
from debt.spoken import parse_date, words_to_digits

# Looking a caller up by birth date or postcode alone may match many people; the name decides.
MAX_LOOKUP = 200
OPEN_STATUSES = {s.value for s in AccountStatus} - {AccountStatus.PAID, AccountStatus.CLOSED}


@dataclass(frozen=True)
class Secrets:
    """What the person gave as a secret, already normalised; any may be missing."""

    birth_date: date | None = None
    postcode: str | None = None
    case_ref: str | None = None

    def __bool__(self) -> bool:
        return any((self.birth_date, self.postcode, self.case_ref))


CASE_REF = re.compile(r"\b([A-Za-z]{2,4})[\s-]?(\d{6})\b")
UK_POSTCODE = re.compile(r"\b([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})\b")
FIVE_DIGITS = re.compile(r"(?<![\d/.-])\d{5}(?![\d/.-])")


def parse_secrets(text: str, language: str, today: date) -> Secrets:
    """The secrets in what the person wrote or said: a case reference, a postcode, a birth date."""
    text = text[:500]
    case_ref = None
    if match := CASE_REF.search(text):
        case_ref = f"{match[1].upper()}-{match[2]}"
        text = text[: match.start()] + " " + text[match.end() :]
    postcode = None
    if match := UK_POSTCODE.search(text):
        postcode = f"{match[1].upper()} {match[2].upper()}"
    elif match := FIVE_DIGITS.search(text):
        postcode = match[0]
    if postcode is None:
        # Spoken digit by digit on the phone: "sept cinq zéro un un" (five words, five digits).
        digits = words_to_digits(text, language)
        if digits and len(digits) == 5 and len(text.split()) == 5:
            return Secrets(None, digits, case_ref)
    birth = parse_date(text, language, today, "birth")
    return Secrets(birth.value if birth else None, postcode, case_ref)


@dataclass(frozen=True)
class Verification:
    verified: bool
    account: Account | None
    secret_kind: SecretKind | None


def known_party(session: Session, debtor: Debtor) -> KnownParty:
    postcodes = session.exec(
        select(ContactPoint.postcode).where(
            ContactPoint.debtor_id == debtor.id,
            ContactPoint.kind == ContactKind.ADDRESS,
            ContactPoint.postcode.is_not(None),  # type: ignore[union-attr]
        )
    ).all()
    refs = session.exec(select(Account.account_ref).where(Account.debtor_id == debtor.id)).all()
    return KnownParty(
        first_name=debtor.first_name,
        last_name=debtor.last_name,
        birth_date=debtor.birth_date,
        postcodes=frozenset(p for p in postcodes if p),
        case_refs=frozenset(refs),
    )


def _candidate_debtors(session: Session, candidate_account: str | None, secrets: Secrets) -> Iterator[Debtor]:
    """The debtors the claim could be about, the candidate account's first, without duplicates.

    Lazy: a lookup runs only when every debtor before it failed the check, so a caller who
    writes from their own number is not compared with everyone born on the same day.
    """
    seen: set[int | None] = set()

    def new(query) -> Iterator[Debtor]:
        for debtor in session.exec(query.limit(MAX_LOOKUP)).all():
            if debtor.id not in seen:
                seen.add(debtor.id)
                yield debtor

    if candidate_account:
        yield from new(
            select(Debtor)
            .join(Account, Account.debtor_id == Debtor.id)
            .where(Account.account_ref == candidate_account)
        )
    if secrets.case_ref:
        wanted = normalise_case_ref(secrets.case_ref)
        # References are stored as imported (AAA-123456); the person may drop the dash or the case.
        spellings = {wanted, f"{wanted[:-6]}-{wanted[-6:]}"} if len(wanted) > 6 else {wanted}
        yield from new(
            select(Debtor)
            .join(Account, Account.debtor_id == Debtor.id)
            .where(Account.account_ref.in_(spellings))  # type: ignore[attr-defined]
        )
    if secrets.birth_date:
        yield from new(select(Debtor).where(Debtor.birth_date == secrets.birth_date))
    if secrets.postcode:
        yield from new(
            select(Debtor)
            .join(ContactPoint, ContactPoint.debtor_id == Debtor.id)
            .where(ContactPoint.kind == ContactKind.ADDRESS, ContactPoint.postcode == secrets.postcode)
        )


def _account_of(
    session: Session, debtor: Debtor, candidate_account: str | None, case_ref: str | None
) -> Account:
    """The account the conversation is about: the one named or pointed at, else the oldest open one."""
    accounts = session.exec(
        select(Account).where(Account.debtor_id == debtor.id).order_by(Account.due_date)
    ).all()
    for wanted in (
        case_ref and normalise_case_ref(case_ref),
        candidate_account and normalise_case_ref(candidate_account),
    ):
        for account in accounts:
            if wanted and normalise_case_ref(account.account_ref) == wanted:
                return account
    open_accounts = [a for a in accounts if a.status in OPEN_STATUSES]
    return (open_accounts or accounts)[0]


def verify_caller(
    session: Session, *, claimed_name: str, secrets: Secrets, candidate_account: str | None = None
) -> Verification:
    """Name plus one secret against every debtor the claim could be about; the first full match wins."""
    if not secrets or not claimed_name.strip():
        return Verification(False, None, None)
    for debtor in _candidate_debtors(session, candidate_account, secrets):
        check: IdentityCheck = check_identity(
            known_party(session, debtor),
            claimed_name,
            birth_date=secrets.birth_date,
            postcode=secrets.postcode,
            case_ref=secrets.case_ref,
        )
        if check.verified:
            account = _account_of(session, debtor, candidate_account, secrets.case_ref)
            return Verification(True, account, check.secret_kind)
    return Verification(False, None, None)
