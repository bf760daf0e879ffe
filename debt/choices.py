"""What a debtor chooses, in their own words: a plan, a way to pay, help in hardship, a dispute reason.

Keyword tables per language hold folded words (lower case, no accents, ä as ae). A word
ending in "*" is a stem, one starting with "*" the end of a German compound; words of
several tokens may have up to two other words between them ("j'ai déjà tout payé"). A word
starting with "~" counts only when no other label's words are found ("suspendre les mensualités").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from debt.outcomes.holds import DisputeReason
from debt.spoken import parse_count, parse_spoken_amount
from debt.spoken._text import edit_distance_le1, is_word, language_of, readable, tokenize
from debt.spoken.amounts import CENT, COUNT_WORDS, ONCE_EN, YEAR_WORDS, is_money
from debt.spoken.numbers import Span, find_numbers

MAX_MONTHS = 120
LAST = -1
MAX_CLASSIFIED_CHARS = 5000
_GAP = 2
_TYPO_LENGTH = 7  # shorter words are too close to others ("malade", "salade") to forgive a typo

PAYMENT_METHODS = ("card", "bank_transfer", "direct_debit", "cheque", "cash", "paypal", "other")
HARDSHIP_CHOICES = ("pause", "plan", "advisor")

# fmt: off
NEGATIONS = {
    "fr": frozenset({"pas", "jamais", "sans", "aucun", "aucune", "ni", "n", "ne"}),
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keiner", "keinem", "nie", "niemals", "ohne",
                     "nichts"}),
    "en": frozenset({"not", "never", "without", "don", "dont", "t", "cannot", "cant", "nothing", "neither"}),
}
OPTION_WORDS = {
    "fr": frozenset({"option", "choix", "proposition", "formule", "solution", "numero", "num", "no", "n",
                     "offre", "possibilite"}),
    "de": frozenset({"option", "variante", "moeglichkeit", "vorschlag", "nummer", "nr", "no", "angebot",
                     "plan"}),
    "en": frozenset({"option", "choice", "number", "no", "num", "nr", "plan", "offer"}),
}
LAST_WORDS = {
    "fr": frozenset({"derniere", "dernier"}),
    "de": frozenset({"letzte", "letzten", "letzter", "letztes"}),
    "en": frozenset({"last"}),
}
PER_MONTH = {
    "fr": ("par mois", "chaque mois", "tous les mois", "mensuel", "mensuels", "mensuellement", "/ mois",
           "le mois"),
    "de": ("pro monat", "im monat", "monatlich*", "jeden monat", "/ monat", "mtl", "je monat"),
    "en": ("a month", "per month", "each month", "every month", "monthly", "/ month", "pcm", "a mth"),
}
PAY_WORDS = {
    "fr": frozenset({"payer", "paie", "paye", "verser", "rembourser", "regler", "mettre"}),
    "de": frozenset({"zahlen", "bezahlen", "zahle", "ueberweisen", "abzahlen"}),
    "en": frozenset({"pay", "afford", "paying", "spare"}),
}
PAYMENT_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "fr": {
        "card": ("carte", "cartes", "cb", "carte bleue", "carte bancaire", "carte de credit", "visa",
                 "mastercard",
                 "amex", "apple pay", "google pay", "paiement en ligne"),
        "bank_transfer": ("virement*", "vire", "virer", "rib", "iban", "ordre permanent"),
        "direct_debit": ("prelevement*", "prelever", "preleve", "prelevez", "mandat sepa", "domiciliation"),
        "cheque": ("cheque", "cheques", "chequier"),
        "cash": ("especes", "espece", "liquide", "cash", "mandat cash", "au guichet", "bureau de tabac",
                 "buraliste"),
        "paypal": ("paypal", "pay pal"),
        "other": ("autrement", "autre moyen", "autre facon", "autre maniere", "autre mode", "autre methode",
                  "western union", "bitcoin", "crypto*"),
    },
    "de": {
        "card": ("karte", "karten", "*karte", "ec", "visa", "mastercard", "amex", "apple pay", "google pay",
                 "girocard"),
        "bank_transfer": ("ueberweisung*", "*ueberweisung", "ueberweise", "ueberweisen", "ueberwiesen",
                          "dauerauftrag", "online banking", "onlinebanking", "iban"),
        "direct_debit": ("lastschrift*", "*lastschrift", "bankeinzug", "einzug", "einziehen", "abbuchung",
                         "abbuchen", "abgebucht", "sepa mandat", "einzugsermaechtigung"),
        "cheque": ("scheck", "schecks", "check"),
        "cash": ("bar", "bargeld", "barzahlung", "cash", "in bar", "bar bezahlt", "barzahlen"),
        "paypal": ("paypal", "pay pal"),
        "other": ("anders", "anderweitig", "andere weise", "anderen weg", "andere art", "andere moeglichkeit",
                  "anderes zahlungsmittel", "western union", "bitcoin", "krypto*", "crypto*"),
    },
    "en": {
        "card": ("card", "cards", "debit card", "credit card", "visa", "mastercard", "amex", "apple pay",
                 "google pay", "online"),
        "bank_transfer": ("transfer", "transfers", "bank transfer", "standing order", "bacs",
                          "faster payment",
                          "faster payments", "online banking", "banking app", "wire"),
        "direct_debit": ("direct debit", "dd", "debit from my account", "take it from my account"),
        "cheque": ("cheque", "cheques", "chequebook", "by check", "a check", "send a check", "mail a check"),
        "cash": ("cash", "paypoint", "payzone", "post office"),
        "paypal": ("paypal", "pay pal"),
        "other": ("other way", "another way", "some other", "something else", "other method",
                  "another method",
                  "different way", "western union", "bitcoin", "crypto*"),
    },
}
HARDSHIP_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "fr": {
        "pause": ("pause", "suspendre", "suspension", "suspendu", "attendre", "delai", "delais", "report",
                  "reporter", "repousser", "plus de temps", "un peu de temps", "du temps", "souffler",
                  "treve", "geler"),
        "plan": ("plan", "echeancier", "~mensualites", "~mensualite", "plus petites", "plus petits",
                 "petites sommes", "echelonner", "echelonnement", "en plusieurs fois", "etaler",
                 "paiements reduits",
                 "~versements", "~paiements"),
        "advisor": ("conseiller", "conseillere", "quelqu un", "une personne", "un humain", "humain", "agent",
                    "parler a", "interlocuteur", "un vrai", "une vraie"),
    },
    "de": {
        "pause": ("pause", "pausieren", "aussetzen", "warten", "aufschub", "aufschieben", "stundung",
                  "verschieben", "mehr zeit", "etwas zeit", "zeit", "spaeter", "ruhen"),
        "plan": ("plan", "~raten", "~rate", "ratenzahlung*", "ratenplan", "zahlungsplan", "teilzahlung*",
                 "ratenweise", "kleinere", "kleineren", "~monatsraten", "abstottern", "stueckweise"),
        "advisor": ("berater", "beraterin", "beratung", "mensch", "menschen", "mitarbeiter", "mitarbeiterin",
                    "jemand", "jemandem", "jemanden", "sachbearbeiter", "person", "persoenlich",
                    "sprechen mit"),
    },
    "en": {
        "pause": ("pause", "wait", "breathing space", "breathing room", "more time", "some time", "time off",
                  "hold", "delay", "postpone", "put off", "freeze", "break", "later"),
        "plan": ("plan", "smaller payments", "smaller amounts", "~instalments", "~installments",
                 "~instalment",
                 "~installment", "~payments", "spread", "payment plan", "smaller", "bit by bit"),
        "advisor": ("adviser", "advisor", "advice", "a person", "someone", "somebody", "human", "agent",
                    "speak to", "talk to", "real person", "staff"),
    },
}
DISPUTE_WORDS: dict[str, dict[DisputeReason, tuple[str, ...]]] = {
    "fr": {
        DisputeReason.FRAUD: ("usurpation", "usurpe", "usurpee", "fraude", "frauduleu*", "arnaque",
                              "escroquerie",
                              "escroc", "pas moi", "vol d identite", "vole mon identite", "pirate",
                              "piratage",
                              "utilise mon nom", "utilise mon identite", "mon identite"),
        DisputeReason.ALREADY_PAID: ("deja paye", "deja payee", "deja regle", "deja reglee", "deja rembourse",
                                     "deja verse", "deja solde", "ai paye", "ai regle", "tout paye",
                                     "tout rembourse", "deja fait le virement", "c est paye", "c est regle"),
        DisputeReason.NEVER_ORDERED: ("jamais commande", "rien commande", "pas commande", "jamais souscrit",
                                      "pas souscrit", "jamais signe", "jamais abonne", "jamais achete",
                                      "jamais demande", "aucun contrat", "jamais eu de contrat",
                                      "connais pas",
                                      "jamais entendu parler", "jamais ete client", "pas client"),
        DisputeReason.CONTRACT_CANCELLED: ("resilie", "resiliee", "resilies", "resiliation", "resilier",
                                           "annule", "annulee", "annulation", "mis fin", "rompu"),
        DisputeReason.SERVICE_NOT_PROVIDED: ("jamais fonctionne", "jamais marche", "fonctionne pas",
                                             "marche pas", "jamais recu", "pas recu", "jamais livre",
                                             "pas livre", "service non fourni", "pas de service",
                                             "jamais eu le service", "jamais installe", "pas de connexion",
                                             "jamais ete livre", "jamais utilise"),
        DisputeReason.WRONG_AMOUNT: ("montant faux", "montant incorrect", "montant errone", "mauvais montant",
                                     "pas le bon montant", "erreur de montant", "erreur sur le montant",
                                     "trop cher", "trop eleve", "trop", "pas autant", "dois que", "doit que",
                                     "montant est faux", "surfacture*"),
    },
    "de": {
        DisputeReason.FRAUD: ("betrug", "betrueger*", "identitaetsdiebstahl", "identitaet gestohlen",
                              "identitaet missbraucht", "nicht ich", "war ich nicht", "missbrauch*",
                              "gehackt",
                              "abzocke", "fake", "meinen namen benutzt"),
        DisputeReason.ALREADY_PAID: ("schon bezahlt", "bereits bezahlt", "schon gezahlt", "bereits gezahlt",
                                     "bezahlt", "beglichen", "schon ueberwiesen", "bereits ueberwiesen",
                                     "ueberwiesen", "erledigt", "abbezahlt"),
        DisputeReason.NEVER_ORDERED: ("nie bestellt", "nichts bestellt", "nicht bestellt",
                                      "nie abgeschlossen",
                                      "nie unterschrieben", "nie angemeldet", "keinen vertrag",
                                      "kein vertrag",
                                      "kenne ich nicht", "kenne die firma nicht", "nie kunde",
                                      "nie beauftragt",
                                      "nicht beauftragt", "nie abonniert"),
        DisputeReason.CONTRACT_CANCELLED: ("gekuendigt", "kuendigung", "kuendigte", "storniert",
                                           "stornierung",
                                           "storno", "widerrufen", "widerruf", "vertrag beendet"),
        DisputeReason.SERVICE_NOT_PROVIDED: ("nie funktioniert", "funktioniert nicht", "nicht funktioniert",
                                             "nie geliefert", "nicht geliefert", "nie erhalten",
                                             "nicht erhalten", "nie bekommen", "nichts bekommen",
                                             "leistung nicht erbracht", "keine leistung", "nie genutzt",
                                             "nie benutzt"),
        DisputeReason.WRONG_AMOUNT: ("betrag falsch", "falscher betrag", "falsche betrag",
                                     "betrag stimmt nicht",
                                     "summe falsch", "falsche summe", "zu hoch", "zu viel", "nicht so viel",
                                     "ueberhoeht", "betrag ist falsch"),
    },
    "en": {
        DisputeReason.FRAUD: ("fraud*", "identity theft", "stolen identity", "identity stolen",
                              "stole my identity",
                              "scam", "scammed", "not me", "wasn t me", "hacked", "someone used my",
                              "impersonat*"),
        DisputeReason.ALREADY_PAID: ("already paid", "paid already", "paid it", "paid in full", "paid off",
                                     "settled", "i paid", "have paid", "ve paid", "cleared it", "paid"),
        DisputeReason.NEVER_ORDERED: ("never ordered", "didn t order", "did not order", "never signed up",
                                      "never signed", "never subscribed", "never bought", "no contract",
                                      "never had an account", "never heard of", "not my account",
                                      "don t know this company", "never agreed"),
        DisputeReason.CONTRACT_CANCELLED: ("cancelled", "canceled", "cancellation", "terminated", "cancel",
                                           "closed the account", "ended the contract"),
        DisputeReason.SERVICE_NOT_PROVIDED: ("never worked", "didn t work", "doesn t work", "not working",
                                             "service not provided", "never provided", "never received",
                                             "never delivered", "not delivered", "never got", "no service",
                                             "never arrived", "never used"),
        DisputeReason.WRONG_AMOUNT: ("wrong amount", "amount is wrong", "amount wrong", "incorrect amount",
                                     "amount is incorrect", "too much", "too high", "overcharged",
                                     "don t owe that much", "not that much", "only owe"),
    },
}
VULNERABILITY_WORDS = {
    "fr": ("malade", "malades", "maladie", "maladies", "hopital", "hopitaux", "hospitalis*", "clinique",
           "urgences", "cancer*", "chimio*", "tumeur*", "leucemie", "radiotherapie", "depress*", "deprime*",
           "burn out", "burnout", "psychiatr*", "psycholog*", "suicid*", "sante mentale", "handicap*",
           "invalidite", "invalide", "mdph", "deces", "decede*", "deuil", "mort", "morte", "enterrement",
           "obseques", "veuf", "veuve", "enceinte", "grossesse", "accouch*", "violence*", "violent",
           "alcool*", "drogue*", "addict*", "dependance", "toxicomane", "aidant*", "alzheimer", "demence",
           "dialyse", "greffe", "avc", "sclerose", "parkinson", "palliati*", "sans abri", "sdf",
           "suis a la rue",
           "sans domicile", "curatelle", "tutelle", "tres age", "tres agee", "personne agee", "ehpad",
           "maison de retraite", "octogenaire", "nonagenaire"),
    "de": ("krank*", "*krank", "*krankheit", "*kranke", "klinik*", "*klinik", "spital", "krebs*", "*krebs",
           "chemo*", "tumor*", "depress*", "psych*", "burnout", "burn out", "selbstmord*", "suizid*",
           "behindert*", "*behindert", "behinderung*", "*behinderung", "rollstuhl", "gestorben", "verstorben",
           "tod", "todes*", "trauer*", "beerdigung", "witwe*", "witwer", "schwanger*", "entbindung", "gewalt",
           "*gewalt", "*sucht", "suechtig", "*suechtig", "alkohol*", "drogen*", "pflege*", "*pflege",
           "demenz", "alzheimer", "dialyse", "schlaganfall", "herzinfarkt", "obdachlos*", "wohnungslos*",
           "betreuer", "betreuerin", "betreuung", "pflegeheim", "altenheim", "seniorenheim", "hochbetagt",
           "reha", "operation", "palliativ*"),
    "en": ("illness*", "sickness", "hospital", "hospitals", "hospitalised", "hospitalized",
           "hospitalisation", "hospitalization", "cancer*", "chemo*", "tumour*", "tumor*", "leukaemia",
           "leukemia", "depress*", "anxiety", "mental health", "nervous breakdown",
           "mental breakdown", "suicid*", "disabled", "disability",
           "disabilities", "wheelchair", "died", "passed away", "death", "bereave*", "funeral", "widow*",
           "pregnan*", "maternity", "domestic violence", "domestic abuse", "abusive", "addict*", "alcoholi*",
           "gambling", "drugs", "carer", "caring for", "look after my", "looking after my", "dementia",
           "alzheimer*", "dialysis", "stroke", "terminal*", "diagnos*", "surgery", "homeless*",
           "sofa surfing",
           "rough sleeping", "elderly", "care home", "nursing home", "very old", "psychiatr*", "palliative"),
}
NOT_VULNERABLE_AFTER = {"sick": frozenset({"of", "and"})}
# "ill" is a health word after these only: "ill pay tomorrow" is a hurried "I'll".
ILL_BEFORE = frozenset({"am", "m", "im", "been", "was", "is", "are", "were", "very", "seriously",
                        "terminally", "critically", "mentally", "chronically", "gravely", "fell", "became",
                        "got", "so", "too", "really", "quite", "being", "s", "re"})
# Words that end in "sucht" and have nothing to do with addiction.
NOT_COMPOUNDS = frozenset({"versucht", "besucht", "gesucht", "untersucht", "ersucht", "aufgesucht",
                           "heimgesucht", "ausgesucht", "abgesucht", "eifersucht", "sehnsucht"})
AGE_WORDS = frozenset({"ans", "jahre", "jahren", "years", "yrs", "year"})
OLD_AGE = 80
# fmt: on


@dataclass(frozen=True)
class PlanChoice:
    option: int | None = None
    months: int | None = None
    monthly: Decimal | None = None


def parse_plan_choice(text: str, language: str, options: int) -> PlanChoice | None:
    """One of `options` numbered proposals, a number of months, a monthly amount, or a mix of them.

    "la deuxième", "option 2", "en 6 fois", "sechs Monate", "50 € par mois", "monatlich 25",
    "£20 a month". A bare number is an option when 1..options, else months up to 60; an
    amount needs a currency or a per-month word.
    """
    lang = language_of(language)
    if not readable(text):
        return None
    tokens = tokenize(text)
    spans = find_numbers(tokens, lang)
    per_month = _phrase_spans(tokens, PER_MONTH[lang])
    used: set[int] = set()
    monthly = _monthly(text, tokens, spans, per_month, lang, used)
    months = _months(tokens, per_month, used, lang)
    said = _option(tokens, spans, lang, used)
    if said == LAST:
        said = options
    if said is not None and not 1 <= said <= options:
        return None  # a proposal that was not made
    option = said
    rest = [s for s in spans if s.start not in used and not s.ordinal and not _counted(tokens, s, lang)]
    if said is None and monthly is None and len(rest) == 1 and not _near_pay_word(tokens, rest[0], lang):
        value = rest[0].value
        if 1 <= value <= options:
            option = value
        elif months is None and 1 <= value <= 60:
            months = value
    if option is None and months is None and monthly is None:
        return None
    return PlanChoice(option, months, monthly)


def parse_payment_method(text: str, language: str) -> str | None:
    """card, bank_transfer, direct_debit, cheque, cash, paypal or other; None when unclear or not said."""
    lang = language_of(language)
    if not readable(text):
        return None
    found = _labels(tokenize(text), PAYMENT_WORDS[lang], lang)
    return found.pop() if len(found) == 1 else None


def parse_hardship_choice(text: str, language: str) -> str | None:
    """pause, plan or advisor, in words or as the option numbers 1, 2, 3; None when unclear."""
    lang = language_of(language)
    if not readable(text):
        return None
    found = _labels(tokenize(text), HARDSHIP_WORDS[lang], lang)
    if found:
        return found.pop() if len(found) == 1 else None
    choice = parse_plan_choice(text, lang, len(HARDSHIP_CHOICES))
    if choice is None or choice.option is None or choice.months is not None or choice.monthly is not None:
        return None
    return HARDSHIP_CHOICES[choice.option - 1]


def classify_dispute_reason(text: str, language: str) -> DisputeReason:
    """Why the debtor contests the claim; OTHER when the words do not say."""
    lang = language_of(language)
    if not isinstance(text, str) or not text.strip():
        return DisputeReason.OTHER
    table = DISPUTE_WORDS[lang]
    found = _labels(
        tokenize(text[:MAX_CLASSIFIED_CHARS]), {r.value: words for r, words in table.items()}, lang
    )
    return next((reason for reason in table if reason.value in found), DisputeReason.OTHER)


def vulnerability_signals(text: str, language: str) -> bool:
    """True when the text speaks of illness, disability, death, pregnancy, abuse, addiction or caring.

    Also old age and homelessness: a person must look at the case. Losing a job alone is not this.
    """
    lang = language_of(language)
    if not isinstance(text, str) or not text.strip():
        return False
    tokens = tokenize(text[:MAX_CLASSIFIED_CHARS])
    if _matches(tokens, VULNERABILITY_WORDS[lang], lang, negatable=False) is not None:
        return True
    if lang == "en" and any(
        t == "ill" and _previous_word(tokens, i) in ILL_BEFORE for i, t in enumerate(tokens)
    ):
        return True
    if lang == "en" and any(
        t == "sick" and _next_word(tokens, i) not in NOT_VULNERABLE_AFTER["sick"]
        for i, t in enumerate(tokens)
    ):
        return True
    return _very_old(tokens, lang)


def _monthly(
    text: str,
    tokens: list[str],
    spans: list[Span],
    per_month: list[tuple[int, int]],
    lang: str,
    used: set[int],
) -> Decimal | None:
    money = [s for s in spans if is_money(tokens, s, lang)]
    if money:
        used.update(i for s in money for i in range(s.start, s.end))
        return parse_spoken_amount(text, lang)
    for start, end in per_month:
        span = next((s for s in spans if s.end == start or s.start == end), None)
        if span is None or span.ordinal:
            continue
        used.update(range(span.start, span.end))
        amount = parse_spoken_amount(text, lang)
        if amount is None or int(amount) != span.value:
            amount = Decimal(span.value).quantize(CENT)
        return amount if amount > 0 else None
    return None


def _months(tokens: list[str], per_month: list[tuple[int, int]], used: set[int], lang: str) -> int | None:
    """A number of months or instalments, read by parse_count without the amount and the per-month words."""
    dropped = {i for start, end in per_month for i in range(start, end)} | used
    kept = [t for i, t in enumerate(tokens) if i not in dropped]
    counting = COUNT_WORDS[lang] | YEAR_WORDS[lang] | (set(ONCE_EN) if lang == "en" else set())
    if not any(t in counting or (lang == "de" and t.endswith("mal") and len(t) > 3) for t in kept):
        return None
    count = parse_count(" ".join(kept), lang)
    return count if count is not None and count <= MAX_MONTHS else None


def _option(tokens: list[str], spans: list[Span], lang: str, used: set[int]) -> int | None:
    """The number of the proposal named: "option 2", "n°2", "la deuxième", "the last one" (LAST)."""
    by_start = {s.start: s for s in spans}
    for i, word in enumerate(tokens):
        if word in OPTION_WORDS[lang] or word == "#":
            j = i + 1
            while j < len(tokens) and (not is_word(tokens[j]) or tokens[j] in OPTION_WORDS[lang]):
                j += 1
            span = by_start.get(j)
            if span is not None and j > i:
                used.update(range(span.start, span.end))
                return span.value
        if word in LAST_WORDS[lang] and _next_word(tokens, i) in (
            {"", "one", "une", "un"} | OPTION_WORDS[lang]
        ):
            return LAST
    for span in spans:
        if span.ordinal and (not tokens[span.start].endswith(".") or span.end == len(tokens)):
            used.update(range(span.start, span.end))
            return span.value
    return None


def _counted(tokens: list[str], span: Span, lang: str) -> bool:
    following = tokens[span.end] if span.end < len(tokens) else ""
    return following in COUNT_WORDS[lang] or following in YEAR_WORDS[lang]


def _near_pay_word(tokens: list[str], span: Span, lang: str) -> bool:
    return (
        _previous_word(tokens, span.start) in PAY_WORDS[lang]
        or _next_word(tokens, span.end - 1) in PAY_WORDS[lang]
    )


def _very_old(tokens: list[str], lang: str) -> bool:
    """An age of 80 or more: "j'ai 85 ans", "ich bin 82 Jahre alt", "I'm 90", "aged 84"."""
    for span in find_numbers(tokens, lang):
        if not OLD_AGE <= span.value <= 120 or span.ordinal:
            continue
        before, after = _previous_word(tokens, span.start), _next_word(tokens, span.end - 1)
        if after in AGE_WORDS or (lang == "en" and before in ("m", "im", "aged", "age", "am")):
            return True
    return False


def _labels(tokens: Sequence[str], table: Mapping[str, tuple[str, ...]], lang: str) -> set[str]:
    """The labels whose words the text says, not negated: strong words before "~" ones, exact before typos."""
    levels: list[set[str]] = [set(), set(), set(), set()]
    for label, phrases in table.items():
        strong = tuple(p for p in phrases if not p.startswith("~"))
        weak = tuple(p[1:] for p in phrases if p.startswith("~"))
        for offset, group in ((0, strong), (2, weak)):
            typos = _matches(tokens, group, lang, negatable=True)
            if typos is not None:
                levels[offset + min(typos, 1)].add(label)
    return next((level for level in levels if level), set())


def _matches(tokens: Sequence[str], phrases: tuple[str, ...], lang: str, *, negatable: bool) -> int | None:
    """The fewest typos with which one of the phrases is found in tokens, or None."""
    best: int | None = None
    for phrase in phrases:
        words = phrase.split()
        negated_phrase = any(w in NEGATIONS[lang] for w in words)
        for i in range(len(tokens)):
            typos = _match_at(tokens, i, words, lang)
            if typos is None or (best is not None and typos >= best):
                continue
            if negatable and not negated_phrase and _negated(tokens, i, lang):
                continue
            best = typos
            if best == 0:
                return 0
    return best


def _match_at(tokens: Sequence[str], i: int, words: Sequence[str], lang: str) -> int | None:
    typos = _word_typos(tokens[i], words[0])
    if typos is None or len(words) == 1:
        return typos
    j, gap = i + 1, 0
    while j < len(tokens) and gap <= _GAP:
        if tokens[j] == "'":
            j += 1
            continue
        rest = _match_at(tokens, j, words[1:], lang)
        if rest is not None:
            return typos + rest
        if not is_word(tokens[j]) or tokens[j] in NEGATIONS[lang]:
            return None
        gap += 1
        j += 1
    return None


@lru_cache(maxsize=65536)
def _word_typos(token: str, pattern: str) -> int | None:
    """0 when token is pattern (or has its stem or compound end), 1 when one typo away, else None."""
    if pattern.startswith("*"):
        ending = pattern[1:]
        return (
            0 if token.endswith(ending) and len(token) > len(ending) and token not in NOT_COMPOUNDS else None
        )
    if pattern.endswith("*"):
        stem = pattern[:-1]
        if token.startswith(stem):
            return 0
        if len(stem) < _TYPO_LENGTH or len(token) < len(stem) - 1:
            return None
        close = any(edit_distance_le1(token[:n], stem) for n in (len(stem) - 1, len(stem), len(stem) + 1))
        return 1 if close else None
    if token == pattern:
        return 0
    return (
        1
        if len(pattern) >= _TYPO_LENGTH and token[:1].isalpha() and edit_distance_le1(token, pattern)
        else None
    )


def _negated(tokens: Sequence[str], i: int, lang: str) -> bool:
    """A negation among the three words before tokens[i], within the same clause."""
    seen = 0
    j = i - 1
    while j >= 0 and seen < 3:
        word = tokens[j]
        if word != "'":
            if not is_word(word):
                return False
            if word in NEGATIONS[lang]:
                return True
            seen += 1
        j -= 1
    return False


def _phrase_spans(tokens: Sequence[str], phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each adjacent occurrence of one of the phrases."""
    found = []
    for phrase in phrases:
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            if all(_word_typos(tokens[i + k], w) == 0 for k, w in enumerate(words)):
                found.append((i, i + len(words)))
    return sorted(found)


def _previous_word(tokens: Sequence[str], i: int) -> str:
    j = i - 1
    while j >= 0 and tokens[j] == "'":
        j -= 1
    return tokens[j] if j >= 0 else ""


def _next_word(tokens: Sequence[str], i: int) -> str:
    j = i + 1
    while j < len(tokens) and tokens[j] == "'":
        j += 1
    return tokens[j] if j < len(tokens) else ""
