"""Instalment plans: proposals from the creditor's policy, counter-offers, exact schedules.

Instalments always sum exactly to the amount owed: equal instalments rounded
down to the cent, the remainder on the last one. The bot never refuses a plan
on hardship grounds: what the policy does not allow goes to a human (GDPR
art. 22: no decision with significant effect by automated means alone).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from debt.money import CENT


@dataclass(frozen=True)
class PlanPolicy:
    """What the creditor allows the bot to agree to on its own."""

    min_instalment: Decimal = Decimal("15.00")
    max_months: int = 12
    # Hardship plans may go lower and longer; beyond this a human decides.
    hardship_min_instalment: Decimal = Decimal("5.00")
    hardship_max_months: int = 24


def policy_for(min_instalment: Decimal | None, max_months: int | None) -> PlanPolicy:
    """A creditor's policy: what it set, the defaults for the rest (hardship limits never tighter)."""
    default = PlanPolicy()
    minimum = default.min_instalment if min_instalment is None else min_instalment
    longest = default.max_months if max_months is None else max_months
    if minimum <= 0 or longest < 1:
        raise ValueError("a plan policy needs a positive minimum instalment and at least one month")
    return PlanPolicy(
        min_instalment=minimum,
        max_months=longest,
        hardship_min_instalment=min(default.hardship_min_instalment, minimum),
        hardship_max_months=max(default.hardship_max_months, longest),
    )


@dataclass(frozen=True)
class Plan:
    total: Decimal
    instalments: tuple[Decimal, ...]
    due_dates: tuple[date, ...]

    @property
    def months(self) -> int:
        return len(self.instalments)

    @property
    def monthly(self) -> Decimal:
        return self.instalments[0]


@dataclass(frozen=True)
class PlanRefusal:
    """Why a requested plan is outside what the bot may agree to, and the nearest plan it may offer."""

    reason: str
    nearest: Plan | None


def split_exactly(total: Decimal, count: int) -> tuple[Decimal, ...]:
    """`count` instalments summing exactly to `total`: equal ones, the remainder on the last."""
    if count < 1:
        raise ValueError("a plan has at least one instalment")
    if total <= 0:
        raise ValueError("nothing to split")
    base = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    if base == 0:
        raise ValueError(f"{total} cannot be split into {count} instalments")
    last = total - base * (count - 1)
    return (base,) * (count - 1) + (last,)


def monthly_dates(first_due: date, count: int, day_of_month: int | None = None) -> tuple[date, ...]:
    """Due dates a month apart; a day past the month's end falls on its last day (31 → 28 Feb)."""
    day = day_of_month or first_due.day
    dates = [first_due]
    year, month = first_due.year, first_due.month
    for _ in range(count - 1):
        month += 1
        if month > 12:
            year, month = year + 1, 1
        dates.append(date(year, month, min(day, calendar.monthrange(year, month)[1])))
    return tuple(dates)


def make_plan(total: Decimal, months: int, first_due: date, day_of_month: int | None = None) -> Plan:
    return Plan(total, split_exactly(total, months), monthly_dates(first_due, months, day_of_month))


def _limits(policy: PlanPolicy, hardship: bool) -> tuple[Decimal, int]:
    if hardship:
        return policy.hardship_min_instalment, policy.hardship_max_months
    return policy.min_instalment, policy.max_months


def max_months_for(total: Decimal, policy: PlanPolicy, hardship: bool = False) -> int:
    minimum, max_months = _limits(policy, hardship)
    by_minimum = int((total / minimum).to_integral_value(rounding=ROUND_DOWN))
    return max(1, min(max_months, by_minimum))


def propose(total: Decimal, first_due: date, policy: PlanPolicy, hardship: bool = False) -> list[Plan]:
    """Up to three proposals, shortest first: 2 or 3 months, a middle one, the longest allowed."""
    longest = max_months_for(total, policy, hardship)
    if longest < 2:
        return []
    candidates = sorted({min(3, longest), (min(3, longest) + longest) // 2, longest} - {1})
    return [make_plan(total, months, first_due) for months in candidates]


def plan_for_months(
    total: Decimal, months: int, first_due: date, policy: PlanPolicy, hardship: bool = False
) -> Plan | PlanRefusal:
    """The person asks for N months: agree, or say why not and offer the nearest plan allowed."""
    minimum, max_months = _limits(policy, hardship)
    longest = max_months_for(total, policy, hardship)
    if months < 1:
        return PlanRefusal("months_not_positive", make_plan(total, min(3, longest), first_due))
    if months > max_months:
        return PlanRefusal("over_max_months", make_plan(total, longest, first_due))
    if months > 1 and total / months < minimum:
        return PlanRefusal("under_min_instalment", make_plan(total, longest, first_due))
    return make_plan(total, months, first_due)


def plan_for_monthly_amount(
    total: Decimal, monthly: Decimal, first_due: date, policy: PlanPolicy, hardship: bool = False
) -> Plan | PlanRefusal:
    """The person offers an amount a month: the plan that pays it off, or the nearest one allowed."""
    minimum, _ = _limits(policy, hardship)
    longest = max_months_for(total, policy, hardship)
    if monthly <= 0:
        return PlanRefusal("amount_not_positive", make_plan(total, longest, first_due))
    if monthly >= total:
        return make_plan(total, 1, first_due)
    if monthly < minimum:
        return PlanRefusal("under_min_instalment", make_plan(total, longest, first_due))
    months = int((total / monthly).to_integral_value(rounding=ROUND_CEILING))
    if months > longest:
        return PlanRefusal("over_max_months", make_plan(total, longest, first_due))
    # Pay `monthly` each month, the remainder last: what the person asked for.
    instalments = (monthly,) * (months - 1) + (total - monthly * (months - 1),)
    return Plan(total, instalments, monthly_dates(first_due, months))
