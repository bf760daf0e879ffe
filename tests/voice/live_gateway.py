"""The gateway on a live socket for streamdouble's Media Streams caller, which signs its upgrade like
Twilio, and the steps of a simulated call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets
from fastapi import FastAPI
from streamdouble import audio as streamdouble_audio
from streamdouble import session as streamdouble_session
from streamdouble.protocol import StreamIdentity
from streamdouble.scenario import Say, Scenario, Step, WaitFor
from streamdouble.session import Session, SessionConfig, SessionResult
from twilio.request_validator import RequestValidator

from core.settings import Settings
from integrations.twilio_webhooks import stream_url
from tests.live_server import serve_in_thread


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` (its lifespan on) until the block ends; yields its ws:// base URL."""
    with serve_in_thread(app, lifespan="on") as url:
        yield url.replace("http://", "ws://")


@contextlib.contextmanager
def signed_by_twilio(settings: Settings, signature: str | None = None) -> Iterator[None]:
    """streamdouble's caller sends X-Twilio-Signature, computed over the public wss URL, as Twilio does."""
    signature = (
        signature
        if signature is not None
        else RequestValidator(settings.twilio_auth_token).compute_signature(stream_url(settings), {})
    )

    class SigningWebsockets:
        """The websockets module as streamdouble's session sees it, with a signed `connect`."""

        def __getattr__(self, name: str) -> Any:
            return getattr(websockets, name)

        @staticmethod
        def connect(uri: str, *args: Any, **kwargs: Any) -> Any:
            return websockets.connect(
                uri, *args, additional_headers={"X-Twilio-Signature": signature}, **kwargs
            )

    streamdouble_session.websockets = SigningWebsockets()  # type: ignore[assignment]
    try:
        yield
    finally:
        streamdouble_session.websockets = websockets  # type: ignore[assignment]


@dataclass(frozen=True)
class AwaitReply(Step):
    """Stream silence until the agent speaks again (after this step began) and then falls quiet:
    streamdouble's own `wait_for audio` is satisfied by the first audio of the call, once."""

    timeout_s: float = 30.0

    def describe(self) -> str:
        return f"await the reply (up to {self.timeout_s:g}s)"


class Caller(Session):
    """streamdouble's simulated call, with AwaitReply (it reads the session's own bookkeeping, as of 0.3)."""

    async def _run_step(self, connection: Any, step: Step) -> None:
        if not isinstance(step, AwaitReply):
            await super()._run_step(connection, step)
            return
        began = self.clock()
        silence = streamdouble_audio.silence_frame()
        while self.clock() < began + step.timeout_s:
            last = self._last_audio_at
            if last is not None and last > began and self.clock() - last >= self.config.quiet_period_s:
                self._record("wait_for_satisfied", event="reply")
                return
            await self._stream_frames(connection, [silence])
        self._record("wait_for_timeout", event="reply", waited=step.timeout_s)


def reply(timeout_s: float = 30.0) -> AwaitReply:
    return AwaitReply(timeout_s=timeout_s)


def say(frames: list[bytes] | tuple[bytes, ...], name: str = "caller.wav") -> Say:
    return Say(path=Path(name), frames=list(frames))


async def place_call(
    url: str, call_sid: str, steps: list[Step], *, quiet_s: float = 1.5, **config: Any
) -> SessionResult:
    """One simulated Twilio Media Stream for `call_sid`, playing `steps` as the caller."""
    session = Caller(
        url,
        scenario=Scenario(name="call", steps=steps),
        config=SessionConfig(
            **{"quiet_period_s": quiet_s, "response_timeout_s": 15, "max_call_s": 120, **config}
        ),
        identity=StreamIdentity(call_sid=call_sid),
    )
    return await session.run()


def wait_for(event: str, timeout_s: float = 15.0) -> WaitFor:
    return WaitFor(event=event, timeout_s=timeout_s)
