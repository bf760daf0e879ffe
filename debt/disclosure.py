"""What may be said, to whom: the verification gate and the texts built on it.

Before the right party is verified, only texts without debt details exist (openings, voicemail,
identity questions). Every text that carries an amount, a creditor, a product or a reference is
built here from `DebtFacts`, and `debt_facts` refuses to build them for an unverified party.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from babel.dates import format_date, format_datetime

from debt.arrangements import Plan
from debt.messages import language_code, render
from debt.models.accounts import Account
from debt.money import format_money

Direction = Literal["inbound", "outbound"]
_LOCALES = {"fr": "fr_FR", "de": "de_DE", "en": "en_GB"}
# How long a call recording is kept, announced before recording; France: at most 6 months.
RECORDING_RETENTION_MONTHS = {"FR": 6, "DE": 6, "GB": 6, "US": 6}
DEFAULT_RETENTION_MONTHS = 6


class NotVerified(PermissionError):
    """Debt details were asked for before the right party was verified."""


@dataclass(frozen=True)
class DebtFacts:
    """What may be told about one claim, once the right party is verified."""

    account_ref: str
    creditor: str
    product: str | None
    invoice_ref: str | None
    principal: Decimal
    interest: Decimal
    fees_charged: Decimal
    # Fees the creditor claimed that the debtor is not asked to pay (FR: CPCE L111-8).
    fees_on_record: Decimal
    balance: Decimal
    currency: str
    due_date: date
    jurisdiction: str


def debt_facts(account: Account, creditor_name: str, *, verified: bool) -> DebtFacts:
    """The facts of `account`; NotVerified unless the person has passed the identity check."""
    if not verified:
        raise NotVerified("identity not verified: debt details are withheld")
    return DebtFacts(
        account_ref=account.account_ref,
        creditor=creditor_name,
        product=account.product,
        invoice_ref=account.invoice_ref,
        principal=account.principal,
        interest=account.interest,
        fees_charged=account.fees_charged,
        fees_on_record=max(account.fees - account.fees_charged, Decimal("0.00")),
        balance=account.balance,
        currency=account.currency,
        due_date=account.due_date,
        jurisdiction=account.jurisdiction.upper(),
    )


def format_day(day: date, language: str) -> str:
    """5 mars 2026, 5. März 2026, 5 March 2026."""
    return format_date(day, format="long", locale=_LOCALES[language_code(language)])


_MOMENTS = {
    "fr": "EEEE d MMMM 'à' HH:mm",
    "de": "EEEE, d. MMMM 'um' HH:mm 'Uhr'",
    "en": "EEEE d MMMM 'at' h:mm a",
}


def format_moment(at: datetime, language: str) -> str:
    """mardi 5 mars à 18:00, Dienstag, 5. März um 18:00 Uhr, Tuesday 5 March at 6:00 PM (in at's zone)."""
    code = language_code(language)
    return format_datetime(at, format=_MOMENTS[code], tzinfo=at.tzinfo, locale=_LOCALES[code])


def _money(facts: DebtFacts, amount: Decimal, language: str) -> str:
    return format_money(amount, facts.currency, language_code(language))


# --- Before verification ---


def opening_text(
    language: str,
    *,
    company: str,
    direction: Direction,
    first_name: str | None = None,
    last_name: str | None = None,
) -> str:
    """The first words: inbound asks how to help; outbound asks for the debtor by name.

    Whoever answers an outbound call may not be the debtor: pass the neutral company name there.
    """
    if direction == "inbound":
        return render("opening_inbound", language, company=company)
    if not (first_name and last_name):
        raise ValueError("an outbound opening asks for the debtor by first and last name")
    return render(
        "opening_outbound_ask_for", language, company=company, first_name=first_name, last_name=last_name
    )


def voicemail_text(language: str, *, neutral_company: str, callback_number: str) -> str:
    """The limited-content message (Reg. F): a neutral name, a request to call back, a number."""
    return render("voicemail", language, neutral_company=neutral_company, callback_number=callback_number)


def recording_notice_text(jurisdiction: str, language: str) -> str:
    """Announced before recording: that the call is recorded, for how long, and that one may object."""
    months = RECORDING_RETENTION_MONTHS.get(jurisdiction.upper(), DEFAULT_RETENTION_MONTHS)
    return render("recording_notice", language, months=months)


def stop_contact_text(language: str, channel: str) -> str:
    """The single confirmation of an opt-out on one channel (sms, voice, chat, email, letter)."""
    return render("stop_contact_confirmed", language, channel=render(f"channel.{channel}", language))


# --- After verification ---


def disclosure_text(jurisdiction: str, language: str, *, company: str, creditor: str) -> str:
    """Said right after verification: who speaks, for whom, and that it is about collecting a debt."""
    return render(f"disclosure.{jurisdiction.upper()}", language, company=company, creditor=creditor)


def disclosure_for(facts: DebtFacts, language: str, *, company: str) -> str:
    """The disclosure for the claim in `facts`, in its jurisdiction."""
    return disclosure_text(facts.jurisdiction, language, company=company, creditor=facts.creditor)


def explain_debt(facts: DebtFacts, language: str) -> str:
    """The claim itemised: creditor, what for, invoice, principal, interest, fees, balance, due date."""
    values = {
        "account_ref": facts.account_ref,
        "creditor": facts.creditor,
        "product": facts.product,
        "invoice_ref": facts.invoice_ref,
        "due_date": format_day(facts.due_date, language),
        "principal": _money(facts, facts.principal, language),
        "interest": _money(facts, facts.interest, language),
        "fees": _money(facts, facts.fees_charged, language),
        "balance": _money(facts, facts.balance, language),
    }
    items = ["header", "creditor"]
    items += ["product"] if facts.product else []
    items += ["invoice"] if facts.invoice_ref else []
    items += ["due_date", "principal", "interest"]
    # FR: collection fees stay with the creditor (CPCE L111-8), and the debtor is told so.
    not_charged = facts.fees_charged == 0 and (facts.jurisdiction == "FR" or facts.fees_on_record > 0)
    if facts.fees_charged > 0:
        items.append("fees_charged")
    elif not not_charged:
        items.append("no_fees")
    items.append("balance")
    lines = [render(f"explain.{item}", language, **values) for item in items]
    if not_charged:
        lines.append(render("explain.fees_not_charged", language, **values))
    lines.append(render(f"explain_note.{facts.jurisdiction}", language, **values))
    return "\n".join(lines)


def promise_recorded_text(facts: DebtFacts, language: str, *, amount: Decimal, on: date) -> str:
    return render(
        "promise_recorded", language, amount=_money(facts, amount, language), date=format_day(on, language)
    )


def plan_text(facts: DebtFacts, plan: Plan, language: str) -> str:
    """One plan in a phrase: "3 mensualités de 48,96 €, à partir du 5 mars 2026"."""
    kind = "single" if plan.months == 1 else "equal" if len(set(plan.instalments)) == 1 else "uneven"
    return render(
        f"plan.{kind}",
        language,
        count=plan.months,
        monthly=_money(facts, plan.monthly, language),
        last=_money(facts, plan.instalments[-1], language),
        first_due=format_day(plan.due_dates[0], language),
    )


def plan_proposals_text(facts: DebtFacts, plans: Sequence[Plan], language: str) -> str:
    options = "\n".join(f"{n}. {plan_text(facts, plan, language)}" for n, plan in enumerate(plans, 1))
    return render("plan_proposals", language, options=options)


def plan_counter_text(facts: DebtFacts, nearest: Plan, language: str) -> str:
    """A plan the bot may not agree to: never a flat no, the nearest plan and an advisor instead."""
    return render("plan_counter_refused_nearest", language, plan=plan_text(facts, nearest, language))


def plan_recorded_text(facts: DebtFacts, plan: Plan, language: str) -> str:
    return render(
        "plan_recorded",
        language,
        plan=plan_text(facts, plan, language),
        last_due=format_day(plan.due_dates[-1], language),
        total=_money(facts, plan.total, language),
    )


def pay_full_link_text(facts: DebtFacts, language: str) -> str:
    return render(
        "pay_full_link_sent",
        language,
        amount=_money(facts, facts.balance, language),
        reference=facts.account_ref,
    )


def bank_transfer_text(facts: DebtFacts, language: str, *, company: str, iban: str) -> str:
    return render(
        "bank_transfer_details",
        language,
        amount=_money(facts, facts.balance, language),
        company=company,
        iban=iban,
        reference=facts.account_ref,
    )


def hardship_options_text(jurisdiction: str, language: str, *, pause_days: int) -> str:
    """A pause or a reduced plan, a human advisor, and free debt advice where the person lives."""
    advice = render(f"debt_advice.{jurisdiction.upper()}", language)
    return render("hardship_options", language, pause_days=pause_days, debt_advice=advice)
