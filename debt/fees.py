"""Collection fees: how much of what the creditor claims the debtor may be asked to pay.

`Account.fees` keeps what the creditor claimed; `Account.fees_charged` is what this module allows,
and only that part enters the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from debt.money import CENT

ZERO = Decimal("0.00")

# Germany, RDG §13e: collection costs of a claim without a title are recoverable only up to what a
# lawyer may charge under the RVG: the business fee of Nr. 2300 VV RVG on the claim value, plus the
# flat rate for expenses of Nr. 7002 VV RVG (20 % of the fees, at most 20 EUR).
# For uncontested claims up to 50 EUR the 1.0 fee is 30 EUR instead of the table's (§13 (2) RVG).
DE_SMALL_CLAIM_LIMIT = Decimal("50.00")
DE_SMALL_CLAIM_FEE = Decimal("30.00")
# Portfolios arrive uncontested: the threshold rate for an uncontested claim is 0.9 (Anm. Abs. 2
# zu Nr. 2300 VV RVG, since 1 October 2021); more needs an unusually extensive case, decided by a person.
DE_FEE_RATE = Decimal("0.9")
DE_EXPENSE_SHARE = Decimal("0.20")
DE_EXPENSE_CAP = Decimal("20.00")
# §13 (1) RVG fee table, values in force since 1 June 2025 (KostBRÄG 2025):
# the fee for a claim value up to 500 EUR, then per started step up to each bound, the increase.
RVG_FIRST_BOUND = Decimal("500")
RVG_FIRST_FEE = Decimal("51.50")
RVG_STEPS: tuple[tuple[Decimal, Decimal, Decimal], ...] = (
    # (up to claim value, per started step of, increase)
    (Decimal("2000"), Decimal("500"), Decimal("41.50")),
    (Decimal("10000"), Decimal("1000"), Decimal("59.50")),
    (Decimal("25000"), Decimal("3000"), Decimal("55.00")),
)
RVG_TABLE_END = RVG_STEPS[-1][0]


@dataclass(frozen=True, slots=True)
class FeeDecision:
    charged: Decimal
    kept_on_record: Decimal
    reason: str


class FeeRefused(ValueError):
    """The fees claimed may not be charged at all (above a legal cap): the claim must be corrected."""

    def __init__(self, reason: str, cap: Decimal | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cap = cap


def rvg_fee(claim: Decimal) -> Decimal:
    """The 1.0 fee of the §13 (1) RVG table for a claim value (EUR)."""
    if claim > RVG_TABLE_END:
        raise ValueError(f"claim value above {RVG_TABLE_END} EUR: outside the table implemented here")
    fee, lower = RVG_FIRST_FEE, RVG_FIRST_BOUND
    for upper, step, increase in RVG_STEPS:
        if claim <= lower:
            break
        started_steps = ((min(claim, upper) - lower) / step).to_integral_value(rounding=ROUND_CEILING)
        fee += started_steps * increase
        lower = upper
    return fee


def de_fee_cap(principal: Decimal) -> Decimal:
    """Most collection costs recoverable from a debtor in Germany for a claim of `principal` EUR."""
    base = DE_SMALL_CLAIM_FEE if principal <= DE_SMALL_CLAIM_LIMIT else rvg_fee(principal)
    fee = (base * DE_FEE_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    expenses = min((fee * DE_EXPENSE_SHARE).quantize(CENT, rounding=ROUND_HALF_UP), DE_EXPENSE_CAP)
    return fee + expenses


def chargeable_fees(
    jurisdiction: str, principal: Decimal, fees: Decimal, currency: str = "EUR"
) -> FeeDecision:
    """What of `fees` may be added to the balance in `jurisdiction`; FeeRefused when above a cap."""
    jurisdiction = jurisdiction.upper()
    if fees <= 0:
        return FeeDecision(ZERO, ZERO, "no collection fees claimed")
    if jurisdiction == "FR":
        # Code des procédures civiles d'exécution L111-8: without an enforceable title the costs
        # of collection stay with the creditor; they are kept on record, never asked of the debtor.
        return FeeDecision(ZERO, fees, "FR: collection fees stay with the creditor (CPCE L111-8)")
    if jurisdiction == "DE":
        if currency != "EUR":
            raise FeeRefused(f"DE: the RDG §13e fee cap is defined in EUR, the claim is in {currency}")
        if principal > RVG_TABLE_END:
            raise FeeRefused(
                f"DE: fee cap not computed for claims above {RVG_TABLE_END} EUR (RDG §13e); check by hand"
            )
        cap = de_fee_cap(principal)
        if fees > cap:
            raise FeeRefused(
                f"DE: fees {fees} EUR exceed the RDG §13e cap of {cap} EUR for a claim of {principal} EUR",
                cap,
            )
        return FeeDecision(fees, ZERO, f"DE: within the RDG §13e cap of {cap} EUR")
    if jurisdiction in {"GB", "US"}:
        return FeeDecision(fees, ZERO, f"{jurisdiction}: fees charged as given by the creditor")
    return FeeDecision(ZERO, fees, f"{jurisdiction}: no fee rule here, fees kept on record and not charged")
