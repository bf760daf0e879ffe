"""Stream mode: one call's Media Stream, heard by our own recognizer and answered in our own voice.

Twilio's messages are read into neutral events (voice/media_events.py). Caller audio goes, in
order, to the call's recognizer on a thread of its own (never on the event loop, never dropped);
an utterance becomes a dialogue turn through the same call flow as gather mode; the replies are
synthesised (voice/speech.py), sent as 20 ms μ-law frames paced in real time, each reply followed
by a `mark` so we know what was heard. Speech while the bot talks sends `clear` (barge-in).

The session ends the stream when the call must go on without it: to an advisor, or to hang up.
Twilio then asks the <Connect> action URL what comes next (voice/gather.py: stream_ended).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fastapi import WebSocket, WebSocketDisconnect

from core.logs import get_logger
from core.settings import Settings
from voice import call_store
from voice.audio import FRAME_BYTES, FRAME_MS, RATE, frames, ulaw_to_pcm16
from voice.call_flow import CallFlow, Step
from voice.call_store import CallView
from voice.keypad import YES_NO, keypad_text
from voice.media_events import (
    Audio,
    Digit,
    FormatRefused,
    MarkPlayed,
    MediaStreamReader,
    Started,
    Stopped,
    clear_message,
    mark_message,
    media_message,
)
from voice.prompts import is_fixed_prompt
from voice.recognizer import Recognizer, Utterance
from voice.speech import SynthesisFailed, Synthesizer

log = get_logger("voice")

RecognizerFor = Callable[[str], Recognizer]
KEYPAD_PAUSE_SECONDS = 3.0  # digits typed without # are sent after this pause
MARK_WAIT_SECONDS = 10.0
# Frames sent ahead of real time: Twilio plays from its buffer, a little slack absorbs a busy loop.
LEAD_FRAMES = 5
SPEECH_FAILED = "speech_failed"
# A stream that starts with this custom parameter comes back from the advisors' queue nobody answered:
# the session offers a callback before it listens (one voice for the whole call).
RESUME, NO_ADVISOR = "resume", "no_advisor"
# Seconds of the call's first reply that the recognizer decodes while it plays (voice/recognizer.py).
WARM_ON_SPEECH_S = 2


@dataclass(frozen=True)
class _Next:
    """What the dialogue does next: open the call, answer what was said (or typed), offer a callback when
    no advisor took the call, or give up on a fault."""

    kind: str  # "open", "said", NO_ADVISOR (text: the attempt), "fault"
    text: str = ""
    bot_text: str | None = None
    heard_at: float | None = None  # when the caller frame that ended the utterance arrived


@dataclass
class Timings:
    """Per answered utterance, seconds from the arrival of the caller frame that ended it to the first
    frame of the reply sent back: the server's share of the caller's wait (the benchmark reads it)."""

    turn_latencies: list[float] = field(default_factory=list)


class StreamSession:
    def __init__(
        self,
        websocket: WebSocket,
        settings: Settings,
        flow: CallFlow,
        synthesizer: Synthesizer,
        recognizer_for: RecognizerFor,
    ) -> None:
        self._ws = websocket
        self._settings = settings
        self._flow = flow
        self._speech = synthesizer
        self._recognizer_for = recognizer_for
        self._reader = MediaStreamReader()
        self._asr = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr")
        self._recognizer: Recognizer | None = None
        self._warmed_on_speech = not settings.voice_warm_on_greeting
        self._call: CallView | None = None
        self._stream_sid = ""
        self._turns: asyncio.Queue[_Next] = asyncio.Queue()
        # Caller frames waiting for the recognizer, with their arrival: never dropped.
        self._audio: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._ready = asyncio.Event()  # the recognizer exists: frames may go to it
        self._frames_in = 0
        self._frames_heard = 0
        self._playback: asyncio.Task[None] | None = None
        self._marks: set[str] = set()
        self._marks_done = asyncio.Event()
        self._mark_count = 0
        self._turn_number = 1
        self._expecting: str | None = None
        self._digits = ""
        self._digits_at = 0.0
        self._last_heard = time.monotonic()
        self._busy = False  # the dialogue is working on a turn
        self._heard_at: float | None = None  # when the utterance being answered ended
        self._ending = False
        self.timings = Timings()

    # -- the loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        dialogue = asyncio.create_task(self._dialogue(), name="stream-dialogue")
        watchdog = asyncio.create_task(self._watch(), name="stream-watchdog")
        listener = asyncio.create_task(self._listen(), name="stream-listener")
        try:
            while True:
                try:
                    message = await self._ws.receive_text()
                except (WebSocketDisconnect, RuntimeError):
                    if not self._ending:
                        await self._dropped("websocket closed by the other side")
                    break
                if not await self._on_event(self._reader.read(message)):
                    break
        finally:
            for task in (dialogue, watchdog, listener, self._playback):
                if task is not None:
                    task.cancel()
            await asyncio.gather(dialogue, watchdog, listener, return_exceptions=True)
            self._asr.shutdown(wait=False, cancel_futures=True)
            if self._recognizer is not None:  # once the frame it may be decoding is done
                threading.Thread(
                    target=_close_after, args=(self._asr, self._recognizer), name="asr-close"
                ).start()
            log.info(
                "voice_stream_summary",
                call_sid=self._call_sid,
                frames_in=self._frames_in,
                frames_heard=self._frames_heard,
                turns=self._turn_number - 1,
            )
            if self._reader.problems:
                log.warning("voice_stream_problems", call_sid=self._call_sid, **dict(self._reader.problems))

    @property
    def _call_sid(self) -> str | None:
        return self._call.call_sid if self._call else None

    async def _on_event(self, event: object) -> bool:
        """Handle one event; False ends the session."""
        if isinstance(event, Started):
            return await self._started(event)
        if isinstance(event, FormatRefused):
            log.warning("voice_stream_format_refused", call_sid=event.call_sid, encoding=event.encoding)
            await self._ws.close(code=1003)
            return False
        if isinstance(event, Stopped):
            if not self._ending:
                await self._dropped("the call ended (Twilio stopped the stream)", expected=True)
            return False
        if self._call is None:
            return True
        if isinstance(event, Audio):
            self._heard(event.payload)
        elif isinstance(event, Digit):
            self._typed(event.digit)
        elif isinstance(event, MarkPlayed):
            self._marks.discard(event.name)
            if not self._marks:
                self._marks_done.set()
        return True

    async def _started(self, event: Started) -> bool:
        call = await self._flow.db(call_store.call_by_sid, event.call_sid)
        if call is None or call.conversation_id is None:
            log.warning("voice_stream_unknown_call", call_sid=event.call_sid)
            await self._ws.close(code=1008)
            return False
        self._call, self._stream_sid = call, event.stream_sid
        loop = asyncio.get_running_loop()
        try:
            self._recognizer = await loop.run_in_executor(self._asr, self._recognizer_for, call.language)
        except Exception as exc:  # no model for the language, a broken one: a person takes the call
            log.error("voice_recognizer_unavailable", call_sid=call.call_sid, error=str(exc))
            self._turns.put_nowait(_Next("fault", "recognizer unavailable: " + str(exc)[:200]))
            return True
        self._asr.submit(self._recognizer.warm)  # before the first frame, on the same thread
        self._ready.set()
        assert call.conversation_id is not None and call.call_sid is not None
        opened, self._turn_number = await self._flow.db(
            call_store.dialogue_progress, call.conversation_id, call.call_sid
        )
        if event.custom_parameters.get(RESUME) == NO_ADVISOR:  # back from the advisors' queue
            self._turns.put_nowait(_Next(NO_ADVISOR, event.custom_parameters.get("attempt", "1")))
        elif not opened:
            self._turns.put_nowait(_Next("open"))
        return True

    # -- hearing -----------------------------------------------------------------------------------

    def _heard(self, ulaw: bytes) -> None:
        """Queue the frame with its arrival time: the socket is read on, whatever the recognizer's pace."""
        self._frames_in += 1
        if not self._ending:  # kept even before the recognizer is ready: the first words count too
            self._audio.put_nowait((time.monotonic(), ulaw))

    async def _listen(self) -> None:
        """The caller's frames, in order, through the recognizer (on its thread)."""
        loop = asyncio.get_running_loop()
        await self._ready.wait()
        while True:
            arrived, ulaw = await self._audio.get()
            if self._recognizer is None or self._ending:
                continue
            try:
                utterance = await loop.run_in_executor(
                    self._asr, self._recognizer.accept, ulaw_to_pcm16(ulaw)
                )
            except Exception as exc:
                log.error("voice_recognizer_failed", call_sid=self._call_sid, error=str(exc)[:200])
                self._recognizer = None
                self._turns.put_nowait(_Next("fault", "recognizer failed"))
                continue
            self._frames_heard += 1
            await self._after_frame(utterance, arrived)

    async def _after_frame(self, utterance: Utterance | None, arrived: float) -> None:
        assert self._recognizer is not None
        if self._recognizer.speaking:
            self._last_heard = time.monotonic()
            if self._playing:
                await self._barge_in()
        if utterance is not None:
            self._last_heard = time.monotonic()
            self._queue_turn(utterance, arrived)

    def _queue_turn(self, utterance: Utterance, heard_at: float) -> None:
        if utterance.text.strip():
            self._turns.put_nowait(_Next("said", utterance.text.strip(), heard_at=heard_at))

    def _typed(self, digit: str) -> None:
        self._last_heard = time.monotonic()
        if digit == "#":
            self._send_digits()
            return
        self._digits += digit
        self._digits_at = time.monotonic()
        if self._expecting == YES_NO or len(self._digits) >= 8:
            self._send_digits()

    def _send_digits(self) -> None:
        if self._digits:
            bot_text = keypad_text(self._digits, self._expecting)
            self._turns.put_nowait(_Next("said", f"[keypad] {self._digits}", bot_text))
            self._digits = ""

    # -- the dialogue --------------------------------------------------------------------------------

    async def _dialogue(self) -> None:
        while not self._ending:
            next_step = await self._turns.get()
            assert self._call is not None
            self._busy = True
            self._heard_at = next_step.heard_at
            try:
                if next_step.kind == "fault":
                    await self._hand_over(next_step.text)
                    continue
                if next_step.kind == "open":
                    step = await self._flow.start(self._call)
                elif next_step.kind == NO_ADVISOR:
                    step = await self._flow.no_advisor(self._call, attempt=next_step.text)
                else:
                    step = await self._flow.heard(
                        self._call,
                        next_step.text,
                        turn=self._turn_number,
                        bot_text=next_step.bot_text,
                        expecting=self._expecting,
                    )
                    self._turn_number += 1
                await self._act(step)
            except Exception as exc:  # a bug or a database fault: the caller is not left in silence
                log.exception("voice_turn_failed", call_sid=self._call_sid)
                if not self._ending:
                    await self._hand_over(f"{type(exc).__name__} during the turn")
            finally:
                self._busy = False
                self._last_heard = time.monotonic()

    async def _act(self, step: Step) -> None:
        assert self._call is not None
        self._expecting = step.expecting
        if step.next == "listen":
            await self._speak(step.say)
            return
        if step.next == "handoff":
            await self._flow.db(call_store.set_stage, self._call.id, call_store.QUEUED)
        await self._speak(step.say)
        await self._end_stream()

    async def _hand_over(self, reason: str) -> None:
        """Something of ours broke mid-call: an apology, then the advisors (Twilio takes over the call)."""
        assert self._call is not None
        await self._flow.db(
            call_store.hand_off,
            self._call.conversation_id,
            reason="voice_fault",
            summary=f"The call could not go on with the assistant ({reason}).",
        )
        await self._act(Step([self._flow.text("voice_trouble_transfer", self._call.language)], "handoff"))

    async def _watch(self) -> None:
        """Typed digits without #, and a caller who says nothing at all for too long."""
        limit = self._settings.voice_silence_hangup_seconds
        while True:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            if self._digits and now - self._digits_at >= KEYPAD_PAUSE_SECONDS:
                self._send_digits()
            quiet = not self._busy and not self._playing and self._turns.empty()
            if self._call is not None and quiet and now - self._last_heard >= limit:
                await self._flow.db(call_store.set_stage, self._call.id, call_store.ENDED, reason="no speech")
                text = self._flow.text("voice_silence_goodbye", self._call.language)
                await self._speak([text], cache=True)
                await self._end_stream()
                return

    # -- speaking ------------------------------------------------------------------------------------

    @property
    def _playing(self) -> bool:
        return (self._playback is not None and not self._playback.done()) or bool(self._marks)

    async def _speak(self, texts: list[str], *, cache: bool = False) -> None:
        """Say the texts, one mark after each; returns when sent (not when heard)."""
        assert self._call is not None
        if self._playback is not None and not self._playback.done():
            await asyncio.wait([self._playback])
        self._playback = asyncio.create_task(self._play(texts, self._call.language, cache))
        # A barge-in cancels the playback, not this turn: wait without taking its cancellation.
        await asyncio.wait([self._playback])

    async def _play(self, texts: list[str], language: str, cache: bool) -> None:
        for text in texts:
            try:
                keep = cache or is_fixed_prompt(self._settings, text)
                audio = await self._speech.speak(text, language, cache=keep)
            except (SynthesisFailed, ValueError) as exc:
                log.error("voice_speech_failed", call_sid=self._call_sid, error=str(exc)[:200])
                await self._speech_failed()
                return
            if not self._warmed_on_speech and self._recognizer is not None and audio:
                self._warm_on(audio)
            started = time.monotonic()
            for index, frame in enumerate(frames(audio, FRAME_BYTES)):
                due = started + (index - LEAD_FRAMES) * FRAME_MS / 1000
                if (delay := due - time.monotonic()) > 0:
                    await asyncio.sleep(delay)
                await self._ws.send_text(media_message(self._stream_sid, frame))
                if self._heard_at is not None:  # the first frame of the answer
                    self.timings.turn_latencies.append(time.monotonic() - self._heard_at)
                    self._heard_at = None
            self._mark_count += 1
            name = f"reply-{self._mark_count}"
            self._marks.add(name)
            self._marks_done.clear()
            await self._ws.send_text(mark_message(self._stream_sid, name))

    def _warm_on(self, ulaw: bytes) -> None:
        """The recognizer decodes the start of the call's first reply while it plays: its own first
        utterance costs twice the next ones, better spent while the caller listens (voice/recognizer.py)."""
        assert self._recognizer is not None
        self._warmed_on_speech = True
        speech = ulaw_to_pcm16(ulaw[: WARM_ON_SPEECH_S * RATE])
        with contextlib.suppress(RuntimeError):  # the call is ending: its recognizer thread is gone
            self._asr.submit(self._recognizer.warm, speech)

    async def _barge_in(self) -> None:
        """The caller speaks over the bot: stop talking and drop what Twilio still has buffered."""
        if self._playback is not None and not self._playback.done():
            self._playback.cancel()
        self._marks.clear()
        self._marks_done.set()
        await self._ws.send_text(clear_message(self._stream_sid))
        log.info("voice_barge_in", call_sid=self._call_sid)

    async def _speech_failed(self) -> None:
        """Without our voice the call cannot go on here: Twilio's own <Say> apologises and transfers."""
        assert self._call is not None
        await self._flow.db(call_store.set_stage, self._call.id, call_store.QUEUED, reason=SPEECH_FAILED)
        await self._flow.db(
            call_store.hand_off,
            self._call.conversation_id,
            reason="voice_fault",
            summary="Speech synthesis failed during the call.",
        )
        self._ending = True
        await self._ws.close(code=1000)

    async def _end_stream(self) -> None:
        """Wait until the last words are heard (their mark comes back), then hand the call back to TwiML."""
        if self._ending:
            return
        self._ending = True
        if self._marks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._marks_done.wait(), MARK_WAIT_SECONDS)
        with contextlib.suppress(RuntimeError):
            await self._ws.close(code=1000)

    async def _dropped(self, reason: str, *, expected: bool = False) -> None:
        """The stream ended under us: a hang-up (Twilio says stop) or a lost connection; kept on the call."""
        self._ending = True
        if self._call is not None:
            (log.info if expected else log.warning)(
                "voice_stream_ended", call_sid=self._call.call_sid, reason=reason
            )
            await self._flow.db(call_store.note_stream_end, self._call.id, reason)


def _close_after(asr: ThreadPoolExecutor, recognizer: Recognizer) -> None:
    asr.shutdown(wait=True)
    try:
        recognizer.close()
    except Exception as exc:  # the call is over: nothing more to do than say so
        log.error("voice_recognizer_close_failed", error=str(exc)[:200])
