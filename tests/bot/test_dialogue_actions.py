"""The dialogue's actions against Tracker fixtures and a real database: what each one says,
what it records, and that nothing about the debt is said before the identity check passed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.actions.commitments import (
    ActionAskPlanChoice,
    ActionExplainDebt,
    ActionPayFull,
    ActionRecordDebitDay,
    ActionRecordPaymentClaim,
    ActionRecordPlan,
    ActionRecordPromise,
    ValidateDebitDayForm,
    ValidatePaidForm,
    ValidatePlanForm,
    ValidatePromiseForm,
)
from bot.actions.contact import ActionContactConfirmed, ActionContactUpdate, ValidateContactForm
from bot.actions.handoff import ActionComplaint, ActionFallback, ActionHandoff, ActionStopContact
from bot.actions.holds import ActionAskHardshipCircumstances, ActionRecordDispute, ActionRecordHardship
from bot.actions.identity import ActionHoldRequest, ActionIdentityDone, ActionWrongPerson
from bot.actions.opening import ActionBotChallenge, ActionOpening
from bot.actions.support import today
from core.settings import get_settings
from debt.db import make_engine
from debt.disclosure import NotVerified
from debt.messages import render
from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    Consent,
    ContactKind,
    ContactPoint,
    Dispute,
    Handoff,
    HardshipCase,
    Instalment,
    Payment,
    PromiseToPay,
)
from tests.bot.dialogue import audit_actions, flags, run, validate, verify
from tests.factories import make_account

REF = "NEB-104233"
CREDITOR = "Hébergeur Exemple SAS"


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    with Session(make_engine(sqlite_url)) as session:
        make_account(session, account_ref=REF, principal="150.00", interest="3.60")
        session.commit()
    yield sqlite_url
    get_settings.cache_clear()


@pytest.fixture
def verified(database: str) -> dict:
    return verify(database, REF)


def account(url: str) -> Account:
    with Session(make_engine(url)) as session:
        return session.exec(select(Account).where(Account.account_ref == REF)).one()


def rows(url: str, model: type) -> list:
    with Session(make_engine(url)) as session:
        return list(session.exec(select(model)).all())


def discloses(text: str) -> bool:
    return any(part in text for part in (REF, CREDITOR, "153,60", "150,00", "153.60", "F-2026"))


# --- Before verification ---


def test_opening_names_the_company_not_the_creditor(database: str) -> None:
    result = run(ActionOpening(), {}, "bonjour", intent="greet")
    assert result.said == [render("opening_inbound", "fr", company=get_settings().company_name)]
    assert result.slots() == {"opened": True}


def test_opening_on_a_call_announces_the_recording_first(database: str) -> None:
    result = run(ActionOpening(), {"channel": "voice", "language": "en"}, "hello", intent="greet")
    assert "recorded" in result.said[0] and get_settings().company_name in result.said[1]


def test_outbound_opening_asks_for_the_debtor_by_name_under_the_neutral_name(database: str) -> None:
    slots = {"direction": "outbound", "candidate_account": REF, "channel": "voice"}
    result = run(ActionOpening(), slots, "allo", intent="greet")
    assert result.said[1:] == [
        render(
            "opening_outbound_ask_for", "fr", company="AR Services", first_name="Jeanne", last_name="Dupont"
        )
    ]
    assert not discloses(result.text)
    assert result.slots()["offer"] == "ask_for_debtor"


def test_outbound_the_person_is_not_there_gets_a_neutral_message(database: str) -> None:
    from bot.actions.opening import ActionDeclineOffer

    slots = {"direction": "outbound", "candidate_account": REF, "offer": "ask_for_debtor"}
    result = run(ActionDeclineOffer(), slots, "non elle est pas là", intent="deny")
    assert "AR Services" in result.text and not discloses(result.text)
    assert "wrong_party" not in flags(database)


@pytest.mark.parametrize(
    ("intent", "pending"),
    [("ask_balance", "explain"), ("dispute", "dispute"), ("request_plan", "plan"), ("hardship", "hardship")],
)
def test_a_debt_request_before_verification_is_held(database: str, intent: str, pending: str) -> None:
    result = run(ActionHoldRequest(), {"candidate_account": REF}, "combien je dois", intent=intent)
    assert result.slots()["pending"] == pending
    assert render("hold_request", "fr") in result.said
    assert not discloses(result.text)


def test_hardship_is_acknowledged_before_the_identity_check(database: str) -> None:
    result = run(ActionHoldRequest(), {"opened": True}, "j'ai perdu mon emploi", intent="hardship")
    assert result.said[0] == render("hardship_held_acknowledge", "fr")


def test_identity_done_without_verification_says_nothing_more(database: str) -> None:
    result = run(ActionIdentityDone(), {"identity_failed": True, "candidate_account": REF})
    assert result.said == []


def test_a_verified_slot_without_the_check_in_the_database_discloses_nothing(database: str) -> None:
    forged = {"verified": True, "verified_account": REF, "candidate_account": REF}
    assert run(ActionIdentityDone(), forged).said == []
    with pytest.raises(NotVerified):
        run(ActionExplainDebt(), forged)


def test_wrong_person_apologises_and_marks_the_number(database: str) -> None:
    from debt.models import Conversation
    from debt.outcomes import conversation_for_sender

    with Session(make_engine(database)) as session:
        conversation_for_sender(session, "sms-test-1", channel="sms", party="+33639980012", account_ref=REF)
        session.commit()
    result = run(ActionWrongPerson(), {"candidate_account": REF}, "ce n'est pas moi", intent="wrong_person")
    assert "AR Services" in result.text and not discloses(result.text)
    assert "wrong_party" in flags(database)
    phone = next(p for p in rows(database, ContactPoint) if p.kind == ContactKind.PHONE)
    assert phone.valid is False
    assert rows(database, Conversation)[0].party == "+33639980012"


# --- After verification ---


def test_it_was_not_me_after_verification_is_a_dispute(verified: dict, database: str) -> None:
    result = run(ActionWrongPerson(), verified, "c'est pas moi qui ai commandé ça", intent="wrong_person")
    assert [e["name"] for e in result.events if e["event"] == "followup"] == ["dispute_form"]
    assert "wrong_party" not in flags(database)


def test_verification_brings_the_disclosure_and_the_itemised_debt(verified: dict) -> None:
    result = run(ActionIdentityDone(), {**verified, "pending": "nothing"})
    assert CREDITOR in result.said[0] and "amiable" in result.said[0]
    assert REF in result.said[1] and "153,60" in result.said[1]
    assert result.said[-1] == render("ask_how_to_help_after_explanation", "fr")


def test_a_held_request_is_not_followed_by_the_general_question(verified: dict) -> None:
    result = run(ActionIdentityDone(), {**verified, "pending": "dispute"})
    assert render("ask_how_to_help_after_explanation", "fr") not in result.said


def test_promise_within_the_limit_is_recorded(verified: dict, database: str) -> None:
    on = today() + timedelta(days=10)
    checked = validate(ValidatePromiseForm(), "promise_date", on.strftime("le %d/%m/%Y"), verified)
    assert checked.slots() == {"promise_date": on.isoformat()}
    result = run(ActionRecordPromise(), {**verified, **checked.slots()})
    assert "153,60" in result.said[0]
    assert account(database).status == AccountStatus.PROMISE_TO_PAY
    assert rows(database, PromiseToPay)[0].promised_date == on
    assert result.slots()["offer"] == "contact_check"  # the contact data are checked next


def test_promise_of_a_part_keeps_the_amount(verified: dict, database: str) -> None:
    on = today() + timedelta(days=3)
    checked = validate(ValidatePromiseForm(), "promise_date", f"50 euros le {on:%d/%m/%Y}", verified)
    run(ActionRecordPromise(), {**verified, **checked.slots()})
    assert rows(database, PromiseToPay)[0].amount == Decimal("50.00")


def test_promise_beyond_the_limit_is_not_refused_flatly(verified: dict) -> None:
    far = today() + timedelta(days=80)
    checked = validate(ValidatePromiseForm(), "promise_date", far.strftime("%d/%m/%Y"), verified)
    assert checked.slots() == {"promise_date": None}
    assert "étaler" in checked.text and "conseiller" in checked.text


def test_promise_date_not_understood_is_asked_again(verified: dict) -> None:
    checked = validate(ValidatePromiseForm(), "promise_date", "quand je pourrai", verified)
    assert checked.slots() == {"promise_date": None}
    assert checked.said == [render("payment_date_not_understood", "fr")]


def test_plan_proposals_then_an_option_chosen(verified: dict, database: str) -> None:
    asked = run(ActionAskPlanChoice(), verified)
    assert "mensualités" in asked.text
    checked = validate(ValidatePlanForm(), "plan_choice", "la première", verified)
    assert checked.slots()["plan_choice"].startswith("months:")
    result = run(ActionRecordPlan(), {**verified, **checked.slots()})
    assert account(database).status == AccountStatus.ARRANGEMENT
    plan = rows(database, Arrangement)[0]
    instalments = rows(database, Instalment)
    assert sum(i.amount for i in instalments) == Decimal("153.60") == plan.total
    assert "153,60" in result.text


def test_plan_counter_offer_outside_policy_gets_the_nearest_plan(verified: dict, database: str) -> None:
    checked = validate(ValidatePlanForm(), "plan_choice", "5 euros par mois", verified)
    assert checked.slots()["plan_choice"] is None
    offer = checked.slots()["plan_offer"]
    assert offer.startswith("months:")
    assert "la solution la plus proche" in checked.text
    accepted = validate(ValidatePlanForm(), "plan_choice", "oui", {**verified, "plan_offer": offer}, "affirm")
    assert accepted.slots()["plan_choice"] == offer
    run(ActionRecordPlan(), {**verified, **accepted.slots()})
    assert rows(database, Arrangement)[0].instalment_count == int(offer.split(":")[1])


def test_a_monthly_amount_within_policy_is_agreed_as_said(verified: dict, database: str) -> None:
    checked = validate(ValidatePlanForm(), "plan_choice", "je peux 60 euros par mois", verified)
    assert checked.slots()["plan_choice"] == "monthly:60.00"
    run(ActionRecordPlan(), {**verified, **checked.slots()})
    assert [i.amount for i in rows(database, Instalment)] == [
        Decimal("60.00"),
        Decimal("60.00"),
        Decimal("33.60"),
    ]


def test_declining_every_plan_offers_an_advisor(verified: dict, database: str) -> None:
    checked = validate(ValidatePlanForm(), "plan_choice", "non", verified, "deny")
    result = run(ActionRecordPlan(), {**verified, **checked.slots()})
    assert result.slots()["offer"] == "handoff"
    assert rows(database, Arrangement) == []


def test_direct_debit_day(verified: dict, database: str) -> None:
    assert validate(ValidateDebitDayForm(), "debit_day", "le 31", verified).slots() == {"debit_day": None}
    checked = validate(ValidateDebitDayForm(), "debit_day", "le cinq", verified)
    assert checked.slots() == {"debit_day": "5"}
    run(ActionRecordDebitDay(), {**verified, **checked.slots()})
    assert account(database).direct_debit_day == 5


def test_already_paid_opens_a_payment_check(verified: dict, database: str) -> None:
    paid_on = today() - timedelta(days=4)
    checked = validate(ValidatePaidForm(), "paid_date", f"par virement le {paid_on:%d/%m/%Y}", verified)
    assert checked.slots() == {"paid_date": paid_on.isoformat(), "paid_method": "bank_transfer"}
    run(ActionRecordPaymentClaim(), {**verified, **checked.slots()})
    payment = rows(database, Payment)[0]
    assert (payment.paid_on, payment.method, payment.confirmed) == (paid_on, "bank_transfer", False)


def test_a_payment_date_in_the_future_is_not_a_payment_made(verified: dict) -> None:
    future = today() + timedelta(days=5)
    checked = validate(ValidatePaidForm(), "paid_date", f"{future:%d/%m/%Y}", verified)
    assert checked.slots() == {"paid_date": None}


def test_dispute_pauses_collection(verified: dict, database: str) -> None:
    result = run(ActionRecordDispute(), {**verified, "dispute_reason": "j'ai résilié mon contrat en juin"})
    assert result.said[0] == render("dispute_recorded", "fr")
    assert account(database).status == AccountStatus.DISPUTED
    dispute = rows(database, Dispute)[0]
    assert dispute.reason == "contract_cancelled" and "résilié" in dispute.details


def test_hardship_pause_with_vulnerability(verified: dict, database: str) -> None:
    asked = run(ActionAskHardshipCircumstances(), verified)
    assert asked.said[0] == render("hardship_acknowledge", "fr")
    slots = {**verified, "hardship_circumstances": "je suis malade, hospitalisée", "hardship_choice": "pause"}
    result = run(ActionRecordHardship(), slots)
    case = rows(database, HardshipCase)[0]
    assert case.vulnerability is True and case.hold_until == today() + timedelta(days=30)
    assert account(database).status == AccountStatus.HARDSHIP_HOLD
    assert {"hardship", "vulnerability"} <= flags(database)
    assert "suspendu" in result.said[0]


def test_hardship_advisor_pauses_and_hands_over(verified: dict, database: str) -> None:
    slots = {**verified, "hardship_circumstances": "chômage", "hardship_choice": "advisor"}
    run(ActionRecordHardship(), slots)
    assert rows(database, Handoff)[0].reason == "hardship"
    assert rows(database, HardshipCase)[0].vulnerability is False


def test_hardship_plan_continues_with_lower_payments(verified: dict) -> None:
    slots = {**verified, "hardship_circumstances": "-", "hardship_choice": "plan"}
    result = run(ActionRecordHardship(), slots)
    assert result.slots()["hardship_plan"] is True
    assert {"event": "followup", "name": "plan_form"} in [
        {k: e[k] for k in ("event", "name")} for e in result.events if e["event"] == "followup"
    ]


def test_pay_full_by_sms_gives_the_transfer_details(verified: dict, database: str) -> None:
    result = run(ActionPayFull(), verified)
    assert "FR76 3000 6000 0112 3456 7890 189" in result.text and REF in result.text
    assert "payment.instructions_sent" in audit_actions(database)


def test_nothing_to_pay_says_so(verified: dict, database: str) -> None:
    with Session(make_engine(database)) as session:
        row = session.exec(select(Account).where(Account.account_ref == REF)).one()
        row.balance = Decimal("0.00")
        session.add(row)
        session.commit()
    assert run(ActionPayFull(), verified).said == [render("nothing_to_pay", "fr")]


def test_contact_data_confirmed_and_updated(verified: dict, database: str) -> None:
    run(ActionContactConfirmed(), verified)
    assert "contact_data.confirmed" in audit_actions(database)
    checked = validate(ValidateContactForm(), "contact_update", "3 avenue Foch 69006 Lyon", verified)
    assert json.loads(checked.slots()["contact_update"])["postcode"] == "69006"
    run(ActionContactUpdate(), {**verified, **checked.slots()})
    addresses = [p for p in rows(database, ContactPoint) if p.kind == ContactKind.ADDRESS]
    assert {(p.postcode, p.valid) for p in addresses} == {("69006", True), ("75011", False)}


def test_contact_update_not_understood(verified: dict) -> None:
    checked = validate(ValidateContactForm(), "contact_update", "je sais pas", verified)
    assert checked.slots() == {"contact_update": None}


# --- Whatever the state ---


def test_bot_challenge_is_honest_and_offers_a_person(database: str) -> None:
    result = run(ActionBotChallenge(), {}, "t'es un robot ?", intent="bot_challenge")
    assert "assistant automatique" in result.text and result.slots() == {"offer": "handoff"}


def test_handoff_closes_the_form_and_records_a_summary(verified: dict, database: str) -> None:
    result = run(
        ActionHandoff(), verified, "un humain svp", intent="request_human", active_loop="promise_form"
    )
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in result.events
    ]
    handoff = rows(database, Handoff)[0]
    assert "verified" in handoff.summary and "1985" not in handoff.summary


def test_complaint_is_recorded_with_its_words(database: str) -> None:
    run(ActionComplaint(), {}, "vous m'appelez trop souvent", intent="complaint")
    assert "complaint" in flags(database)
    assert "trop souvent" in rows(database, Handoff)[0].summary


def test_stop_contact_opts_out_of_the_channel(database: str) -> None:
    result = run(ActionStopContact(), {"candidate_account": REF}, "arrêtez les SMS", intent="stop_contact")
    assert result.said == [render("stop_contact_confirmed", "fr", channel=render("channel.sms", "fr"))]
    consent = rows(database, Consent)[0]
    assert (consent.channel, consent.status) == ("sms", "opted_out")


def test_fallback_rephrases_once_then_hands_over(database: str) -> None:
    def said(intent: str) -> dict:
        return {"event": "user", "text": "blabla", "parse_data": {"intent": {"name": intent}}}

    first = run(
        ActionFallback(), {}, "blabla", intent="nlu_fallback", events=[said("greet"), said("nlu_fallback")]
    )
    assert first.said == [render("rephrase", "fr")]
    events = [said("nlu_fallback"), said("out_of_scope")]
    second = run(ActionFallback(), {}, "blibli", intent="out_of_scope", events=events)
    assert second.said == [render("fallback_handoff", "fr")]
    assert rows(database, Handoff)[0].reason == "not understood twice"


def test_everything_said_before_verification_is_free_of_debt_details(database: str) -> None:
    texts = []
    for action, intent in [
        (ActionOpening(), "greet"),
        (ActionHoldRequest(), "ask_balance"),
        (ActionBotChallenge(), "bot_challenge"),
        (ActionWrongPerson(), "wrong_person"),
        (ActionStopContact(), "stop_contact"),
        (ActionHandoff(), "request_human"),
        (ActionComplaint(), "complaint"),
        (ActionIdentityDone(), "inform"),
    ]:
        texts += run(action, {"candidate_account": REF}, "combien je dois à qui", intent=intent).said
    assert texts and not any(discloses(text) for text in texts)


def test_without_a_language_the_first_messages_decide(database: str) -> None:
    events = [{"event": "user", "text": "Guten Tag, ich habe eine Frage zu meiner Rechnung"}]
    result = run(ActionOpening(), {"language": None}, "Guten Tag", intent="greet", events=events)
    assert result.said == [render("opening_inbound", "de", company=get_settings().company_name)]
    assert result.slots() == {"opened": True, "language": "de"}


def test_an_unclear_first_message_answers_in_the_default_jurisdictions_language(database: str) -> None:
    result = run(
        ActionOpening(), {"language": None}, "ok", intent="greet", events=[{"event": "user", "text": "ok"}]
    )
    assert result.said == [render("opening_inbound", "fr", company=get_settings().company_name)]
    assert "language" not in result.slots()


def test_callback_inside_permitted_hours_is_planned(verified: dict, database: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.actions.contact import ActionRecordCallback, ValidateCallbackForm
    from debt.models import ContactAttempt

    now = datetime.now(ZoneInfo("Europe/Paris"))
    day = now.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    checked = validate(ValidateCallbackForm(), "callback_time", f"le {day:%d/%m/%Y} à 18h", verified)
    asked = checked.slots()["callback_time"]
    assert asked is not None and datetime.fromisoformat(asked).hour == 18
    result = run(ActionRecordCallback(), {**verified, "callback_time": asked})
    assert "18:00" in result.said[0]
    attempt = rows(database, ContactAttempt)[0]
    assert attempt.purpose == "callback" and attempt.status == "planned"


def test_callback_at_night_gets_the_next_permitted_time(verified: dict) -> None:
    from bot.actions.contact import ValidateCallbackForm

    checked = validate(ValidateCallbackForm(), "callback_time", "demain à 23h", verified)
    assert checked.slots()["callback_time"] is None and checked.slots()["callback_offer"]
    assert "premier créneau" in checked.text
    accepted = validate(
        ValidateCallbackForm(), "callback_time", "oui", {**verified, **checked.slots()}, intent="affirm"
    )
    assert accepted.slots()["callback_time"] == checked.slots()["callback_offer"]


def test_plan_proposals_follow_the_creditors_policy(verified: dict, database: str) -> None:
    from debt.models import Creditor

    with Session(make_engine(database)) as session:
        creditor = session.get(Creditor, account(database).creditor_id)
        creditor.min_instalment, creditor.max_months = Decimal("50.00"), 3
        session.add(creditor)
        session.commit()
    asked = run(ActionAskPlanChoice(), verified)
    assert "3 mensualités de 51,20" in asked.text and "6 mensualités" not in asked.text
    checked = validate(ValidatePlanForm(), "plan_choice", "en 6 fois", verified)
    assert checked.slots()["plan_offer"] == "months:3"
