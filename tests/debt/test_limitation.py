"""Limitation periods: the first day a claim is time-barred, per jurisdiction, with part payments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from debt.limitation import LIMITATIONS, UnknownJurisdiction, is_time_barred, time_barred_on


@pytest.mark.parametrize(
    ("jurisdiction", "due", "barred"),
    [
        # France: 2 years (L218-2); the last day to act is the anniversary.
        ("FR", date(2026, 9, 30), date(2028, 10, 1)),
        ("FR", date(2025, 12, 31), date(2028, 1, 1)),
        # Germany: 3 years from the end of the year the claim became due (BGB §195, §199(1)).
        ("DE", date(2026, 9, 30), date(2030, 1, 1)),
        ("DE", date(2026, 1, 1), date(2030, 1, 1)),
        ("DE", date(2026, 12, 31), date(2030, 1, 1)),
        ("DE", date(2027, 1, 1), date(2031, 1, 1)),
        # United Kingdom: 6 years (Limitation Act 1980 s.5).
        ("GB", date(2026, 9, 30), date(2032, 10, 1)),
        # United States: 3 years, the conservative default.
        ("US", date(2026, 9, 30), date(2029, 10, 1)),
        # Due on 29 February: the period ends on 28 February of a common year.
        ("FR", date(2024, 2, 29), date(2026, 3, 1)),
        ("GB", date(2024, 2, 29), date(2030, 3, 1)),
        ("US", date(2024, 2, 29), date(2027, 3, 1)),
        ("DE", date(2024, 2, 29), date(2028, 1, 1)),
        # ...and on 29 February of a leap year.
        ("FR", date(2026, 2, 28), date(2028, 2, 29)),
    ],
)
def test_first_day_barred(jurisdiction: str, due: date, barred: date) -> None:
    assert time_barred_on(jurisdiction, due) == barred
    assert not is_time_barred(jurisdiction, due, barred - timedelta(days=1))
    assert is_time_barred(jurisdiction, due, barred)
    assert is_time_barred(jurisdiction, due, barred + timedelta(days=400))


def test_every_jurisdiction_names_its_source() -> None:
    assert sorted(LIMITATIONS) == ["DE", "FR", "GB", "US"]
    assert all(limitation.source for limitation in LIMITATIONS.values())
    assert [LIMITATIONS[j].years for j in ("FR", "DE", "GB", "US")] == [2, 3, 6, 3]


def test_the_jurisdiction_is_read_in_any_case_and_unknown_ones_are_refused() -> None:
    assert time_barred_on("fr", date(2026, 9, 30)) == date(2028, 10, 1)
    with pytest.raises(UnknownJurisdiction, match="'ES'"):
        time_barred_on("ES", date(2026, 9, 30))
    with pytest.raises(ValueError):
        is_time_barred("XX", date(2026, 9, 30), date(2030, 1, 1))


@pytest.mark.parametrize(
    ("jurisdiction", "due", "payments", "barred"),
    [
        # A part payment starts a new full period from its date (Code civil 2240, 2231).
        ("FR", date(2025, 1, 15), [date(2026, 6, 1)], date(2028, 6, 2)),
        # Each payment before the bar moves it on; their order in the list does not matter.
        ("FR", date(2022, 1, 15), [date(2025, 10, 1), date(2023, 12, 1)], date(2027, 10, 2)),
        # A payment after the bar revives nothing.
        ("FR", date(2022, 1, 15), [date(2024, 1, 16)], date(2024, 1, 16)),
        ("GB", date(2020, 3, 1), [date(2026, 3, 2)], date(2026, 3, 2)),
        ("GB", date(2020, 3, 1), [date(2026, 3, 1)], date(2032, 3, 2)),
        # Germany: afresh from the payment's day, without the year-end rule (BGB §212(1) Nr. 1).
        ("DE", date(2024, 5, 10), [date(2027, 6, 15)], date(2030, 6, 16)),
        ("DE", date(2024, 5, 10), [date(2024, 2, 29)], date(2028, 1, 1)),  # paid early: changes nothing
        ("DE", date(2023, 5, 10), [date(2024, 2, 29)], date(2027, 3, 1)),
        # United States: state laws differ, so a payment moves nothing.
        ("US", date(2025, 1, 15), [date(2027, 6, 1)], date(2028, 1, 16)),
    ],
)
def test_part_payments_start_a_new_period(
    jurisdiction: str, due: date, payments: list[date], barred: date
) -> None:
    assert time_barred_on(jurisdiction, due, acknowledged=payments) == barred
    assert is_time_barred(jurisdiction, due, barred, acknowledged=payments)
    assert not is_time_barred(jurisdiction, due, barred - timedelta(days=1), acknowledged=payments)
