"""The small rules of a call: statuses only move forward, keypad entries mean what the caller meant,
listening follows what the bot asked."""

from __future__ import annotations

import pytest

from core.settings import load_settings
from voice.call_flow import spoken_number
from voice.call_status import advance
from voice.keypad import keypad_text
from voice.listening import listening_for, locale


@pytest.mark.parametrize(
    ("current", "new", "kept"),
    [
        (None, "queued", "queued"),
        ("queued", "ringing", "ringing"),
        ("ringing", "in-progress", "in-progress"),
        ("in-progress", "ringing", "in-progress"),  # late
        ("in-progress", "completed", "completed"),
        ("completed", "in-progress", "completed"),  # final stays
        ("busy", "completed", "busy"),  # one final never replaces another
        ("ringing", "no-answer", "no-answer"),
        ("ringing", "nonsense", "ringing"),  # unknown never replaces known
        ("in-progress", "IN-PROGRESS", "in-progress"),
    ],
)
def test_call_status_moves_forward_only(current: str | None, new: str, kept: str) -> None:
    assert advance(current, new) == kept


@pytest.mark.parametrize(
    ("digits", "expecting", "text"),
    [
        ("1", "yes_no", "/affirm"),
        ("2", "yes_no", "/deny"),
        ("3", "yes_no", "3"),
        ("12031985", "identity_secret", "12/03/1985"),
        ("31021985", "identity_secret", "31021985"),  # not a date: as typed
        ("75011", "identity_secret", "75011"),  # a postcode
        ("1", None, "1"),  # an option number
        ("15#", "debit_day", "15"),
    ],
)
def test_keypad_entries(digits: str, expecting: str | None, text: str) -> None:
    assert keypad_text(digits, expecting) == text


def test_listening_follows_the_question() -> None:
    yes_no = listening_for("yes_no", "de")
    assert (
        yes_no.num_digits == 1
        and "ja" in (yes_no.hints or "")
        and yes_no.keypad_help == "voice_keypad_yes_no"
    )
    identity = listening_for("identity_secret", "fr")
    assert identity.num_digits is None and "code postal" in (identity.hints or "")
    assert listening_for(None, "en") == listening_for("claimed_name", "xx")


def test_locales_and_spoken_numbers() -> None:
    settings = load_settings()
    assert [locale(settings, lang) for lang in ("fr", "de", "en", None)] == [
        "fr-FR",
        "de-DE",
        "en-GB",
        "en-GB",
    ]
    assert locale(load_settings(default_jurisdiction="US"), "en") == "en-US"
    assert spoken_number("+33189000000") == "+33 1 89 00 00 00"
    assert spoken_number("not a number") == "not a number"


def test_only_sentences_every_caller_hears_alike_are_kept_as_speech() -> None:
    from debt.disclosure import recording_notice_text
    from debt.messages import render
    from voice.prompts import is_fixed_prompt

    settings = load_settings()
    assert is_fixed_prompt(settings, render("ask_name", "de"))
    assert is_fixed_prompt(settings, render("opening_inbound", "fr", company=settings.company_name))
    assert is_fixed_prompt(settings, recording_notice_text("FR", "en"))
    assert is_fixed_prompt(settings, render("voice_call_failed", "fr", callback_number="+33 1 89 00 00 00"))
    # A name, an amount, a reference: per call, never kept.
    outbound = render(
        "opening_outbound_ask_for",
        "fr",
        company=settings.company_neutral_name,
        first_name="Jeanne",
        last_name="Dupont",
    )
    assert not is_fixed_prompt(settings, outbound)
    assert not is_fixed_prompt(settings, "Votre solde est de 51,10 €.")
