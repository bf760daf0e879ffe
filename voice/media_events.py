"""Twilio Media Streams on the websocket: Twilio's JSON messages read into neutral events, and ours written.

The wire format is https://www.twilio.com/docs/voice/media-streams/websocket-messages; it stays here, so the
call loop only sees `Started`, `Audio`, `Digit`, `MarkPlayed` and `Stopped`.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass

from voice.audio import FRAME_BYTES, RATE

ENCODING = "audio/x-mulaw"  # the only one Twilio streams: G.711 μ-law, 8 kHz, mono
MAX_FRAME_BYTES = 1600  # 200 ms of audio; Twilio sends 20 ms frames
DTMF_DIGITS = frozenset("0123456789*#ABCD")

_MAX_PAYLOAD_CHARS = 4 * -(-MAX_FRAME_BYTES // 3)  # the base64 length of the largest frame


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Started:
    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str]
    encoding: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class FormatRefused:
    """The stream carries audio other than 8 kHz mono μ-law: the caller ends it."""

    call_sid: str
    encoding: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Audio:
    payload: bytes  # μ-law, 8 kHz
    timestamp_ms: int  # since the stream started
    chunk: int


@dataclass(frozen=True)
class Digit:
    digit: str


@dataclass(frozen=True)
class MarkPlayed:
    """The audio sent before our mark of this name has been played, or cleared."""

    name: str


@dataclass(frozen=True)
class Stopped:
    pass


Event = Connected | Started | FormatRefused | Audio | Digit | MarkPlayed | Stopped


class MediaStreamReader:
    """Reads one stream's messages in order. Never raises: a message it cannot use gives None and one more
    count in `problems` under a short reason, for the logs."""

    def __init__(self) -> None:
        self.problems: Counter[str] = Counter()
        self.stream_sid: str | None = None
        self._refused = False
        self._stopped = False

    def read(self, message: str | bytes) -> Event | None:
        try:
            data = json.loads(message)
        except (TypeError, ValueError, RecursionError):
            return self._drop("invalid_json")
        if not isinstance(data, dict):
            return self._drop("not_an_object")
        event = data.get("event")
        if event == "connected":
            return Connected()
        if event == "start":
            return self._start(data)
        if event not in ("media", "dtmf", "mark", "stop"):
            return self._drop("unknown_event")
        if self.stream_sid is None:
            return self._drop("before_start")
        if self._stopped:
            return self._drop("after_stop")
        if data.get("streamSid") != self.stream_sid:
            return self._drop("other_stream")
        if event == "stop":
            self._stopped = True
            return Stopped()
        if self._refused:
            return self._drop("refused_stream")
        if event == "media":
            return self._media(data.get("media"))
        if event == "dtmf":
            return self._digit(data.get("dtmf"))
        return self._mark(data.get("mark"))

    def _start(self, data: dict[str, object]) -> Started | FormatRefused | None:
        if self.stream_sid is not None:
            return self._drop("repeated_start")
        start = data.get("start")
        if not isinstance(start, dict):
            return self._drop("bad_start")
        sids = [start.get(name) for name in ("streamSid", "callSid", "accountSid")]
        parameters = start.get("customParameters", {})
        media_format = start.get("mediaFormat")
        if not (
            all(isinstance(sid, str) and sid for sid in sids)
            and isinstance(parameters, dict)
            and all(isinstance(value, str) for value in parameters.values())
            and isinstance(media_format, dict)
        ):
            return self._drop("bad_start")
        encoding = media_format.get("encoding")
        sample_rate, channels = (
            _integer(media_format.get("sampleRate")),
            _integer(media_format.get("channels")),
        )
        if not isinstance(encoding, str) or sample_rate is None or channels is None:
            return self._drop("bad_start")
        stream_sid, call_sid, account_sid = sids
        self.stream_sid = stream_sid
        if (encoding, sample_rate, channels) != (ENCODING, RATE, 1):
            self._refused = True
            self.problems["unsupported_format"] += 1
            return FormatRefused(call_sid, encoding, sample_rate, channels)
        return Started(stream_sid, call_sid, account_sid, parameters, encoding, sample_rate, channels)

    def _media(self, media: object) -> Audio | None:
        if not isinstance(media, dict):
            return self._drop("bad_media")
        if (
            media.get("track", "inbound") != "inbound"
        ):  # `both_tracks` streams also send what the caller hears
            return self._drop("outbound_track")
        payload = media.get("payload")
        timestamp, chunk = _integer(media.get("timestamp")), _integer(media.get("chunk"))
        if not isinstance(payload, str) or timestamp is None or chunk is None:
            return self._drop("bad_media")
        if len(payload) > _MAX_PAYLOAD_CHARS:
            return self._drop("oversized_frame")
        try:
            audio = base64.b64decode(payload, validate=True)
        except ValueError:
            return self._drop("bad_base64")
        if not audio:
            return self._drop("empty_frame")
        if len(audio) > MAX_FRAME_BYTES:
            return self._drop("oversized_frame")
        if len(audio) != FRAME_BYTES:
            self.problems["odd_frame_size"] += 1  # still audio: delivered
        return Audio(audio, timestamp, chunk)

    def _digit(self, dtmf: object) -> Digit | None:
        digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
        if not isinstance(digit, str) or digit not in DTMF_DIGITS:
            return self._drop("bad_digit")
        return Digit(digit)

    def _mark(self, mark: object) -> MarkPlayed | None:
        name = mark.get("name") if isinstance(mark, dict) else None
        if not isinstance(name, str) or not name:
            return self._drop("bad_mark")
        return MarkPlayed(name)

    def _drop(self, reason: str) -> None:
        self.problems[reason] += 1


def _integer(value: object) -> int | None:
    """Twilio writes counters and timestamps as decimal strings ("chunk": "3"), the format as numbers."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 18:
        return int(value)
    return None


def media_message(stream_sid: str, ulaw: bytes) -> str:
    """Audio for the caller: 8 kHz μ-law of any length; Twilio plays what it receives in order."""
    return _message("media", stream_sid, media={"payload": base64.b64encode(ulaw).decode("ascii")})


def mark_message(stream_sid: str, name: str) -> str:
    """Asks Twilio to send `name` back once the audio sent before it has played: what the caller heard."""
    return _message("mark", stream_sid, mark={"name": name})


def clear_message(stream_sid: str) -> str:
    """Drops the audio Twilio still holds for the caller (they spoke over it); pending marks come back."""
    return _message("clear", stream_sid)


def _message(event: str, stream_sid: str, **body: object) -> str:
    return json.dumps({"event": event, "streamSid": stream_sid, **body}, separators=(",", ":"))
