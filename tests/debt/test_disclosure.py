"""The gate and what is said through it: disclosures per jurisdiction, itemised claims, the voicemail."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from debt.arrangements import make_plan
from debt.disclosure import (
    DebtFacts,
    NotVerified,
    bank_transfer_text,
    debt_facts,
    disclosure_for,
    disclosure_text,
    explain_debt,
    format_day,
    hardship_options_text,
    opening_text,
    pay_full_link_text,
    plan_counter_text,
    plan_proposals_text,
    plan_recorded_text,
    plan_text,
    promise_recorded_text,
    recording_notice_text,
    stop_contact_text,
    voicemail_text,
)
from debt.messages import LANGUAGES
from debt.models import Account
from debt.money import format_money
from tests.debt.test_messages import REVEALING, revealing_words

D = Decimal
NBSP = "\u00a0"
JURISDICTIONS = ("FR", "DE", "GB", "US")
CURRENCY = {"FR": "EUR", "DE": "EUR", "GB": "GBP", "US": "USD"}


def account(jurisdiction: str, **changes: object) -> Account:
    """A claim of 120.00 + 6.88 interest; 20.00 fees claimed, charged except in France (L111-8)."""
    charged = D("0.00") if jurisdiction == "FR" else D("20.00")
    values: dict[str, object] = {
        "account_ref": "NEB-104233",
        "debtor_id": 1,
        "creditor_id": 1,
        "jurisdiction": jurisdiction,
        "invoice_ref": "FAC-2025-00042",
        "product": "Hébergement web Pro",
        "currency": CURRENCY[jurisdiction],
        "principal": D("120.00"),
        "interest": D("6.88"),
        "fees": D("20.00"),
        "fees_charged": charged,
        "balance": D("126.88") + charged,
        "due_date": date(2026, 3, 5),
    }
    values.update(changes)
    return Account(**values)


def facts(jurisdiction: str, **changes: object) -> DebtFacts:
    return debt_facts(account(jurisdiction, **changes), "Nebula Hosting", verified=True)


# --- The gate ---


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_no_facts_without_verification(jurisdiction: str) -> None:
    with pytest.raises(NotVerified):
        debt_facts(account(jurisdiction), "Nebula Hosting", verified=False)
    assert issubclass(NotVerified, PermissionError)


def test_the_refusal_carries_no_detail() -> None:
    with pytest.raises(NotVerified) as refused:
        debt_facts(account("FR"), "Nebula Hosting", verified=False)
    assert "NEB" not in str(refused.value) and "Nebula" not in str(refused.value)


def test_facts_of_a_french_claim_keep_fees_on_record() -> None:
    assert facts("FR") == DebtFacts(
        account_ref="NEB-104233",
        creditor="Nebula Hosting",
        product="Hébergement web Pro",
        invoice_ref="FAC-2025-00042",
        principal=D("120.00"),
        interest=D("6.88"),
        fees_charged=D("0.00"),
        fees_on_record=D("20.00"),
        balance=D("126.88"),
        currency="EUR",
        due_date=date(2026, 3, 5),
        jurisdiction="FR",
    )


def test_facts_of_a_german_claim_charge_the_fees() -> None:
    german = facts("DE")
    assert (german.fees_charged, german.fees_on_record, german.balance) == (
        D("20.00"),
        D("0.00"),
        D("146.88"),
    )


def test_facts_are_frozen() -> None:
    with pytest.raises(AttributeError):
        facts("FR").balance = D("0")  # type: ignore[misc]


# --- Formats ---


@pytest.mark.parametrize(
    ("currency", "language", "shown"),
    [
        ("EUR", "fr", f"146,88{NBSP}€"),
        ("EUR", "de", f"146,88{NBSP}€"),
        ("EUR", "en", "€146.88"),
        ("GBP", "en", "£146.88"),
        ("USD", "en", "US$146.88"),
    ],
)
def test_money_per_language(currency: str, language: str, shown: str) -> None:
    assert format_money(D("146.88"), currency, language) == shown


@pytest.mark.parametrize(
    ("language", "shown"), [("fr", "5 mars 2026"), ("de", "5. März 2026"), ("en", "5 March 2026")]
)
def test_dates_per_language(language: str, shown: str) -> None:
    assert format_day(date(2026, 3, 5), language) == shown


# --- The explanation ---

EXPECTED_LINES = {
    ("FR", "fr"): [
        "Voici le détail de votre dossier NEB-104233 :",
        "- créancier : Nebula Hosting",
        "- objet : Hébergement web Pro",
        "- facture : FAC-2025-00042",
        "- date d'échéance : 5 mars 2026",
        f"- montant principal : 120,00{NBSP}€",
        f"- intérêts : 6,88{NBSP}€",
        f"- total restant dû : 126,88{NBSP}€",
        "Les frais de recouvrement sont à la charge de Nebula Hosting : ils ne vous sont pas demandés.",
    ],
    ("DE", "de"): [
        "Hier die Einzelheiten zu Ihrem Aktenzeichen NEB-104233:",
        "- Gläubiger: Nebula Hosting",
        "- Gegenstand: Hébergement web Pro",
        "- Rechnung: FAC-2025-00042",
        "- fällig am: 5. März 2026",
        f"- Hauptforderung: 120,00{NBSP}€",
        f"- Zinsen: 6,88{NBSP}€",
        f"- Inkassokosten: 20,00{NBSP}€",
        f"- offener Gesamtbetrag: 146,88{NBSP}€",
    ],
    ("GB", "en"): [
        "Here are the details of case NEB-104233:",
        "- creditor: Nebula Hosting",
        "- for: Hébergement web Pro",
        "- invoice: FAC-2025-00042",
        "- due on: 5 March 2026",
        "- original amount: £120.00",
        "- interest: £6.88",
        "- collection charges: £20.00",
        "- total to pay: £146.88",
    ],
    ("US", "en"): [
        "- original amount: US$120.00",
        "- collection charges: US$20.00",
        "- total to pay: US$146.88",
    ],
    ("FR", "en"): [
        "- original amount: €120.00",
        "- total to pay: €126.88",
        "Collection charges are paid by Nebula Hosting: you are not asked to pay them.",
    ],
    ("DE", "fr"): [f"- frais de recouvrement : 20,00{NBSP}€", f"- total restant dû : 146,88{NBSP}€"],
}


@pytest.mark.parametrize(("jurisdiction", "language"), sorted(EXPECTED_LINES))
def test_explanation_itemises_the_claim(jurisdiction: str, language: str) -> None:
    lines = explain_debt(facts(jurisdiction), language).split("\n")
    for expected in EXPECTED_LINES[jurisdiction, language]:
        assert expected in lines


@pytest.mark.parametrize("language", LANGUAGES)
def test_france_never_shows_fees_as_owed(language: str) -> None:
    text = explain_debt(facts("FR"), language)
    assert not re.search(r"(?<!\d)20[.,]00", text)  # the 20.00 claimed stays with the creditor
    assert text.count("Nebula Hosting") >= 2  # named as creditor and as who bears the fees


@pytest.mark.parametrize(
    ("language", "phrase"),
    [("fr", "courrier de réclamation"), ("de", "Forderungsschreiben"), ("en", "written demand")],
)
def test_france_points_to_the_written_demand_reference(language: str, phrase: str) -> None:
    note = explain_debt(facts("FR"), language).split("\n")[-1]
    assert phrase in note and "NEB-104233" in note and "L111-8" in note


@pytest.mark.parametrize("language", LANGUAGES)
def test_germany_gives_the_basis_and_the_reason_for_costs(language: str) -> None:
    note = explain_debt(facts("DE"), language).split("\n")[-1]
    assert "Nebula Hosting" in note and "13e RDG" in note


@pytest.mark.parametrize(
    ("jurisdiction", "language", "line"),
    [
        ("DE", "de", "- Inkassokosten: keine"),
        ("GB", "en", "- collection charges: none"),
        ("US", "fr", "- frais de recouvrement : aucun"),
    ],
)
def test_no_fees_is_said_plainly(jurisdiction: str, language: str, line: str) -> None:
    text = explain_debt(facts(jurisdiction, fees=D("0.00"), fees_charged=D("0.00")), language)
    assert line in text.split("\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_missing_product_and_invoice_are_left_out(language: str) -> None:
    text = explain_debt(facts("DE", product=None, invoice_ref=None), language)
    assert "None" not in text
    assert len(text.split("\n")) == len(explain_debt(facts("DE"), language).split("\n")) - 2


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_explanation_names_creditor_reference_balance_and_due_date(
    jurisdiction: str, language: str
) -> None:
    claim = facts(jurisdiction)
    text = explain_debt(claim, language)
    for part in (
        "Nebula Hosting",
        "NEB-104233",
        "FAC-2025-00042",
        "Hébergement web Pro",
        format_money(claim.balance, claim.currency, language),
        format_money(claim.principal, claim.currency, language),
        format_money(claim.interest, claim.currency, language),
        format_day(claim.due_date, language),
    ):
        assert part in text


def test_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(KeyError, match="BE"):
        explain_debt(replace(facts("FR"), jurisdiction="BE"), "fr")
    with pytest.raises(KeyError, match="BE"):
        disclosure_text("BE", "fr", company="Amicable Recouvrement", creditor="Nebula Hosting")


# --- Disclosure after verification ---

MINI_MIRANDA = {
    "en": "This is a debt collector. This is an attempt to collect a debt, and any information obtained "
    "will be used for that purpose.",
    "fr": "Nous sommes un agent de recouvrement. Ceci est une tentative de recouvrement d'une dette, "
    "et toute information obtenue sera utilisée à cette fin.",
    "de": "Dies ist ein Inkassounternehmen. Dies ist ein Versuch, eine Schuld einzutreiben, und alle "
    "erhaltenen Informationen werden für diesen Zweck verwendet.",
}
REQUIRED = {
    # FR: amicable collection for the creditor, its costs borne by the creditor (CPCE L111-8).
    ("FR", "fr"): ["mandatée par", "recouvrement amiable", "à la charge de Nebula Hosting"],
    ("FR", "de"): ["im Auftrag von", "gütliche", "Inkassokosten trägt Nebula Hosting"],
    ("FR", "en"): ["acting for", "amicable debt collection", "paid by Nebula Hosting"],
    # DE: registered service acting for the creditor (§11a/§13a RDG); interest and costs explained next.
    ("DE", "fr"): ["enregistré", "pour le compte de", "intérêts", "frais"],
    ("DE", "de"): ["registrierten Inkassodienstleister", "im Auftrag von", "Zinsen", "Kosten"],
    ("DE", "en"): ["registered debt collection service", "on behalf of", "interest", "costs"],
    # GB: acting for the creditor; help is available and free independent debt advice exists.
    ("GB", "fr"): ["pour le compte de", "dette", "gratuits et indépendants", "MoneyHelper", "StepChange"],
    ("GB", "de"): ["im Auftrag von", "Forderung", "kostenlose, unabhängige", "MoneyHelper", "StepChange"],
    ("GB", "en"): ["on behalf of", "debt", "help is available", "free, independent", "MoneyHelper"],
    # US: the FDCPA §807(11) / Reg F disclosure, in the chosen language.
    **{("US", lang): [sentence] for lang, sentence in MINI_MIRANDA.items()},
}


@pytest.mark.parametrize(("jurisdiction", "language"), sorted(REQUIRED))
def test_disclosure_per_jurisdiction(jurisdiction: str, language: str) -> None:
    text = disclosure_text(jurisdiction, language, company="Amicable Recouvrement", creditor="Nebula Hosting")
    assert "Amicable Recouvrement" in text and "Nebula Hosting" in text
    for part in REQUIRED[jurisdiction, language]:
        assert part in text, part


def test_disclosure_for_facts_uses_their_jurisdiction_and_creditor() -> None:
    text = disclosure_for(facts("US"), "de", company="Amicable Recouvrement")
    assert MINI_MIRANDA["de"] in text and "Nebula Hosting" in text


def test_jurisdiction_is_read_in_any_case() -> None:
    assert disclosure_text("us", "en", company="A", creditor="B") == disclosure_text(
        "US", "en", company="A", creditor="B"
    )


# --- Before verification ---


@pytest.mark.parametrize("language", LANGUAGES)
def test_voicemail_is_limited_content(language: str) -> None:
    text = voicemail_text(language, neutral_company="AR Services", callback_number="+33189000000")
    assert "AR Services" in text and "+33189000000" in text
    assert revealing_words(text, language) == []
    assert not re.search(r"\d[.,]\d{2}|[€£$]|[A-Z]{2,4}-\d{6}", text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_voicemail_in_no_language_reveals_a_debt(language: str) -> None:
    # Every language's list against every language's text: a bilingual listener learns nothing either.
    text = voicemail_text(language, neutral_company="AR Services", callback_number="+33189000000")
    for words_of in REVEALING:
        assert revealing_words(text, words_of) == [], words_of


@pytest.mark.parametrize("language", LANGUAGES)
def test_inbound_opening_names_the_company_and_asks_how_to_help(language: str) -> None:
    text = opening_text(language, company="Amicable Recouvrement", direction="inbound")
    assert "Amicable Recouvrement" in text and text.endswith("?")


@pytest.mark.parametrize("language", LANGUAGES)
def test_outbound_opening_asks_for_the_debtor_by_name_only(language: str) -> None:
    text = opening_text(
        language, company="AR Services", direction="outbound", first_name="Jeanne", last_name="Dupont"
    )
    assert "AR Services" in text and "Jeanne Dupont" in text
    assert revealing_words(text, language) == []


def test_outbound_opening_needs_both_names() -> None:
    with pytest.raises(ValueError, match="first and last name"):
        opening_text("fr", company="AR Services", direction="outbound", first_name="Jeanne")


@pytest.mark.parametrize(
    ("language", "months"), [("fr", "6 mois au maximum"), ("de", "höchstens 6 Monate"), ("en", "6 months")]
)
def test_recording_notice_says_how_long_and_that_one_may_object(language: str, months: str) -> None:
    text = recording_notice_text("FR", language)
    assert months in text
    assert any(word in text for word in ("opposer", "widersprechen", "rather not"))


@pytest.mark.parametrize("channel", ["sms", "voice", "chat", "email", "letter"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_one_opt_out_confirmation_per_channel(channel: str, language: str) -> None:
    text = stop_contact_text(language, channel)
    assert text.count(".") == 1 and len(text) < 80


def test_opt_out_names_the_channel() -> None:
    assert stop_contact_text("de", "sms") == "Verstanden: Wir kontaktieren Sie nicht mehr per SMS."
    assert stop_contact_text("en", "voice") == "Understood: we won't contact you by phone again."


# --- Texts built from the facts ---


def test_promise_recorded() -> None:
    text = promise_recorded_text(facts("DE"), "de", amount=D("50.00"), on=date(2026, 3, 20))
    assert f"50,00{NBSP}€ am 20. März 2026" in text


def test_plan_phrases_per_shape() -> None:
    claim = facts("FR")
    equal = make_plan(D("146.88"), 3, date(2026, 3, 5))
    uneven = make_plan(D("100.00"), 3, date(2026, 3, 5))
    single = make_plan(D("100.00"), 1, date(2026, 3, 5))
    assert plan_text(claim, equal, "fr") == f"3 mensualités de 48,96{NBSP}€, à partir du 5 mars 2026"
    assert plan_text(claim, uneven, "en") == (
        "3 monthly payments of €33.33, the last one €33.34, starting on 5 March 2026"
    )
    assert plan_text(claim, single, "de") == f"eine einmalige Zahlung von 100,00{NBSP}€ am 5. März 2026"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_proposals_list_every_option(language: str) -> None:
    claim = facts("GB")
    plans = [make_plan(claim.balance, months, date(2026, 3, 5)) for months in (3, 6, 9)]
    text = plan_proposals_text(claim, plans, language)
    for number, plan in enumerate(plans, 1):
        assert f"\n{number}. {plan_text(claim, plan, language)}\n" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_plan_offers_the_nearest_and_a_person(language: str) -> None:
    nearest = make_plan(D("126.88"), 12, date(2026, 3, 5))
    text = plan_counter_text(facts("FR"), nearest, language)
    assert plan_text(facts("FR"), nearest, language) in text
    assert any(word in text for word in ("conseiller", "Team", "adviser"))


def test_plan_recorded_summarises_the_schedule() -> None:
    plan = make_plan(D("126.88"), 4, date(2026, 3, 5))
    text = plan_recorded_text(facts("FR"), plan, "fr")
    assert f"4 mensualités de 31,72{NBSP}€" in text
    assert "dernière échéance le 5 juin 2026" in text and f"126,88{NBSP}€ au total" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_payment_texts_carry_the_case_reference(language: str) -> None:
    claim = facts("DE")
    link = pay_full_link_text(claim, language)
    transfer = bank_transfer_text(
        claim, language, company="Amicable Recouvrement", iban="DE89 3704 0044 0532 0130 00"
    )
    for text in (link, transfer):
        assert "NEB-104233" in text and format_money(claim.balance, "EUR", language) in text
    assert "DE89 3704 0044 0532 0130 00" in transfer and "Amicable Recouvrement" in transfer


@pytest.mark.parametrize(
    ("jurisdiction", "signpost"),
    [
        ("GB", "MoneyHelper"),
        ("GB", "StepChange"),
        ("FR", "Point conseil budget"),
        ("DE", "Schuldnerberatung"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_hardship_options_signpost_free_advice(jurisdiction: str, signpost: str, language: str) -> None:
    text = hardship_options_text(jurisdiction, language, pause_days=30)
    assert signpost in text and "30" in text
    assert any(word in text for word in ("conseiller", "Team", "advisers"))
