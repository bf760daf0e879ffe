"""A creditor's portfolio into the database: validated rows upserted in chunks, and the import report.

Idempotent: accounts are matched by `account_ref`, debtors by their person key (normalised name and
birth date), contact points by (debtor, kind, value), creditors by name. Running the same file twice
changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Result, Table, bindparam, insert, select, text, update
from sqlmodel import Session

from debt.addresses import Address
from debt.models import Account, AccountStatus, AuditEntry, ContactKind, ContactPoint, Creditor, Debtor
from debt.phones import phone_facts
from debt.text import fold

IMPORT_ACTION = "portfolio.import"
# Rows kept in a report; beyond that only the count grows, so a broken file cannot fill the memory.
MAX_REPORTED_ERRORS = 500

_debtor = Debtor.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_contact = ContactPoint.__table__  # type: ignore[attr-defined]
_creditor = Creditor.__table__  # type: ignore[attr-defined]

_DEBTOR_FIELDS = ("first_name", "last_name", "birth_date", "language", "country")
_ACCOUNT_FIELDS = (
    "debtor_id",
    "creditor_id",
    "jurisdiction",
    "invoice_ref",
    "product",
    "currency",
    "principal",
    "interest",
    "fees",
    "fees_charged",
    "balance",
    "due_date",
)


@dataclass(slots=True)
class PortfolioRow:
    """One valid line of a portfolio: a claim, its debtor and how to reach them, all normalised."""

    line: int
    account_ref: str
    creditor: str
    first_name: str
    last_name: str
    birth_date: date | None
    country: str
    language: str
    currency: str
    principal: Decimal
    interest: Decimal
    fees: Decimal
    fees_charged: Decimal
    due_date: date
    phone: str | None = None
    phone_region: str | None = None
    email: str | None = None
    address: Address | None = None
    invoice_ref: str | None = None
    product: str | None = None
    person_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.person_key = person_key(self.first_name, self.last_name, self.birth_date, self.account_ref)

    @property
    def balance(self) -> Decimal:
        # Fees enter the balance only as far as the jurisdiction allows (debt.fees).
        return self.principal + self.interest + self.fees_charged


def person_key(first_name: str, last_name: str, birth_date: date | None, account_ref: str) -> str:
    """The key of one person: ("José-María", "GARCÍA", 1980-01-31) -> "jose maria|garcia|1980-01-31".

    Without a birth date a name alone does not identify a person: such a debtor is keyed by the
    account, so two namesakes are never merged (and never learn of each other's debts).
    """
    name = f"{fold(first_name)[:60]}|{fold(last_name)[:60]}"
    return f"{name}|{birth_date.isoformat()}" if birth_date else f"{name}|ref:{account_ref}"


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one line of the file was refused. `line` counts file lines from 1 (the header)."""

    line: int
    column: str | None
    reason: str


@dataclass(slots=True)
class ImportCounts:
    creditors_created: int = 0
    debtors_created: int = 0
    debtors_updated: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    accounts_unchanged: int = 0
    contacts_created: int = 0


@dataclass(slots=True)
class ImportReport:
    source: str
    skip_invalid: bool = False
    imported: bool = False
    rows: int = 0
    valid_rows: int = 0
    bad_rows: int = 0
    file_error: str | None = None
    errors: list[RowError] = field(default_factory=list)
    errors_not_shown: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)
    seconds: float = 0.0

    def add_bad_row(self, errors: list[RowError]) -> None:
        self.bad_rows += 1
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])
        self.errors_not_shown += max(len(errors) - max(room, 0), 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "imported": self.imported,
            "skip_invalid": self.skip_invalid,
            "rows": self.rows,
            "valid_rows": self.valid_rows,
            "bad_rows": self.bad_rows,
            "file_error": self.file_error,
            "errors": [asdict(e) for e in self.errors],
            "errors_not_shown": self.errors_not_shown,
            "ignored_columns": self.ignored_columns,
            **asdict(self.counts),
            "seconds": round(self.seconds, 3),
        }


class PortfolioWriter:
    """Upserts chunks of valid rows in the session's transaction; the caller commits or rolls back.

    Each chunk costs a handful of statements: existing rows are fetched with IN queries, changed ones
    updated with executemany, new ones inserted in bulk (COPY on PostgreSQL).
    """

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.counts = ImportCounts()
        self._creditor_ids: dict[str, int] = {}

    @property
    def _conn(self) -> Connection:
        return self.session.connection()

    def write(self, rows: list[PortfolioRow]) -> None:
        if not rows:
            return
        creditor_ids = self._creditors({r.creditor for r in rows})
        debtor_ids, existing_debtors = self._debtors(rows)
        self._accounts(rows, debtor_ids, creditor_ids)
        self._contacts(rows, debtor_ids, existing_debtors)

    def _creditors(self, names: set[str]) -> dict[str, int]:
        missing = names - self._creditor_ids.keys()
        if missing:
            found = self._conn.execute(
                select(_creditor.c.name, _creditor.c.id).where(_creditor.c.name.in_(missing))
            )
            self._creditor_ids.update(_pairs(found))
            new = sorted(missing - self._creditor_ids.keys())
            if new:
                created = self._conn.execute(
                    insert(_creditor).returning(_creditor.c.name, _creditor.c.id),
                    [{"name": name, "created_at": self.now} for name in new],
                )
                self._creditor_ids.update(_pairs(created))
                self.counts.creditors_created += len(new)
        return self._creditor_ids

    def _debtors(self, rows: list[PortfolioRow]) -> tuple[dict[str, int], set[int]]:
        # Several accounts of one person: the last line of the chunk gives the debtor's details.
        wanted = {r.person_key: r for r in rows}
        found = self._conn.execute(
            select(_debtor.c.person_key, _debtor.c.id, *(_debtor.c[f] for f in _DEBTOR_FIELDS)).where(
                _debtor.c.person_key.in_(wanted)
            )
        )
        ids: dict[str, int] = {}
        changed: list[dict[str, Any]] = []
        for key, debtor_id, *current in found:
            ids[key] = debtor_id
            values = _debtor_values(wanted[key])
            if tuple(current) != tuple(values[f] for f in _DEBTOR_FIELDS):
                changed.append({"b_id": debtor_id, **values, "updated_at": self.now})
        existing = set(ids.values())
        if changed:
            self._conn.execute(update(_debtor).where(_debtor.c.id == bindparam("b_id")), changed)
            self.counts.debtors_updated += len(changed)
        new = [
            {"person_key": key, **_debtor_values(row), "created_at": self.now, "updated_at": self.now}
            for key, row in wanted.items()
            if key not in ids
        ]
        if new:
            ids.update(
                zip(
                    (d["person_key"] for d in new),
                    _insert_returning_ids(self._conn, _debtor, new),
                    strict=True,
                )
            )
            self.counts.debtors_created += len(new)
        return ids, existing

    def _accounts(
        self, rows: list[PortfolioRow], debtor_ids: dict[str, int], creditor_ids: dict[str, int]
    ) -> None:
        wanted = {
            r.account_ref: _account_values(r, debtor_ids[r.person_key], creditor_ids[r.creditor])
            for r in rows
        }
        found = self._conn.execute(
            select(_account.c.account_ref, _account.c.id, *(_account.c[f] for f in _ACCOUNT_FIELDS)).where(
                _account.c.account_ref.in_(wanted)
            )
        )
        changed: list[dict[str, Any]] = []
        seen: set[str] = set()
        for ref, account_id, *current in found:
            seen.add(ref)
            values = wanted[ref]
            if tuple(current) != tuple(values[f] for f in _ACCOUNT_FIELDS):
                # The claim's figures follow the creditor's file; the status of the case is ours.
                changed.append({"b_id": account_id, **values, "updated_at": self.now})
        if changed:
            self._conn.execute(update(_account).where(_account.c.id == bindparam("b_id")), changed)
        self.counts.accounts_updated += len(changed)
        self.counts.accounts_unchanged += len(seen) - len(changed)
        stamp = {"status": AccountStatus.OPEN.value, "created_at": self.now, "updated_at": self.now}
        new = [{"account_ref": ref, **values, **stamp} for ref, values in wanted.items() if ref not in seen]
        if new:
            _insert(self._conn, _account, new)
            self.counts.accounts_created += len(new)

    def _contacts(self, rows: list[PortfolioRow], debtor_ids: dict[str, int], existing: set[int]) -> None:
        wanted: dict[tuple[int, str, str], dict[str, Any]] = {}
        for row in rows:
            debtor_id = debtor_ids[row.person_key]
            for contact in _contact_values(row):
                wanted.setdefault((debtor_id, contact["kind"], contact["value"]), contact)
        known: set[tuple[int, str, str]] = set()
        if existing:
            # Contact points already on file are left as they are: one marked invalid stays invalid.
            found = self._conn.execute(
                select(_contact.c.debtor_id, _contact.c.kind, _contact.c.value).where(
                    _contact.c.debtor_id.in_(existing)
                )
            )
            known = {(d, k, v) for d, k, v in found}
        stamp = {"source": "import", "valid": True, "created_at": self.now, "updated_at": self.now}
        new = [{"debtor_id": key[0], **values, **stamp} for key, values in wanted.items() if key not in known]
        if new:
            _insert(self._conn, _contact, new)
            self.counts.contacts_created += len(new)


def _pairs(result: Result[Any]) -> dict[Any, Any]:
    return {key: value for key, value in result}


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (all with the same keys) through the driver: COPY on PostgreSQL, executemany
    on SQLite. The column types' own conversions (money to cents, aware datetimes) are applied here.
    """
    columns = [table.c[name] for name in rows[0]]
    processors = [(c.name, c.type.bind_processor(conn.dialect)) for c in columns]
    values = ([proc(row[name]) if proc else row[name] for name, proc in processors] for row in rows)
    names = ", ".join(f'"{c.name}"' for c in columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row_values in values:
                copy.write_row(row_values)
        return
    marks = ", ".join("?" for _ in columns)
    # Table and column names come from the models, never from the file.
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)  # noqa: S608
    finally:
        cursor.close()


def _insert_returning_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows and return their new ids, in the order of `rows`."""
    if conn.dialect.name == "postgresql":
        # Ids drawn from the table's sequence up front, so the rows can go in by COPY.
        allocated = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        )
        ids = [row_id for (row_id,) in allocated]
        _insert(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    created = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [row_id for (row_id,) in created]


def _debtor_values(row: PortfolioRow) -> dict[str, Any]:
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "birth_date": row.birth_date,
        "language": row.language,
        "country": row.country,
    }


def _account_values(row: PortfolioRow, debtor_id: int, creditor_id: int) -> dict[str, Any]:
    return {
        "debtor_id": debtor_id,
        "creditor_id": creditor_id,
        # The law of the debtor's country governs the collection of the claim.
        "jurisdiction": row.country,
        "invoice_ref": row.invoice_ref,
        "product": row.product,
        "currency": row.currency,
        "principal": row.principal,
        "interest": row.interest,
        "fees": row.fees,
        "fees_charged": row.fees_charged,
        "balance": row.balance,
        "due_date": row.due_date,
    }


def _contact_values(row: PortfolioRow) -> list[dict[str, Any]]:
    empty = {"address_line": None, "postcode": None, "city": None}
    contacts = []
    if row.phone:
        phone = {"kind": ContactKind.PHONE.value, "value": row.phone, **empty, "country": row.phone_region}
        zone, mobile = phone_facts(row.phone)
        contacts.append(phone | {"time_zone": zone, "mobile": mobile})
    if row.email:
        email = {"kind": ContactKind.EMAIL.value, "value": row.email, **empty, "country": None}
        contacts.append(email | {"time_zone": None, "mobile": None})
    if row.address:
        a = row.address
        contacts.append(
            {
                "kind": ContactKind.ADDRESS.value,
                "value": a.one_line,
                "address_line": a.line,
                "postcode": a.postcode or None,
                "city": a.city,
                "country": a.country,
                "time_zone": None,
                "mobile": None,
            }
        )
    return contacts


def record_import(session: Session, report: ImportReport, actor: str, sha256: str | None) -> None:
    """One audit entry for the whole import (never one per row), with its counts."""
    session.add(
        AuditEntry(
            actor=actor,
            action=IMPORT_ACTION,
            entity="portfolio",
            entity_id=sha256[:16] if sha256 else None,
            details={
                "source": report.source,
                "sha256": sha256,
                "rows": report.rows,
                "bad_rows": report.bad_rows,
                "skip_invalid": report.skip_invalid,
                **asdict(report.counts),
            },
        )
    )
