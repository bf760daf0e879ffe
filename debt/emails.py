"""E-mail addresses: syntax check and one normal form, never a network lookup."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class EmailError(ValueError):
    """The text is not an e-mail address we can write to."""


def normalise_email(raw: str) -> str:
    """Normal form of an address ("Jean.Dupont@Example.COM" -> "jean.dupont@example.com"), or EmailError.

    The whole address is lower-cased: mailbox providers ignore case in the local part, and one
    person must not get two contact points for one mailbox.
    """
    text = raw.strip()
    if not text:
        raise EmailError("empty e-mail address")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise EmailError(f"{text!r}: {exc}") from None
    return result.normalized.lower()
