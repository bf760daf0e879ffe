"""The Media Streams websocket (stream mode): Twilio's signature checked on the upgrade, then one
StreamSession (voice/stream.py) per call.

Recognizers come from `app.state.recognizer_for(language)`: Vosk with the language's model by
default (loaded once per process), a replaying recognizer in tests of languages without a model.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, WebSocket

from core.logs import get_logger
from core.settings import Settings
from integrations.twilio_webhooks import TwilioRoute, signed_upgrade
from voice.recognizer import Recognizer, VoskRecognizer, load_model
from voice.recognizer_pool import pool_for
from voice.speech import Synthesizer
from voice.stream import StreamSession

router = APIRouter(tags=["twilio"])
log = get_logger("voice")

POLICY_VIOLATION = 1008


def vosk_recognizer(settings: Settings, language: str) -> Recognizer:
    """A recognizer for one call over the language's model and its pool of decoders, both shared by
    the process."""
    model = load_model(settings.vosk_model_path(language))
    pool = pool_for(
        model,
        keep_idle=settings.voice_idle_recognizers,
        idle_seconds=settings.voice_recognizer_idle_seconds,
        retire_after=settings.voice_recognizer_utterances,
    )
    return VoskRecognizer(model, end_silence_ms=settings.voice_end_silence_ms, pool=pool)


def voice_parts(app_state: object, settings: Settings) -> None:
    """What stream mode needs, made once per gateway; tests replace `recognizer_for`."""
    state = app_state
    if getattr(state, "synthesizer", None) is None:
        state.synthesizer = Synthesizer(settings)  # type: ignore[attr-defined]
    if getattr(state, "recognizer_for", None) is None:
        state.recognizer_for = partial(vosk_recognizer, settings)  # type: ignore[attr-defined]


@router.websocket(TwilioRoute.MEDIA)
async def media_stream(websocket: WebSocket) -> None:
    app = websocket.app
    settings: Settings = app.state.settings
    signature = websocket.headers.get("x-twilio-signature", "")
    await websocket.accept()
    if not signed_upgrade(settings, websocket.url.path, websocket.url.query, signature):
        log.warning("voice_stream_refused", reason="invalid Twilio signature")
        await websocket.close(code=POLICY_VIOLATION, reason="invalid Twilio signature")
        return
    voice_parts(app.state, settings)
    session = StreamSession(
        websocket, settings, app.state.call_flow, app.state.synthesizer, app.state.recognizer_for
    )
    app.state.stream_timings.append(session.timings)
    await session.run()
