"""The catalogue: same keys and placeholders in every language, strict rendering, nothing said too early."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt import messages
from debt.messages import BEFORE_VERIFICATION, DEBT_DETAILS, LANGUAGES, placeholders, render, template

ALL_KEYS = sorted(messages.keys("en"))

REQUIRED_KEYS = [
    "opening_inbound",
    "opening_outbound_ask_for",
    "recording_notice",
    "ask_name",
    "ask_secret",
    "identity_retry",
    "identity_failed_handoff",
    "identity_verified",
    "wrong_person_apology",
    "ask_payment_date",
    "promise_recorded",
    "promise_outside_policy",
    "plan_proposals",
    "plan_counter_refused_nearest",
    "plan_recorded",
    "ask_debit_day",
    "debit_day_recorded",
    "ask_paid_date",
    "ask_paid_method",
    "payment_check_opened",
    "ask_dispute_reason",
    "dispute_recorded",
    "hardship_acknowledge",
    "ask_hardship_circumstances",
    "hardship_options",
    "hardship_pause_recorded",
    "complaint_recorded_handoff",
    "handoff_to_human",
    "stop_contact_confirmed",
    "callback_ask_time",
    "callback_recorded",
    "callback_outside_hours",
    "bot_challenge",
    "rephrase",
    "fallback_handoff",
    "pay_full_link_sent",
    "bank_transfer_details",
    "goodbye",
    "contact_data_confirm",
    "contact_data_updated",
    "ask_how_to_help_after_explanation",
    "voicemail",
    "disclosure.FR",
    "disclosure.DE",
    "disclosure.GB",
    "disclosure.US",
]

# Realistic values for every placeholder, including debt details as sentinels to catch leaks.
SAMPLE = {
    "who": "Identity verified, case FR-2024-0001, balance 80 euros",
    "reason": "requested by the debtor",
    "company": "Amicable Recouvrement",
    "neutral_company": "AR Services",
    "callback_number": "+33189000000",
    "first_name": "Jeanne",
    "last_name": "Dupont-Lefèvre",
    "months": 6,
    "attempts_left": 2,
    "channel": "par SMS",
    "when": "mardi 10 mars à 14 h",
    "next_time": "lundi 9 mars à 8 h",
    "latest_date": "31 mars 2026",
    "date": "20 mars 2026",
    "first_due": "5 mars 2026",
    "last_due": "5 février 2027",
    "due_date": "5 mars 2026",
    "paid_date": "2 mars 2026",
    "until": "4 avril 2026",
    "day": 28,
    "count": 12,
    "pause_days": 30,
    "summary": "souhaite un échéancier sur 6 mois, revenus en baisse depuis janvier",
    "address": "•• rue des Lilas, 75011 Paris",
    "email": "j•••@example.fr",
    "debt_advice": "Un Point conseil budget près de chez vous peut aussi vous aider gratuitement.",
    "creditor": "ZZCREDITOR Télécom",
    "product": "ZZPRODUCT Box fibre",
    "account_ref": "NEB-104233",
    "invoice_ref": "FAC-2025-00042",
    "reference": "NEB-104233",
    "amount": "146,88 €",
    "principal": "120,00 €",
    "interest": "6,88 €",
    "fees": "20,00 €",
    "balance": "146,88 €",
    "total": "146,88 €",
    "monthly": "12,24 €",
    "last": "12,24 €",
    "plan": "12 mensualités de 12,24 €",
    "options": "1. 3 mensualités de 48,96 €",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
}
AMOUNT = re.compile(r"\d[\d\s.,\u00a0\u202f]*[.,]\d{2}\b|[€£$]|\b(?:EUR|GBP|USD)\b")
CASE_REF = re.compile(r"\b[A-Z]{2,4}-\d{6}\b")
SENTINEL = re.compile(r"ZZ[A-Z]+")

# Said before verification, or asking a question with no debt detail (the brief's ask_* and identity_*).
EARLY = sorted(BEFORE_VERIFICATION | {key for key in ALL_KEYS if key.startswith(("ask_", "identity_"))})
# Long texts: itemised explanations and lists; everything else fits in two SMS (320 characters).
LONG = ("disclosure.", "explain_note.", "plan_proposals", "hardship_options", "handoff_to_human")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_every_catalogue_has_the_same_keys() -> None:
    assert messages.keys("fr") == messages.keys("de") == messages.keys("en")


def test_required_keys_are_there() -> None:
    assert set(REQUIRED_KEYS) <= set(ALL_KEYS)


@pytest.mark.parametrize("key", ALL_KEYS)
def test_same_placeholders_in_every_language(key: str) -> None:
    found = {lang: placeholders(template(key, lang)) for lang in LANGUAGES}
    assert found["fr"] == found["de"] == found["en"], found


@pytest.mark.parametrize("key", ALL_KEYS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_with_the_sample_values(key: str, language: str) -> None:
    text = render(key, language, **SAMPLE)
    assert text.strip() and "{" not in text and "}" not in text
    if not key.startswith(LONG):
        assert len(text) <= 320, (key, len(text))


def test_render_fills_placeholders() -> None:
    assert render("identity_retry", "en", attempts_left=2) == (
        "Sorry, I couldn't match those details. Let's try once more (attempts left: 2)."
    )
    assert render("stop_contact_confirmed", "fr", channel="par SMS") == (
        "C'est noté : nous ne vous contacterons plus par SMS."
    )


@pytest.mark.parametrize(
    ("language", "served"),
    [("fr", "fr"), ("FR", "fr"), ("de-CH", "de"), ("en_GB", "en"), ("es", "en"), ("", "en"), ("xx", "en")],
)
def test_unknown_language_reads_english(language: str, served: str) -> None:
    assert render("rephrase", language) == render("rephrase", served)


def test_unknown_key_names_it() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        render("no_such_message", "fr")
    with pytest.raises(KeyError, match=r"disclosure\.BE"):
        render("disclosure.BE", "fr", company="X", creditor="Y")


def test_missing_value_names_the_placeholder() -> None:
    with pytest.raises(KeyError, match="callback_number"):
        render("voicemail", "de", neutral_company="AR Services")
    with pytest.raises(KeyError, match="first_name, last_name"):
        render("opening_outbound_ask_for", "en", company="AR Services")


def test_values_not_used_are_ignored() -> None:
    assert render("goodbye", "en", creditor="Nebula Hosting") == "Thank you for your time. Goodbye."


@given(st.text(max_size=40))
def test_values_are_inserted_as_given(value: str) -> None:
    text = render("callback_recorded", "en", when=value)
    assert text == f"That's noted: we'll call you back on {value}."


@pytest.mark.parametrize("key", EARLY)
def test_early_templates_carry_no_debt_placeholder(key: str) -> None:
    for language in LANGUAGES:
        assert not placeholders(template(key, language)) & DEBT_DETAILS, (key, language)


@pytest.mark.parametrize("key", EARLY)
@pytest.mark.parametrize("language", LANGUAGES)
def test_early_messages_render_no_amount_reference_or_creditor(key: str, language: str) -> None:
    text = render(key, language, **SAMPLE)
    assert not AMOUNT.search(text), text
    assert not CASE_REF.search(text), text
    assert not SENTINEL.search(text), text


# Words that tell a third party the call is about a debt (voicemail, spouse, wrong number).
REVEALING = {
    "fr": ["dette", "recouvrement", "creance", "paiement", "facture", "impaye"],
    "de": ["schulden", "inkasso", "forderung", "zahlung", "rechnung", "mahnung"],
    "en": ["debt", "collection", "collect", "payment", "invoice", "owe", "arrears"],
}


def revealing_words(text: str, language: str) -> list[str]:
    folded = fold(text)
    if language == "de":  # compounds: "Ratenzahlung", "Inkassobüro"
        return [word for word in REVEALING[language] if word in folded]
    return [word for word in REVEALING[language] if re.search(rf"\b{word}", folded)]


def test_the_revealing_word_check_bites() -> None:
    assert revealing_words("Votre créance impayée", "fr") == ["creance", "impaye"]
    assert revealing_words("Ihre Ratenzahlung", "de") == ["zahlung"]
    assert revealing_words("what you owe us", "en") == ["owe"]
    assert revealing_words("however, the power is low", "en") == []


@pytest.mark.parametrize("key", sorted(BEFORE_VERIFICATION))
@pytest.mark.parametrize("language", LANGUAGES)
def test_what_anyone_may_hear_reveals_no_debt(key: str, language: str) -> None:
    # The template only: company names are settings, and a neutral one is used where a stranger listens.
    text = template(key, language)
    for name in placeholders(text):
        text = text.replace("{" + name + "}", " ")
    assert revealing_words(text, language) == [], (key, language, text)


# No threats, no court or bailiff, no false urgency, no pressure to borrow; polite address forms.
BANNED = {
    "fr": r"\b(huissier|tribunal|justice|poursuites?|saisie|urgent|immediatement|dernier delai|emprunt\w*|"
    r"credit|tu|te|toi|ton|ta|tes)\b",
    "de": r"\b(gerichtsvollzieher|gericht\w*|pfandung|klage|dringend|sofort|unverzuglich|kredit\w*|du|dich|"
    r"dir|dein\w*)\b",
    "en": r"\b(bailiffs?|court|enforcement|legal action|urgent(ly)?|immediately|final warning|loan|"
    r"borrow\w*|advisor)\b",
}


@pytest.mark.parametrize("key", ALL_KEYS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_threat_no_pressure_polite_address(key: str, language: str) -> None:
    assert not re.search(BANNED[language], fold(template(key, language))), (key, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plain_characters_keep_sms_cheap(language: str) -> None:
    for key in ALL_KEYS:
        assert not set(template(key, language)) & set("’‘“”«»\u00a0\u202f–—…"), key


def test_before_verification_keys_exist() -> None:
    assert set(ALL_KEYS) >= BEFORE_VERIFICATION


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('voicemail: "Call about {amount}"', "said before verification"),
        ('goodbye: "Bye {name.upper}"', "plain"),
        ('goodbye: "Bye {0}"', "plain"),
        ('goodbye: "Bye {name!r}"', "plain"),
        ("goodbye: 3", "text or a table"),
    ],
)
def test_a_bad_catalogue_is_refused_when_read(
    line: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "en.yml").write_text(line + "\n", encoding="utf-8")
    monkeypatch.setattr(messages, "CATALOGUE_DIR", tmp_path)
    messages.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match=problem):
            messages.catalogue("en")
    finally:
        messages.catalogue.cache_clear()
