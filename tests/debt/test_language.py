"""Language of short SMS and chat messages, and the language a conversation is held in."""

from __future__ import annotations

import pytest

from debt.language import JURISDICTION_LANGUAGE, conversation_language, detect_language
from debt.models import Language

SAMPLES = {
    "fr": [
        "Bonjour",
        "merci",
        "oui c'est moi",
        "j'ai déjà payé la semaine dernière",
        "je ne peux pas payer ce mois-ci",
        "c'est qui ?",
        "Pouvez-vous me rappeler demain matin svp",
        "je ne connais pas cette personne",
        "combien je dois exactement",
        "je suis au chômage depuis janvier",
        "c'est une erreur, j'ai résilié mon contrat",
        "d'accord pour le 15",
        "je veux parler à un conseiller",
        "arrêtez de m'envoyer des messages",
        "bjr je viens de recevoir un sms",
        "je paierai vendredi",
        "est-ce que je peux payer en plusieurs fois ?",
        "non merci",
        "mon numéro a changé",
        "vous êtes un robot ?",
        "Je n'ai jamais commandé ça",
        "pas possible avant la fin du mois",
        "le prélèvement a été rejeté, désolé",
        "ma femme est malade, c'est compliqué",
        "salut, c'est pour quoi ?",
        "je rappelle plus tard",
        "envoyez moi le lien",
        "quel est le montant total",
        "mauvais numéro",
        "j ai recu un courrier de votre part",
        "ok merci beaucoup",
        "c bon jai payé",
    ],
    "de": [
        "Hallo",
        "danke",
        "ja, das bin ich",
        "ich habe schon bezahlt",
        "ich kann diesen Monat nicht zahlen",
        "wer ist da?",
        "Können Sie mich morgen zurückrufen?",
        "ich kenne diese Person nicht",
        "wie viel muss ich zahlen",
        "ich bin seit Januar arbeitslos",
        "das ist ein Fehler, ich habe gekündigt",
        "Ratenzahlung möglich?",
        "ich möchte mit einem Mitarbeiter sprechen",
        "keine SMS mehr bitte",
        "Guten Tag, ich habe eine Nachricht bekommen",
        "ich zahle am Freitag",
        "kann ich in Raten zahlen?",
        "nein danke",
        "meine Nummer hat sich geändert",
        "bist du ein Bot?",
        "Das habe ich nie bestellt",
        "erst Ende des Monats",
        "die Lastschrift ist geplatzt, tut mir leid",
        "meine Frau ist krank, es ist gerade schwierig",
        "moin, worum geht es?",
        "ich rufe später zurück",
        "schicken Sie mir den Link",
        "wie hoch ist der Betrag",
        "falsche Nummer",
        "hab nen Brief von euch bekommen",
        "ok vielen Dank",
        "schon erledigt, hab überwiesen",
    ],
    "en": [
        "Hello",
        "thanks",
        "yes that's me",
        "I already paid last week",
        "I can't pay this month",
        "who is this?",
        "Can you call me back tomorrow morning please",
        "I don't know this person",
        "how much do I owe exactly",
        "I've been out of work since January",
        "this is a mistake, I cancelled my contract",
        "can I pay in instalments?",
        "I want to speak to a person",
        "stop texting me",
        "hi I just got a text from this number",
        "I'll pay on Friday",
        "is it possible to spread the payments?",
        "no thank you",
        "my number has changed",
        "are you a bot?",
        "I never ordered that",
        "not before the end of the month",
        "the direct debit bounced, sorry",
        "my wife is ill, things are hard right now",
        "hey, what's this about?",
        "I'll call back later",
        "send me the link",
        "what is the total amount",
        "wrong number",
        "got a letter from you guys",
        "ok thanks a lot",
        "done, paid it yesterday",
    ],
}
AMBIGUOUS = [
    "ok",
    "OK!",
    "123",
    "",
    "   ",
    "?",
    "STOP",
    "stop",
    "👍",
    "10/03",
    "+33612345678",
    "NEB-104233",
    "sms",
]


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_accuracy_on_short_messages(language: str) -> None:
    samples = SAMPLES[language]
    assert len(samples) >= 30
    wrong = [text for text in samples if detect_language(text) != language]
    assert 1 - len(wrong) / len(samples) >= 0.9, wrong


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_never_the_wrong_language_on_the_samples(language: str) -> None:
    # Unsure (None) is acceptable; a wrong language would make the whole conversation unreadable.
    assert [t for t in SAMPLES[language] if detect_language(t) not in {language, None}] == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bonjour", "fr"),
        ("merci", "fr"),
        ("hallo", "de"),
        ("danke", "de"),
        ("hello", "en"),
        ("thanks", "en"),
        ("Grüße", "de"),
        ("reçu", "fr"),
        ("don't", "en"),
        ("MERCI BEAUCOUP", "fr"),
        ("DANKE SCHÖN", "de"),
        ("j’ai payé", "fr"),
    ],
)
def test_characteristic_words_and_letters(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_unsure_says_none(text: str) -> None:
    assert detect_language(text) is None


def test_addresses_say_nothing() -> None:
    assert detect_language("jeanne.dupont@web.de") is None
    assert detect_language("https://example.de/pay") is None


@pytest.mark.parametrize(
    ("account_language", "messages", "default", "expected"),
    [
        ("fr", ["hello, I got a text"], "en", "fr"),  # the account's language is known
        ("DE", [], "fr", "de"),
        (Language.EN, ["bonjour"], "fr", "en"),
        (None, ["hallo", "ich habe eine SMS bekommen"], "fr", "de"),  # detected from the messages
        ("", ["ok", "merci"], "de", "fr"),  # read together: "merci" decides
        (None, ["ok", "123"], "de", "de"),  # nothing to go on: the default
        ("es", ["ok"], "fr", "fr"),  # a language we do not speak counts as unknown
        (None, [], "en", "en"),
    ],
)
def test_conversation_language(
    account_language: str | None, messages: list[str], default: str, expected: str
) -> None:
    assert conversation_language(account_language, messages, default=default) == expected


def test_default_is_english_and_must_be_supported() -> None:
    assert conversation_language(None, ["123"]) == "en"
    with pytest.raises(ValueError, match="es"):
        conversation_language(None, [], default="es")


def test_every_jurisdiction_has_a_language() -> None:
    assert JURISDICTION_LANGUAGE == {"FR": "fr", "DE": "de", "GB": "en", "US": "en"}
