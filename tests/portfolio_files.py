"""Portfolio CSV files for tests: good lines per country, and a builder for broken files."""

from __future__ import annotations

import csv
import io
from datetime import date

from integrations.portfolio_csv import COLUMNS

TODAY = date(2026, 11, 22)

FR_LINE = {
    "account_ref": "NEB-104233",
    "creditor": "Nébula Hébergement SAS",
    "first_name": "Camille",
    "last_name": "Martin",
    "birth_date": "1985-03-12",
    "phone": "06 39 98 12 34",
    "email": "Camille.Martin@Example.com",
    "address_line": "12  RUE DE LA RÉPUBLIQUE",
    "postcode": "69 002",
    "city": "LYON",
    "country": "FR",
    "language": "fr",
    "currency": "EUR",
    "principal": "49.90",
    "interest": "1.20",
    "fees": "15.00",
    "due_date": "2026-05-10",
    "invoice_ref": "INV-2026001",
    "product": "Hébergement mutualisé",
}
DE_LINE = {
    **FR_LINE,
    "account_ref": "WWH-200417",
    "creditor": "Wolkenwerk Hosting GmbH",
    "first_name": "Jörg",
    "last_name": "Müller",
    "birth_date": "1979-11-02",
    "phone": "0152 28817123",
    "email": "joerg.mueller@example.de",
    "address_line": "Hauptstraße 12",
    "postcode": "10827",
    "city": "Berlin",
    "country": "DE",
    "language": "de",
    "principal": "100.00",
    "interest": "0.00",
    "fees": "55.62",
    "product": "Webhosting Business",
}
GB_LINE = {
    **FR_LINE,
    "account_ref": "KML-300512",
    "creditor": "Kestrel Mobile Ltd",
    "first_name": "Amelia",
    "last_name": "Jones",
    "birth_date": "1992-07-21",
    "phone": "07700 900123",
    "email": "amelia.jones@example.org",
    "address_line": "7 Church Lane",
    "postcode": "ls14dy",
    "city": "Leeds",
    "country": "GB",
    "language": "en",
    "currency": "GBP",
    "principal": "120.00",
    "interest": "2.50",
    "fees": "12.00",
    "product": "SIM-only 30GB",
}


def line(base: dict[str, str] | None = None, **changes: str) -> dict[str, str]:
    return {**(base or FR_LINE), **changes}


def portfolio_csv(
    *lines: dict[str, str],
    delimiter: str = ",",
    columns: tuple[str, ...] = COLUMNS,
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for values in lines:
        writer.writerow([values.get(c, "") for c in columns])
    return ("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding)
