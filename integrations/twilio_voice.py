"""Calls through Twilio's REST client: placing an outbound call with answering-machine detection,
starting a call's recording once the recording notice has been heard, and stopping it when the
caller objects.

Synchronous (the twilio client is): run these in a thread. Failures come back as
integrations/twilio_rest.py's TwilioRejected, TwilioThrottled or TwilioUnavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from twilio.rest import Client

from core.settings import Settings
from integrations.twilio_rest import CLOCK_SKEW, call_twilio, twilio_client

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
RECORDING_EVENTS = ["in-progress", "completed", "absent"]
# A recording Twilio is still making (a paused one would resume): what an objection stops.
RECORDING_RUNNING = frozenset({"in-progress", "paused"})


@dataclass(frozen=True)
class PlacedCall:
    sid: str
    status: str


class CallControl:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._from = settings.twilio_from_number
        self._client = client or twilio_client(settings)

    def place(self, to: str, *, answer_url: str, status_url: str, ring_seconds: int = 30) -> PlacedCall:
        """Ring `to`; Twilio fetches `answer_url` once it knows whether a person or a machine answered.

        DetectMessageEnd waits for the end of a greeting, so a message left on a machine is heard
        from its start.
        """
        call = call_twilio(
            lambda: self._client.calls.create(
                to=to,
                from_=self._from,
                url=answer_url,
                method="POST",
                status_callback=status_url,
                status_callback_method="POST",
                status_callback_event=STATUS_EVENTS,
                machine_detection="DetectMessageEnd",
                timeout=ring_seconds,
            )
        )
        return PlacedCall(sid=call.sid, status=call.status)

    def find_placed(self, to: str, since: datetime) -> PlacedCall | None:
        """A call from our number to `to` created at or after `since`, if Twilio has one."""
        calls = call_twilio(lambda: self._client.calls.list(to=to, from_=self._from, limit=20))
        for call in calls:
            if call.date_created and call.date_created >= since - CLOCK_SKEW:
                return PlacedCall(sid=call.sid, status=call.status)
        return None

    def start_recording(self, call_sid: str, *, status_url: str) -> str:
        """Record the rest of the call, both parties on their own channel; returns the RecordingSid."""
        recording = call_twilio(
            lambda: self._client.calls(call_sid).recordings.create(
                recording_status_callback=status_url,
                recording_status_callback_method="POST",
                recording_status_callback_event=RECORDING_EVENTS,
                recording_channels="dual",
            )
        )
        return str(recording.sid)

    def call_recordings(self, call_sid: str) -> dict[str, str]:
        """The call's recordings as Twilio lists them: RecordingSid → status (in-progress, paused,
        stopped, processing, completed, absent)."""
        recordings = call_twilio(lambda: self._client.calls(call_sid).recordings.list(limit=50))
        return {str(r.sid): str(r.status) for r in recordings}

    def stop_recording(self, call_sid: str, recording_sid: str) -> str:
        """Stop one recording of the call for good (what was recorded is kept); returns its new status."""
        recording = call_twilio(
            lambda: self._client.calls(call_sid).recordings(recording_sid).update(status="stopped")
        )
        return str(recording.status)
