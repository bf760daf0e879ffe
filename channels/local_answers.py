"""Answers given without the bot: the SMS keywords carriers and Twilio define, and messages without text.

STOP and its synonyms are honoured at once, before and whatever the dialogue would
have said; natural wordings ("arrêtez", "keine SMS mehr") reach the bot, whose
stop_contact action records the same opt-out.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from core.settings import Settings
from debt.disclosure import stop_contact_text
from debt.language import JURISDICTION_LANGUAGE
from debt.messages import render
from debt.models import Channel, ContactKind, ContactPoint, Conversation, Turn
from debt.outcomes.consent import is_opted_out, record_opt_in, record_opt_out

# Twilio's default opt-out, opt-in and help keywords (Advanced Opt-Out), the whole message alone.
# YES, also an opt-in keyword there, is left to the dialogue: it answers the bot's questions.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

STOP, START, HELP, TEXT_ONLY = "stop", "start", "help", "text_only"


def sms_keyword(body: str) -> str | None:
    """stop, start or help when the whole message is one of the keywords (any case, trailing punctuation)."""
    word = body.strip().rstrip(".!").strip().upper()
    if word in STOP_WORDS:
        return STOP
    if word in START_WORDS:
        return START
    if word in HELP_WORDS:
        return HELP
    return None


def _language(conversation: Conversation, settings: Settings) -> str:
    return conversation.language or JURISDICTION_LANGUAGE.get(settings.default_jurisdiction, "en")


def _debtors_of(session: Session, conversation: Conversation) -> list[int]:
    """Whoever this number belongs to: an opt-out from a shared number stops texts to all of them."""
    if conversation.debtor_id is not None:
        return [conversation.debtor_id]
    return sorted(
        set(
            session.exec(
                select(ContactPoint.debtor_id).where(
                    ContactPoint.kind == ContactKind.PHONE, ContactPoint.value == conversation.party
                )
            ).all()
        )
    )


def _stop(session: Session, conversation: Conversation, turn: Turn, settings: Settings) -> list[str]:
    debtors = _debtors_of(session, conversation)
    already = bool(debtors) and all(is_opted_out(session, d, Channel.SMS) for d in debtors)
    for debtor_id in debtors:
        record_opt_out(
            session, debtor_id=debtor_id, channel=Channel.SMS, wording=turn.text, conversation=conversation
        )
    # One confirmation: a second STOP is recorded in the transcript and answered with silence.
    return [] if already else [stop_contact_text(_language(conversation, settings), Channel.SMS)]


def _start(session: Session, conversation: Conversation, turn: Turn, settings: Settings) -> list[str]:
    for debtor_id in _debtors_of(session, conversation):
        record_opt_in(session, debtor_id=debtor_id, channel=Channel.SMS, wording=turn.text)
    return [render("sms_opted_in", _language(conversation, settings))]


def _help(session: Session, conversation: Conversation, turn: Turn, settings: Settings) -> list[str]:
    return [
        render(
            "sms_help",
            _language(conversation, settings),
            neutral_company=settings.company_neutral_name,
            callback_number=settings.callback_number,
        )
    ]


def _text_only(session: Session, conversation: Conversation, turn: Turn, settings: Settings) -> list[str]:
    return [render("text_only", _language(conversation, settings))]


LocalAnswer = Callable[[Session, Conversation, Turn, Settings], list[str]]
LOCAL_ANSWERS: dict[str, LocalAnswer] = {STOP: _stop, START: _start, HELP: _help, TEXT_ONLY: _text_only}


def answer_locally(
    session: Session, settings: Settings, conversation_id: int, seq: int, kind: str
) -> list[str]:
    conversation = session.get(Conversation, conversation_id)
    turn = session.exec(
        select(Turn).where(Turn.conversation_id == conversation_id, col(Turn.seq) == seq)
    ).one()
    assert conversation is not None
    return LOCAL_ANSWERS[kind](session, conversation, turn, settings)
