from __future__ import annotations

from decimal import Decimal

import pytest

from debt.money import MoneyError, MoneyType, format_money, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("49,90 €", "49.90"),
        ("£40", "40.00"),
        ("0", "0.00"),
        ("-12.30", "-12.30"),
        ("1,234", "1234.00"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["abc", "", "12.345", "NaN", "inf", "1e400x", "1e400", "1e3", "1_000", "99999999999999999"]
)
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


def test_format_money_per_language() -> None:
    amount = Decimal("1234.50")
    assert format_money(amount, "EUR", "fr").replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
    assert format_money(amount, "EUR", "de").replace("\xa0", " ") == "1.234,50 €"
    assert format_money(amount, "GBP", "en") == "£1,234.50"


def test_money_column_is_exact_cents() -> None:
    column = MoneyType()
    assert column.process_bind_param(Decimal("49.99"), None) == 4999
    assert column.process_result_value(4999, None) == Decimal("49.99")
    with pytest.raises(MoneyError):
        column.process_bind_param(Decimal("0.001"), None)
