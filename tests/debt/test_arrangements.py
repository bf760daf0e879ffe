"""Plans: instalments sum exactly to the balance, limits come from the policy, refusals offer the nearest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt.arrangements import (
    Plan,
    PlanPolicy,
    PlanRefusal,
    monthly_dates,
    plan_for_monthly_amount,
    plan_for_months,
    propose,
    split_exactly,
)

POLICY = PlanPolicy(min_instalment=Decimal("15.00"), max_months=12)
FIRST = date(2026, 12, 5)


def test_split_puts_the_remainder_last() -> None:
    assert split_exactly(Decimal("100.00"), 3) == (Decimal("33.33"), Decimal("33.33"), Decimal("33.34"))


@given(
    total=st.decimals(min_value=Decimal("0.50"), max_value=Decimal("99999.99"), places=2),
    count=st.integers(min_value=1, max_value=36),
)
def test_instalments_always_sum_exactly(total: Decimal, count: int) -> None:
    if total / count < Decimal("0.01"):
        with pytest.raises(ValueError):
            split_exactly(total, count)
        return
    parts = split_exactly(total, count)
    assert sum(parts) == total
    assert len(parts) == count
    assert all(p > 0 for p in parts)
    assert max(parts) - min(parts) < Decimal("0.01") * count


def test_month_ends_are_clamped() -> None:
    assert monthly_dates(date(2027, 1, 31), 3) == (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31))
    assert monthly_dates(date(2027, 11, 30), 3)[-1] == date(2028, 1, 30)


def test_proposals_for_a_small_debt() -> None:
    plans = propose(Decimal("59.90"), FIRST, POLICY)
    assert [p.months for p in plans] == [3]
    assert plans[0].instalments == (Decimal("19.96"), Decimal("19.96"), Decimal("19.98"))


def test_proposals_for_a_larger_debt() -> None:
    plans = propose(Decimal("480.00"), FIRST, POLICY)
    assert [p.months for p in plans] == [3, 7, 12]
    assert all(sum(p.instalments) == Decimal("480.00") for p in plans)


def test_no_plan_below_two_minimum_instalments() -> None:
    assert propose(Decimal("25.00"), FIRST, POLICY) == []


def test_counter_with_months() -> None:
    assert isinstance(plan_for_months(Decimal("120.00"), 4, FIRST, POLICY), Plan)
    too_long = plan_for_months(Decimal("120.00"), 24, FIRST, POLICY)
    assert isinstance(too_long, PlanRefusal) and too_long.reason == "over_max_months"
    assert too_long.nearest is not None and too_long.nearest.months == 8
    too_small = plan_for_months(Decimal("60.00"), 6, FIRST, POLICY)
    assert isinstance(too_small, PlanRefusal) and too_small.reason == "under_min_instalment"
    assert too_small.nearest.months == 4


def test_hardship_allows_lower_and_longer() -> None:
    plan = plan_for_months(Decimal("60.00"), 10, FIRST, POLICY, hardship=True)
    assert isinstance(plan, Plan) and plan.monthly == Decimal("6.00")


def test_counter_with_a_monthly_amount() -> None:
    plan = plan_for_monthly_amount(Decimal("100.00"), Decimal("30.00"), FIRST, POLICY)
    assert isinstance(plan, Plan)
    assert plan.instalments == (Decimal("30.00"), Decimal("30.00"), Decimal("30.00"), Decimal("10.00"))
    low = plan_for_monthly_amount(Decimal("100.00"), Decimal("10.00"), FIRST, POLICY)
    assert isinstance(low, PlanRefusal) and low.reason == "under_min_instalment"
    whole = plan_for_monthly_amount(Decimal("100.00"), Decimal("150.00"), FIRST, POLICY)
    assert isinstance(whole, Plan) and whole.instalments == (Decimal("100.00"),)


def test_a_creditors_policy_overrides_the_defaults_only_where_set() -> None:
    from debt.arrangements import PlanPolicy, policy_for

    assert policy_for(None, None) == PlanPolicy()
    strict = policy_for(Decimal("25.00"), 4)
    assert (strict.min_instalment, strict.max_months) == (Decimal("25.00"), 4)
    # Hardship limits are never tighter than the creditor's ordinary ones.
    generous = policy_for(Decimal("2.00"), 36)
    assert generous.hardship_min_instalment == Decimal("2.00") and generous.hardship_max_months == 36


def test_a_policy_without_a_positive_minimum_is_refused() -> None:
    from debt.arrangements import policy_for

    with pytest.raises(ValueError, match="positive minimum"):
        policy_for(Decimal("0"), 6)
