"""What debtors say or type, as values: numbers, dates, amounts, counts, days of the month (fr, de, en).

Pure Python, no network: Rasa extracts the words, these functions turn them into values
and answer None when the words do not say one.
"""

from __future__ import annotations

from debt.spoken.amounts import parse_count, parse_day_of_month, parse_spoken_amount
from debt.spoken.dates import DateResult, Kind, next_day_of_month, parse_date
from debt.spoken.numbers import words_to_digits, words_to_number
from debt.spoken.times import parse_callback_time, parse_time

__all__ = [
    "DateResult",
    "Kind",
    "next_day_of_month",
    "parse_callback_time",
    "parse_count",
    "parse_date",
    "parse_day_of_month",
    "parse_spoken_amount",
    "parse_time",
    "words_to_digits",
    "words_to_number",
]
