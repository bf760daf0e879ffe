"""The texts campaigns send: short, polite and discreet, since anyone may read an SMS on a shared phone.

The templates live in the message catalogues (debt/messages/*.yml) beside everything else the product
says. None carries an amount, a creditor, a product or a reference: the sender is the neutral company
name and the person is asked to reply or to call back, where their identity is checked first.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from core.settings import Settings
from debt.disclosure import format_day
from debt.messages import DEBT_DETAILS, render
from integrations.sms_text import GSM_BASIC, GSM_EXTENDED, gsm_friendly

FIRST_REMINDER = "campaign_first_reminder"
INSTALMENT_DUE = "campaign_instalment_due"
PROMISE_REMINDER = "campaign_promise_reminder"
BROKEN_PROMISE = "campaign_broken_promise"
INSTALMENT_MISSED = "campaign_instalment_missed"
SMS_TEMPLATES = (FIRST_REMINDER, INSTALMENT_DUE, PROMISE_REMINDER, BROKEN_PROMISE, INSTALMENT_MISSED)


class UnknownTemplate(ValueError):
    """No campaign SMS has this name."""


def render_sms(template: str, language: str, settings: Settings, **values: object) -> str:
    """The SMS `template` in `language` (English when unknown), signed with the neutral company name.

    Dates are given as `date` and written the way the language writes them. Raises UnknownTemplate
    for a name not in SMS_TEMPLATES, ValueError for a debt detail among the values, KeyError for a
    missing value.
    """
    if template not in SMS_TEMPLATES:
        raise UnknownTemplate(f"unknown SMS template {template!r}: one of {', '.join(SMS_TEMPLATES)}")
    leaked = sorted(values.keys() & DEBT_DETAILS)
    if leaked:
        raise ValueError(f"an SMS anyone may read cannot carry {', '.join(leaked)}")
    written = {name: format_day(v, language) if isinstance(v, date) else v for name, v in values.items()}
    text = render(
        template,
        language,
        **written,
        neutral_company=settings.company_neutral_name,
        callback_number=settings.callback_number,
    )
    return gsm_only(text)


def gsm_only(text: str) -> str:
    """Letters outside the GSM-7 alphabet lose their accent ("août" -> "aout"), so the text stays in
    one cheap encoding: a single such letter would make the whole SMS UCS-2, less than half as long."""
    return "".join(_gsm_letter(c) for c in gsm_friendly(text))


def _gsm_letter(char: str) -> str:
    if char in GSM_BASIC or char in GSM_EXTENDED:
        return char
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return bare if bare and all(c in GSM_BASIC for c in bare) else char
