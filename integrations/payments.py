"""How a debtor pays in full: a payment provider turns verified debt facts into instructions.

The default provider gives bank-transfer details with the case reference (no card data ever
passes through the assistant). A card-payment provider would return a link instead; the
assistant sends whatever the provider returns by text message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.settings import Settings
from debt.disclosure import DebtFacts, bank_transfer_text


@dataclass(frozen=True)
class PaymentInstructions:
    method: str
    # What the text message says: the link or the transfer details, with the reference.
    text: str
    reference: str
    link: str | None = None


class PaymentProvider(Protocol):
    name: str

    def instructions(self, facts: DebtFacts, language: str) -> PaymentInstructions: ...


@dataclass(frozen=True)
class BankTransferProvider:
    company: str
    iban: str
    name: str = "bank_transfer"

    def instructions(self, facts: DebtFacts, language: str) -> PaymentInstructions:
        text = bank_transfer_text(facts, language, company=self.company, iban=_grouped(self.iban))
        return PaymentInstructions(method="bank_transfer", text=text, reference=facts.account_ref)


def _grouped(iban: str) -> str:
    """FR76 3000 6000 0112 3456 7890 189: how an IBAN is printed, easier to copy by hand."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def payment_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "bank_transfer":
        return BankTransferProvider(company=settings.company_name, iban=settings.payment_iban)
    raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
