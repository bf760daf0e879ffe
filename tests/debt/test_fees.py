"""Collection fees per jurisdiction: FR never charged (L111-8), DE capped (RDG §13e), GB/US as given."""

from __future__ import annotations

from decimal import Decimal

import pytest

from debt.fees import FeeDecision, FeeRefused, chargeable_fees, de_fee_cap, rvg_fee

D = Decimal


def test_france_keeps_fees_on_record_and_never_charges_them() -> None:
    decision = chargeable_fees("FR", D("49.90"), D("40.00"))
    assert decision == FeeDecision(
        D("0.00"), D("40.00"), "FR: collection fees stay with the creditor (CPCE L111-8)"
    )


@pytest.mark.parametrize("jurisdiction", ["FR", "DE", "GB", "US", "BE"])
def test_no_fees_claimed_is_always_fine(jurisdiction: str) -> None:
    assert chargeable_fees(jurisdiction, D("30000"), D("0")) == FeeDecision(
        D("0.00"), D("0.00"), "no collection fees claimed"
    )


@pytest.mark.parametrize(
    ("claim", "fee"),
    [
        ("0.01", "51.50"),
        ("500", "51.50"),
        ("500.01", "93.00"),
        ("1000", "93.00"),
        ("2000", "176.00"),
        ("2000.01", "235.50"),
        ("10000", "652.00"),
        ("10000.01", "707.00"),
        ("25000", "927.00"),
    ],
)
def test_rvg_table_since_june_2025(claim: str, fee: str) -> None:
    assert rvg_fee(D(claim)) == D(fee)


@pytest.mark.parametrize(
    ("principal", "cap"),
    [
        ("10.00", "32.40"),  # small claims up to 50 EUR: 30 x 0.9 = 27.00, plus 20 % expenses 5.40
        ("50.00", "32.40"),
        ("50.01", "55.62"),  # 51.50 x 0.9 = 46.35, plus 20 % expenses 9.27
        ("499.99", "55.62"),
        ("1000.00", "100.44"),  # 93 x 0.9 = 83.70, plus 16.74
        ("25000.00", "854.30"),  # 927 x 0.9 = 834.30, expenses capped at 20
    ],
)
def test_german_cap(principal: str, cap: str) -> None:
    assert de_fee_cap(D(principal)) == D(cap)


def test_germany_charges_fees_up_to_the_cap() -> None:
    decision = chargeable_fees("DE", D("100.00"), D("55.62"))
    assert (decision.charged, decision.kept_on_record) == (D("55.62"), D("0.00"))
    assert decision.reason == "DE: within the RDG §13e cap of 55.62 EUR"


def test_germany_refuses_fees_above_the_cap() -> None:
    with pytest.raises(FeeRefused) as exc:
        chargeable_fees("DE", D("40.00"), D("32.41"))
    assert exc.value.cap == D("32.40")
    assert (
        exc.value.reason == "DE: fees 32.41 EUR exceed the RDG §13e cap of 32.40 EUR for a claim of 40.00 EUR"
    )


def test_germany_refuses_what_the_table_does_not_cover() -> None:
    with pytest.raises(FeeRefused, match="above 25000 EUR"):
        chargeable_fees("DE", D("25000.01"), D("10.00"))
    with pytest.raises(FeeRefused, match="defined in EUR, the claim is in GBP"):
        chargeable_fees("DE", D("100.00"), D("10.00"), "GBP")


@pytest.mark.parametrize("jurisdiction", ["GB", "US", "gb"])
def test_uk_and_us_charge_fees_as_given(jurisdiction: str) -> None:
    decision = chargeable_fees(jurisdiction, D("120.00"), D("12.00"))
    assert (decision.charged, decision.kept_on_record) == (D("12.00"), D("0.00"))


def test_a_country_without_a_rule_charges_nothing() -> None:
    decision = chargeable_fees("BE", D("120.00"), D("12.00"))
    assert (decision.charged, decision.kept_on_record) == (D("0.00"), D("12.00"))
    assert "no fee rule" in decision.reason
