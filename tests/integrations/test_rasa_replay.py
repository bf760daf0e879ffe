"""Reading an answer Rasa already gave from its tracker events, so a retried turn is never sent twice."""

from __future__ import annotations

from integrations.rasa_client import answer_in_events

EVENTS = [
    {
        "event": "user",
        "text": "bonjour",
        "metadata": {"turn_ref": "7:1"},
        "parse_data": {"intent": {"name": "greet", "confidence": 0.98}},
    },
    {"event": "action", "name": "action_opening"},
    {"event": "bot", "text": "Bonjour, vous êtes en relation avec AR."},
    {
        "event": "user",
        "text": "combien ?",
        "metadata": {"turn_ref": "7:2"},
        "parse_data": {"intent": {"name": "ask_balance", "confidence": 0.9}},
    },
    {"event": "bot", "text": "Pouvez-vous m'indiquer vos nom et prénom ?"},
    {"event": "bot", "text": ""},
    {"event": "action", "name": "action_listen"},
]


def test_the_answer_to_a_turn_is_the_bot_text_up_to_the_next_message() -> None:
    first = answer_in_events(EVENTS, "7:1")
    assert first is not None
    assert (first.texts, first.intent, first.confidence) == (
        ["Bonjour, vous êtes en relation avec AR."],
        "greet",
        0.98,
    )
    second = answer_in_events(EVENTS, "7:2")
    assert second is not None and second.texts == ["Pouvez-vous m'indiquer vos nom et prénom ?"]


def test_a_turn_rasa_never_received_has_no_answer() -> None:
    assert answer_in_events(EVENTS, "7:3") is None
    assert answer_in_events([], "7:1") is None
