"""After verification: the debt explained, paying in full, a promise, a plan, a direct-debit day,
a payment already made. Each form validates what the person says; its end records the outcome."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.support import (
    Verified,
    after_outcome,
    asks,
    in_session,
    intent_of,
    language,
    say,
    settings,
    today,
    verified,
)
from debt.arrangements import (
    Plan,
    PlanPolicy,
    PlanRefusal,
    plan_for_monthly_amount,
    plan_for_months,
    policy_for,
    propose,
)
from debt.choices import parse_payment_method, parse_plan_choice
from debt.disclosure import (
    explain_debt,
    format_day,
    plan_counter_text,
    plan_proposals_text,
    plan_recorded_text,
    promise_recorded_text,
)
from debt.messages import render
from debt.models import Creditor
from debt.money import format_money
from debt.outcomes import (
    LAST_DEBIT_DAY,
    OutsidePolicy,
    record_arrangement,
    record_direct_debit_day,
    record_payment_claim,
    record_payment_instructions,
    record_promise,
)
from debt.spoken import parse_date, parse_day_of_month, parse_spoken_amount
from integrations.payments import payment_provider

# The first instalment of a plan falls a week after it is agreed.
FIRST_DUE_DAYS = 7
MAX_PLAN_ROUNDS = 3


class ActionExplainDebt(Action):
    def name(self) -> str:
        return "action_explain_debt"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        text = await in_session(lambda s: explain_debt(verified(s, tracker).facts, lang))
        dispatcher.utter_message(text=text)
        say(dispatcher, tracker, "ask_how_to_help_after_explanation")
        return [SlotSet("pending", "nothing")]


class ActionPayFull(Action):
    """The payment provider's instructions, in the reply: on SMS and chat they are the text message."""

    def name(self) -> str:
        return "action_pay_full"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        channel = tracker.get_slot("channel") or "chat"
        provider = payment_provider(settings())

        def instruct(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            facts = context.facts
            if facts.balance <= 0:
                dispatcher.utter_message(text=render("nothing_to_pay", lang))
                return []
            instructions = provider.instructions(facts, lang)
            record_payment_instructions(
                session, context.conversation, context.account, method=instructions.method, channel=channel
            )
            amount = format_money(facts.balance, facts.currency, lang)
            say(dispatcher, tracker, "pay_full_details_here", amount=amount)
            dispatcher.utter_message(text=instructions.text)
            return after_outcome(dispatcher, tracker, session, context)

        return [SlotSet("pending", "nothing"), *await in_session(instruct)]


# --- Promise to pay ---


ActionAskPromiseDate = asks("promise_date", "ask_payment_date", __name__)


class ValidatePromiseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_promise_form"

    async def validate_promise_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang, now = language(tracker), today()
        text = value if isinstance(value, str) else ""
        found = parse_date(text, lang, now, kind="payment")
        if found is None:
            past = parse_date(text, lang, now, kind="any")
            say(dispatcher, tracker, "payment_date_in_past" if past else "payment_date_not_understood")
            return {"promise_date": None}
        latest = now + timedelta(days=settings().promise_max_days)
        if found.value > latest:
            say(dispatcher, tracker, "promise_outside_policy", latest_date=format_day(latest, lang))
            return {"promise_date": None}
        amount = parse_spoken_amount(text, lang)
        return {"promise_date": found.value.isoformat() + (f" {amount}" if amount else "")}


class ActionRecordPromise(Action):
    def name(self) -> str:
        return "action_record_promise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        day_text, _, amount_text = str(tracker.get_slot("promise_date") or "").partition(" ")
        on = date.fromisoformat(day_text)

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            amount = Decimal(amount_text) if amount_text else None
            if amount is not None and amount > context.account.balance:
                amount = None  # more than is owed: the promise is for the balance
            promise = record_promise(
                session,
                context.conversation,
                context.account,
                promised_date=on,
                amount=amount,
                today=today(),
                max_days=settings().promise_max_days,
            )
            dispatcher.utter_message(
                text=promise_recorded_text(
                    context.facts, lang, amount=promise.amount, on=promise.promised_date
                )
            )
            return after_outcome(dispatcher, tracker, session, context)

        try:
            events = await in_session(record)
        except OutsidePolicy as refusal:
            say(dispatcher, tracker, "promise_outside_policy", latest_date=format_day(_limit(refusal), lang))
            events = []
        return [SlotSet("promise_date", None), SlotSet("pending", "nothing"), *events]


def _limit(refusal: OutsidePolicy) -> date:
    return refusal.limit if isinstance(refusal.limit, date) else today()


# --- Instalment plan ---


def first_due() -> date:
    return today() + timedelta(days=FIRST_DUE_DAYS)


def creditor_policy(session: Session, context: Verified) -> PlanPolicy:
    creditor = session.get(Creditor, context.account.creditor_id)
    return policy_for(creditor.min_instalment, creditor.max_months) if creditor else policy_for(None, None)


def plan_from_choice(balance: Decimal, choice: str, policy: PlanPolicy, hardship: bool) -> Plan | PlanRefusal:
    """A plan from the slot's "months:N" or "monthly:A", as agreed in the form."""
    kind, _, value = choice.partition(":")
    if kind == "monthly":
        return plan_for_monthly_amount(balance, Decimal(value), first_due(), policy, hardship)
    return plan_for_months(balance, int(value), first_due(), policy, hardship)


class ActionAskPlanChoice(Action):
    """The proposals; after a counter-offer, the question was already asked with it."""

    def name(self) -> str:
        return "action_ask_plan_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("plan_offer") or tracker.get_slot("plan_rounds"):
            return []
        lang, hardship = language(tracker), bool(tracker.get_slot("hardship_plan"))

        def proposals(session: Session) -> str:
            context = verified(session, tracker)
            facts = context.facts
            plans = propose(facts.balance, first_due(), creditor_policy(session, context), hardship)
            return plan_proposals_text(facts, plans, lang) if plans else render("plan_settled_no_plan", lang)

        dispatcher.utter_message(text=await in_session(proposals))
        return []


class ValidatePlanForm(FormValidationAction):
    def name(self) -> str:
        return "validate_plan_form"

    async def validate_plan_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang, hardship = language(tracker), bool(tracker.get_slot("hardship_plan"))
        rounds = int(tracker.get_slot("plan_rounds") or 0) + 1
        offer, intent = tracker.get_slot("plan_offer"), intent_of(tracker)
        if offer and intent == "affirm":
            return {"plan_choice": offer, "plan_offer": None, "plan_rounds": 0.0}
        text = value if isinstance(value, str) else ""

        def decide(session: Session) -> tuple[str | None, str | None]:
            context = verified(session, tracker)
            facts, policy = context.facts, creditor_policy(session, context)
            plans = propose(facts.balance, first_due(), policy, hardship)
            choice = parse_plan_choice(text, lang, len(plans))
            if choice is None:
                return None, None
            if choice.option is not None:
                return f"months:{plans[choice.option - 1].months}", None
            wanted = f"monthly:{choice.monthly}" if choice.monthly is not None else f"months:{choice.months}"
            result = plan_from_choice(facts.balance, wanted, policy, hardship)
            if isinstance(result, Plan):
                return wanted, None
            if result.nearest is None:
                return "declined", None
            return f"offer:months:{result.nearest.months}", plan_counter_text(facts, result.nearest, lang)

        chosen, said = await in_session(decide)
        if chosen is None:
            # A plain no, or rounds without agreement: an advisor is offered, never a flat refusal.
            if intent == "deny" or rounds >= MAX_PLAN_ROUNDS:
                return {"plan_choice": "declined", "plan_offer": None, "plan_rounds": 0.0}
            say(dispatcher, tracker, "plan_choice_not_understood")
            return {"plan_choice": None, "plan_rounds": float(rounds)}
        if said:
            dispatcher.utter_message(text=said)
        if chosen.startswith("offer:"):
            if rounds >= MAX_PLAN_ROUNDS:
                return {"plan_choice": "declined", "plan_offer": None, "plan_rounds": 0.0}
            return {
                "plan_choice": None,
                "plan_offer": chosen.removeprefix("offer:"),
                "plan_rounds": float(rounds),
            }
        return {"plan_choice": chosen, "plan_offer": None, "plan_rounds": 0.0}


class ActionRecordPlan(Action):
    def name(self) -> str:
        return "action_record_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang, hardship = language(tracker), bool(tracker.get_slot("hardship_plan"))
        choice = str(tracker.get_slot("plan_choice") or "declined")
        reset = [SlotSet("plan_choice", None), SlotSet("plan_rounds", 0.0), SlotSet("pending", "nothing")]
        if choice == "declined":
            say(dispatcher, tracker, "plan_declined_offer_handoff")
            return [*reset, SlotSet("offer", "handoff")]

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            policy = creditor_policy(session, context)
            plan = plan_from_choice(context.account.balance, choice, policy, hardship)
            if not isinstance(plan, Plan):
                raise OutsidePolicy(plan.reason, "the plan is no longer within policy")
            record_arrangement(session, context.conversation, context.account, plan)
            dispatcher.utter_message(text=plan_recorded_text(context.facts, plan, lang))
            return after_outcome(dispatcher, tracker, session, context)

        try:
            return [*reset, SlotSet("hardship_plan", False), *await in_session(record)]
        except OutsidePolicy:
            say(dispatcher, tracker, "plan_declined_offer_handoff")
            return [*reset, SlotSet("offer", "handoff")]


# --- Direct-debit day ---


ActionAskDebitDay = asks("debit_day", "ask_debit_day", __name__)


class ValidateDebitDayForm(FormValidationAction):
    def name(self) -> str:
        return "validate_debit_day_form"

    async def validate_debit_day(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        day = parse_day_of_month(value if isinstance(value, str) else "", language(tracker))
        if day is None or not 1 <= day <= LAST_DEBIT_DAY:
            say(dispatcher, tracker, "debit_day_not_understood")
            return {"debit_day": None}
        return {"debit_day": str(day)}


class ActionRecordDebitDay(Action):
    def name(self) -> str:
        return "action_record_debit_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        day = int(tracker.get_slot("debit_day") or 0)

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            record_direct_debit_day(session, context.conversation, context.account, day)
            say(dispatcher, tracker, "debit_day_recorded", day=day)
            return after_outcome(dispatcher, tracker, session, context)

        events = await in_session(record)
        return [SlotSet("debit_day", None), SlotSet("pending", "nothing"), *events]


# --- Already paid ---


ActionAskPaidDate = asks("paid_date", "ask_paid_date", __name__)


ActionAskPaidMethod = asks("paid_method", "ask_paid_method", __name__)


class ValidatePaidForm(FormValidationAction):
    def name(self) -> str:
        return "validate_paid_form"

    async def validate_paid_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang, now = language(tracker), today()
        text = value if isinstance(value, str) else ""
        found = parse_date(text, lang, now, kind="any")
        if found is None or found.value > now:
            say(dispatcher, tracker, "paid_date_not_understood")
            return {"paid_date": None}
        slots: dict[str, Any] = {"paid_date": found.value.isoformat()}
        method = parse_payment_method(text, lang)
        if method:  # "j'ai fait un virement le 3 mars": both at once
            slots["paid_method"] = method
        return slots

    async def validate_paid_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in _METHODS:
            return {"paid_method": value}
        method = parse_payment_method(value if isinstance(value, str) else "", language(tracker))
        if method is None:
            say(dispatcher, tracker, "paid_method_not_understood")
        return {"paid_method": method}


_METHODS = {"card", "bank_transfer", "direct_debit", "cheque", "cash", "paypal", "other"}


class ActionRecordPaymentClaim(Action):
    def name(self) -> str:
        return "action_record_payment_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        paid_on = date.fromisoformat(str(tracker.get_slot("paid_date")))
        method = str(tracker.get_slot("paid_method") or "other")

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            record_payment_claim(
                session, context.conversation, context.account, paid_on=paid_on, method=method
            )
            say(dispatcher, tracker, "payment_check_opened", paid_date=format_day(paid_on, lang))
            return after_outcome(dispatcher, tracker, session, context)

        events = await in_session(record)
        return [
            SlotSet("paid_date", None),
            SlotSet("paid_method", None),
            SlotSet("pending", "nothing"),
            *events,
        ]
