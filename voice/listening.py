"""How a call listens for what the bot asked: Twilio's speech hints and keypad settings per expected slot.

Hints raise the recognizer's odds for words the answer will likely hold (Twilio: a comma-separated
list of words and phrases, at most 500 entries of 100 characters).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings

_YES_NO = {
    "fr": "oui, non, d'accord, exactement, pas du tout",
    "de": "ja, nein, genau, einverstanden, auf keinen Fall",
    "en": "yes, no, that's right, okay, not at all",
}
_DATES = {
    "fr": "janvier, février, mars, avril, mai, juin, juillet, août, septembre, octobre, novembre, décembre, "
    "le premier, lundi, mardi, mercredi, jeudi, vendredi, samedi, demain, la semaine prochaine",
    "de": "Januar, Februar, März, April, Mai, Juni, Juli, August, September, Oktober, November, Dezember, "
    "am ersten, Montag, Dienstag, Mittwoch, Donnerstag, Freitag, Samstag, morgen, nächste Woche",
    "en": "January, February, March, April, May, June, July, August, September, October, November, "
    "December, the first, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, tomorrow, next week",
}
_IDENTITY = {
    "fr": "né le, code postal, référence du dossier, " + _DATES["fr"],
    "de": "geboren am, Postleitzahl, Aktenzeichen, " + _DATES["de"],
    "en": "born on, postcode, zip code, case reference, " + _DATES["en"],
}
_PLAN = {
    "fr": "deux mois, trois mois, six mois, douze mois, par mois, euros, la première, la deuxième",
    "de": "zwei Monate, drei Monate, sechs Monate, zwölf Monate, im Monat, Euro, die erste, die zweite",
    "en": "two months, three months, six months, twelve months, a month, euros, pounds, the first option",
}
_BY_SLOT = {
    "yes_no": _YES_NO,
    "identity_secret": _IDENTITY,
    "promise_date": _DATES,
    "paid_date": _DATES,
    "callback_time": _DATES,
    "plan_choice": _PLAN,
    "hardship_choice": _PLAN,
}

# BCP 47 tags Twilio's <Say> and <Gather> take.
_LOCALES = {"fr": "fr-FR", "de": "de-DE"}


def locale(settings: Settings, language: str | None) -> str:
    if language in _LOCALES:
        return _LOCALES[language]
    return "en-US" if settings.default_jurisdiction == "US" else "en-GB"


@dataclass(frozen=True)
class Listening:
    hints: str | None
    num_digits: int | None  # a yes/no needs one key; otherwise the caller ends with # or a pause
    keypad_help: str | None  # the catalogue key that tells the caller about the keypad
    announce_keypad: bool = False  # say it with the question itself, not only when asking again


def listening_for(expecting: str | None, language: str) -> Listening:
    language = language if language in _YES_NO else "en"
    hints = _BY_SLOT.get(expecting or "", {}).get(language)
    if expecting == "yes_no":
        return Listening(hints, 1, "voice_keypad_yes_no")
    if expecting == "identity_secret":
        return Listening(hints, None, "voice_keypad_birth_date", announce_keypad=True)
    return Listening(hints, None, None)
