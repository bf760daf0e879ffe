"""Twilio Voice webhooks: calls answered, what <Gather> heard, the end of a Media Stream, the advisors'
queue, statuses and recordings.

Thin: Twilio's form in (signature checked by integrations/twilio_webhooks.signed_form), the
call flow's Step (voice/call_flow.py) out as TwiML (voice/twiml.py). In stream mode a call is
answered with <Connect><Stream> and the dialogue runs on the websocket (voice/media.py). Each
webhook is idempotent: Twilio may ask twice for the same CallSid and turn and gets the same answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from twilio.twiml.voice_response import VoiceResponse

from core.logs import get_logger
from core.settings import Settings
from debt.messages import render
from integrations.twilio_webhooks import TwilioRoute, party_of, signed_form
from voice import call_store
from voice.call_flow import CallFlow, Step, spoken_number
from voice.call_status import ANSWERED_BY_MACHINE
from voice.call_store import CallView
from voice.keypad import keypad_text
from voice.listening import listening_for, locale
from voice.stream import NO_ADVISOR, RESUME, SPEECH_FAILED
from voice.twiml import (
    advisor_twiml,
    append_handoff,
    say_and_hang_up,
    step_twiml,
    stream_twiml,
    waiting_twiml,
    xml,
)

router = APIRouter(tags=["twilio"])
log = get_logger("voice")

_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
MAX_SPEECH_CHARS = 1000
LANGUAGES = ("fr", "de", "en")


def get_flow(request: Request) -> CallFlow:
    return request.app.state.call_flow


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _call_sid(form: dict[str, str]) -> str:
    sid = form.get("CallSid", "").strip()
    if not _CALL_SID.match(sid):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "CallSid is missing or not a Twilio call id")
    return sid


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default


async def _render(
    request: Request, flow: CallFlow, call: CallView, step: Step, *, turn: int, silences: int = 0
) -> Response:
    listening = listening_for(step.expecting, call.language)
    keypad_help = flow.text(listening.keypad_help, call.language) if listening.keypad_help else None
    if listening.announce_keypad:
        step = replace(step, keypad_help=True)
    if step.next == "handoff":
        await flow.db(call_store.set_stage, call.id, call_store.QUEUED)
    return xml(
        step_twiml(
            _settings(request),
            step,
            language=call.language,
            call_sid=call.call_sid or "",
            turn=turn,
            keypad_help=keypad_help,
            silences=silences,
        )
    )


async def _call_in_dialogue(flow: CallFlow, call_sid: str) -> CallView | None:
    call = await flow.db(call_store.call_by_sid, call_sid)
    return call if call is not None and call.conversation_id is not None else None


def _unknown_call(request: Request, flow: CallFlow, call_sid: str) -> Response:
    """A webhook for a call we have no record of: an apology and our number, never a crash."""
    log.warning("voice_unknown_call", call_sid=call_sid)
    return xml(say_and_hang_up(_settings(request), [flow.text("voice_call_failed", "en")], "en"))


async def _converse(request: Request, flow: CallFlow, call: CallView) -> Response:
    """The dialogue begins: on our websocket in stream mode, else the bot's opening in <Gather>."""
    settings = _settings(request)
    if settings.voice_mode == "stream":
        return xml(stream_twiml(settings))
    return await _render(request, flow, call, await flow.start(call), turn=1)


@router.post(TwilioRoute.VOICE)
async def inbound_call(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """Someone calls us: the call and its conversation are recorded, the bot opens."""
    sid = _call_sid(form)
    settings = _settings(request)
    call, _ = await flow.db(
        call_store.start_inbound,
        call_sid=sid,
        from_number=party_of(form.get("From", ""))[:32] or "anonymous",
        to_number=party_of(form.get("To", ""))[:32],
        mode=settings.voice_mode,
    )
    log.info("voice_call_started", call_sid=sid, direction="inbound", conversation=call.conversation_id)
    return await _converse(request, flow, call)


@router.post(TwilioRoute.VOICE_ANSWER)
async def outbound_answered(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """An outbound call was answered: a person hears the bot ask for the debtor; a machine, a
    message that says nothing of a debt; a fax, nothing."""
    sid = _call_sid(form)
    call_id = _int(request.query_params.get("call"), 0)
    answered_by = form.get("AnsweredBy", "").strip().lower() or "unknown"
    try:
        call, _ = await flow.db(
            call_store.answer_outbound, call_id=call_id, call_sid=sid, answered_by=answered_by
        )
    except LookupError:
        return _unknown_call(request, flow, sid)
    settings = _settings(request)
    if answered_by == "fax":
        await flow.db(call_store.set_stage, call.id, call_store.ENDED, reason="fax")
        response = VoiceResponse()
        response.hangup()
        return xml(response)
    if answered_by in ANSWERED_BY_MACHINE:
        text = render(
            "voicemail",
            call.language,
            neutral_company=settings.company_neutral_name,
            callback_number=spoken_number(settings.callback_number),
        )
        await flow.db(call_store.record_voicemail, call.id, text)
        log.info("voice_voicemail_left", call_sid=sid)
        return xml(say_and_hang_up(settings, [text], call.language))
    log.info("voice_call_started", call_sid=sid, direction="outbound", answered_by=answered_by)
    return await _converse(request, flow, call)


@router.post(TwilioRoute.VOICE_TURN)
async def gathered(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """What the caller said or typed for turn `t` (or nothing: `s` counts the silences)."""
    sid = _call_sid(form)
    call = await _call_in_dialogue(flow, sid)
    if call is None:
        return _unknown_call(request, flow, sid)
    turn = max(1, _int(request.query_params.get("t"), 1))
    expecting = request.query_params.get("e") or None
    speech = " ".join(form.get("SpeechResult", "").split())[:MAX_SPEECH_CHARS]
    digits = "".join(c for c in form.get("Digits", "") if c.isdigit() or c in "*#")[:32].strip("#")
    if not speech and not digits:
        silences = _int(request.query_params.get("s"), 1)
        step = await flow.silence(call, silences, expecting)
        return await _render(request, flow, call, step, turn=turn, silences=silences)
    if speech:
        meta = {"speech_confidence": _confidence(form.get("Confidence"))}
        step = await flow.heard(call, speech, turn=turn, expecting=expecting, **meta)
    else:
        step = await flow.heard(
            call, f"[keypad] {digits}", turn=turn, bot_text=keypad_text(digits, expecting)
        )
    return await _render(request, flow, call, step, turn=turn + 1)


def _confidence(value: str | None) -> float | None:
    try:
        return max(0.0, min(1.0, float(value))) if value else None
    except ValueError:
        return None


@router.post(TwilioRoute.VOICE_STREAM_ENDED)
async def stream_ended(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """Our Media Stream closed: the caller goes to an advisor when the dialogue handed off, else the
    call ends."""
    sid = _call_sid(form)
    call = await _call_in_dialogue(flow, sid)
    response = VoiceResponse()
    if call is not None and call.stage == call_store.QUEUED:
        if call.end_reason == SPEECH_FAILED:  # our voice failed: Twilio's says the apology
            response.say(
                flow.text("voice_trouble_transfer", call.language),
                language=locale(_settings(request), call.language),
            )
        append_handoff(response, _settings(request), language=call.language, call_sid=sid, turn=1)
    else:
        response.hangup()
    return xml(response)


@router.post(TwilioRoute.VOICE_WAIT)
async def waiting(request: Request, form: dict[str, str] = Depends(signed_form)) -> Response:
    language = request.query_params.get("lang", "en")
    language = language if language in LANGUAGES else "en"
    hold = render("voice_queue_hold", language)
    return xml(waiting_twiml(_settings(request), hold, language, waited_seconds=_int(form.get("QueueTime"))))


@router.post(TwilioRoute.VOICE_QUEUE_RESULT)
async def queue_result(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """How waiting for an advisor ended: talked to one (the call ends), or not (a callback is offered)."""
    sid = _call_sid(form)
    call = await _call_in_dialogue(flow, sid)
    if call is None:
        return _unknown_call(request, flow, sid)
    outcome = (form.get("QueueResult") or form.get("DialCallStatus") or "").lower()
    turn = max(1, _int(request.query_params.get("t"), 1))
    if outcome in {"bridged", "completed", "answered", "redirected", "hangup"}:
        response = VoiceResponse()
        response.hangup()
        return xml(response)
    log.info("voice_no_advisor", call_sid=sid, outcome=outcome or "unknown")
    settings = _settings(request)
    if settings.voice_mode == "stream":
        # Back to a new Media Stream, where the session makes the callback offer in the voice of the
        # whole call (voice/stream.py) and the dialogue goes on.
        return xml(stream_twiml(settings, {RESUME: NO_ADVISOR, "attempt": str(turn)}))
    step = await flow.no_advisor(call, attempt=str(turn))
    return await _render(request, flow, call, step, turn=turn)


@router.post(TwilioRoute.VOICE_WHISPER)
async def whisper(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """Said to the advisor before the caller is connected: who, verified or not, why handed off."""
    sid = request.query_params.get("call") or form.get("CallSid", "")
    facts = await flow.db(call_store.whisper_facts, sid) if _CALL_SID.match(sid) else None
    response = VoiceResponse()
    if facts is None:
        return xml(response)
    language, who, reason = facts
    text = render("voice_whisper", language, who=who, reason=reason)
    response.say(text, language=locale(_settings(request), language))
    return xml(response)


@router.post(TwilioRoute.VOICE_ADVISOR)
async def advisor_line(request: Request, form: dict[str, str] = Depends(signed_form)) -> Response:
    """For the advisors' own number: connects the advisor to the longest-waiting caller of a language."""
    language = request.query_params.get("lang", "fr")
    if language not in LANGUAGES:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"lang must be one of {', '.join(LANGUAGES)}")
    return xml(advisor_twiml(_settings(request), language))


@router.post(TwilioRoute.VOICE_STATUS, status_code=status.HTTP_204_NO_CONTENT)
async def call_status_callback(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """A call's progress; a late or repeated status never moves it back."""
    sid = _call_sid(form)
    new_status = form.get("CallStatus", "").strip().lower()
    if not new_status:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "missing field CallStatus")
    duration = _int(form.get("CallDuration"), 0) if form.get("CallDuration") else None
    now = await flow.db(
        call_store.advance_status,
        sid,
        new_status,
        duration=duration,
        answered_by=form.get("AnsweredBy") or None,
        call_id=_int(request.query_params.get("call"), 0) or None,
    )
    if now is None:
        log.warning("voice_status_unknown_call", call_sid=sid, status=new_status)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(TwilioRoute.VOICE_RECORDING, status_code=status.HTTP_204_NO_CONTENT)
async def recording_callback(
    request: Request, form: dict[str, str] = Depends(signed_form), flow: CallFlow = Depends(get_flow)
) -> Response:
    """Where a call's recording is and how it went; kept once per RecordingSid."""
    sid = _call_sid(form)
    recording_sid = form.get("RecordingSid", "").strip()
    if not _RECORDING_SID.match(recording_sid):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "RecordingSid is missing or not a recording id")
    await flow.db(
        call_store.record_recording,
        recording_sid=recording_sid,
        call_sid=sid,
        status=(form.get("RecordingStatus") or "completed").lower()[:20],
        url=form.get("RecordingUrl") or None,
        duration=_int(form.get("RecordingDuration")) if form.get("RecordingDuration") else None,
        channels=_int(form.get("RecordingChannels")) or None,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
