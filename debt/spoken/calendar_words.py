"""Words about the calendar per language: months, weekdays, periods and the words around them.

Keys are folded (lower case, no accents, German umlauts spelled ae/oe/ue, ß as ss).
"""

from __future__ import annotations

# fmt: off
MONTHS: dict[str, dict[str, int]] = {
    "fr": {
        "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
        "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
        "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    },
    "de": {
        "januar": 1, "jaenner": 1, "janner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "maerz": 3,
        "marz": 3, "mrz": 3, "maer": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7,
        "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10,
        "november": 11, "nov": 11, "dezember": 12, "dez": 12,
    },
    "en": {
        "january": 1, "jan": 1, "february": 2, "febuary": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
        "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
        "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
        "december": 12, "dec": 12,
    },
}
WEEKDAYS: dict[str, dict[str, int]] = {
    "fr": {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6},
    "de": {
        "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
        "sonnabend": 5, "sonntag": 6,
    },
    "en": {
        "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
        "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6,
        "sun": 6,
    },
}
# Words that may stand between a day and a month or a month and a year.
CONNECTORS = {
    "fr": frozenset({",", "de", "d", "'", "du", "en", "l", "an", "annee"}),
    "de": frozenset({",", "im", "des", "jahres", "jahr"}),
    "en": frozenset({",", "of", "the", "in", "'"}),
}
DAY_MARKERS = {
    "fr": frozenset({"le", "au", "du", "les", "avant", "vers", "des", "jusqu", "partir"}),
    "de": frozenset({"am", "den", "zum", "bis", "ab", "vom", "dem", "der", "jeden", "jedem", "spaetestens"}),
    "en": frozenset({"the", "on", "by", "until", "before", "every", "each"}),
}
MONTH_NOUNS = {
    "fr": frozenset({"mois"}),
    "de": frozenset({"monat", "monats", "monates"}),
    "en": frozenset({"month", "months"}),
}
WEEK_NOUNS = {
    "fr": frozenset({"semaine"}),
    "de": frozenset({"woche"}),
    "en": frozenset({"week"}),
}
POSITIONS = {
    "fr": {"debut": "start", "mi": "mid", "milieu": "mid", "fin": "end"},
    "de": {"anfang": "start", "anfangs": "start", "beginn": "start", "mitte": "mid", "ende": "end"},
    "en": {"start": "start", "beginning": "start", "early": "start", "mid": "mid", "middle": "mid",
           "end": "end", "late": "end"},
}
COMPOUND_PERIODS_DE = {
    "monatsanfang": ("month", "start"), "monatsbeginn": ("month", "start"), "monatsmitte": ("month", "mid"),
    "monatsende": ("month", "end"), "wochenanfang": ("week", "start"), "wochenmitte": ("week", "mid"),
}
NEXT = {
    "fr": frozenset({"prochain", "prochaine", "suivant", "suivante"}),
    "de": frozenset({"naechsten", "naechster", "naechste", "naechstes", "kommenden", "kommender",
                     "kommende", "folgenden"}),
    "en": frozenset({"next", "following", "coming"}),
}
THIS = {
    "fr": frozenset({"ce", "cette"}),
    "de": frozenset({"diesen", "diese", "dieser", "dieses", "diesem"}),
    "en": frozenset({"this"}),
}
LAST_WORDS = {
    "fr": frozenset({"dernier", "derniere", "passe", "passee"}),
    "de": frozenset({"letzten", "letzter", "letzte", "vergangenen", "vergangener"}),
    "en": frozenset({"last", "past", "previous"}),
}
WEEKEND = {"fr": ("week end", "weekend"), "de": ("wochenende",), "en": ("weekend", "week end")}
# Days from today for fixed words; longer phrases first.
DAY_WORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "fr": (
        (r"apres demain", 2), (r"avant hier", -2), (r"demain", 1), (r"hier", -1),
        (r"aujourd ?hui|ce soir|tout de suite|immediatement|ce jour", 0),
    ),
    "de": (
        (r"uebermorgen", 2), (r"vorgestern", -2), (r"heute|sofort", 0), (r"morgen", 1),
        (r"gestern", -1),
    ),
    "en": (
        (r"(the )?day after tomorrow", 2), (r"(the )?day before yesterday", -2), (r"tomorrow|tmrw|tmr", 1),
        (r"yesterday", -1), (r"today|tonight|right away|straight away", 0),
    ),
}
UNITS = {
    "fr": {"jour": "day", "jours": "day", "semaine": "week", "semaines": "week", "mois": "month",
           "an": "year", "ans": "year", "annee": "year", "annees": "year"},
    "de": {"tag": "day", "tage": "day", "tagen": "day", "woche": "week", "wochen": "week", "monat": "month",
           "monate": "month", "monaten": "month", "jahr": "year", "jahre": "year", "jahren": "year"},
    "en": {"day": "day", "days": "day", "week": "week", "weeks": "week", "fortnight": "fortnight",
           "fortnights": "fortnight", "month": "month", "months": "month", "year": "year", "years": "year"},
}
AFTER_MONTH = frozenset({",", "the", "le", "den", "der"})
# A number followed by a currency is an amount, never a year.
CURRENCY_AFTER = frozenset({"euro", "euros", "eur", "balles", "pounds", "pound", "quid", "franken", "francs",
                             "chf", "€", "£", "$"})
# Beyond these counts "in N days/weeks/..." is not a date anyone means.
UNIT_LIMITS = {"day": 3660, "week": 520, "fortnight": 260, "month": 120, "year": 10}
AGO_BEFORE = {"fr": ("il y a",), "de": ("vor",), "en": ()}
AGO_AFTER = {"fr": (), "de": (), "en": ("ago",)}
# fmt: on
