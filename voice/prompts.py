"""The sentences every caller hears alike: rendered once per language, their speech kept in the
synthesizer's cache. Anything personal (a name, an amount, a reference) is synthesised per call and
never kept."""

from __future__ import annotations

from functools import cache

from core.settings import Settings
from debt.disclosure import recording_notice_text
from debt.messages import LANGUAGES, catalogue, placeholders, render
from voice.call_flow import spoken_number

# Placeholders whose values are the same for every caller.
_SHARED = frozenset({"company", "neutral_company", "callback_number"})


@cache
def _fixed(company: str, neutral: str, number: str, jurisdiction: str) -> frozenset[str]:
    texts = set()
    for language in LANGUAGES:
        for key, template in catalogue(language).items():
            if placeholders(template) <= _SHARED:
                texts.add(
                    render(key, language, company=company, neutral_company=neutral, callback_number=number)
                )
        texts.add(recording_notice_text(jurisdiction, language))
    return frozenset(texts)


def is_fixed_prompt(settings: Settings, text: str) -> bool:
    return text in _fixed(
        settings.company_name,
        settings.company_neutral_name,
        spoken_number(settings.callback_number),
        settings.default_jurisdiction,
    )
