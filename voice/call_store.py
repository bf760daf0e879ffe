"""The database side of a call: its row, its conversation, its progress, its handoff and recordings.

Each function takes a session and does one step; the webhooks run them in a thread. Twilio
retries webhooks and sends callbacks out of order: every step is idempotent on the CallSid
(or the RecordingSid) and statuses only move forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from channels.turn_store import answers_to, find_duplicate, match_party
from debt.clock import utcnow
from debt.contact_policy import update_attempt
from debt.conversations import add_turn, open_conversation
from debt.models import (
    Account,
    Call,
    CallRecording,
    Channel,
    ContactAttempt,
    Conversation,
    ConversationStatus,
    Debtor,
    Handoff,
    HandoffStatus,
    Turn,
    TurnRole,
    TurnState,
)
from debt.outcomes.handoffs import request_handoff
from debt.outcomes.recording import record_recording_objection, record_recording_stop
from debt.phones import language_of
from voice import call_status

DIALOGUE = "dialogue"
VOICEMAIL = "voicemail"
QUEUED = "queued"  # waiting for an advisor
WITH_ADVISOR = "advisor"
ENDED = "ended"
STREAM_LOST = "stream_lost"  # the Media Stream closed under us


@dataclass(frozen=True)
class CallView:
    """What a webhook needs to know about the call it is answering."""

    id: int
    call_sid: str | None
    conversation_id: int | None
    direction: str
    party: str  # the debtor's side: the caller, or whom we called
    language: str
    stage: str
    status: str
    recording_requested: bool
    end_reason: str | None = None
    recording_objected: bool = False


def _view(session: Session, call: Call) -> CallView:
    conversation = session.get(Conversation, call.conversation_id) if call.conversation_id else None
    party = call.from_number if call.direction == "inbound" else call.to_number
    language = (conversation.language if conversation else None) or language_of(party) or "en"
    return CallView(
        id=call.id,  # type: ignore[arg-type]
        call_sid=call.call_sid,
        conversation_id=call.conversation_id,
        direction=call.direction,
        party=party,
        language=language,
        stage=call.stage,
        status=call.status,
        recording_requested=call.recording_requested,
        end_reason=call.end_reason,
        recording_objected=call.recording_objected_at is not None,
    )


def _by_sid(session: Session, call_sid: str) -> Call | None:
    return session.exec(select(Call).where(Call.call_sid == call_sid)).first()


def call_by_sid(session: Session, call_sid: str) -> CallView | None:
    call = _by_sid(session, call_sid)
    return _view(session, call) if call else None


def _new_conversation(
    session: Session, party: str, *, direction: str, account: Account | None, now: datetime
) -> Conversation:
    """A call is a conversation of its own: the party's previous open voice conversation is closed."""
    for previous in session.exec(
        select(Conversation).where(
            Conversation.channel == Channel.VOICE,
            Conversation.party == party,
            Conversation.status == ConversationStatus.OPEN,
        )
    ).all():
        previous.status = ConversationStatus.CLOSED
        previous.closed_at = now
        session.add(previous)
    session.flush()
    if account is None:
        debtor, account = match_party(session, Channel.VOICE, party)
    else:
        debtor = session.get(Debtor, account.debtor_id)
    return open_conversation(
        session,
        channel=Channel.VOICE,
        party=party,
        debtor_id=debtor.id if debtor else None,
        account_id=account.id if account else None,
        language=(debtor.language if debtor else None) or language_of(party),
        direction=direction,
    )


def start_inbound(
    session: Session, *, call_sid: str, from_number: str, to_number: str, mode: str
) -> tuple[CallView, bool]:
    """The call's row and conversation; (view, False) when Twilio asks again for a call we know."""
    known = _by_sid(session, call_sid)
    if known is not None:
        return _view(session, known), False
    now = utcnow()
    conversation = _new_conversation(session, from_number, direction="inbound", account=None, now=now)
    call = Call(
        call_sid=call_sid,
        conversation_id=conversation.id,
        account_id=conversation.account_id,
        direction="inbound",
        from_number=from_number,
        to_number=to_number,
        mode=mode,
        status="in-progress",
        answered_at=now,
    )
    session.add(call)
    session.flush()
    return _view(session, call), True


def placed_call(
    session: Session, attempt: ContactAttempt, *, from_number: str, mode: str
) -> tuple[Call, bool]:
    """The outbound call row of a contact attempt, created before Twilio is asked; True when new."""
    known = session.exec(select(Call).where(Call.attempt_id == attempt.id)).first()
    if known is not None:
        return known, False
    call = Call(
        attempt_id=attempt.id,
        account_id=attempt.account_id,
        direction="outbound",
        from_number=from_number,
        to_number=attempt.to,
        mode=mode,
    )
    session.add(call)
    session.flush()
    return call, True


def note_placed(session: Session, call_id: int, call_sid: str | None, status: str) -> None:
    """Twilio created the call (its SID; the attempt is made now), or refused it (status failed)."""
    call = session.get(Call, call_id)
    assert call is not None
    now = utcnow()
    if call_sid and not call.call_sid:
        call.call_sid = call_sid
    call.status = call_status.advance(call.status, status)
    call.updated_at = now
    session.add(call)
    _attempt_follows(session, call, attempted=now if call_sid else None)


def answer_outbound(
    session: Session, *, call_id: int, call_sid: str, answered_by: str | None
) -> tuple[CallView, bool]:
    """An outbound call was answered (by a person or a machine): its conversation opens once."""
    call = session.get(Call, call_id)
    if call is None:
        raise LookupError(f"no call {call_id}")
    if call.call_sid is None:
        call.call_sid = call_sid
    elif call.call_sid != call_sid:
        raise LookupError(f"call {call_id} is {call.call_sid}, not {call_sid}")
    if call.conversation_id is not None:
        return _view(session, call), False
    now = utcnow()
    account = session.get(Account, call.account_id) if call.account_id else None
    conversation = _new_conversation(session, call.to_number, direction="outbound", account=account, now=now)
    call.conversation_id = conversation.id
    call.answered_by = (answered_by or "unknown")[:24]
    call.answered_at = now
    call.status = call_status.advance(call.status, "in-progress")
    call.stage = VOICEMAIL if call.answered_by in call_status.ANSWERED_BY_MACHINE else DIALOGUE
    call.updated_at = now
    session.add(call)
    session.flush()
    return _view(session, call), True


def record_voicemail(session: Session, call_id: int, text: str) -> None:
    """The message left on a machine goes into the transcript like any bot turn."""
    call = session.get(Call, call_id)
    assert call is not None and call.conversation_id is not None
    conversation = session.get(Conversation, call.conversation_id)
    assert conversation is not None
    add_turn(session, conversation, role=TurnRole.BOT, text=text, meta={"voicemail": True})


def set_stage(session: Session, call_id: int, stage: str, *, reason: str | None = None) -> None:
    call = session.get(Call, call_id)
    assert call is not None
    call.stage = stage
    if reason:
        call.end_reason = reason[:500]
    call.updated_at = utcnow()
    session.add(call)


def note_stream_end(session: Session, call_id: int, reason: str) -> None:
    """The Media Stream ended without us ending it (the caller hung up, the network dropped it)."""
    call = session.get(Call, call_id)
    assert call is not None
    if call.stage not in (ENDED, QUEUED):
        call.stage = STREAM_LOST
    call.end_reason = reason[:500]
    call.updated_at = utcnow()
    session.add(call)


def dialogue_progress(session: Session, conversation_id: int, call_sid: str) -> tuple[bool, int]:
    """(the bot has opened the call, the number of the caller's next turn): a call back on a new Media
    Stream goes on where it was, without a second opening or a turn id used twice."""
    opened = session.exec(select(Turn.id).where(Turn.external_id == f"{call_sid}:start")).first() is not None
    said = session.exec(
        select(Turn.id).where(Turn.conversation_id == conversation_id, Turn.role == TurnRole.DEBTOR)
    ).all()
    return opened, len(said) + 1


def mark_recording_requested(session: Session, call_id: int) -> bool:
    """True for the one request that should start the recording (the first after the notice), never
    once the caller has objected to it."""
    call = session.get(Call, call_id)
    assert call is not None
    if call.recording_requested or call.recording_objected_at is not None:
        return False
    call.recording_requested = True
    session.add(call)
    return True


def recording_objected(session: Session, call_id: int) -> bool:
    call = session.get(Call, call_id)
    return call is not None and call.recording_objected_at is not None


# Turns the call answers itself when the caller objects to the recording: kept, never sent to the bot.
RECORDING_OBJECTION = "recording_objection"


@dataclass(frozen=True)
class Objection:
    """A caller's objection as the call flow acts on it."""

    first: bool  # the first objection on this call (the one audited)
    recording_requested: bool  # a recording was asked of Twilio before it: stop it
    known_recordings: list[str]  # RecordingSids Twilio told us are in progress (recording callbacks)


def note_recording_objection(session: Session, call_id: int, wording: str) -> Objection:
    """The caller objected to the recording: kept on the call and audited (once per call)."""
    call = session.get(Call, call_id)
    assert call is not None
    conversation = session.get(Conversation, call.conversation_id) if call.conversation_id else None
    first = record_recording_objection(session, call, wording=wording, conversation=conversation)
    running = session.exec(
        select(CallRecording.recording_sid).where(
            CallRecording.call_id == call.id, CallRecording.status == "in-progress"
        )
    ).all()
    return Objection(first, call.recording_requested, sorted(running))


def note_recording_stop(session: Session, call_id: int, stopped: list[str], failed: dict[str, str]) -> None:
    call = session.get(Call, call_id)
    assert call is not None
    conversation = session.get(Conversation, call.conversation_id) if call.conversation_id else None
    record_recording_stop(session, call, stopped=stopped, failed=failed, conversation=conversation)


def answer_objection(
    session: Session,
    call_id: int,
    *,
    text: str,
    external_id: str,
    confirmation: str,
    meta: dict[str, object],
) -> list[str]:
    """The caller's words go into the transcript answered by the call itself: the confirmation, then
    the bot's last words again (its question is still open). Twilio asking twice gets the same answer."""
    known = find_duplicate(session, external_id)
    if known is not None:
        return [t.text for t in answers_to(session, known.conversation_id, known.seq)]
    call = session.get(Call, call_id)
    assert call is not None and call.conversation_id is not None
    conversation = session.get(Conversation, call.conversation_id)
    assert conversation is not None
    again = _last_bot_words(session, conversation.id)  # type: ignore[arg-type]
    turn = add_turn(
        session,
        conversation,
        role=TurnRole.DEBTOR,
        text=text,
        external_id=external_id,
        meta={**meta, RECORDING_OBJECTION: True},
        state=TurnState.ANSWERED,
    )
    replies = [confirmation, *([again] if again else [])]
    for reply in replies:
        add_turn(
            session,
            conversation,
            role=TurnRole.BOT,
            text=reply,
            reply_to=turn.seq,
            meta={RECORDING_OBJECTION: True},
        )
    return replies


def _last_bot_words(session: Session, conversation_id: int) -> str | None:
    """What the bot said last in its own dialogue (not an answer to an objection, not a holding reply)."""
    said = session.exec(
        select(Turn)
        .where(Turn.conversation_id == conversation_id, Turn.role == TurnRole.BOT)
        .order_by(col(Turn.seq).desc())
        .limit(20)
    ).all()
    for turn in said:
        if not turn.meta.get(RECORDING_OBJECTION) and not turn.meta.get("holding"):
            return turn.text
    return None


def waiting_handoff(session: Session, conversation_id: int) -> Handoff | None:
    return session.exec(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            col(Handoff.status).in_([HandoffStatus.WAITING, HandoffStatus.ACTIVE]),
        )
        .order_by(col(Handoff.id).desc())
    ).first()


def hand_off(session: Session, conversation_id: int, *, reason: str, summary: str) -> Handoff:
    """A handoff the call itself decides (no speech, a fault), recorded like the bot's."""
    conversation = session.get(Conversation, conversation_id)
    assert conversation is not None
    return request_handoff(session, conversation, reason=reason, summary=summary, actor="system")


def end_waiting_handoff(session: Session, conversation_id: int, call_id: int) -> None:
    """No advisor took the call in time: the handoff is given up and the call is the bot's again."""
    handoff = waiting_handoff(session, conversation_id)
    if handoff is not None and handoff.status == HandoffStatus.WAITING:
        handoff.status = HandoffStatus.ABANDONED
        handoff.ended_at = utcnow()
        session.add(handoff)
    set_stage(session, call_id, DIALOGUE)


def whisper_facts(session: Session, call_sid: str) -> tuple[str, str, str] | None:
    """(language, who, reason) for the advisor who takes the call; the handoff becomes active."""
    call = _by_sid(session, call_sid)
    if call is None or call.conversation_id is None:
        return None
    view = _view(session, call)
    handoff = waiting_handoff(session, call.conversation_id)
    reason = handoff.reason if handoff else "transfer"
    if handoff is not None and handoff.status == HandoffStatus.WAITING:
        handoff.status = HandoffStatus.ACTIVE
        handoff.accepted_at = utcnow()
        session.add(handoff)
    call.stage = WITH_ADVISOR
    session.add(call)
    summary = handoff.summary if handoff else ""
    return view.language, summary or "no summary", reason


def advance_status(
    session: Session,
    call_sid: str,
    status: str,
    *,
    duration: int | None = None,
    answered_by: str | None = None,
    call_id: int | None = None,
) -> str | None:
    """A status callback; returns the call's status after it (None for a call we do not know)."""
    call = _by_sid(session, call_sid)
    if call is None and call_id is not None:
        call = session.get(Call, call_id)
        if call is not None and call.call_sid is None:
            call.call_sid = call_sid
    if call is None:
        return None
    now = utcnow()
    call.status = call_status.advance(call.status, status)
    if answered_by and not call.answered_by:
        call.answered_by = answered_by[:24]
    if call_status.is_final(call.status):
        if duration is not None:
            call.duration_seconds = duration
        if call.ended_at is None:
            call.ended_at = now
            _end(session, call, now)
    call.updated_at = now
    session.add(call)
    _attempt_follows(session, call)
    return call.status


def _end(session: Session, call: Call, now: datetime) -> None:
    if call.stage == QUEUED and call.conversation_id:
        handoff = waiting_handoff(session, call.conversation_id)
        if handoff is not None and handoff.status == HandoffStatus.WAITING:
            handoff.status = HandoffStatus.ABANDONED
            handoff.ended_at = now
            session.add(handoff)
    call.stage = ENDED
    if call.conversation_id:
        conversation = session.get(Conversation, call.conversation_id)
        if conversation is not None and conversation.status == ConversationStatus.OPEN:
            conversation.status = ConversationStatus.CLOSED
            conversation.closed_at = now
            session.add(conversation)


def _attempt_follows(session: Session, call: Call, *, attempted: datetime | None = None) -> None:
    """The contact attempt behind an outbound call shows how it went (campaigns retry on it)."""
    if call.attempt_id is None:
        return
    status = call.answered_by if call.answered_by and call.status == "completed" else call.status
    update_attempt(session, call.attempt_id, status=status, sid=call.call_sid, attempted=attempted)


_RECORDING_RANK = {"in-progress": 0, "completed": 1, "absent": 1, "failed": 1}


def record_recording(
    session: Session,
    *,
    recording_sid: str,
    call_sid: str,
    status: str,
    url: str | None,
    duration: int | None,
    channels: int | None,
) -> CallRecording:
    """A recording callback, kept once per RecordingSid; a late 'in-progress' never undoes 'completed'."""
    recording = session.exec(
        select(CallRecording).where(CallRecording.recording_sid == recording_sid)
    ).first()
    if recording is None:
        call = _by_sid(session, call_sid)
        recording = CallRecording(
            recording_sid=recording_sid, call_sid=call_sid, call_id=call.id if call else None, status=status
        )
    elif _RECORDING_RANK.get(status, 0) < _RECORDING_RANK.get(recording.status, 0):
        return recording
    recording.status = status
    recording.url = url or recording.url
    recording.duration_seconds = duration if duration is not None else recording.duration_seconds
    recording.channels = channels or recording.channels
    recording.updated_at = utcnow()
    session.add(recording)
    session.flush()
    return recording
