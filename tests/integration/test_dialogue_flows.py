"""Every flow in French, German and English against the running stack: `rasa run` with the trained
model, the action server and the database. Each conversation is a person texting in; each checks
what the bot says and what ends up recorded."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import Session, select

from debt.db import make_engine
from debt.messages import render
from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    Consent,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    ConversationFlagRow,
    Dispute,
    Handoff,
    HardshipCase,
    Payment,
)
from debt.outcomes import conversation_for_sender
from tests.factories import make_account
from tests.integration.conftest import RasaStack

pytestmark = pytest.mark.rasa
LANGUAGES = ("fr", "de", "en")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    country: str


PEOPLE = {
    "fr": Person("Jeanne", "Dupont", "FR"),
    "de": Person("Jonas", "Becker", "DE"),
    "en": Person("Oliver", "Smith", "GB"),
}

# What a person says, per language (the NLU's held-out benchmark measures understanding; these
# conversations check the dialogue behind it).
SAY: dict[str, dict[str, str]] = {
    "fr": {
        "hello": "bonjour",
        "birth": "12/03/1985",
        "wrong_birth": "01/01/1990",
        "yes": "oui",
        "balance": "combien je vous dois",
        "promise": "je paierai quand j'aurai ma paie",
        "date": "le {d:%d/%m/%Y}",
        "plan": "est-ce que je peux payer en plusieurs fois",
        "pick": "la première",
        "debit": "je voudrais modifier la date de prélèvement",
        "day": "le 5",
        "paid": "j'ai déjà payé",
        "paid_date": "le {d:%d/%m/%Y}",
        "method": "par carte bancaire",
        "dispute": "je conteste, j'ai résilié ce contrat",
        "reason": "j'ai résilié en juin et j'ai le mail de confirmation",
        "hardship": "j'ai perdu mon emploi, je peux pas payer",
        "circumstances": "je suis au chômage depuis deux mois",
        "pause": "la pause",
        "pay_full": "je veux tout payer maintenant",
        "complaint": "je veux faire une réclamation",
        "human": "je voudrais parler à un conseiller",
        "stop": "arrêtez de m'envoyer des SMS",
        "callback": "vous pouvez me rappeler plus tard ?",
        "when": "demain à 18h",
        "bot": "vous êtes un robot ?",
        "wrong_person": "vous vous êtes trompé de numéro",
        "nonsense": "il fait quel temps",
        "nonsense2": "raconte-moi une blague",
        "no": "non",
        "address": "3 avenue Foch 69006 Lyon",
    },
    "de": {
        "hello": "hallo",
        "birth": "12.03.1985",
        "wrong_birth": "01.01.1990",
        "yes": "ja",
        "balance": "wie viel schulde ich Ihnen",
        "promise": "ich zahle, wenn mein Gehalt kommt",
        "date": "am {d:%d.%m.%Y}",
        "plan": "kann ich in Raten zahlen?",
        "pick": "die erste",
        "debit": "ich möchte das Abbuchungsdatum ändern",
        "day": "am 5.",
        "paid": "ich habe schon bezahlt",
        "paid_date": "am {d:%d.%m.%Y}",
        "method": "mit Karte",
        "dispute": "ich bestreite das, ich habe den Vertrag gekündigt",
        "reason": "ich habe im Juni gekündigt und habe die Bestätigung",
        "hardship": "ich habe meinen Job verloren und kann nicht zahlen",
        "circumstances": "ich bin seit zwei Monaten arbeitslos",
        "pause": "die Pause",
        "pay_full": "ich will alles jetzt zahlen",
        "complaint": "ich möchte eine Beschwerde einreichen",
        "human": "ich möchte mit einem Mitarbeiter sprechen",
        "stop": "hören Sie auf, mir SMS zu schicken",
        "callback": "können Sie mich später zurückrufen?",
        "when": "morgen um 18 Uhr",
        "bot": "sind Sie ein Roboter?",
        "wrong_person": "Sie haben sich verwählt",
        "nonsense": "wie wird das Wetter",
        "nonsense2": "erzähl mir einen Witz",
        "no": "nein",
        "address": "Hauptstraße 5, 10115 Berlin",
    },
    "en": {
        "hello": "hello",
        "birth": "12/03/1985",
        "wrong_birth": "01/01/1990",
        "yes": "yes",
        "balance": "how much do I owe you",
        "promise": "I'll pay when I get paid",
        "date": "on {d:%d/%m/%Y}",
        "plan": "can I pay in instalments",
        "pick": "the first one",
        "debit": "I want to change my direct debit date",
        "day": "the 5th",
        "paid": "I've already paid",
        "paid_date": "on {d:%d/%m/%Y}",
        "method": "by debit card",
        "dispute": "I dispute this, I cancelled that contract",
        "reason": "I cancelled in June and I have the confirmation email",
        "hardship": "I've lost my job and can't pay",
        "circumstances": "I've been unemployed for two months",
        "pause": "the pause please",
        "pay_full": "I want to pay it all now",
        "complaint": "I want to make a complaint",
        "human": "can I talk to a human",
        "stop": "stop texting me",
        "callback": "can you call me back later",
        "when": "tomorrow at 6pm",
        "bot": "are you a bot",
        "wrong_person": "you've got the wrong number",
        "nonsense": "what's the weather like",
        "nonsense2": "tell me a joke",
        "no": "no",
        "address": "221B Baker Street, London NW1 6XE",
    },
}


class Conversation:
    """One person texting the bot over the REST channel, as the SMS gateway does."""

    def __init__(
        self,
        stack: RasaStack,
        language: str,
        account_ref: str | None,
        channel: str = "sms",
        direction: str = "inbound",
    ) -> None:
        self.stack, self.language = stack, language
        self.sender = f"it-{language}-{next(_ids)}"
        self.metadata = {"channel": channel, "language": language, "direction": direction}
        if account_ref:
            self.metadata["account_ref"] = account_ref
        self.said: list[str] = []

    def send(self, key: str, **values: object) -> list[str]:
        return self.send_text(SAY[self.language][key].format(**values))

    def send_text(self, text: str) -> list[str]:
        response = httpx.post(
            f"{self.stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=30,
        )
        response.raise_for_status()
        replies = [m["text"] for m in response.json() if m.get("text")]
        self.said += replies
        return replies

    def says(self, key: str, **values: object) -> str:
        return render(key, self.language, **values)

    def verify(self, request: str) -> list[str]:
        """The request made before verification, then name and birth date: returns what follows."""
        first = self.send(request)
        assert self.says("ask_name") in first, first
        person = PEOPLE[self.language]
        assert self.says("ask_secret") in self.send_text(f"{person.first} {person.last}")
        replies = self.send("birth")
        assert self.says("identity_verified") in replies, replies
        return replies


@pytest.fixture
def new_account(rasa_stack: RasaStack) -> Callable[[str], str]:
    def create(language: str) -> str:
        person = PEOPLE[language]
        ref = f"IT{language.upper()}-{100000 + next(_ids)}"
        with Session(make_engine(rasa_stack.database_url)) as session:
            make_account(
                session,
                account_ref=ref,
                first_name=person.first,
                last_name=person.last,
                language=language,
                country=person.country,
                principal="150.00",
                interest="3.60",
            )
            session.commit()
        return ref

    return create


def load(stack: RasaStack, ref: str) -> Account:
    with Session(make_engine(stack.database_url)) as session:
        return session.exec(select(Account).where(Account.account_ref == ref)).one()


def count(stack: RasaStack, model: type, ref: str) -> int:
    account = load(stack, ref)
    with Session(make_engine(stack.database_url)) as session:
        return len(session.exec(select(model).where(model.account_id == account.id)).all())


def flags(stack: RasaStack, sender: str) -> set[str]:
    from debt.models import Conversation as Row

    with Session(make_engine(stack.database_url)) as session:
        row = session.exec(select(Row).where(Row.sender_id == sender)).one()
        return set(
            session.exec(
                select(ConversationFlagRow.flag).where(ConversationFlagRow.conversation_id == row.id)
            )
        )


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


@pytest.mark.parametrize("language", LANGUAGES)
def test_balance_asked_first_is_explained_after_verification(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    opening = talk.send("hello")
    assert any("Amicable Recouvrement" in text for text in opening)
    replies = talk.verify("balance")
    assert any(ref in text for text in replies), replies
    assert talk.says("ask_how_to_help_after_explanation") in replies
    assert all(ref not in text for text in talk.said[: talk.said.index(talk.says("identity_verified"))])


@pytest.mark.parametrize("language", LANGUAGES)
def test_promise_to_pay(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    assert talk.says("ask_payment_date") in talk.verify("promise")
    replies = talk.send("date", d=in_days(10))
    assert any(ref not in text and "153" in text for text in replies), replies
    assert load(rasa_stack, ref).status == AccountStatus.PROMISE_TO_PAY
    assert talk.send("yes")[0] == talk.says("contact_data_updated")


@pytest.mark.parametrize("language", LANGUAGES)
def test_instalment_plan(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    talk.verify("plan")
    talk.send("pick")
    assert load(rasa_stack, ref).status == AccountStatus.ARRANGEMENT
    assert count(rasa_stack, Arrangement, ref) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_direct_debit_day(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    assert talk.says("ask_debit_day") in talk.verify("debit")
    assert talk.says("debit_day_recorded", day=5) in talk.send("day")
    assert load(rasa_stack, ref).direct_debit_day == 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_already_paid(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    assert talk.says("ask_paid_date") in talk.verify("paid")
    assert talk.says("ask_paid_method") in talk.send("paid_date", d=in_days(-3))
    talk.send("method")
    assert count(rasa_stack, Payment, ref) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_dispute(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    assert talk.says("ask_dispute_reason") in talk.verify("dispute")
    assert talk.says("dispute_recorded") in talk.send("reason")
    assert load(rasa_stack, ref).status == AccountStatus.DISPUTED
    assert count(rasa_stack, Dispute, ref) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_hardship_pause(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    first = talk.send("hardship")
    assert talk.says("hardship_held_acknowledge") in first
    person = PEOPLE[language]
    talk.send_text(f"{person.first} {person.last}")
    assert talk.says("ask_hardship_circumstances") in talk.send("birth")
    options = talk.send("circumstances")
    assert any("30" in text for text in options), options
    talk.send("pause")
    assert load(rasa_stack, ref).status == AccountStatus.HARDSHIP_HOLD
    assert count(rasa_stack, HardshipCase, ref) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_pay_in_full(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    replies = talk.verify("pay_full")
    assert any("IBAN" in text and ref in text for text in replies), replies


@pytest.mark.parametrize("language", LANGUAGES)
def test_contact_data_updated_after_an_outcome(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    talk.verify("debit")
    talk.send("day")
    assert talk.says("ask_contact_update") in talk.send("no")
    assert talk.says("contact_data_updated") in talk.send("address")
    account = load(rasa_stack, ref)
    with Session(make_engine(rasa_stack.database_url)) as session:
        addresses = session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == account.debtor_id, ContactPoint.kind == ContactKind.ADDRESS
            )
        ).all()
    assert sum(point.valid for point in addresses) == 1 and len(addresses) == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_complaint_goes_to_a_person(rasa_stack, new_account, language) -> None:
    talk = Conversation(rasa_stack, language, new_account(language))
    assert talk.send("complaint") == [talk.says("complaint_recorded_handoff")]
    assert {"complaint", "handoff"} <= flags(rasa_stack, talk.sender)


@pytest.mark.parametrize("language", LANGUAGES)
def test_request_human(rasa_stack, new_account, language) -> None:
    talk = Conversation(rasa_stack, language, new_account(language))
    assert talk.send("human") == [talk.says("handoff_to_human")]
    with Session(make_engine(rasa_stack.database_url)) as session:
        handoffs = session.exec(select(Handoff).where(Handoff.reason == "requested by the debtor")).all()
    assert handoffs


@pytest.mark.parametrize("language", LANGUAGES)
def test_stop_contact(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    confirmed = talk.send("stop")
    assert confirmed == [talk.says("stop_contact_confirmed", channel=render("channel.sms", language))]
    account = load(rasa_stack, ref)
    with Session(make_engine(rasa_stack.database_url)) as session:
        consent = session.exec(select(Consent).where(Consent.debtor_id == account.debtor_id)).one()
    assert consent.status == "opted_out"


@pytest.mark.parametrize("language", LANGUAGES)
def test_callback_later(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    assert talk.says("callback_ask_time") in talk.send("callback")
    replies = talk.send("when")
    assert replies, replies
    with Session(make_engine(rasa_stack.database_url)) as session:
        planned = session.exec(select(ContactAttempt).where(ContactAttempt.purpose == "callback")).all()
    assert planned or talk.says("callback_outside_hours", next_time="")[:20] in replies[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_bot_challenge_then_a_person(rasa_stack, new_account, language) -> None:
    talk = Conversation(rasa_stack, language, new_account(language))
    assert talk.send("bot") == [talk.says("bot_challenge", company="Amicable Recouvrement")]
    assert talk.send("yes") == [talk.says("handoff_to_human")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_person(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    number = f"+3363998{next(_ids):04d}"
    with Session(make_engine(rasa_stack.database_url)) as session:
        debtor_id = load(rasa_stack, ref).debtor_id
        point = session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == debtor_id, ContactPoint.kind == ContactKind.PHONE
            )
        ).one()
        point.value = number
        session.add(point)
        # The SMS gateway opens the conversation with the sender's number.
        conversation_for_sender(session, talk.sender, channel="sms", party=number, account_ref=ref)
        session.commit()
    replies = talk.send("wrong_person")
    assert replies and "AR Services" in replies[0]
    assert "wrong_party" in flags(rasa_stack, talk.sender)
    account = load(rasa_stack, ref)
    with Session(make_engine(rasa_stack.database_url)) as session:
        phone = session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == account.debtor_id, ContactPoint.kind == ContactKind.PHONE
            )
        ).one()
    assert phone.valid is False


@pytest.mark.parametrize("language", LANGUAGES)
def test_identity_fails_three_times_then_a_person(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    talk.send("balance")
    person = PEOPLE[language]
    for _attempt in range(3):
        talk.send_text(f"{person.first} {person.last}")
        replies = talk.send("wrong_birth")
    assert talk.says("identity_failed_handoff") in replies
    assert "identity_failed" in flags(rasa_stack, talk.sender)
    assert all(ref not in text and "153" not in text for text in talk.said)


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_understood_twice_goes_to_a_person(rasa_stack, new_account, language) -> None:
    talk = Conversation(rasa_stack, language, new_account(language))
    assert talk.send("nonsense") == [talk.says("rephrase")]
    assert talk.send("nonsense2") == [talk.says("fallback_handoff")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_outbound_call_asks_for_the_debtor_and_reveals_nothing(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref, channel="voice", direction="outbound")
    first = talk.send("hello")
    person = PEOPLE[language]
    assert "recorded" in first[0] or "enregistré" in first[0] or "aufgezeichnet" in first[0], first
    assert first[-1] == talk.says(
        "opening_outbound_ask_for", company="AR Services", first_name=person.first, last_name=person.last
    )
    assert talk.says("ask_name") in talk.send("yes")
    talk.send_text(f"{person.first} {person.last}")
    replies = talk.send("birth")
    assert any(ref in text for text in replies)
    assert all("Amicable" not in text and ref not in text for text in first)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_asked_for_during_the_identity_check(rasa_stack, new_account, language) -> None:
    talk = Conversation(rasa_stack, language, new_account(language))
    talk.send("balance")
    assert talk.send("human") == [talk.says("handoff_to_human")]
    assert "handoff" in flags(rasa_stack, talk.sender)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hardship_told_instead_of_a_payment_date(rasa_stack, new_account, language) -> None:
    ref = new_account(language)
    talk = Conversation(rasa_stack, language, ref)
    talk.verify("promise")
    replies = talk.send("hardship")
    assert talk.says("ask_hardship_circumstances") in replies, replies
    talk.send("circumstances")
    talk.send("pause")
    assert load(rasa_stack, ref).status == AccountStatus.HARDSHIP_HOLD
