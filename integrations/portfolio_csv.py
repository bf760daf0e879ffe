"""Portfolio files from creditors: CSV reading, dialect detection, one check per column, the import.

A file is read once, as a stream, line by line: memory stays bounded whatever its size. A line is
decoded as UTF-8 on its own (a newline byte never occurs inside a UTF-8 sequence), so an encoding
error is reported with its byte offset and line.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO

import phonenumbers
from sqlmodel import Session

from core.logs import get_logger
from debt.addresses import AddressError, normalise_address, tidy_spacing
from debt.clock import utcnow
from debt.emails import EmailError, normalise_email
from debt.fees import FeeRefused, chargeable_fees
from debt.models import Language
from debt.money import CURRENCIES, MoneyError, parse_amount
from debt.phones import PhoneError, parse_phone, region_of
from debt.portfolio import (
    ImportCounts,
    ImportReport,
    PortfolioRow,
    PortfolioWriter,
    RowError,
    record_import,
)

log = get_logger(__name__)

COLUMNS = (
    "account_ref",
    "creditor",
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "email",
    "address_line",
    "postcode",
    "city",
    "country",
    "language",
    "currency",
    "principal",
    "interest",
    "fees",
    "due_date",
    "invoice_ref",
    "product",
)
# Without these a line cannot become a claim on a person; the other columns may be left out.
REQUIRED_COLUMNS = (
    "account_ref",
    "creditor",
    "first_name",
    "last_name",
    "country",
    "language",
    "currency",
    "principal",
    "due_date",
)
CHUNK_ROWS = 2000
MAX_LINE_BYTES = 64 * 1024
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)
LANGUAGES = frozenset(lang.value for lang in Language)
MIN_AGE, MAX_AGE = 16, 120
# Far above any consumer claim, far below what the money columns hold.
MAX_AMOUNT = Decimal("10000000")

_ACCOUNT_REF = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Python would read these as numbers ("1e3", "1_000"); nobody writes an amount that way.
_NOT_WRITTEN_AMOUNT = re.compile(r"_|\d[eE][+-]?\d")


class PortfolioFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, structure): nothing is imported."""


@dataclass(slots=True)
class ParsedLine:
    line: int
    row: PortfolioRow | None
    errors: list[RowError]


# (line, values by column or None when the line could not be split, errors found while splitting)
Record = tuple[int, dict[str, str] | None, list[RowError]]


class PortfolioReader:
    """Reads a portfolio CSV from a binary stream; iterating yields one ParsedLine per record."""

    def __init__(self, stream: BinaryIO, today: date) -> None:
        self.today = today
        self.bytes_read = 0
        self._sha = hashlib.sha256()
        self._stream = stream
        self._line_no = 0
        # Every reference seen, with its line: a reference twice in a file is an error on the later line.
        self._refs: dict[str, int] = {}
        self._lines = self._decoded_lines()
        header = next(self._lines, None)
        if header is None or not header.strip():
            raise PortfolioFileError("the file is empty: expected a header line with the column names")
        self.delimiter = ";" if header.count(";") > header.count(",") else ","
        self.columns = self._read_header(header)
        self.ignored_columns = [c for c in self.columns if c and c not in COLUMNS]

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def _decoded_lines(self) -> Iterator[str]:
        while True:
            raw = self._stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self._line_no += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise PortfolioFileError(
                    f"line {self._line_no} is longer than {MAX_LINE_BYTES} bytes: not a portfolio CSV"
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                offset = self.bytes_read + exc.start
                raise PortfolioFileError(
                    f"the file is not UTF-8: byte 0x{raw[exc.start]:02X} at offset {offset} "
                    f'(line {self._line_no}) cannot be decoded; save the file as UTF-8 ("CSV UTF-8")'
                ) from None
            if self._line_no == 1:
                text = text.removeprefix("\ufeff")
            self.bytes_read += len(raw)
            self._sha.update(raw)
            yield text

    def _read_header(self, header: str) -> list[str]:
        names = next(csv.reader([header], delimiter=self.delimiter), [])
        columns = [n.strip().lower().replace(" ", "_").replace("-", "_") for n in names]
        seen: set[str] = set()
        for name in columns:
            if not name:
                continue  # an unnamed column (a trailing separator) is ignored
            if name in seen:
                raise PortfolioFileError(f"column {name!r} appears twice in the header")
            seen.add(name)
        missing = [c for c in REQUIRED_COLUMNS if c not in seen]
        if missing:
            found = ", ".join(repr(c[:40]) for c in columns[:25]) or "nothing"
            raise PortfolioFileError(
                f"missing required columns: {', '.join(missing)} (the header has {found}; "
                f"separator {self.delimiter!r})"
            )
        return columns

    def _records(self) -> Iterator[Record]:
        reader = csv.reader(self._lines, delimiter=self.delimiter, strict=True)
        width = len(self.columns)
        start = 2
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise PortfolioFileError(f"line {start}: {exc}") from None
            line, start = start, reader.line_num + 2
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) > width and not any(f.strip() for f in fields[width:]):
                fields = fields[:width]  # spreadsheets often leave empty cells after the last column
            if len(fields) != width:
                reason = f"expected {width} fields separated by {self.delimiter!r}, found {len(fields)}"
                yield line, None, [RowError(line, None, reason)]
                continue
            yield line, {c: v for c, v in zip(self.columns, fields, strict=True) if c in COLUMNS}, []

    def __iter__(self) -> Iterator[ParsedLine]:
        for line, values, errors in self._records():
            if values is None:
                yield ParsedLine(line, None, errors)
                continue
            row, errors = validate_row(values, line, self.today)
            if ref := values["account_ref"].strip().upper():
                first = self._refs.setdefault(ref, line)
                if first != line:
                    errors.append(RowError(line, "account_ref", f"{ref} is already on line {first}"))
                    row = None
            yield ParsedLine(line, row, errors)


def _date(text: str) -> date:
    if not _ISO_DATE.match(text):
        raise ValueError(f"not a date in the form YYYY-MM-DD: {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"no such date: {text!r}") from None


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def validate_row(
    values: dict[str, str], line: int, today: date
) -> tuple[PortfolioRow | None, list[RowError]]:
    """Check and normalise one line; either a row or the list of what is wrong with it."""
    errors: list[RowError] = []

    def get(column: str) -> str:
        return values.get(column, "").strip()

    def fail(column: str, reason: str) -> None:
        errors.append(RowError(line, column, reason))

    def text(column: str, limit: int, required: bool = False) -> str | None:
        value = tidy_spacing(get(column))
        if not value:
            if required:
                fail(column, "required, but empty")
            return None
        if len(value) > limit:
            fail(column, f"longer than {limit} characters")
            return None
        return value

    def amount(column: str, required: bool = False) -> Decimal | None:
        raw = get(column)
        if not raw:
            if required:
                fail(column, "required, but empty")
                return None
            return Decimal("0.00")
        if _NOT_WRITTEN_AMOUNT.search(raw):
            fail(column, f"not an amount: {raw[:40]!r}")
            return None
        try:
            value = parse_amount(raw)
        except (MoneyError, ArithmeticError) as exc:
            fail(column, str(exc) if isinstance(exc, MoneyError) else f"not an amount: {raw[:40]!r}")
            return None
        if value < 0:
            fail(column, f"negative amount: {raw!r}")
            return None
        if value > MAX_AMOUNT:
            fail(column, f"{raw!r} is above {MAX_AMOUNT:,.0f}: not a consumer claim, check the file")
            return None
        return value

    ref = get("account_ref").upper()
    if not ref:
        fail("account_ref", "required, but empty")
    elif not _ACCOUNT_REF.match(ref):
        fail("account_ref", f"not a case reference (letters, digits, - . / _; at most 64): {ref[:70]!r}")
    creditor = text("creditor", 200, required=True)
    first_name = text("first_name", 100, required=True)
    last_name = text("last_name", 100, required=True)

    birth_date = None
    if raw_birth := get("birth_date"):
        try:
            birth_date = _date(raw_birth)
        except ValueError:
            # The value itself is never echoed: a birth date is personal data.
            fail("birth_date", "not a date in the form YYYY-MM-DD")
        else:
            if birth_date > today:
                fail("birth_date", "in the future")
            elif not MIN_AGE <= _age(birth_date, today) <= MAX_AGE:
                fail("birth_date", f"not plausible: the debtor would be under {MIN_AGE} or over {MAX_AGE}")

    country = get("country").upper()
    if not country:
        fail("country", "required, but empty")
    elif country not in COUNTRIES:
        hint = " (the United Kingdom is GB)" if country == "UK" else ""
        fail("country", f"not an ISO 3166 alpha-2 country code: {country[:20]!r}{hint}")
        country = ""

    language = get("language").lower()
    if language not in LANGUAGES:
        fail("language", f"must be one of {', '.join(sorted(LANGUAGES))}: got {language[:20]!r}")

    currency = get("currency").upper()
    if currency not in CURRENCIES:
        fail("currency", f"must be one of {', '.join(sorted(CURRENCIES))}: got {currency[:20]!r}")

    principal = amount("principal", required=True)
    if principal is not None and principal == 0:
        fail("principal", "must be more than zero")
        principal = None
    interest = amount("interest")
    fees = amount("fees")

    due_date = None
    if raw_due := get("due_date"):
        try:
            due_date = _date(raw_due)
        except ValueError as exc:
            fail("due_date", str(exc))
        else:
            if due_date > today:
                fail("due_date", f"{raw_due} is in the future: a claim not yet due cannot be collected")
                due_date = None
    else:
        fail("due_date", "required, but empty")

    phone = phone_region = None
    raw_phone = get("phone")
    # A national number can only be read with a valid country; one bad country is one error.
    if raw_phone and (country or raw_phone.startswith(("+", "00"))):
        try:
            number = parse_phone(raw_phone, country or None)
        except PhoneError as exc:
            fail("phone", str(exc))
        else:
            phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            phone_region = region_of(number)

    email = None
    if raw_email := get("email"):
        try:
            email = normalise_email(raw_email)
        except EmailError as exc:
            fail("email", str(exc))

    address = None
    parts = (get("address_line"), get("postcode"), get("city"))
    if any(parts) and country:
        try:
            address = normalise_address(*parts, country)
        except AddressError as exc:
            fail(exc.field, str(exc))

    invoice_ref = text("invoice_ref", 64)
    product = text("product", 200)

    fees_charged = Decimal("0.00")
    if principal is not None and fees is not None and country and currency in CURRENCIES:
        try:
            fees_charged = chargeable_fees(country, principal, fees, currency).charged
        except FeeRefused as exc:
            fail("fees", exc.reason)

    if errors:
        return None, errors
    assert creditor and first_name and last_name and principal is not None and due_date
    assert interest is not None and fees is not None
    return (
        PortfolioRow(
            line=line,
            account_ref=ref,
            creditor=creditor,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            country=country,
            language=language,
            currency=currency,
            principal=principal,
            interest=interest,
            fees=fees,
            fees_charged=fees_charged,
            due_date=due_date,
            phone=phone,
            phone_region=phone_region,
            email=email,
            address=address,
            invoice_ref=invoice_ref,
            product=product,
        ),
        [],
    )


def import_csv(
    stream: BinaryIO,
    session: Session,
    *,
    source: str,
    actor: str = "import",
    skip_invalid: bool = False,
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import a portfolio file into the database in one transaction.

    Any bad line means nothing is imported, unless `skip_invalid`: then the good lines are. A file
    that cannot be read as a whole (encoding, header) is never imported. The session is committed
    when something was imported and rolled back otherwise.
    """
    started = time.perf_counter()
    today = today or utcnow().date()
    report = ImportReport(source=source, skip_invalid=skip_invalid)
    writer = PortfolioWriter(session, utcnow())
    reader: PortfolioReader | None = None
    try:
        reader = PortfolioReader(stream, today)
        report.ignored_columns = reader.ignored_columns
        chunk: list[PortfolioRow] = []
        # Once a bad line is found in all-or-nothing mode, writing stops; reading goes on for the report.
        writing = True
        for parsed in reader:
            report.rows += 1
            if parsed.row is None:
                report.add_bad_row(parsed.errors)
                if not skip_invalid:
                    writing, chunk = False, []
                continue
            report.valid_rows += 1
            if writing:
                chunk.append(parsed.row)
                if len(chunk) >= chunk_rows:
                    writer.write(chunk)
                    chunk = []
                    if on_progress:
                        on_progress(reader.bytes_read)
            if on_progress and report.rows % chunk_rows == 0 and not writing:
                on_progress(reader.bytes_read)
        if writing:
            writer.write(chunk)
        if report.rows == 0:
            raise PortfolioFileError("the file has a header but no data lines")
    except PortfolioFileError as exc:
        report.file_error = str(exc)
    except Exception:
        session.rollback()
        raise
    finally:
        if on_progress and reader is not None:
            on_progress(reader.bytes_read)

    report.counts = writer.counts
    report.imported = (
        report.file_error is None and report.valid_rows > 0 and (skip_invalid or report.bad_rows == 0)
    )
    if report.imported:
        record_import(session, report, actor, reader.sha256 if reader else None)
        session.commit()
    else:
        session.rollback()
        report.counts = ImportCounts()
    report.seconds = time.perf_counter() - started
    log.info(
        "portfolio_import",
        source=source,
        actor=actor,
        imported=report.imported,
        rows=report.rows,
        bad_rows=report.bad_rows,
        file_error=report.file_error,
        accounts_created=report.counts.accounts_created,
        accounts_updated=report.counts.accounts_updated,
        seconds=round(report.seconds, 2),
    )
    return report
