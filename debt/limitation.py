"""Limitation periods: from when a consumer's debt to a professional can no longer be claimed.

The period runs from the due date, in whole days: the due date itself is not counted, the period
ends at the end of its anniversary, and the claim is time-barred from the day after. Where the
anniversary does not exist (29 February), the period ends on the last day of that month (French
Code de procédure civile art. 641, BGB §188(3)). Germany runs its period from the end of the year
the claim became due (BGB §199(1)).

A part payment acknowledges the debt and, where the law says so, starts a full new period from
its date (`acknowledged`). An acknowledgement after the claim is barred revives nothing (Limitation
Act 1980 s.29(7); in France and Germany there is no running period left to interrupt).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Limitation:
    years: int
    # BGB §199(1): the period starts at the end of the year in which the claim arose.
    from_year_end: bool
    # Whether a part payment starts a new full period (an acknowledgement of the debt).
    restarts_on_payment: bool
    source: str


LIMITATIONS: dict[str, Limitation] = {
    # Action of professionals for goods or services supplied to consumers: 2 years (L218-2);
    # an acknowledgement interrupts it and a new period of the same length runs (Code civil 2240, 2231).
    "FR": Limitation(2, False, True, "Code de la consommation L218-2"),
    # Regular period of 3 years from the end of the year the claim arose (§195, §199(1)); a part
    # payment starts it afresh from the day of the payment, without the year-end rule (§212(1) Nr. 1).
    "DE": Limitation(3, True, True, "BGB §195, §199(1)"),
    # Simple contract: 6 years from the breach (s.5); a part payment starts a new period (s.29(5)).
    "GB": Limitation(6, False, True, "Limitation Act 1980 s.5"),
    # State laws vary (3 to 10 years for contract debts, and whether a payment revives the debt
    # differs too): 3 years, among the shortest, counted from the due date alone, so that a debt
    # which may be barred is treated as barred.
    "US": Limitation(3, False, False, "state law; 3 years as a conservative default"),
}


class UnknownJurisdiction(ValueError):
    """No limitation period is known for this jurisdiction."""


def limitation_of(jurisdiction: str) -> Limitation:
    try:
        return LIMITATIONS[jurisdiction.upper()]
    except KeyError:
        raise UnknownJurisdiction(f"no limitation period for jurisdiction {jurisdiction!r}") from None


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year: the last day of February
        return date(day.year + years, 2, 28)


def _barred_after(start: date, years: int) -> date:
    return _anniversary(start, years) + timedelta(days=1)


def time_barred_on(jurisdiction: str, due_date: date, *, acknowledged: Iterable[date] = ()) -> date:
    """The first day the claim due on `due_date` is time-barred, after the part payments `acknowledged`."""
    limitation = limitation_of(jurisdiction)
    start = date(due_date.year, 12, 31) if limitation.from_year_end else due_date
    barred = _barred_after(start, limitation.years)
    if limitation.restarts_on_payment:
        for day in sorted(acknowledged):
            if day < barred:
                barred = max(barred, _barred_after(day, limitation.years))
    return barred


def is_time_barred(jurisdiction: str, due_date: date, on: date, *, acknowledged: Iterable[date] = ()) -> bool:
    """Is the claim due on `due_date` time-barred on the day `on`?"""
    return on >= time_barred_on(jurisdiction, due_date, acknowledged=acknowledged)
