"""TwiML: in gather mode a call flow Step said with <Say> and heard with <Gather>; in stream mode the
<Connect><Stream> to our websocket; handoffs to advisors (<Enqueue> or <Dial>), the queue's waiting
message, the advisor's line, voicemail.

Every URL handed to Twilio is built from PUBLIC_BASE_URL (integrations/twilio_webhooks.py),
so the signature Twilio computes over it is the one we check.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Response
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from core.settings import Settings
from integrations.twilio_webhooks import TwilioRoute, callback_url, stream_url
from voice.call_flow import Step
from voice.listening import listening_for, locale

GATHER_TIMEOUT_SECONDS = 6
QUEUE_HOLD_PAUSE_SECONDS = 20


def xml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type="application/xml")


def url(settings: Settings, route: TwilioRoute, **query: object) -> str:
    return callback_url(settings, route, urlencode({k: v for k, v in query.items() if v is not None}))


def queue_name(settings: Settings, language: str) -> str:
    return f"{settings.voice_queue_prefix}-{language}"


def step_twiml(
    settings: Settings,
    step: Step,
    *,
    language: str,
    call_sid: str,
    turn: int,
    keypad_help: str | None = None,
    silences: int = 0,
) -> VoiceResponse:
    """Say the step's texts, then listen for turn `turn`, hand off or hang up."""
    response = VoiceResponse()
    spoken = locale(settings, language)
    if step.next == "listen":
        listening = listening_for(step.expecting, language)
        next_turn = url(settings, TwilioRoute.VOICE_TURN, t=turn, e=step.expecting)
        gather = Gather(
            input="speech dtmf",
            action=next_turn,
            method="POST",
            language=spoken,
            speech_timeout="auto",
            timeout=GATHER_TIMEOUT_SECONDS,
            finish_on_key="#",
            hints=listening.hints,
            num_digits=listening.num_digits,
        )
        texts = list(step.say)
        if step.keypad_help and keypad_help:
            texts.append(keypad_help)
        for text in texts:
            gather.say(text, language=spoken)
        response.append(gather)
        # No input: Twilio falls through to here; the same turn is asked for once more.
        response.redirect(url(settings, TwilioRoute.VOICE_TURN, t=turn, e=step.expecting, s=silences + 1))
        return response
    for text in step.say:
        response.say(text, language=spoken)
    if step.next == "handoff":
        append_handoff(response, settings, language=language, call_sid=call_sid, turn=turn)
    else:
        response.hangup()
    return response


def append_handoff(
    response: VoiceResponse, settings: Settings, *, language: str, call_sid: str, turn: int
) -> None:
    """To the advisors' queue of the language, or to the configured number, with a whisper first."""
    result = url(settings, TwilioRoute.VOICE_QUEUE_RESULT, t=turn)
    whisper = url(settings, TwilioRoute.VOICE_WHISPER, call=call_sid)
    if settings.advisor_dial_number:
        dial = Dial(action=result, method="POST", timeout=settings.advisor_wait_seconds)
        dial.number(settings.advisor_dial_number, url=whisper, method="POST")
        response.append(dial)
        return
    response.enqueue(
        queue_name(settings, language),
        action=result,
        method="POST",
        wait_url=url(settings, TwilioRoute.VOICE_WAIT, lang=language),
        wait_url_method="POST",
    )


def stream_twiml(settings: Settings, parameters: dict[str, str] | None = None) -> VoiceResponse:
    """Stream mode: the call's audio to our websocket; when we close it, Twilio asks what comes next.
    `parameters` reach the session in the stream's `start` message (what to say first, and why)."""
    response = VoiceResponse()
    connect = response.connect(action=url(settings, TwilioRoute.VOICE_STREAM_ENDED), method="POST")
    stream = connect.stream(url=stream_url(settings))
    for name, value in (parameters or {}).items():
        stream.parameter(name=name, value=value)
    return response


def say_and_hang_up(settings: Settings, texts: list[str], language: str) -> VoiceResponse:
    response = VoiceResponse()
    for text in texts:
        response.say(text, language=locale(settings, language))
    response.hangup()
    return response


def waiting_twiml(settings: Settings, hold_text: str, language: str, *, waited_seconds: int) -> VoiceResponse:
    """Played in a loop while the caller waits; past the wait limit the caller leaves the queue."""
    response = VoiceResponse()
    if waited_seconds >= settings.advisor_wait_seconds:
        response.leave()
        return response
    response.say(hold_text, language=locale(settings, language))
    response.pause(length=QUEUE_HOLD_PAUSE_SECONDS)
    return response


def advisor_twiml(settings: Settings, language: str) -> VoiceResponse:
    """An advisor's phone takes the next caller of the language's queue, hearing the whisper first."""
    response = VoiceResponse()
    dial = Dial()
    dial.queue(queue_name(settings, language), url=url(settings, TwilioRoute.VOICE_WHISPER), method="POST")
    response.append(dial)
    return response
