"""What a call does next, the same in both voice modes: the dialogue's turn, then listen, hand off or hang up.

The gather mode renders a Step as TwiML (voice/twiml.py); the stream mode speaks it over the
Media Stream. Turns go through channels/turns.py like an SMS: stored first, answered in order
under the conversation's lock, held when the bot cannot answer (then the call goes to a person).

An objection to the recording (debt/recording_objection.py), on any turn, is answered by the call
itself: the recording never starts, or is stopped through Twilio; the caller hears a confirmation
and the bot's last question again. Those words never reach the bot: its NLU knows no such intent
and reads "stop recording" as an opt-out (stop_contact), "je ne veux pas être enregistré" as a no.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import phonenumbers

from channels.turn_store import Inbound
from channels.turns import TurnProcessor
from core.logs import get_logger
from core.settings import DEV_TWILIO_SID, Settings
from debt.messages import render
from debt.models import Channel, TurnRole
from debt.recording_objection import is_recording_objection
from integrations.twilio_rest import TwilioError
from integrations.twilio_voice import RECORDING_RUNNING, CallControl
from integrations.twilio_webhooks import TwilioRoute, callback_url
from voice import call_store
from voice.call_store import CallView

log = get_logger("voice")

T = TypeVar("T")
Next = Literal["listen", "handoff", "hangup"]
NO_SPEECH = "no_speech"
SILENCES_BEFORE_HANDOFF = 2
# What starts the dialogue when a call is answered, and what asks for a callback time.
CALL_ANSWERED = "/greet"
CALLBACK_WANTED = "/callback_later"


def recording_objection_confirmation(language: str, *, recording_requested: bool) -> str:
    """What the caller hears when they object to the recording: none had started, or it is being stopped."""
    key = "recording_objection_stopped" if recording_requested else "recording_objection_not_started"
    return render(key, language)


@dataclass(frozen=True)
class Step:
    say: list[str]
    next: Next
    expecting: str | None = None  # what the bot asked for (voice/listening.py tunes to it)
    keypad_help: bool = False  # also tell the caller they may use the keypad
    meta: dict[str, Any] = field(default_factory=dict)


class CallFlow:
    def __init__(self, settings: Settings, turns: TurnProcessor, control: CallControl | None = None) -> None:
        self._settings = settings
        self._turns = turns
        self._control = control or CallControl(settings)
        self._background: set[asyncio.Task[None]] = set()

    async def drain(self, timeout: float = 10.0) -> None:
        """Let background work (recordings being started) finish: the gateway is stopping."""
        if self._background:
            await asyncio.wait(self._background, timeout=timeout)

    async def db(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._turns.db(step, *args, **kwargs)

    def text(self, key: str, language: str, **values: Any) -> str:
        return render(key, language, callback_number=spoken_number(self._settings.callback_number), **values)

    async def start(self, call: CallView) -> Step:
        """The call is answered: the bot opens (the company, the recording notice; outbound: asks for the
        debtor by name and nothing more)."""
        return await self._bot_turn(
            call, "call answered", CALL_ANSWERED, f"{call.call_sid}:start", TurnRole.SYSTEM
        )

    async def heard(
        self,
        call: CallView,
        said: str,
        *,
        turn: int,
        bot_text: str | None = None,
        expecting: str | None = None,
        **meta: Any,
    ) -> Step:
        """The caller said (or typed) something; `expecting` is what the bot's last question waits for."""
        if bot_text is None and is_recording_objection(said):
            return await self._recording_objection(call, said, turn=turn, expecting=expecting, meta=meta)
        self._start_recording_once(call)
        return await self._bot_turn(call, said, bot_text, f"{call.call_sid}:{turn}", TurnRole.DEBTOR, meta)

    async def _recording_objection(
        self, call: CallView, said: str, *, turn: int, expecting: str | None, meta: dict[str, Any]
    ) -> Step:
        """The caller objects to the recording: it never starts (or stops), and the dialogue goes on
        where it was."""
        assert call.conversation_id is not None
        objection = await self.db(call_store.note_recording_objection, call.id, said)
        log.info(
            "voice_recording_objection",
            call_sid=call.call_sid,
            first=objection.first,
            recording_requested=objection.recording_requested,
        )
        if objection.recording_requested:
            self._stop_recording(call, objection.known_recordings)
        confirmation = recording_objection_confirmation(
            call.language, recording_requested=objection.recording_requested
        )
        replies = await self.db(
            call_store.answer_objection,
            call.id,
            text=said,
            external_id=f"{call.call_sid}:{turn}",
            confirmation=confirmation,
            meta={"call_sid": call.call_sid, **meta},
        )
        return Step(replies, "listen", expecting)

    async def silence(self, call: CallView, silences: int, expecting: str | None) -> Step:
        """Nothing heard: ask once more, then a person takes over."""
        if silences < SILENCES_BEFORE_HANDOFF:
            return Step(
                [self.text("voice_still_there", call.language)], "listen", expecting, keypad_help=True
            )
        assert call.conversation_id is not None
        await self.db(
            call_store.hand_off,
            call.conversation_id,
            reason=NO_SPEECH,
            summary="Nothing was heard twice in a row on the call; the caller may not be able to speak.",
        )
        return Step([self.text("voice_no_speech_handoff", call.language)], "handoff")

    async def no_advisor(self, call: CallView, attempt: str) -> Step:
        """Nobody took the call in time: the bot offers a callback at a time the person chooses."""
        assert call.conversation_id is not None
        await self.db(call_store.end_waiting_handoff, call.conversation_id, call.id)
        step = await self._bot_turn(
            call, "no advisor free", CALLBACK_WANTED, f"{call.call_sid}:callback:{attempt}", TurnRole.SYSTEM
        )
        if step.next == "listen":
            return Step([self.text("voice_no_advisor", call.language), *step.say], "listen", step.expecting)
        return Step([self.text("voice_no_advisor", call.language), *step.say], "hangup")

    async def _bot_turn(
        self,
        call: CallView,
        text: str,
        bot_text: str | None,
        external_id: str,
        role: TurnRole,
        meta: dict[str, Any] | None = None,
    ) -> Step:
        assert call.conversation_id is not None
        result = await self._turns.handle(
            Inbound(
                channel=Channel.VOICE,
                party=call.party,
                text=text,
                external_id=external_id,
                meta={"call_sid": call.call_sid, **(meta or {})},
                conversation_id=call.conversation_id,
                bot_text=bot_text,
                role=role,
            )
        )
        if result.pending:
            # The bot is down or too slow: the hold asked for an advisor already.
            return Step([self.text("voice_trouble_transfer", call.language)], "handoff")
        waiting = await self.db(call_store.waiting_handoff, call.conversation_id)
        if waiting is not None:
            return Step(result.replies, "handoff")
        if result.intent == "goodbye":
            return Step(result.replies, "hangup")
        return Step(result.replies, "listen", result.expecting)

    def _records(self) -> bool:
        """False with the embedded defaults: there is no Twilio account to record with."""
        return not (
            self._settings.twilio_account_sid == DEV_TWILIO_SID and not self._settings.twilio_api_base
        )

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _start_recording_once(self, call: CallView) -> None:
        """The recording starts once the caller has heard the notice and answered: never before it, and
        never after the caller objected to it."""
        if call.recording_requested or call.recording_objected or not call.call_sid or not self._records():
            return
        sid = call.call_sid

        async def start() -> None:
            if not await self.db(call_store.mark_recording_requested, call.id):
                return
            status_url = callback_url(self._settings, TwilioRoute.VOICE_RECORDING)
            try:
                recording = await asyncio.to_thread(self._control.start_recording, sid, status_url=status_url)
            except TwilioError as exc:
                log.warning("voice_recording_not_started", call_sid=sid, error=str(exc))
                return
            # The caller objected while Twilio was starting it (before it could be seen running): stop it.
            if await self.db(call_store.recording_objected, call.id):
                await self._stop_recordings(call, [recording], look_up=False)

        self._in_background(start())

    def _stop_recording(self, call: CallView, known: list[str]) -> None:
        """Stop whatever recording Twilio makes of the call: the caller objected. A failure is logged and
        audited; the call goes on."""
        if call.call_sid and self._records():
            self._in_background(self._stop_recordings(call, known, look_up=True))

    async def _stop_recordings(self, call: CallView, known: list[str], *, look_up: bool) -> None:
        sid = call.call_sid
        assert sid is not None
        recordings = set(known)
        failed: dict[str, str] = {}
        if look_up:
            try:
                listed = await asyncio.to_thread(self._control.call_recordings, sid)
            except TwilioError as exc:  # stop those we know of (from the recording callbacks)
                log.warning("voice_recordings_not_listed", call_sid=sid, error=str(exc))
                failed["list"] = str(exc)[:300]
            else:  # Twilio knows best; one it does not list yet may still be starting
                running = {rec for rec, status in listed.items() if status in RECORDING_RUNNING}
                recordings = running | {rec for rec in recordings if rec not in listed}
        stopped: list[str] = []
        for recording in sorted(recordings):
            try:
                await asyncio.to_thread(self._control.stop_recording, sid, recording)
            except TwilioError as exc:
                log.warning("voice_recording_not_stopped", call_sid=sid, recording=recording, error=str(exc))
                failed[recording] = str(exc)[:300]
            else:
                stopped.append(recording)
        log.info("voice_recording_stopped", call_sid=sid, stopped=stopped, failed=sorted(failed))
        await self.db(call_store.note_recording_stop, call.id, stopped, failed)


def spoken_number(number: str) -> str:
    """A phone number as it reads aloud: in groups (+33 1 89 00 00 00), not as one large number."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
