"""How the conversation list and its CSV show a person: enough to tell rows apart, not to reach anyone."""

from __future__ import annotations

from debt.masking import MASK, mask_email, mask_phone


def mask_party(party: str) -> str:
    """The other party as a channel knows it: a phone or an e-mail masked, a chat session cut short."""
    if party.startswith("+"):
        return mask_phone(party)
    if "@" in party:
        return mask_email(party)
    return party[:4] + MASK * 3 if len(party) > 4 else MASK * 3


def mask_name(first_name: str | None, last_name: str | None) -> str:
    """Jeanne Dupont → Jeanne D.: the first name and the initial of the family name."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if not last:
        return first
    return f"{first} {last[0]}.".strip()
