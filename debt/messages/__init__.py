"""Every sentence the assistant says, per language: one YAML catalogue each for fr, de and en.

A catalogue maps a key to a template with {placeholders}; nested mappings are tables keyed per
jurisdiction or channel and are reached with dotted keys ("disclosure.FR", "channel.sms").
Values are inserted as given: money and dates arrive already formatted (see debt.disclosure,
which builds every text carrying an amount, a creditor or a reference from verified DebtFacts).
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

LANGUAGES = ("fr", "de", "en")
FALLBACK_LANGUAGE = "en"
CATALOGUE_DIR = Path(__file__).resolve().parent

# What may be said before the right party is verified, and so to anyone who answers: a spouse,
# a colleague, a wrong number, a voicemail. None of these may carry a debt detail.
BEFORE_VERIFICATION = frozenset(
    {
        "opening_inbound",
        "opening_inbound_short",
        "opening_outbound_ask_for",
        "recording_notice",
        "recording_objection_not_started",
        "recording_objection_stopped",
        "ask_name",
        "ask_secret",
        "identity_retry",
        "identity_failed_handoff",
        "identity_verified",
        "wrong_person_apology",
        "voicemail",
        # Campaign texts: a shared phone shows them to anyone.
        "campaign_first_reminder",
        "campaign_instalment_due",
        "campaign_promise_reminder",
        "campaign_broken_promise",
        "campaign_instalment_missed",
        "rephrase",
        "bot_challenge",
        "fallback_handoff",
        "stop_contact_confirmed",
        "holding_reply",
        "sms_help",
        "sms_opted_in",
        "text_only",
        "callback_ask_time",
        "callback_recorded",
        "callback_outside_hours",
        "goodbye",
        "name_not_understood",
        "secret_not_understood",
        "hold_request",
        "hold_request_again",
        "hardship_acknowledge",
        "hardship_held_acknowledge",
        "ask_anything_else",
        "handoff_offer_declined",
        "handoff_to_human",
        "complaint_recorded_handoff",
        "no_account_for_request",
        "callback_time_not_understood",
        "callback_no_account",
        "voice_keypad_yes_no",
        "voice_keypad_birth_date",
        "voice_still_there",
        "voice_no_speech_handoff",
        "voice_trouble_transfer",
        "voice_queue_hold",
        "voice_no_advisor",
        "voice_silence_goodbye",
        "voice_call_failed",
        "channel.sms",
        "channel.voice",
        "channel.chat",
        "channel.email",
        "channel.letter",
    }
)
# Placeholders that carry a debt detail: only texts built from DebtFacts may use them.
DEBT_DETAILS = frozenset(
    {
        "creditor",
        "product",
        "account_ref",
        "invoice_ref",
        "reference",
        "amount",
        "principal",
        "interest",
        "fees",
        "balance",
        "total",
        "monthly",
        "last",
        "plan",
        "options",
        "iban",
    }
)

_FORMATTER = string.Formatter()


def language_code(language: str | None) -> str:
    """The catalogue for "fr", "FR", "de-CH", "en_GB" or a Language; anything else reads English."""
    code = str(language or "").strip().lower()[:2]
    return code if code in LANGUAGES else FALLBACK_LANGUAGE


def placeholders(template: str) -> frozenset[str]:
    """Names of the {placeholders} of a template."""
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(template) if name is not None)


def _check_template(key: str, template: str, path: Path) -> None:
    for _, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        # Plain {name} only: no positional {}, attribute or index access, format spec or conversion.
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{path.name}: {key}: placeholder {{{name}}} must be a plain {{name}}")
    leaked = placeholders(template) & DEBT_DETAILS
    if key in BEFORE_VERIFICATION and leaked:
        raise ValueError(f"{path.name}: {key} is said before verification but uses {sorted(leaked)}")


def _flatten(node: Mapping[str, object], prefix: str, path: Path) -> Iterator[tuple[str, str]]:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{key}.", path)
        elif isinstance(value, str):
            yield key, value
        else:
            raise ValueError(f"{path.name}: {key} must be text or a table, got {type(value).__name__}")


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """All templates of one language by dotted key, read once and checked."""
    path = CATALOGUE_DIR / f"{language_code(language)}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path.name}: expected a mapping of keys to templates")
    templates = dict(_flatten(raw, "", path))
    for key, template in templates.items():
        _check_template(key, template, path)
    return MappingProxyType(templates)


def keys(language: str = FALLBACK_LANGUAGE) -> frozenset[str]:
    return frozenset(catalogue(language))


def template(key: str, language: str) -> str:
    """The raw template; KeyError naming the key when the catalogue has none."""
    code = language_code(language)
    try:
        return catalogue(code)[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the {code!r} catalogue") from None


def render(key: str, language: str, **values: object) -> str:
    """The message `key` in `language` (English when unknown), its placeholders filled with `values`.

    Raises KeyError naming the key or the missing placeholders. Values not used are ignored, so a
    caller may pass one set of values to several messages.
    """
    text = template(key, language)
    needed = placeholders(text)
    missing = sorted(needed - values.keys())
    if missing:
        raise KeyError(f"message {key!r} needs a value for: {', '.join(missing)}")
    return text.format_map({name: values[name] for name in needed})
