"""Records a caller's objection to the call being recorded, and what became of the recording.

The recording notice tells the caller they may object; an objection is honoured at once and for
the rest of the call (voice/call_flow.py): a recording not started yet never starts, one running is
stopped through Twilio. Both are kept on the call and in the audit log: proof of compliance.
"""

from __future__ import annotations

from sqlmodel import Session

from debt.clock import utcnow
from debt.models import Call, Conversation
from debt.outcomes._common import DEBTOR, _audit

SYSTEM = "system"
MAX_WORDING = 400


def record_recording_objection(
    session: Session, call: Call, *, wording: str, conversation: Conversation | None = None
) -> bool:
    """The caller objected to the recording; True the first time on this call (one audit entry)."""
    if call.recording_objected_at is not None:
        return False
    now = utcnow()
    call.recording_objected_at = now
    call.updated_at = now
    session.add(call)
    session.flush()
    _audit(
        session,
        actor=DEBTOR,
        action="recording.objected",
        entity="call",
        entity_id=call.id,
        conversation=conversation,
        call_sid=call.call_sid,
        wording=wording[:MAX_WORDING],
        recording_started=call.recording_requested,
    )
    return True


def record_recording_stop(
    session: Session,
    call: Call,
    *,
    stopped: list[str],
    failed: dict[str, str],
    conversation: Conversation | None = None,
) -> None:
    """What asking Twilio to stop the call's recordings did: the RecordingSids stopped, and those that
    could not be (with Twilio's answer) for a person to deal with."""
    _audit(
        session,
        actor=SYSTEM,
        action="recording.stop_failed" if failed else "recording.stopped",
        entity="call",
        entity_id=call.id,
        conversation=conversation,
        call_sid=call.call_sid,
        stopped=sorted(stopped),
        failed=failed,
    )
