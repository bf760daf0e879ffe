from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voice.media_events import (
    Audio,
    Connected,
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

STREAM = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL = "CA2d0f7c5bd4e8c28f2b4a9f3f25a0c9e1"
ACCOUNT = "AC00000000000000000000000000000000"
PARAMETERS = {"conversation": "c-42", "language": "fr"}


def connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start(media_format: dict[str, Any] | None = None, **start_fields: Any) -> str:
    body = {
        "accountSid": ACCOUNT,
        "streamSid": STREAM,
        "callSid": CALL,
        "tracks": ["inbound"],
        "mediaFormat": media_format or {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": PARAMETERS,
        **start_fields,
    }
    return json.dumps({"event": "start", "sequenceNumber": "1", "start": body, "streamSid": STREAM})


def media(audio: bytes | str, /, number: int = 1, stream: str = STREAM, **fields: Any) -> str:
    """The `number`th media message; `fields` replace those Twilio would send."""
    encoded = audio if isinstance(audio, str) else base64.b64encode(audio).decode()
    body = {"track": "inbound", "chunk": str(number), "timestamp": str(20 * (number - 1)), "payload": encoded}
    message = {
        "event": "media",
        "sequenceNumber": str(number + 1),
        "media": body | fields,
        "streamSid": stream,
    }
    return json.dumps(message)


def dtmf(digit: object) -> str:
    return json.dumps(
        {"event": "dtmf", "streamSid": STREAM, "dtmf": {"track": "inbound_track", "digit": digit}}
    )


def mark(name: object) -> str:
    return json.dumps({"event": "mark", "streamSid": STREAM, "mark": {"name": name}})


def stop() -> str:
    return json.dumps(
        {"event": "stop", "streamSid": STREAM, "stop": {"accountSid": ACCOUNT, "callSid": CALL}}
    )


def started_reader() -> MediaStreamReader:
    reader = MediaStreamReader()
    assert isinstance(reader.read(start()), Started)
    return reader


def test_a_call_reads_as_its_events() -> None:
    frames = [bytes([n]) * 160 for n in range(50)]
    messages = [connected(), start()]
    messages += [media(frame, number=n + 1) for n, frame in enumerate(frames)]
    messages += [dtmf("5"), mark("reply-1"), stop()]
    reader = MediaStreamReader()

    events = [reader.read(message) for message in messages]

    assert events[:2] == [
        Connected(),
        Started(STREAM, CALL, ACCOUNT, PARAMETERS, "audio/x-mulaw", 8000, 1),
    ]
    assert events[2:52] == [Audio(frame, 20 * n, n + 1) for n, frame in enumerate(frames)]
    assert events[52:] == [Digit("5"), MarkPlayed("reply-1"), Stopped()]
    assert reader.stream_sid == STREAM
    assert reader.problems == {}


def test_bytes_are_read_like_text() -> None:
    reader = started_reader()
    assert reader.read(media(b"\xff" * 160).encode()) == Audio(b"\xff" * 160, 0, 1)


def test_a_start_without_custom_parameters_has_none() -> None:
    message = json.loads(start())
    del message["start"]["customParameters"]
    started = MediaStreamReader().read(json.dumps(message))
    assert isinstance(started, Started)
    assert started.custom_parameters == {}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("{not json", "invalid_json"),
        (b"\xff\xfe\x00garbage", "invalid_json"),
        ("[" * 100_000, "invalid_json"),
        ("", "invalid_json"),
        ('["media"]', "not_an_object"),
        ("42", "not_an_object"),
        ('{"event": "rumba"}', "unknown_event"),
        ('{"media": {}}', "unknown_event"),
        ('{"event": ["media"]}', "unknown_event"),
    ],
)
def test_what_is_not_a_message_is_dropped_and_counted(message: str | bytes, reason: str) -> None:
    reader = started_reader()
    assert reader.read(message) is None
    assert reader.problems == {reason: 1}


@pytest.mark.parametrize("message", [media(b"\xff" * 160), dtmf("1"), mark("m"), stop()])
def test_events_before_start_are_dropped(message: str) -> None:
    reader = MediaStreamReader()
    assert reader.read(connected()) == Connected()
    assert reader.read(message) is None
    assert reader.problems == {"before_start": 1}


@pytest.mark.parametrize(
    "message",
    [
        media(b"\xff" * 160, stream="MZ-another"),
        json.dumps({"event": "media", "media": {"payload": "//8=", "chunk": "1", "timestamp": "0"}}),
        dtmf("1").replace(STREAM, "MZ-another"),
        stop().replace(STREAM, "MZ-another"),
    ],
)
def test_events_of_another_stream_are_dropped(message: str) -> None:
    reader = started_reader()
    assert reader.read(message) is None
    assert reader.problems == {"other_stream": 1}


def test_nothing_follows_stop() -> None:
    reader = started_reader()
    assert reader.read(stop()) == Stopped()
    assert reader.read(media(b"\xff" * 160)) is None
    assert reader.read(stop()) is None
    assert reader.problems == {"after_stop": 2}


def test_a_second_start_is_dropped() -> None:
    reader = started_reader()
    assert reader.read(start()) is None
    assert reader.problems == {"repeated_start": 1}


@pytest.mark.parametrize(
    "message",
    [
        json.dumps({"event": "start", "streamSid": STREAM}),
        start(streamSid=""),
        start(callSid=None),
        start(customParameters=["a"]),
        start(customParameters={"attempt": 2}),
        start(mediaFormat="audio/x-mulaw"),
        start(media_format={"encoding": "audio/x-mulaw", "sampleRate": "fast", "channels": 1}),
        start(media_format={"sampleRate": 8000, "channels": 1}),
    ],
)
def test_a_start_it_cannot_read_is_dropped_and_the_stream_stays_unstarted(message: str) -> None:
    reader = MediaStreamReader()
    assert reader.read(message) is None
    assert reader.read(media(b"\xff" * 160)) is None
    assert reader.problems == {"bad_start": 1, "before_start": 1}


@pytest.mark.parametrize(
    ("encoding", "sample_rate", "channels"),
    [("audio/l16", 8000, 1), ("audio/x-mulaw", 16000, 1), ("audio/x-mulaw", 8000, 2)],
)
def test_other_audio_formats_are_refused_so_the_caller_ends_the_stream(
    encoding: str, sample_rate: int, channels: int
) -> None:
    reader = MediaStreamReader()
    media_format = {"encoding": encoding, "sampleRate": sample_rate, "channels": channels}
    assert reader.read(start(media_format)) == FormatRefused(CALL, encoding, sample_rate, channels)
    assert reader.read(media(b"\xff" * 160)) is None
    assert reader.read(dtmf("1")) is None
    assert reader.read(stop()) == Stopped()
    assert reader.problems == {"unsupported_format": 1, "refused_stream": 2}


def test_frames_of_an_unusual_size_are_delivered_and_counted() -> None:
    reader = started_reader()
    assert reader.read(media(b"\x01" * 80)) == Audio(b"\x01" * 80, 0, 1)
    assert reader.read(media(b"\x02" * 1600)) == Audio(b"\x02" * 1600, 0, 1)
    assert reader.problems == {"odd_frame_size": 2}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (media(b""), "empty_frame"),
        (media(b"\xff" * 1601), "oversized_frame"),
        (media("A" * 100_000), "oversized_frame"),
        (media("not base64!"), "bad_base64"),
        (media("//8"), "bad_base64"),  # padding missing
        (media("//8=\n"), "bad_base64"),
        (media("//8=", payload=None), "bad_media"),
        (media(b"\xff" * 160, timestamp="soon"), "bad_media"),
        (media(b"\xff" * 160, timestamp="-20"), "bad_media"),
        (media(b"\xff" * 160, chunk=None), "bad_media"),
        (media(b"\xff" * 160, timestamp="²"), "bad_media"),
        (json.dumps({"event": "media", "streamSid": STREAM, "media": "//8="}), "bad_media"),
        (json.dumps({"event": "media", "streamSid": STREAM}), "bad_media"),
        (media(b"\xff" * 160, track="outbound"), "outbound_track"),
    ],
)
def test_media_it_cannot_use_is_dropped_and_counted(message: str, reason: str) -> None:
    reader = started_reader()
    assert reader.read(message) is None
    assert reader.problems == {reason: 1}


def test_media_counters_may_be_numbers() -> None:
    reader = started_reader()
    assert reader.read(media(b"\xff" * 160, chunk=7, timestamp=120)) == Audio(b"\xff" * 160, 120, 7)


@pytest.mark.parametrize("digit", [*"0123456789", "*", "#", "A", "B", "C", "D"])
def test_every_dtmf_key_is_a_digit(digit: str) -> None:
    assert started_reader().read(dtmf(digit)) == Digit(digit)


@pytest.mark.parametrize("digit", ["E", "a", "12", "", 5, None, ["1"]])
def test_other_dtmf_is_dropped_and_counted(digit: object) -> None:
    reader = started_reader()
    assert reader.read(dtmf(digit)) is None
    assert reader.problems == {"bad_digit": 1}


@pytest.mark.parametrize("name", ["", None, 3, {"name": "x"}])
def test_a_mark_without_a_name_is_dropped_and_counted(name: object) -> None:
    reader = started_reader()
    assert reader.read(mark(name)) is None
    assert reader.problems == {"bad_mark": 1}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
EVENT_NAMES = st.sampled_from(["connected", "start", "media", "dtmf", "mark", "stop", "clear", ""])
EVENT_TYPES = (Connected, Started, FormatRefused, Audio, Digit, MarkPlayed, Stopped)


@given(st.text() | st.binary())
def test_any_text_or_bytes_never_raise(message: str | bytes) -> None:
    event = MediaStreamReader().read(message)
    assert event is None or isinstance(event, EVENT_TYPES)


@given(JSON)
def test_any_json_never_raises(value: object) -> None:
    event = started_reader().read(json.dumps(value))
    assert event is None or isinstance(event, EVENT_TYPES)


@given(
    st.fixed_dictionaries(
        {"event": EVENT_NAMES, "streamSid": st.just(STREAM) | JSON},
        optional={"start": JSON, "media": JSON, "dtmf": JSON, "mark": JSON, "stop": JSON},
    ),
    st.booleans(),
)
def test_messages_shaped_like_twilios_with_any_content_never_raise(
    message: dict[str, Any], started: bool
) -> None:
    reader = started_reader() if started else MediaStreamReader()
    event = reader.read(json.dumps(message))
    assert event is None or isinstance(event, EVENT_TYPES)
    assert event is not None or sum(reader.problems.values()) >= 1


@given(
    st.fixed_dictionaries(
        {
            "track": st.just("inbound") | JSON,
            "chunk": st.integers(0, 10**6).map(str) | JSON,
            "timestamp": st.integers(0, 10**9).map(str) | JSON,
            "payload": st.binary(max_size=2000).map(lambda b: base64.b64encode(b).decode()) | JSON,
        }
    )
)
def test_media_with_any_fields_is_audio_or_counted(body: dict[str, Any]) -> None:
    reader = started_reader()
    event = reader.read(json.dumps({"event": "media", "streamSid": STREAM, "media": body}))
    if event is None:
        assert sum(reader.problems.values()) == 1
    else:
        assert isinstance(event, Audio)
        assert 0 < len(event.payload) <= 1600


def test_media_message_carries_the_audio_in_base64() -> None:
    ulaw = bytes(range(256)) * 3
    message = json.loads(media_message(STREAM, ulaw))
    assert message == {
        "event": "media",
        "streamSid": STREAM,
        "media": {"payload": message["media"]["payload"]},
    }
    assert base64.b64decode(message["media"]["payload"], validate=True) == ulaw


def test_our_media_message_reads_back_as_the_same_audio() -> None:
    frame = bytes(range(160))
    message = json.loads(media_message(STREAM, frame))
    message["media"] |= {"chunk": "1", "timestamp": "0"}
    assert started_reader().read(json.dumps(message)) == Audio(frame, 0, 1)


def test_mark_and_clear_messages() -> None:
    assert json.loads(mark_message(STREAM, "disclosure-1")) == {
        "event": "mark",
        "streamSid": STREAM,
        "mark": {"name": "disclosure-1"},
    }
    assert json.loads(clear_message(STREAM)) == {"event": "clear", "streamSid": STREAM}
