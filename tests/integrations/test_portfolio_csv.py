"""Reading portfolio files: dialect, encoding, header, and one precise reason per bad value.

What happens to bad input: a file that cannot be read as a whole (not UTF-8, missing columns, garbage)
raises PortfolioFileError before any line is used; a bad line yields its errors (line, column, reason)
and no row, so the import can refuse the file or skip the line.
"""

from __future__ import annotations

import io
import random
import time
from datetime import date
from decimal import Decimal

import pytest

from debt.portfolio import RowError
from integrations.portfolio_csv import (
    COLUMNS,
    ParsedLine,
    PortfolioFileError,
    PortfolioReader,
)
from tests.portfolio_files import DE_LINE, FR_LINE, GB_LINE, TODAY, line, portfolio_csv


def read(data: bytes, today: date = TODAY) -> list[ParsedLine]:
    return list(PortfolioReader(io.BytesIO(data), today))


def errors_of(data: bytes) -> list[RowError]:
    return [e for parsed in read(data) for e in parsed.errors]


def test_a_good_line_becomes_a_normalised_row() -> None:
    [parsed] = read(portfolio_csv(FR_LINE))
    row = parsed.row
    assert parsed.errors == [] and row is not None
    assert (row.line, row.account_ref, row.country, row.language, row.currency) == (
        2,
        "NEB-104233",
        "FR",
        "fr",
        "EUR",
    )
    assert row.phone == "+33639981234" and row.phone_region == "FR"
    assert row.email == "camille.martin@example.com"
    assert row.address is not None
    assert row.address.one_line == "12 Rue de la République, 69002 Lyon, FR"
    assert row.birth_date == date(1985, 3, 12)
    assert row.person_key == "camille|martin|1985-03-12"


def test_fees_follow_the_jurisdiction() -> None:
    fr, de, gb = (p.row for p in read(portfolio_csv(FR_LINE, DE_LINE, GB_LINE)))
    assert fr and de and gb
    # FR: kept on record, never in the balance (CPCE L111-8)
    assert (fr.fees, fr.fees_charged, fr.balance) == (Decimal("15.00"), Decimal("0.00"), Decimal("51.10"))
    # DE: within the RDG §13e cap, charged
    assert (de.fees, de.fees_charged, de.balance) == (Decimal("55.62"), Decimal("55.62"), Decimal("155.62"))
    assert (gb.fees_charged, gb.balance, gb.currency) == (Decimal("12.00"), Decimal("134.50"), "GBP")


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_separator_is_detected_from_the_header(delimiter: str) -> None:
    amount_with_comma = line(principal="1.234,50")
    [parsed] = read(portfolio_csv(amount_with_comma, delimiter=delimiter))
    assert parsed.row is not None and parsed.row.principal == Decimal("1234.50")


def test_bom_crlf_blank_lines_and_column_order_do_not_matter() -> None:
    columns = tuple(reversed(COLUMNS))
    data = portfolio_csv(FR_LINE, GB_LINE, columns=columns, bom=True).replace(b"\r\n", b"\r\n\r\n", 1)
    parsed = read(data)
    assert [p.line for p in parsed] == [3, 4]  # the blank line 2 is skipped, line numbers stay true
    assert all(p.row for p in parsed)


def test_header_names_are_matched_loosely_and_unknown_columns_are_ignored() -> None:
    header = "Account Ref;Creditor;First-Name;LAST_NAME;country;language;currency;principal;due_date;notes\n"
    body = "neb-1;Nébula;Camille;Martin;FR;FR;eur;49,90;2026-05-10;call after 6pm\n"
    reader = PortfolioReader(io.BytesIO((header + body).encode()), TODAY)
    [parsed] = list(reader)
    assert reader.ignored_columns == ["notes"]
    assert parsed.row is not None and parsed.row.account_ref == "NEB-1"
    assert parsed.row.phone is None and parsed.row.address is None and parsed.row.birth_date is None


def test_quoted_fields_may_hold_separators_and_newlines_and_lines_stay_counted() -> None:
    data = portfolio_csv(line(product="Box fibre, option TV\nmulti-lignes"), GB_LINE)
    first, second = read(data)
    assert first.row is not None and first.row.product == "Box fibre, option TV multi-lignes"
    assert (first.line, second.line) == (2, 4)


def test_missing_columns_are_one_file_error_listing_them() -> None:
    columns = tuple(c for c in COLUMNS if c not in {"principal", "due_date", "currency"})
    with pytest.raises(PortfolioFileError) as exc:
        read(portfolio_csv(FR_LINE, columns=columns))
    assert str(exc.value).startswith(
        "missing required columns: currency, principal, due_date (the header has"
    )


def test_a_column_twice_is_a_file_error() -> None:
    with pytest.raises(PortfolioFileError, match="column 'city' appears twice in the header"):
        read(portfolio_csv(FR_LINE, columns=(*COLUMNS, "city")))


def test_latin1_is_refused_with_the_byte_offset_and_line() -> None:
    data = portfolio_csv(GB_LINE, FR_LINE, encoding="latin-1")
    offset = data.index("é".encode("latin-1"))
    with pytest.raises(PortfolioFileError) as exc:
        read(data)
    assert str(exc.value) == (
        f"the file is not UTF-8: byte 0xE9 at offset {offset} (line 3) cannot be decoded; "
        'save the file as UTF-8 ("CSV UTF-8")'
    )


def test_an_empty_file_is_a_file_error() -> None:
    with pytest.raises(PortfolioFileError, match="the file is empty"):
        read(b"")


@pytest.mark.parametrize("seed", range(5))
def test_ten_megabytes_of_random_bytes_fail_fast(seed: int) -> None:
    # Seeded, so a failure can be replayed; random bytes may begin with a short line of valid UTF-8,
    # which then fails as a header instead.
    garbage = random.Random(seed).randbytes(10 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(PortfolioFileError, match=r"not UTF-8|longer than|missing required columns"):
        read(garbage)
    assert time.perf_counter() - started < 2


def test_ten_megabytes_without_a_newline_fail_fast_with_bounded_memory() -> None:
    with pytest.raises(PortfolioFileError, match="line 1 is longer than 65536 bytes"):
        read(b"A" * (10 * 1024 * 1024))


def test_valid_utf8_garbage_fails_on_the_header() -> None:
    with pytest.raises(PortfolioFileError, match="missing required columns: account_ref, creditor"):
        read(("lorem ipsum dolor sit amet\n" * 400_000).encode())


def test_an_unterminated_quote_is_a_file_error_not_a_hang() -> None:
    data = portfolio_csv(FR_LINE) + b'"NEB-2,' + b"x" * 60_000 + b"\n" + (b"y" * 60_000 + b"\n") * 5
    with pytest.raises(PortfolioFileError, match="line 3: field larger than field limit"):
        read(data)


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"birth_date": "12/03/1985"}, "birth_date", "not a date in the form YYYY-MM-DD"),
        ({"birth_date": "1985-02-30"}, "birth_date", "not a date in the form YYYY-MM-DD"),
        ({"birth_date": "2027-01-01"}, "birth_date", "in the future"),
        (
            {"birth_date": "2015-01-01"},
            "birth_date",
            "not plausible: the debtor would be under 16 or over 120",
        ),
        (
            {"birth_date": "1900-01-01"},
            "birth_date",
            "not plausible: the debtor would be under 16 or over 120",
        ),
        ({"due_date": "10.05.2026"}, "due_date", "not a date in the form YYYY-MM-DD: '10.05.2026'"),
        ({"due_date": "2026-13-01"}, "due_date", "no such date: '2026-13-01'"),
        (
            {"due_date": "2026-12-01"},
            "due_date",
            "2026-12-01 is in the future: a claim not yet due cannot be collected",
        ),
        ({"due_date": ""}, "due_date", "required, but empty"),
        ({"phone": "12"}, "phone", "'12' is not a valid number in FR"),
        ({"phone": "06 12 34"}, "phone", "'06 12 34' is not a valid number in FR"),
        ({"phone": "n/a"}, "phone", "'n/a' is not a phone number"),
        ({"email": "camille.martin"}, "email", "'camille.martin': An email address must have an @-sign."),
        ({"principal": "-49.90"}, "principal", "negative amount: '-49.90'"),
        ({"principal": "0"}, "principal", "must be more than zero"),
        ({"principal": ""}, "principal", "required, but empty"),
        ({"principal": "abc"}, "principal", "not an amount: 'abc'"),
        ({"principal": "49.999"}, "principal", "more than two decimals: '49.999'"),
        ({"principal": "1e400"}, "principal", "not an amount: '1e400'"),
        ({"principal": "1_000"}, "principal", "not an amount: '1_000'"),
        ({"principal": "NaN"}, "principal", "not an amount: 'NaN'"),
        ({"principal": "12000000"}, "principal", "'12000000' is above 10,000,000: not a consumer claim"),
        ({"interest": "-1"}, "interest", "negative amount: '-1'"),
        ({"fees": "-15"}, "fees", "negative amount: '-15'"),
        ({"currency": "YEN"}, "currency", "must be one of CHF, EUR, GBP, USD: got 'YEN'"),
        ({"language": "es"}, "language", "must be one of de, en, fr: got 'es'"),
        (
            {"country": "UK"},
            "country",
            "not an ISO 3166 alpha-2 country code: 'UK' (the United Kingdom is GB)",
        ),
        ({"country": "France"}, "country", "not an ISO 3166 alpha-2 country code: 'FRANCE'"),
        ({"account_ref": "NEB 104233"}, "account_ref", "not a case reference"),
        ({"account_ref": ""}, "account_ref", "required, but empty"),
        ({"first_name": "  "}, "first_name", "required, but empty"),
        ({"creditor": ""}, "creditor", "required, but empty"),
        ({"postcode": "690"}, "postcode", "'690' is not a postcode of FR: expected 5 digits"),
        ({"city": ""}, "city", "the city is missing"),
    ],
)
def test_each_bad_value_is_reported_with_line_column_and_reason(
    changes: dict[str, str], column: str, reason: str
) -> None:
    [parsed] = read(portfolio_csv(line(**changes)))
    assert parsed.row is None
    [error] = parsed.errors
    assert (error.line, error.column) == (2, column)
    assert reason in error.reason


def test_a_birth_date_is_never_echoed_in_a_report() -> None:
    for value in ("12/03/1985", "2027-01-01", "1900-01-01"):
        [error] = errors_of(portfolio_csv(line(birth_date=value)))
        assert value not in error.reason


def test_german_fees_above_the_cap_make_the_line_bad() -> None:
    [error] = errors_of(portfolio_csv(line(DE_LINE, principal="40.00", fees="35.00")))
    assert (error.line, error.column) == (2, "fees")
    assert error.reason == "DE: fees 35.00 EUR exceed the RDG §13e cap of 32.40 EUR for a claim of 40.00 EUR"


def test_several_problems_on_one_line_are_all_reported() -> None:
    errors = errors_of(portfolio_csv(line(phone="12", email="x", principal="-5")))
    assert [e.column for e in errors] == ["principal", "phone", "email"]


def test_a_duplicate_reference_makes_the_later_line_bad() -> None:
    first, second, third = read(portfolio_csv(FR_LINE, GB_LINE, line(account_ref="neb-104233")))
    assert first.row is not None and second.row is not None
    assert third.row is None
    assert third.errors == [RowError(4, "account_ref", "NEB-104233 is already on line 2")]


def test_a_line_with_the_wrong_number_of_fields_is_bad() -> None:
    data = portfolio_csv(FR_LINE) + b"NEB-999999,Nebula,Camille\r\n"
    [_, parsed] = read(data)
    assert parsed.errors == [RowError(3, None, "expected 19 fields separated by ',', found 3")]


def test_empty_cells_after_the_last_column_are_ignored() -> None:
    data = portfolio_csv(FR_LINE, delimiter=";").replace(b"\r\n", b";;\r\n")
    [parsed] = read(data)
    assert parsed.row is not None


def test_without_a_birth_date_a_person_is_keyed_by_the_account() -> None:
    first, second = read(portfolio_csv(line(birth_date=""), line(birth_date="", account_ref="NEB-104234")))
    assert first.row and second.row
    assert first.row.person_key == "camille|martin|ref:NEB-104233"
    assert first.row.person_key != second.row.person_key
