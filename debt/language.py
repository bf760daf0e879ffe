"""Which language a person writes in, from a few words of SMS or chat: French, German or English.

No model: common words, greetings and thanks, the letters only one language uses (ä ö ü ß,
é è ç ...), elisions (j'ai, c'est) and contractions (I'm, don't). Too little evidence, or a tie,
gives None: "ok", "STOP" or "123" say nothing about a language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from debt.text import strip_accents

LANGUAGES = ("fr", "de", "en")
JURISDICTION_LANGUAGE = {"FR": "fr", "DE": "de", "GB": "en", "US": "en"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Folded (lower case, no accents, ß as ss); words shared by two of the languages are left out
# ("du", "was", "will", "in", "an", "so", "me", "ok", "stop", "sms").
_WORDS: dict[str, frozenset[str]] = {
    "fr": _words(
        """je j ai suis pas ne vous votre vos nous notre mon ma mes le la les un une des de et est
        c ce cette ca qui que qu quoi pour par sur avec dans au aux oui non il elle on mais ou donc
        car deja aujourd hui demain semaine mois payer paye rappeler appeler appel peux veux dois
        pouvez voulez combien quand comment pourquoi rien plus tres bien accord daccord erreur
        argent compte numero chez jamais toujours encore fait faire moi en vais va sont ont avez
        etes mal recu madame monsieur besoin travail suite courrier dossier somme quel quelle
        montant solde bonne matin soir midi nuit prochain aucun souci ouais nan coucou bsr dac
        rappelez conseiller lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier
        mars avril juin juillet aout septembre octobre decembre deux trois quatre cinq sept huit
        neuf dix douze quinze vingt trente quarante cinquante cent"""
    ),
    "de": _words(
        """ich bin habe hab nicht kein keine keinen der die das den dem des und ist sind mit von zu
        zum zur auf fur fuer bitte sie ihr ihre ihnen mein meine mich mir wir uns wie wann warum
        wo kann konnen koennen muss mochte moechte zahlen bezahlt bezahlen geld schon noch auch
        aber oder nur mal heute woche monat anrufen rufen zuruck zurueck stimmt falsch nummer
        gerne gern hier bei nach uber ueber jetzt leider sehr gut es ein eine einen hat war wer da
        dass weil mehr nichts bekommen erhalten brief nee genau alles klar passt bis dann bald
        welche welcher gute abend nacht falsche falscher nen mach zahl betrag vertrag geboren uhr
        raten monate montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar
        marz maerz juni juli oktober dezember zwei drei vier funf fuenf sieben acht neun zehn
        zwanzig dreissig vierzig funfzig hundert euro"""
    ),
    "en": _words(
        """i my the and is are be been have has had do does did dont don not yes yeah yep please
        you your we our us it its this that what when where why how can cant could would should
        of to for on at with from about already paid pay money call back tomorrow today week month
        sorry wrong number who just get got want need now time help sure right im ive u ur
        pls thank any anymore there their they them these those which good morning evening night
        goodbye later mate nah nope owed whats next after over born months pounds quid fine great
        alright cool monday tuesday wednesday thursday friday saturday sunday january february
        march june july october december two three four five seven eight nine ten twenty thirty
        forty fifty hundred hi hey bye sorry"""
    ),
}
# Greetings and thanks weigh more: a one-word SMS is often just that.
_STRONG: dict[str, frozenset[str]] = {
    "fr": frozenset({"bonjour", "bonsoir", "salut", "merci", "svp", "stp", "plait", "oui", "bjr", "slt"}),
    "de": frozenset({"hallo", "guten", "tag", "danke", "moin", "servus", "ja", "nein", "tschuss"}),
    "en": frozenset({"hello", "thanks", "thx", "cheers", "yes", "no"}),
}
_LETTERS = {"fr": set("éèêàâçùûîïôœëÿ"), "de": set("äöüß")}
_ENDINGS = {
    "fr": ("eau", "eaux", "oir", "ais", "ait", "ez", "ette", "eux", "euse", "ique"),
    "de": ("ung", "ungen", "keit", "heit", "lich", "isch", "chen"),
    "en": ("ing", "ness", "ful", "ight", "ough"),
}
_FR_ELISION = re.compile(r"\b(?:j|c|l|d|n|qu|m|s|t)'(?=\w)")
_EN_CONTRACTION = re.compile(r"\w'(?:s|t|m|ll|re|ve|d)\b")
_WORD = re.compile(r"[^\W\d_]+")
# E-mail addresses and links say nothing about the writer's language ("web.de", "free.fr").
_ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+", re.IGNORECASE)
# The winner must lead by this much; below it the text is called ambiguous.
MARGIN = 1.0


def scores(text: str) -> dict[str, float]:
    """Evidence for each language in `text`; higher is more likely."""
    lowered = _ADDRESS.sub(" ", text).lower().replace("’", "'").replace("‘", "'")
    score = dict.fromkeys(LANGUAGES, 0.0)
    score["fr"] += len(_FR_ELISION.findall(lowered))
    score["en"] += len(_EN_CONTRACTION.findall(lowered))
    for word in _WORD.findall(lowered):
        folded = strip_accents(word)
        for lang in LANGUAGES:
            if folded in _STRONG[lang]:
                score[lang] += 2
            elif folded in _WORDS[lang]:
                score[lang] += 1
            elif len(folded) >= 5 and folded.endswith(_ENDINGS[lang]):
                score[lang] += 0.5
        for lang, letters in _LETTERS.items():
            if letters.intersection(word):
                score[lang] += 2
    return score


def detect_language(text: str) -> str | None:
    """ "fr", "de" or "en" when the text says so clearly enough, else None."""
    ranked = sorted(scores(text).items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, runner_up) = ranked[0], ranked[1]
    if top < MARGIN or top - runner_up < MARGIN:
        return None
    return best


def conversation_language(
    account_language: str | None, first_messages: Iterable[str], default: str = "en"
) -> str:
    """The language to answer in.

    The account's language when it is known (fr, de or en); else the language of the person's
    messages so far, read together; else `default`, which callers set to the language of the
    default jurisdiction (JURISDICTION_LANGUAGE), unknown to this module.
    """
    if default not in LANGUAGES:
        raise ValueError(f"unsupported default language: {default!r}")
    known = str(account_language or "").strip().lower()[:2]
    if known in LANGUAGES:
        return known
    return detect_language(" ".join(first_messages)) or default
