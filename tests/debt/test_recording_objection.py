"""The rule that hears a caller object to the recording (debt/recording_objection.py), per language:
what speech recognition writes (lower case, no punctuation, small variations), and the collection talk
full of recording words that is not an objection."""

from __future__ import annotations

import pytest

from debt.recording_objection import is_recording_objection, normalise

FRENCH_OBJECTIONS = [
    "je ne veux pas être enregistré",
    "je veux pas être enregistrée",
    "je ne veux pas etre enregistre",
    "Je ne veux pas être enregistré.",
    "non je ne veux pas être enregistré",
    "euh je ne veux pas qu'on m'enregistre",
    "je ne souhaite pas que cet appel soit enregistré",
    "je ne veux pas que la conversation soit enregistrée",
    "je ne veux pas d'enregistrement",
    "je n'accepte pas l'enregistrement",
    "je ne veux plus être enregistré",
    "pas d'enregistrement",
    "pas d'enregistrement s'il vous plaît",
    "sans enregistrement svp",
    "aucun enregistrement merci",
    "arrêtez l'enregistrement",
    "j'aimerais que vous arrêtiez l'enregistrement",
    "arrêtez l enregistrement s'il vous plaît",
    "arrêtez d'enregistrer",
    "arrêtez de m'enregistrer",
    "stop à l'enregistrement",
    "coupez l'enregistrement",
    "désactivez l'enregistrement",
    "ne m'enregistrez pas",
    "n'enregistrez pas cet appel",
    "je préfère ne pas être enregistré",
    "j'aimerais ne pas être enregistrée",
    "merci de ne pas m'enregistrer",
    "pouvez-vous ne pas enregistrer l'appel",
    "je m'oppose à l'enregistrement",
    "je m'y oppose je ne veux pas être enregistré",
    "je refuse d'être enregistré",
    "je refuse qu'on m'enregistre",
    "je ne suis pas d'accord pour être enregistré",
    "je suis contre l'enregistrement",
    "l'enregistrement non merci",
    "oui c'est moi mais je ne veux pas être enregistré",
    "je préférerais qu'on ne m'enregistre pas",
    "Non, pas d'enregistrement.",
]

FRENCH_OTHER_TALK = [
    "j'ai enregistré le paiement",
    "vous avez bien enregistré mon paiement",
    "mon paiement n'a pas été enregistré",
    "ma contestation n'est pas enregistrée",
    "je n'ai pas enregistré le bénéficiaire",
    "je ne veux pas enregistrer ma carte",
    "je ne veux pas enregistrer ma carte bancaire sur le site",
    "vous n'avez aucun enregistrement de mon paiement",
    "il n'y a pas d'enregistrement de notre appel d'hier",
    "c'est un enregistrement",
    "c'est un message enregistré",
    "euh c'est un enregistrement ou une vraie personne",
    "ça ne me dérange pas d'être enregistré",
    "je n'ai rien contre l'enregistrement",
    "je ne suis pas contre l'enregistrement",
    "je veux bien être enregistré",
    "j'ai arrêté d'enregistrer mes dépenses",
    "vous n'enregistrez pas mes paiements",
    "je ne veux pas que mon paiement soit enregistré en retard",
    "je refuse le prélèvement enregistré",
    "arrêtez de m'appeler",
    "je ne veux pas payer",
    "je conteste cette dette",
    "est-ce que l'appel est enregistré",
    "l'enregistrement ne me dérange pas",
    "arrêtez les relances",
    "on a enregistré votre demande",
]

GERMAN_OBJECTIONS = [
    "ich möchte nicht aufgenommen werden",
    "ich moechte nicht aufgenommen werden",
    "Ich möchte nicht aufgenommen werden.",
    "ich will nicht aufgezeichnet werden",
    "ich möchte nicht dass das gespräch aufgezeichnet wird",
    "ich möchte nicht, dass Sie das aufnehmen",
    "ich möchte keine Aufnahme",
    "keine Aufnahme",
    "keine Aufnahme bitte",
    "keine Aufzeichnung bitte",
    "bitte ohne Aufzeichnung",
    "kein Mitschnitt",
    "nicht aufzeichnen",
    "bitte nicht aufzeichnen",
    "bitte nicht aufnehmen",
    "zeichnen Sie das Gespräch nicht auf",
    "nehmen Sie mich bitte nicht auf",
    "stoppen Sie die Aufnahme",
    "Aufnahme stoppen",
    "Aufzeichnung beenden bitte",
    "schalten Sie die Aufzeichnung aus",
    "hören Sie auf aufzuzeichnen",
    "hören Sie bitte auf mich aufzunehmen",
    "ich widerspreche der Aufzeichnung",
    "Widerspruch gegen die Aufnahme",
    "ich lehne die Aufzeichnung ab",
    "ich bin gegen die Aufnahme",
    "ich bin dagegen dass das aufgezeichnet wird",
    "ich bin mit der Aufzeichnung nicht einverstanden",
    "ich bin nicht einverstanden dass das Gespräch aufgezeichnet wird",
    "ich stimme der Aufzeichnung nicht zu",
    "die Aufnahme möchte ich nicht",
    "ja das bin ich aber bitte keine Aufnahme",
    "Nein, ich möchte nicht, dass das Gespräch aufgezeichnet wird.",
    "ich will das nicht aufgezeichnet haben",
    "können Sie die Aufnahme ausschalten",
]

GERMAN_OTHER_TALK = [
    "die Zahlung wurde aufgenommen",
    "haben Sie meine Zahlung aufgenommen",
    "meine Zahlung wurde nicht aufgenommen",
    "ich möchte keinen Kredit aufnehmen",
    "ich möchte nicht in die Liste aufgenommen werden",
    "unterlassen Sie jede Kontaktaufnahme",
    "ich willige nicht in eine Kontaktaufnahme ein",
    "ist das eine Aufnahme",
    "ähm ist das eine Aufnahme oder ein echter Mensch",
    "ich habe nichts dagegen dass es aufgezeichnet wird",
    "das stört mich nicht",
    "Sie können gern aufzeichnen",
    "Sie haben keine Aufzeichnung von meiner Zahlung",
    "wurde mein Widerspruch aufgenommen",
    "ich widerspreche der Forderung",
    "können Sie meine neue Adresse nicht aufnehmen",
    "ich kann gerade keinen Kontakt aufnehmen",
    "ich möchte nicht zahlen",
    "keine SMS mehr",
    "wird das aufgezeichnet",
    "die Aufnahme ist in Ordnung",
    "hören Sie auf mich anzurufen",
]

ENGLISH_OBJECTIONS = [
    "I don't want to be recorded",
    "i dont want to be recorded",
    "I do not want to be recorded.",
    "no I don't want this call recorded",
    "I don't wanna be recorded",
    "I do not wish to be recorded",
    "I don't consent to being recorded",
    "I don't agree to the recording",
    "I never agreed to this being recorded",
    "I don't like being recorded",
    "I'd rather not be recorded",
    "I would prefer not to be recorded",
    "I'd rather you didn't record this",
    "stop recording",
    "please stop recording",
    "stop the recording",
    "stop recording me",
    "turn off the recording",
    "switch the recording off",
    "don't record this call",
    "do not record me",
    "please don't record",
    "can you not record this",
    "no recording please",
    "no recordings",
    "without being recorded please",
    "I'm not OK with being recorded",
    "I object to being recorded",
    "I object to the recording",
    "I refuse to be recorded",
    "the recording no thanks",
    "yes that's me but uh don't record this please",
    "No. Don't record me.",
    "I didn't agree to be recorded",
    "I withdraw my consent to the recording",
]

ENGLISH_OTHER_TALK = [
    "I recorded the payment in my bank",
    "I recorded the payment",
    "have you recorded my payment",
    "my payment was not recorded",
    "please check your records I paid",
    "it's been paid check your records",
    "take this number off your records",
    "you have no record of my payment",
    "is this a recording",
    "are you a recorded message",
    "erm is this a recording or a real person",
    "there's no recording of my call",
    "I don't mind being recorded",
    "that's fine you can record",
    "I don't record my expenses",
    "we don't have a record of that",
    "I don't agree with your records",
    "stop calling me",
    "stop",
    "I don't want to pay",
    "I'm not happy with the payment you recorded",
    "don't record my card details",
    "is this call recorded",
    "the recording is fine",
    "I'd rather not pay now",
    "my bank recorded the transfer yesterday",
]


@pytest.mark.parametrize("said", FRENCH_OBJECTIONS)
def test_french_objections(said: str) -> None:
    assert is_recording_objection(said)


@pytest.mark.parametrize("said", FRENCH_OTHER_TALK)
def test_french_talk_that_is_not_an_objection(said: str) -> None:
    assert not is_recording_objection(said)


@pytest.mark.parametrize("said", GERMAN_OBJECTIONS)
def test_german_objections(said: str) -> None:
    assert is_recording_objection(said)


@pytest.mark.parametrize("said", GERMAN_OTHER_TALK)
def test_german_talk_that_is_not_an_objection(said: str) -> None:
    assert not is_recording_objection(said)


@pytest.mark.parametrize("said", ENGLISH_OBJECTIONS)
def test_english_objections(said: str) -> None:
    assert is_recording_objection(said)


@pytest.mark.parametrize("said", ENGLISH_OTHER_TALK)
def test_english_talk_that_is_not_an_objection(said: str) -> None:
    assert not is_recording_objection(said)


@pytest.mark.parametrize("said", ["", "   ", "[keypad] 12031985", "x" * 2000, "stop recording " * 100])
def test_nothing_or_too_much_is_not_read(said: str) -> None:
    assert not is_recording_objection(said)


def test_speech_is_read_as_words_without_case_accents_punctuation_or_hesitations() -> None:
    assert normalise("Euh… Je NE veux pas être enregistré !") == "je ne veux pas etre enregistre"
    assert normalise("Ich möchte KEINE Aufnahme, ähm, bitte.") == "ich moechte keine aufnahme bitte"
    assert normalise("I don’t want to be recorded") == "i don t want to be recorded"
