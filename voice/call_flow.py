"""What a call does next, the same in both voice modes: the dialogue's turn, then listen, hand off or hang up.

The gather mode renders a Step as TwiML (voice/twiml.py); the stream mode speaks it over the
Media Stream. Turns go through channels/turns.py like an SMS: stored first, answered in order
under the conversation's lock, held when the bot cannot answer (then the call goes to a person).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import phonenumbers

from channels.turn_store import Inbound
from channels.turns import TurnProcessor
from core.logs import get_logger
from core.settings import DEV_TWILIO_SID, Settings
from debt.messages import render
from debt.models import Channel, TurnRole
from integrations.twilio_rest import TwilioError
from integrations.twilio_voice import CallControl
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
        self, call: CallView, said: str, *, turn: int, bot_text: str | None = None, **meta: Any
    ) -> Step:
        """The caller said (or typed) something."""
        self._start_recording_once(call)
        return await self._bot_turn(call, said, bot_text, f"{call.call_sid}:{turn}", TurnRole.DEBTOR, meta)

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

    def _start_recording_once(self, call: CallView) -> None:
        """The recording starts once the caller has heard the notice and answered: never before it."""
        if call.recording_requested or not call.call_sid:
            return
        if self._settings.twilio_account_sid == DEV_TWILIO_SID and not self._settings.twilio_api_base:
            return  # the embedded defaults: there is no Twilio account to record with
        sid = call.call_sid

        async def start() -> None:
            if not await self.db(call_store.mark_recording_requested, call.id):
                return
            status_url = callback_url(self._settings, TwilioRoute.VOICE_RECORDING)
            try:
                await asyncio.to_thread(self._control.start_recording, sid, status_url=status_url)
            except TwilioError as exc:
                log.warning("voice_recording_not_started", call_sid=sid, error=str(exc))

        task = asyncio.create_task(start())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def spoken_number(number: str) -> str:
    """A phone number as it reads aloud: in groups (+33 1 89 00 00 00), not as one large number."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
