"""Writes the test stories (flows/tests/stories/test_stories_{fr,de,en}.yml): every flow in each language.

One template per flow, the person's words per language in phrases.yml. `rasa test` reads the
written files; tests/bot/test_test_stories.py fails when they are not up to date.

    .venv/bin/python flows/tests/build.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LANGUAGES = ("fr", "de", "en")
Step = dict[str, Any]


def user(key: str, intent: str) -> list[Step]:
    return [{"user": key, "intent": intent}]


def action(name: str, **slots: Any) -> list[Step]:
    steps: list[Step] = [{"action": name}]
    steps += [{"slot_was_set": [{k: v}]} for k, v in slots.items()]
    return steps


def ask(form: str, slot: str) -> list[Step]:
    """A form starts and asks for its first slot."""
    return [{"action": form}, {"active_loop": form}, {"slot_was_set": [{"requested_slot": slot}]}]


def answer(form: str, key: str, intent: str, filled: dict[str, Any], then: str | None) -> list[Step]:
    """The person answers; the form fills `filled`, then asks for `then` or ends."""
    steps = [*user(key, intent), {"action": form}]
    steps += [{"slot_was_set": [{k: v}]} for k, v in filled.items()]
    if then:
        return [*steps, {"slot_was_set": [{"requested_slot": then}]}]
    return [*steps, {"active_loop": None}, {"slot_was_set": [{"requested_slot": None}]}]


OPENING = [*user("hello", "greet"), *action("action_opening", opened=True)]


def verification(request: str, intent: str, pending: str) -> list[Step]:
    """A request before verification, held; name and birth date; the disclosure and explanation."""
    return [
        *user(request, intent),
        *action("action_hold_request", offer="nothing", pending=pending),
        *ask("identity_form", "claimed_name"),
        *answer("identity_form", "name", "inform", {"claimed_name": "NAME"}, "identity_secret"),
        *answer(
            "identity_form",
            "birth",
            "inform",
            {"identity_secret": "checked", "verified": True, "verified_account": "REF"},
            None,
        ),
        *action("action_identity_done", identity_secret=None, claimed_name=None),
    ]


def outcome(name: str, *slots: str) -> list[Step]:
    """A form's outcome recorded; the contact data are checked next (once per conversation)."""
    return action(
        name, **{slot: None for slot in slots}, pending="nothing", offer="contact_check", contact_checked=True
    )


CONFIRM_CONTACT = [*user("yes", "affirm"), *action("action_contact_confirmed", offer="nothing")]

FLOWS: dict[str, list[Step]] = {
    "balance asked before verification": [
        *OPENING,
        *verification("balance", "ask_balance", "explain"),
        *user("origin", "ask_debt_origin"),
        *action("action_explain_debt", pending="nothing"),
    ],
    "promise to pay": [
        *OPENING,
        *verification("promise", "promise_to_pay", "promise"),
        *ask("promise_form", "promise_date"),
        *answer("promise_form", "date", "inform", {"promise_date": "DATE"}, None),
        *outcome("action_record_promise", "promise_date"),
        *CONFIRM_CONTACT,
    ],
    "instalment plan": [
        *verification("plan", "request_plan", "plan"),
        *ask("plan_form", "plan_choice"),
        *answer("plan_form", "pick", "inform", {"plan_choice": "months:3"}, None),
        *action(
            "action_record_plan", plan_choice=None, plan_rounds=0.0, pending="nothing", hardship_plan=False
        ),
        {"slot_was_set": [{"offer": "contact_check"}]},
        {"slot_was_set": [{"contact_checked": True}]},
        *CONFIRM_CONTACT,
    ],
    "direct-debit day": [
        *verification("debit", "change_payment_date", "debit_day"),
        *ask("debit_day_form", "debit_day"),
        *answer("debit_day_form", "day", "inform", {"debit_day": "5"}, None),
        *outcome("action_record_debit_day", "debit_day"),
        *user("no", "deny"),
        *ask("contact_form", "contact_update"),
        *answer("contact_form", "address", "inform", {"contact_update": "ADDRESS"}, None),
        *action("action_contact_update", contact_update=None, offer="nothing"),
    ],
    "already paid": [
        *verification("paid", "already_paid", "paid"),
        *ask("paid_form", "paid_date"),
        *answer("paid_form", "paid_date", "inform", {"paid_date": "DATE"}, "paid_method"),
        *answer("paid_form", "method", "inform", {"paid_method": "card"}, None),
        *outcome("action_record_payment_claim", "paid_date", "paid_method"),
    ],
    "dispute": [
        *verification("dispute", "dispute", "dispute"),
        *ask("dispute_form", "dispute_reason"),
        *answer("dispute_form", "reason", "dispute", {"dispute_reason": "REASON"}, None),
        *outcome("action_record_dispute", "dispute_reason"),
    ],
    "hardship": [
        *verification("hardship", "hardship", "hardship"),
        *ask("hardship_form", "hardship_circumstances"),
        *answer(
            "hardship_form",
            "circumstances",
            "hardship",
            {"hardship_circumstances": "TEXT"},
            "hardship_choice",
        ),
        *answer("hardship_form", "pause", "inform", {"hardship_choice": "pause"}, None),
        *outcome("action_record_hardship", "hardship_circumstances", "hardship_choice"),
    ],
    "pay in full": [
        *verification("pay_full", "pay_full", "pay_full"),
        *action("action_pay_full", pending="nothing", offer="contact_check", contact_checked=True),
    ],
    "outbound, the debtor answers": [
        *user("hello", "greet"),
        *action("action_opening", opened=True, offer="ask_for_debtor"),
        *user("yes", "affirm"),
        *action("action_hold_request", offer="nothing"),
        *ask("identity_form", "claimed_name"),
    ],
    "outbound, the debtor is not there": [
        *user("hello", "greet"),
        *action("action_opening", opened=True, offer="ask_for_debtor"),
        *user("no", "deny"),
        *action("action_decline_offer", offer="nothing"),
    ],
    "are you a bot, during the identity check": [
        *user("balance", "ask_balance"),
        *action("action_hold_request", offer="nothing", pending="explain"),
        *ask("identity_form", "claimed_name"),
        *user("bot", "bot_challenge"),
        *action("action_bot_challenge", offer="handoff"),
        {"action": "identity_form"},
        {"active_loop": "identity_form"},
        *answer("identity_form", "name", "inform", {"claimed_name": "NAME"}, "identity_secret"),
    ],
    "complaint": [*OPENING, *user("complaint", "complaint"), *action("action_complaint", offer="nothing")],
    "a person": [*user("human", "request_human"), *action("action_handoff", offer="nothing")],
    "stop contact": [*user("stop", "stop_contact"), *action("action_stop_contact", offer="nothing")],
    "call back later": [
        *user("callback", "callback_later"),
        *ask("callback_form", "callback_time"),
        *answer("callback_form", "when", "callback_later", {"callback_time": "TIME"}, None),
        *action("action_record_callback", callback_time=None, callback_offer=None),
    ],
    "bot challenge, then a person": [
        *user("bot", "bot_challenge"),
        *action("action_bot_challenge", offer="handoff"),
        *user("yes", "affirm"),
        *action("action_handoff", offer="nothing"),
    ],
    "wrong person": [
        *user("wrong_person", "wrong_person"),
        *action("action_wrong_person", pending="nothing"),
    ],
    "not understood twice": [
        *user("nonsense", "out_of_scope"),
        *action("action_fallback"),
        *user("nonsense2", "out_of_scope"),
        *action("action_fallback"),
    ],
    "identity failed three times": [
        *user("balance", "ask_balance"),
        *action("action_hold_request", pending="explain"),
        *ask("identity_form", "claimed_name"),
        *answer("identity_form", "name", "inform", {"claimed_name": "NAME"}, "identity_secret"),
        *answer(
            "identity_form",
            "wrong_birth",
            "inform",
            {"claimed_name": None, "identity_secret": None, "identity_failures": 1.0},
            "claimed_name",
        ),
        *answer("identity_form", "name", "inform", {"claimed_name": "NAME"}, "identity_secret"),
        *answer(
            "identity_form",
            "wrong_birth",
            "inform",
            {"claimed_name": None, "identity_secret": None, "identity_failures": 2.0},
            "claimed_name",
        ),
        *answer("identity_form", "name", "inform", {"claimed_name": "NAME"}, "identity_secret"),
        *answer(
            "identity_form",
            "wrong_birth",
            "inform",
            {"identity_secret": "checked", "identity_failures": 3.0, "identity_failed": True},
            None,
        ),
        *action("action_identity_done", pending="nothing"),
    ],
}


def render(language: str, phrases: dict[str, str]) -> dict[str, Any]:
    stories = []
    for title, steps in FLOWS.items():
        written: list[Step] = []
        for step in steps:
            if "user" in step:
                written.append({"user": phrases[step["user"]], "intent": step["intent"]})
            else:
                written.append(step)
        stories.append({"story": f"{title} ({language})", "steps": written})
    return {"version": "3.1", "stories": stories}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # steps shared by flows are written out each time
        return True


def build() -> dict[Path, str]:
    phrases = yaml.safe_load((HERE / "phrases.yml").read_text(encoding="utf-8"))
    header = "# Written by flows/tests/build.py from phrases.yml: edit those, then run it.\n"
    return {
        HERE / "stories" / f"test_stories_{language}.yml": header
        + yaml.dump(
            render(language, phrases[language]),
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            width=110,
        )
        for language in LANGUAGES
    }


if __name__ == "__main__":
    for path, text in build().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")
