"""Money: exact Decimal amounts, stored as integer minor units, shown per locale."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_currency
from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
# Currencies a portfolio may hold; all have two minor digits.
CURRENCIES = frozenset({"EUR", "GBP", "USD", "CHF"})
# Far above any claim, far below what a BIGINT of cents holds.
MAX_AMOUNT = Decimal("1000000000000.00")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class MoneyError(ValueError):
    pass


def parse_amount(text: str | int | Decimal) -> Decimal:
    """Read an amount as written in a file or by a person: "1234.5", "1 234,50", "1.234,50"."""
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        raw = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        for symbol in ("€", "EUR", "£", "GBP", "$", "USD", "CHF"):
            raw = raw.replace(symbol, "")
        if "," in raw and "." in raw:
            # The separator written last is the decimal one: 1.234,50 or 1,234.50
            if raw.rfind(",") > raw.rfind("."):
                raw = raw.replace(".", "").replace(",", ".")
            else:
                raw = raw.replace(",", "")
        elif "," in raw:
            head, _, tail = raw.rpartition(",")
            raw = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 or not head else raw.replace(",", "")
        # Plain digits only: no exponents ("1e3"), underscores ("1_000"), NaN or infinity.
        if not _PLAIN_NUMBER.fullmatch(raw):
            raise MoneyError(f"not an amount: {text!r}")
        value = Decimal(raw)
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise MoneyError(f"not an amount: {text!r}")
    if value != value.quantize(CENT, rounding=ROUND_HALF_EVEN):
        raise MoneyError(f"more than two decimals: {text!r}")
    return value.quantize(CENT)


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """1 234,50 € in French, 1.234,50 € in German, €1,234.50 in English."""
    locale = {"fr": "fr_FR", "de": "de_DE", "en": "en_GB"}.get(language, "en_GB")
    return format_currency(amount, currency, locale=locale)


class MoneyType(TypeDecorator):
    """A Decimal with two places stored as a BIGINT of cents: exact on SQLite and PostgreSQL."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: object) -> int | None:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise MoneyError(f"amount {value} has more than two decimals")
        return int(cents)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(CENT)
