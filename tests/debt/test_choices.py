"""Plans, payment methods, hardship choices, dispute reasons and vulnerability, per language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.choices import (
    HARDSHIP_CHOICES,
    PAYMENT_METHODS,
    PlanChoice,
    classify_dispute_reason,
    parse_hardship_choice,
    parse_payment_method,
    parse_plan_choice,
    vulnerability_signals,
)
from debt.outcomes.holds import DisputeReason

GARBAGE = ["", " ", "???", "🙂🙏💸", "\x00", "ok " * 400, "a" * 1200, "...!!!"]
LANGUAGES = ["fr", "de", "en"]


def option(n: int) -> PlanChoice:
    return PlanChoice(option=n)


def months(n: int) -> PlanChoice:
    return PlanChoice(months=n)


def monthly(amount: str) -> PlanChoice:
    return PlanChoice(monthly=Decimal(amount))


PLANS = [
    ("fr", "2", option(2)),
    ("fr", "deux", option(2)),
    ("fr", "option 2", option(2)),
    ("fr", "n°3", option(3)),
    ("fr", "la deuxième", option(2)),
    ("fr", "la deuxieme svp", option(2)),
    ("fr", "la première", option(1)),
    ("fr", "la dernière", option(3)),
    ("fr", "6", months(6)),
    ("fr", "en 6 fois", months(6)),
    ("fr", "sur six mois", months(6)),
    ("fr", "sur deux ans", months(24)),
    ("fr", "50 euros par mois", monthly("50")),
    ("fr", "50€/mois", monthly("50")),
    ("fr", "je peux payer 40 € par mois", monthly("40")),
    ("fr", "40 par mois", monthly("40")),
    ("fr", "vingt-cinq euros par mois", monthly("25")),
    ("fr", "la 2 en 6 fois", PlanChoice(option=2, months=6)),
    ("fr", "50 euros par mois pendant 6 mois", PlanChoice(months=6, monthly=Decimal("50"))),
    ("de", "2", option(2)),
    ("de", "zwei", option(2)),
    ("de", "die zweite", option(2)),
    ("de", "die erste", option(1)),
    ("de", "Variante 3", option(3)),
    ("de", "Nummer 1", option(1)),
    ("de", "die letzte", option(3)),
    ("de", "sechs Monate", months(6)),
    ("de", "in 6 Raten", months(6)),
    ("de", "dreimal", months(3)),
    ("de", "30 Euro im Monat", monthly("30")),
    ("de", "monatlich 25", monthly("25")),
    ("de", "25 pro Monat", monthly("25")),
    ("de", "25,50 € monatlich", monthly("25.50")),
    ("en", "2", option(2)),
    ("en", "the second one", option(2)),
    ("en", "number two", option(2)),
    ("en", "option 1", option(1)),
    ("en", "2nd", option(2)),
    ("en", "first", option(1)),
    ("en", "the last one", option(3)),
    ("en", "6 months", months(6)),
    ("en", "in 12 instalments", months(12)),
    ("en", "twelve", months(12)),
    ("en", "£20 a month", monthly("20")),
    ("en", "twenty pounds a month", monthly("20")),
    ("en", "I can pay 30 a month", monthly("30")),
]
NO_PLAN = [
    ("fr", "je ne sais pas"),
    ("fr", "70"),
    ("fr", "option 5"),
    ("fr", "2 ou 3"),
    ("fr", "je peux payer 50"),
    ("fr", "0"),
    ("de", "keine Ahnung"),
    ("de", "100"),
    ("de", "Variante 4"),
    ("en", "in a month"),
    ("en", "maybe"),
    ("en", "the fifth one"),
]


@pytest.mark.parametrize(("language", "text", "expected"), PLANS)
def test_plan_choice(language: str, text: str, expected: PlanChoice) -> None:
    assert parse_plan_choice(text, language, 3) == expected


@pytest.mark.parametrize(("language", "text"), NO_PLAN)
def test_no_plan_choice(language: str, text: str) -> None:
    assert parse_plan_choice(text, language, 3) is None


def test_bare_number_depends_on_the_number_of_options() -> None:
    assert parse_plan_choice("4", "fr", 5) == option(4)
    assert parse_plan_choice("4", "fr", 3) == months(4)
    assert parse_plan_choice("60", "fr", 3) == months(60)
    assert parse_plan_choice("61", "fr", 3) is None


def test_monthly_amount_keeps_cents() -> None:
    found = parse_plan_choice("£20.50 a month", "en", 3)
    assert found is not None and found.monthly == Decimal("20.50")
    assert found.monthly.as_tuple().exponent == -2


METHODS = [
    ("fr", "par CB", "card"),
    ("fr", "carte bleue", "card"),
    ("fr", "avec ma carte bancaire", "card"),
    ("fr", "par virement", "bank_transfer"),
    ("fr", "virment", "bank_transfer"),
    ("fr", "prélèvement automatique", "direct_debit"),
    ("fr", "prelevment", "direct_debit"),
    ("fr", "par chèque", "cheque"),
    ("fr", "en espèces", "cash"),
    ("fr", "en liquide", "cash"),
    ("fr", "paypal", "paypal"),
    ("fr", "autrement", "other"),
    ("fr", "pas par carte, par virement", "bank_transfer"),
    ("de", "mit Karte", "card"),
    ("de", "Kreditkarte", "card"),
    ("de", "EC-Karte", "card"),
    ("de", "per Überweisung", "bank_transfer"),
    ("de", "Ueberweisung", "bank_transfer"),
    ("de", "Dauerauftrag", "bank_transfer"),
    ("de", "Lastschrift", "direct_debit"),
    ("de", "SEPA-Lastschrift", "direct_debit"),
    ("de", "bar", "cash"),
    ("de", "ich habe bar bezahlt", "cash"),
    ("de", "Scheck", "cheque"),
    ("de", "PayPal", "paypal"),
    ("de", "anders", "other"),
    ("en", "by card", "card"),
    ("en", "debit card", "card"),
    ("en", "bank transfer", "bank_transfer"),
    ("en", "standing order", "bank_transfer"),
    ("en", "direct debit", "direct_debit"),
    ("en", "cheque", "cheque"),
    ("en", "by check", "cheque"),
    ("en", "cash", "cash"),
    ("en", "paypal", "paypal"),
    ("en", "some other way", "other"),
]
NO_METHOD = [
    ("fr", "bonjour"),
    ("fr", "je n'ai pas de carte"),
    ("fr", "carte ou virement"),
    ("de", "keine Karte"),
    ("de", "vielleicht"),
    ("en", "I don't have a card"),
    ("en", "let me check"),
    ("en", "card or cash"),
]


@pytest.mark.parametrize(("language", "text", "expected"), METHODS)
def test_payment_method(language: str, text: str, expected: str) -> None:
    assert parse_payment_method(text, language) == expected
    assert expected in PAYMENT_METHODS


@pytest.mark.parametrize(("language", "text"), NO_METHOD)
def test_no_payment_method(language: str, text: str) -> None:
    assert parse_payment_method(text, language) is None


HARDSHIP = [
    ("fr", "une pause", "pause"),
    ("fr", "suspendre les mensualités", "pause"),
    ("fr", "attendre un peu", "pause"),
    ("fr", "un délai", "pause"),
    ("fr", "des plus petites mensualités", "plan"),
    ("fr", "un échéancier", "plan"),
    ("fr", "je veux pas de pause, un plan", "plan"),
    ("fr", "parler à quelqu'un", "advisor"),
    ("fr", "un conseiller", "advisor"),
    ("fr", "1", "pause"),
    ("fr", "la 3", "advisor"),
    ("de", "Pause", "pause"),
    ("de", "Raten aussetzen", "pause"),
    ("de", "warten", "pause"),
    ("de", "Aufschub", "pause"),
    ("de", "Ratenzahlung", "plan"),
    ("de", "kleinere Raten", "plan"),
    ("de", "mit einem Menschen sprechen", "advisor"),
    ("de", "Berater", "advisor"),
    ("de", "2", "plan"),
    ("en", "a pause", "pause"),
    ("en", "breathing space", "pause"),
    ("en", "pause my instalments", "pause"),
    ("en", "wait", "pause"),
    ("en", "smaller payments", "plan"),
    ("en", "instalments", "plan"),
    ("en", "talk to a person", "advisor"),
    ("en", "an advisor", "advisor"),
    ("en", "3", "advisor"),
]
NO_HARDSHIP = [
    ("fr", "euh"),
    ("fr", "une pause ou un plan"),
    ("fr", "4"),
    ("de", "keine Ahnung"),
    ("de", "5"),
    ("en", "dunno"),
    ("en", "a pause or a plan"),
    ("en", "ten"),
]


@pytest.mark.parametrize(("language", "text", "expected"), HARDSHIP)
def test_hardship_choice(language: str, text: str, expected: str) -> None:
    assert parse_hardship_choice(text, language) == expected
    assert expected in HARDSHIP_CHOICES


@pytest.mark.parametrize(("language", "text"), NO_HARDSHIP)
def test_no_hardship_choice(language: str, text: str) -> None:
    assert parse_hardship_choice(text, language) is None


R = DisputeReason
DISPUTES = [
    ("fr", "j'ai résilié mon contrat", R.CONTRACT_CANCELLED),
    ("fr", "contrat resilie en mars", R.CONTRACT_CANCELLED),
    ("fr", "résiliation envoyée en janvier", R.CONTRACT_CANCELLED),
    ("fr", "je n'ai jamais rien commandé", R.NEVER_ORDERED),
    ("fr", "jamais souscrit", R.NEVER_ORDERED),
    ("fr", "j'ai déjà payé", R.ALREADY_PAID),
    ("fr", "je l'ai deja regle", R.ALREADY_PAID),
    ("fr", "le montant est faux", R.WRONG_AMOUNT),
    ("fr", "ce n'est pas le bon montant", R.WRONG_AMOUNT),
    ("fr", "le service n'a jamais fonctionné", R.SERVICE_NOT_PROVIDED),
    ("fr", "usurpation d'identité", R.FRAUD),
    ("fr", "c'est pas moi", R.FRAUD),
    ("fr", "fraude", R.FRAUD),
    ("fr", "je n'ai pas payé car jamais commandé", R.NEVER_ORDERED),
    ("de", "ich habe gekündigt", R.CONTRACT_CANCELLED),
    ("de", "Kündigung im Januar", R.CONTRACT_CANCELLED),
    ("de", "nie bestellt", R.NEVER_ORDERED),
    ("de", "schon bezahlt", R.ALREADY_PAID),
    ("de", "Betrag falsch", R.WRONG_AMOUNT),
    ("de", "der Betrag ist falsch", R.WRONG_AMOUNT),
    ("de", "Leistung nicht erbracht", R.SERVICE_NOT_PROVIDED),
    ("de", "hat nie funktioniert", R.SERVICE_NOT_PROVIDED),
    ("de", "Betrug", R.FRAUD),
    ("de", "Identitätsdiebstahl", R.FRAUD),
    ("de", "ich habe nicht bezahlt weil nie bestellt", R.NEVER_ORDERED),
    ("en", "I cancelled", R.CONTRACT_CANCELLED),
    ("en", "the contract was canceled last year", R.CONTRACT_CANCELLED),
    ("en", "I never ordered this", R.NEVER_ORDERED),
    ("en", "I never signed up", R.NEVER_ORDERED),
    ("en", "already paid", R.ALREADY_PAID),
    ("en", "wrong amount", R.WRONG_AMOUNT),
    ("en", "too much", R.WRONG_AMOUNT),
    ("en", "service not provided", R.SERVICE_NOT_PROVIDED),
    ("en", "it never worked", R.SERVICE_NOT_PROVIDED),
    ("en", "identity theft", R.FRAUD),
    ("en", "this is fraud", R.FRAUD),
    ("en", "I haven't paid because I never ordered it", R.NEVER_ORDERED),
]
OTHER_DISPUTES = [
    ("fr", "je ne suis pas d'accord"),
    ("fr", "pourquoi ?"),
    ("de", "keine Ahnung"),
    ("de", "das stimmt so nicht"),
    ("en", "whatever"),
    ("en", "I want to complain"),
]


@pytest.mark.parametrize(("language", "text", "expected"), DISPUTES)
def test_dispute_reason(language: str, text: str, expected: DisputeReason) -> None:
    assert classify_dispute_reason(text, language) is expected


@pytest.mark.parametrize(("language", "text"), OTHER_DISPUTES)
def test_other_dispute_reason(language: str, text: str) -> None:
    assert classify_dispute_reason(text, language) is R.OTHER


VULNERABLE = [
    ("fr", "je suis malade"),
    ("fr", "maladie grave"),
    ("fr", "je suis à l'hôpital"),
    ("fr", "hospitalisé depuis lundi"),
    ("fr", "décès de mon mari"),
    ("fr", "en deuil"),
    ("fr", "je suis enceinte"),
    ("fr", "handicap"),
    ("fr", "dépression"),
    ("fr", "j'ai un cancer, chimio en cours"),
    ("fr", "violences conjugales"),
    ("fr", "j'ai 85 ans"),
    ("de", "ich bin krank"),
    ("de", "im Krankenhaus"),
    ("de", "Klinik"),
    ("de", "mein Mann ist gestorben"),
    ("de", "Todesfall in der Familie"),
    ("de", "schwanger"),
    ("de", "Behinderung"),
    ("de", "Depression"),
    ("de", "Spielsucht"),
    ("de", "ich pflege meine Mutter"),
    ("en", "I'm ill"),
    ("en", "I've been sick"),
    ("en", "in hospital"),
    ("en", "my mum died"),
    ("en", "she passed away"),
    ("en", "pregnant"),
    ("en", "disabled"),
    ("en", "depressed"),
    ("en", "cancer"),
    ("en", "chemo"),
    ("en", "I'm 87"),
    ("en", "I'm homeless"),
]
NOT_VULNERABLE = [
    ("fr", "je suis au chômage"),
    ("fr", "j'ai perdu mon travail"),
    ("fr", "salade"),
    ("fr", "je paie demain"),
    ("de", "arbeitslos"),
    ("de", "ich habe versucht zu zahlen"),
    ("de", "mein Mann sucht Arbeit"),
    ("de", "kein Geld"),
    ("en", "ill pay tomorrow"),
    ("en", "sick of your calls"),
    ("en", "I cancelled"),
    ("en", "unemployed"),
    ("en", "I lost my job"),
    ("en", "I work in hospitality"),
    ("en", "I'm 45"),
]


@pytest.mark.parametrize(("language", "text"), VULNERABLE)
def test_vulnerable(language: str, text: str) -> None:
    assert vulnerability_signals(text, language) is True


@pytest.mark.parametrize(("language", "text"), NOT_VULNERABLE)
def test_not_vulnerable(language: str, text: str) -> None:
    assert vulnerability_signals(text, language) is False


def test_vulnerability_found_in_a_long_story() -> None:
    story = "Bonjour, je vous écris au sujet de votre courrier. " * 40 + "Mon fils est hospitalisé."
    assert vulnerability_signals(story, "fr") is True


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage(language: str, text: str) -> None:
    assert parse_plan_choice(text, language, 3) is None
    assert parse_payment_method(text, language) is None
    assert parse_hardship_choice(text, language) is None
    assert classify_dispute_reason(text, language) is R.OTHER
    assert vulnerability_signals(text, language) is False


def test_unknown_language_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        parse_payment_method("card", "it")


# fmt: off
_VOCABULARY = [
    "2", "option", "la", "deuxième", "mois", "Monate", "months", "€", "£", "par", "a", "month", "carte",
    "Karte", "card", "virement", "pas", "not", "nicht", "pause", "plan", "conseiller", "résilié", "paid",
    "malade", "krank", "ill", "85", "ans", "'", ",", "🙂", "50", "fois", "Raten",
]
# fmt: on


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_VOCABULARY), max_size=10).map(" ".join)),
    language=st.sampled_from(LANGUAGES),
)
def test_never_raises(text: str, language: str) -> None:
    plan = parse_plan_choice(text, language, 3)
    assert plan is None or plan != PlanChoice()
    assert plan is None or plan.option is None or 1 <= plan.option <= 3
    assert parse_payment_method(text, language) in (None, *PAYMENT_METHODS)
    assert parse_hardship_choice(text, language) in (None, *HARDSHIP_CHOICES)
    assert isinstance(classify_dispute_reason(text, language), DisputeReason)
    assert vulnerability_signals(text, language) in (True, False)
