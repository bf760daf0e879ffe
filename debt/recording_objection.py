"""Whether a caller objects to the call being recorded, from one utterance (fr, de, en).

The recording notice ends with "you may object: just say so" (debt/messages: recording_notice).
This rule reads what speech recognition wrote (lower case, no punctuation, words a little off)
and answers True for an objection: "je ne veux pas être enregistré", "keine Aufnahme",
"stop recording". Pure Python, no model.

Recording words alone never count: collection talk is full of them ("j'ai enregistré le
paiement", "die Zahlung wurde aufgenommen", "I recorded the payment", "mon paiement n'a pas été
enregistré"). An objection is a recording word tied to a refusal: a wish denied (ne veux pas …
enregistré, möchte nicht … aufgezeichnet), an order to stop or not to record (arrêtez
l'enregistrement, nicht aufzeichnen, don't record this), no recording (pas d'enregistrement,
keine Aufnahme, no recording) or an objection (je m'oppose à, ich widerspreche, I object to).
Between the two, only words that can stand there in an objection are allowed ("être", "que
l'appel soit", "das Gespräch", "this call"), so a sentence about something else never bridges
them; and a payment, an address or a contact named with the recording word means the words are
about that record, not the call's ("je ne veux pas enregistrer ma carte", "Kontakt aufnehmen").
"""

from __future__ import annotations

import re
import unicodedata

# An utterance longer than this is not read (a turn is a few sentences at most).
MAX_CHARS = 1000

# German umlauts spelled out, so "möchte" and "moechte" meet; apostrophes split words ("l'appel").
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "œ": "oe", "æ": "ae"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Hesitations recognisers write as words; they may fall anywhere.
_HESITATIONS = _words("uh uhm um umm erm ehm euh heu hum ahm aehm aeh hm hmm mh mhm")


def normalise(text: str) -> str:
    """Lower case, accents dropped (umlauts spelled out), anything but letters and digits a space."""
    folded = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    plain = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(w for w in words if w not in _HESITATIONS)


def _any(words: str) -> str:
    return "(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + ")"


def _gap(words: str, most: int) -> str:
    """Up to `most` words, each one of `words`, each followed by a space."""
    return f"(?:{_any(words)} ){{0,{most}}}"


# -- English (after normalise: "don't" is "don t", "I'd" is "i d") ------------------------------------

# "record" as a verb only: "check your records", "the record of my payment" are about something else.
_EN_REC = r"(?:recorded|recordings?|(?<!your )(?<!my )(?<!the )(?<!a )(?<!our )(?<!their )(?<!any )record)"
_EN_GAP = _gap(
    "to be being get getting have having me us you it this that the call calls conversation phone line "
    "any anything on a an my our your voice myself here now please at all for of with what i say said "
    "just really even anymore further more consent permission if while during",
    6,
)
_EN_NOT = r"(?:don t|dont|do not|doesn t|does not|didn t|did not|wouldn t|would not|won t|will not|never|not)"
_EN_WANT = _any(
    "want wanna wish like agree agreed consent consented accept allow permit authorise authorize give"
)
_EN_NOT_AFTER = (
    r"(?:not|didn t|did not|don t|do not|wouldn t|would not|wasn t|was not|weren t|were not|isn t|is not|"
    r"never)"
)
_EN_SUBJECT = r"(?<!\bi )(?<!\bwe )(?<!\bthey )(?<!\byou )(?<!\bhe )(?<!\bshe )"
_EN_STOP = _any("stop end cancel pause kill disable halt quit terminate delete")
_EN_THE = r"(?:(?:the|this|that|your|any|our) )?"
_EN_FINE = _any("ok okay happy comfortable fine alright")
ENGLISH = [
    # I don't want to be recorded / I do not consent to the recording / I never agreed to this being recorded
    rf"{_EN_NOT} {_EN_WANT} {_EN_GAP}{_EN_REC}",
    # I'd rather not be recorded / I'd prefer it if you didn't record this / rather this wasn't recorded
    rf"(?:rather|prefer) {_EN_GAP}{_EN_NOT_AFTER} {_EN_GAP}{_EN_REC}",
    # don't record this call / please do not record me (not "I don't record my payments")
    rf"{_EN_SUBJECT}(?:don t|dont|do not|never) (?:(?:ever|please|even|just) )?record(?:ing)?",
    # can you not record this / would you mind not recording
    r"(?:can|could|would|will) you (?:please )?(?:not|stop) record(?:ing)?",
    r"mind not record(?:ing)?",
    # stop recording / stop the recording / cancel the recording / turn off the recording
    rf"{_EN_STOP} {_EN_THE}(?:recording|recordings|recorder)",
    r"(?:stop|quit) record(?:ing)?",
    rf"(?:turn|switch|shut|cut) off {_EN_THE}(?:recording|recorder)",
    rf"(?:turn|switch|shut|cut) {_EN_THE}(?:recording|recorder) off",
    # no recording please / without recording / without being recorded (not "there's no recording of")
    r"(?<!there s )(?<!there )(?<!have )(?<!has )(?:no|without) (?:any |a |the )?recordings?(?! of)",
    r"without (?:being |getting )?recorded",
    # I'm not OK with being recorded / not happy to be recorded
    rf"not {_EN_FINE} {_EN_GAP}{_EN_REC}",
    # I object to being recorded / I refuse to be recorded / I withdraw my consent to the recording
    rf"(?:object|objecting|objection|refuse|opposed|oppose|withdraw|revoke) {_EN_GAP}{_EN_REC}",
    # the recording, no thanks / recording, I don't want it
    r"recordings? (?:no thanks|no thank you|not for me|i (?:don t|do not) want (?:it|that|this))",
]

# -- French (after normalise: "l'enregistrement" is "l enregistrement", "qu'on" is "qu on") -------------

_FR_REC = r"enregistr\w*"
_FR_GAP = _gap(
    "etre que qu on me m vous nous l la le les cet cette ce c ca soit sois soient appel conversation "
    "echange entretien communication d de du un une ici ma mon mes voix se s y tout aucun aucune plus "
    "qui je dis dit notre votre il elle a au pour avec sur bande fasse fassiez en",
    6,
)
_FR_WANT = _any(
    "veux veut voulons voulez voudrais voudrait voudrions souhaite souhaitons souhaiterais desire "
    "desirerais accepte accepterais aime aimerais consens autorise donne"
)
_FR_NOT = r"(?:pas|plus|jamais|point)"
_FR_ASK = _any(
    "prefere prefererais preferons aimerais voudrais souhaite souhaiterais demande prie merci pouvez "
    "pourriez peux pourrais"
)
_FR_STOP = _any(
    "arretez arreter arrete arretes arretiez stoppez stoppiez stopper stop coupez coupiez couper coupe "
    "desactivez desactiviez desactiver "
    "interrompez interrompre suspendez suspendre cessez cesser eteignez eteindre supprimez supprimer "
    "annulez annuler enlevez enlever retirez retirer"
)
FRENCH = [
    # je ne veux pas être enregistré / je veux pas qu'on m'enregistre / je n'accepte pas l'enregistrement
    rf"{_FR_WANT} {_FR_NOT} {_FR_GAP}{_FR_REC}",
    # je préfère ne pas être enregistré / merci de ne pas m'enregistrer / pouvez-vous ne pas enregistrer
    rf"{_FR_ASK} {_FR_GAP}ne (?:pas|plus) {_FR_GAP}{_FR_REC}",
    # ne m'enregistrez pas / n'enregistrez pas cet appel / qu'on ne m'enregistre pas
    r"(?:ne|n) (?:(?:m|nous|l|le|la) )?enregistr(?:ez|iez) (?:pas|plus|rien)",
    r"(?:ne|n) (?:m|nous) enregistr\w* (?:pas|plus)",
    # arrêtez l'enregistrement / arrêtez de m'enregistrer / stop à l'enregistrement
    # (not "j'ai arrêté d'enregistrer mes dépenses")
    rf"(?<!ai )(?<!a )(?<!as )(?<!avez )(?<!avons )(?<!ont )(?<!est )(?<!etait )"
    rf"{_FR_STOP} {_FR_GAP}{_FR_REC}",
    # pas d'enregistrement / sans enregistrement / aucun enregistrement
    # (not "vous n'avez pas d'enregistrement", "il n'y a pas d'enregistrement")
    r"(?<!y a )(?<!y avait )(?<!avez )(?<!ai )(?<!avons )(?<!a )"
    r"(?:pas d|pas de|pas|sans|aucun|non a l|non au|non pour l) enregistrements?",
    # je m'oppose à l'enregistrement / je refuse d'être enregistré / pas d'accord pour être enregistré
    rf"(?:oppose|opposer|opposition|refuse|refus|objection|pas d accord|(?<!rien )(?<!pas )contre) "
    rf"{_FR_GAP}{_FR_REC}",
    # l'enregistrement, non merci / l'enregistrement, je n'en veux pas
    r"enregistrements? (?:non merci|je n en veux pas|j en veux pas|je refuse|je m y oppose)",
]

# -- German (after normalise: "möchte" is "moechte", "Gespräch" is "gespraech") ---------------------------

_DE_NOUN = r"(?:ton|gespraechs|gespraech|sprach|anruf|telefon)?(?:aufnahme|aufzeichnung|mitschnitt)(?:en)?"
_DE_VERB = (
    r"(?:aufzeichn\w*|aufgezeichnet|aufzuzeichnen|aufnehm\w*|aufgenommen|aufzunehmen|aufnimmt|"
    r"mitschneid\w*|mitgeschnitten|mitzuschneiden)"
)
_DE_REC = rf"(?:{_DE_NOUN}|{_DE_VERB})"
_DE_GAP = _gap(
    "das dies dieses diesen dieser es ich mich mir sie uns wir gespraech gesprach anruf telefonat "
    "unterhaltung hier bitte auch dabei jetzt so gerne gern lieber eigentlich mehr wirklich den dem der "
    "die ein eine einen was sage sagen zu werden wird wuerde ueberhaupt ganz dass meine stimme gegen mit "
    "damit davon von einer",
    6,
)
_DE_WANT = _any("moechte mochte moechten will wollen wuensche wunsche mag haette")
_DE_NOT = _any("nicht keine keinen kein")
_DE_STOP = _any(
    "stoppen stopp stop beenden beende unterbrechen abbrechen deaktivieren loeschen ausschalten abschalten "
    "ausmachen abstellen"
)
GERMAN = [
    # ich möchte nicht aufgenommen werden / ich will nicht, dass das aufgezeichnet wird
    # ich möchte keine Aufnahme
    rf"{_DE_WANT} {_DE_GAP}{_DE_NOT} {_DE_GAP}{_DE_REC}",
    # bitte nicht aufzeichnen / nicht aufnehmen
    r"nicht (?:mehr )?(?:aufzeichnen|aufnehmen|mitschneiden)",
    # zeichnen Sie das Gespräch nicht auf / nehmen Sie mich bitte nicht auf
    rf"(?:zeichnen|nehmen|schneiden) sie {_DE_GAP}(?:nicht|nichts) (?:mehr )?(?:auf|mit)",
    # stoppen Sie die Aufnahme / Aufzeichnung beenden / schalten Sie die Aufnahme aus
    rf"{_DE_STOP} (?:sie )?(?:bitte )?(?:(?:die|diese|ihre|jede|jegliche) )?{_DE_NOUN}",
    rf"{_DE_NOUN} (?:bitte )?{_DE_STOP}",
    rf"(?:schalten|machen|stellen) sie (?:bitte )?(?:(?:die|diese) )?{_DE_NOUN} (?:bitte )?(?:aus|ab)",
    # hören Sie auf aufzuzeichnen / hören Sie auf, mich aufzunehmen
    rf"(?:hoeren|horen|hoer|hor) (?:sie )?(?:bitte )?auf "
    rf"{_DE_GAP}(?:aufzuzeichnen|aufzunehmen|mitzuschneiden)",
    # keine Aufnahme / ohne Aufzeichnung / kein Mitschnitt (not "Sie haben keine Aufzeichnung")
    rf"(?<!habe )(?<!haben )(?<!hat )(?<!gibt es )(?<!gibt )(?:keine|kein|keinen|ohne) {_DE_NOUN}",
    # ich widerspreche der Aufzeichnung / ich lehne die Aufnahme ab / ich bin gegen die Aufnahme
    r"(?:widerspreche|widersprechen|widerspruch gegen|lehne|ablehnen|verweigere|untersage|untersagen|"
    rf"bin gegen|(?<!nichts )(?<!nicht )dagegen) {_DE_GAP}{_DE_REC}(?! nicht)",
    rf"{_DE_NOUN} (?:lehne ich ab|widerspreche ich|verweigere ich|untersage ich|nein danke|"
    r"moechte ich nicht|will ich nicht)",
    # ich bin mit der Aufzeichnung nicht einverstanden / nicht einverstanden, dass das aufgezeichnet wird
    rf"nicht (?:damit )?einverstanden {_DE_GAP}{_DE_REC}",
    rf"{_DE_NOUN} (?:\S+ ){{0,2}}nicht einverstanden",
    rf"stimme {_DE_GAP}{_DE_NOUN} nicht zu",
]

# Words naming another record: a payment, an address, a contact, a loan... With one of them next to
# the recording word the caller speaks about that record, not about the call being recorded.
_ABOUT_SOMETHING_ELSE = _words(
    """
    paiement paiements payement virement virements reglement reglements versement versements carte cartes
    cb rib iban coordonnees adresse numero cheque prelevement mandat echeancier promesse contestation
    reclamation demande donnees facture factures compte
    payment payments transfer card details bank account address number debit promise dispute complaint
    claim data invoice invoices
    zahlung zahlungen ueberweisung karte kreditkarte konto bankverbindung nummer kontakt kredit darlehen
    liste kartei ratenzahlung rate raten beschwerde daten rechnung lastschrift protokoll
    verbindung antrag
    """
)
_BEFORE, _AFTER = 1, 3  # words either side of the objection also looked at for another record

_PATTERNS = [re.compile(rf"(?<!\S){pattern}(?!\S)") for pattern in (*FRENCH, *GERMAN, *ENGLISH)]


def is_recording_objection(text: str) -> bool:
    """True when the utterance objects to the call being recorded (in French, German or English)."""
    if not text or len(text) > MAX_CHARS:
        return False
    said = normalise(text)
    return any(
        not _about_something_else(said, match.start(), match.end())
        for pattern in _PATTERNS
        for match in pattern.finditer(said)
    )


def _about_something_else(said: str, start: int, end: int) -> bool:
    before = said[:start].split()[-_BEFORE:] if _BEFORE else []
    words = [*before, *said[start:end].split(), *said[end:].split()[:_AFTER]]
    return any(word in _ABOUT_SOMETHING_ELSE for word in words)
