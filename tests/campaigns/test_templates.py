"""Campaign SMS: every template in every language, one cheap SMS part, discreet enough for anyone to read."""

from __future__ import annotations

import re
from datetime import date

import pytest

from campaigns.templates import SMS_TEMPLATES, UnknownTemplate, gsm_only, render_sms
from core.settings import Settings, load_settings
from debt.messages import DEBT_DETAILS, LANGUAGES, placeholders, template
from integrations.sms_text import encoding, segments
from tests.debt.test_messages import AMOUNT, BANNED, CASE_REF, fold, revealing_words

# The longest day each language writes ("30 septembre 2026", "30. September 2026").
LONGEST_DAY = date(2026, 9, 30)
WRITTEN_DAY = {"fr": "30 septembre 2026", "de": "30. September 2026", "en": "30 September 2026"}


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def test_the_catalogue_names_them_in_every_language() -> None:
    for name in SMS_TEMPLATES:
        for language in LANGUAGES:
            assert template(name, language).strip(), (name, language)


@pytest.mark.parametrize("name", SMS_TEMPLATES)
def test_no_template_carries_a_debt_detail(name: str) -> None:
    for language in LANGUAGES:
        assert not placeholders(template(name, language)) & DEBT_DETAILS, (name, language)


@pytest.mark.parametrize("name", SMS_TEMPLATES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_renders_in_one_gsm_part_signed_with_the_neutral_name(
    name: str, language: str, settings: Settings
) -> None:
    text = render_sms(name, language, settings, date=LONGEST_DAY)
    assert (encoding(text), segments(text)) == ("GSM-7", 1), (len(text), text)
    assert settings.company_neutral_name in text and settings.callback_number in text
    assert settings.company_name not in text


@pytest.mark.parametrize("name", SMS_TEMPLATES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stranger_reading_it_learns_nothing_about_a_debt(
    name: str, language: str, settings: Settings
) -> None:
    text = render_sms(name, language, settings, date=LONGEST_DAY)
    assert not AMOUNT.search(text) and not CASE_REF.search(text), text
    assert revealing_words(text, language) == [], text
    assert not re.search(BANNED[language], fold(text)), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_promise_reminder_gives_the_agreed_date_as_the_language_writes_it(
    language: str, settings: Settings
) -> None:
    text = render_sms("campaign_promise_reminder", language, settings, date=LONGEST_DAY)
    assert WRITTEN_DAY[language] in text
    agreed = {
        "fr": "date convenue avec nous",
        "de": "mit uns vereinbarten Termin",
        "en": "date you agreed with us",
    }
    assert agreed[language] in text


def test_each_language_is_written_for_itself(settings: Settings) -> None:
    for name in SMS_TEMPLATES:
        texts = {render_sms(name, language, settings, date=LONGEST_DAY) for language in LANGUAGES}
        assert len(texts) == len(LANGUAGES), name


def test_a_letter_outside_the_gsm_alphabet_loses_its_accent(settings: Settings) -> None:
    text = render_sms("campaign_promise_reminder", "fr", settings, date=date(2026, 8, 5))
    assert "5 aout 2026" in text and encoding(text) == "GSM-7"
    assert gsm_only("reçu «ça» – août") == 'recu "ca" - aout'


def test_an_unknown_language_reads_english(settings: Settings) -> None:
    assert render_sms("campaign_first_reminder", "es", settings) == render_sms(
        "campaign_first_reminder", "en", settings
    )


def test_an_unknown_template_is_named_with_the_known_ones(settings: Settings) -> None:
    with pytest.raises(UnknownTemplate, match=r"'campaign_final_notice'.*campaign_first_reminder"):
        render_sms("campaign_final_notice", "fr", settings)
    with pytest.raises(UnknownTemplate):
        render_sms("voicemail", "fr", settings)  # in the catalogue, but not a campaign SMS


def test_a_debt_detail_is_refused_even_where_unused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="amount"):
        render_sms("campaign_first_reminder", "fr", settings, amount="49,90 €")


def test_a_missing_date_is_named(settings: Settings) -> None:
    with pytest.raises(KeyError, match="date"):
        render_sms("campaign_promise_reminder", "de", settings)
