"""Masking of personal data shown in lists and API answers (GDPR: show only what the reader needs)."""

from __future__ import annotations

from debt.models import ContactKind, ContactPoint

MASK = "•"


def mask_phone(e164: str) -> str:
    """+33612345678 → +336••••••78: the country and the last two digits stay."""
    if len(e164) <= 6:
        return MASK * len(e164)
    return e164[:4] + MASK * (len(e164) - 6) + e164[-2:]


def mask_email(address: str) -> str:
    """jeanne.dupont@example.fr → j•••@example.fr"""
    local, _, domain = address.partition("@")
    if not domain:
        return MASK * 3
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_contact_point(point: ContactPoint) -> str:
    """A phone, an e-mail or an address as a list or a log may show it."""
    if point.kind == ContactKind.PHONE:
        return mask_phone(point.value)
    if point.kind == ContactKind.EMAIL:
        return mask_email(point.value)
    return f"{mask_address(point.address_line)}, {point.postcode or ''} {point.city or ''}".strip(", ")


def mask_address(line: str | None) -> str:
    """12 rue des Lilas → •• rue des Lilas: the house number is hidden, the street stays."""
    if not line:
        return ""
    words = line.split()
    return " ".join(MASK * 2 if any(ch.isdigit() for ch in word) else word for word in words)
