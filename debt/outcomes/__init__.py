"""What a conversation decides, written in one place: account status, conversation flags, audit.

One function per outcome. Each takes the caller's session (the caller commits), writes the domain
rows, sets the conversation's flags and appends one audit entry. A refusal raises `OutsidePolicy`
before anything is written. Audit details never carry a birth date or the value of a secret.
"""

from debt.outcomes._common import (
    DEBTOR,
    HARDSHIP_HOLD_DAYS,
    LAST_DEBIT_DAY,
    PROMISE_MAX_DAYS,
    WRONG_PARTY_REASON,
    OutsidePolicy,
)
from debt.outcomes.commitments import (
    record_arrangement,
    record_direct_debit_day,
    record_payment_claim,
    record_payment_instructions,
    record_promise,
)
from debt.outcomes.consent import is_opted_out, record_opt_in, record_opt_out
from debt.outcomes.contact import confirm_contact_data, contact_on_file, record_callback, update_contact_data
from debt.outcomes.conversations import conversation_for_sender
from debt.outcomes.handoffs import record_complaint, request_handoff
from debt.outcomes.holds import DisputeReason, open_dispute, open_hardship
from debt.outcomes.identity import record_identity_failed, record_identity_verified, record_wrong_party

__all__ = [
    "DEBTOR",
    "HARDSHIP_HOLD_DAYS",
    "LAST_DEBIT_DAY",
    "PROMISE_MAX_DAYS",
    "WRONG_PARTY_REASON",
    "DisputeReason",
    "OutsidePolicy",
    "confirm_contact_data",
    "contact_on_file",
    "conversation_for_sender",
    "is_opted_out",
    "open_dispute",
    "open_hardship",
    "record_arrangement",
    "record_callback",
    "record_complaint",
    "record_direct_debit_day",
    "record_identity_failed",
    "record_identity_verified",
    "record_opt_in",
    "record_opt_out",
    "record_payment_claim",
    "record_payment_instructions",
    "record_promise",
    "record_wrong_party",
    "request_handoff",
    "update_contact_data",
]
