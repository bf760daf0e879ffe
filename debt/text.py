"""Comparing what people type: one way to drop accents and fold case, used for names and words alike."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def strip_accents(text: str) -> str:
    """'Lefèvre' → 'Lefevre', 'Strauß' → 'Strauss'; letters without a decomposition (Ø) stay."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Without accents, case-folded, anything but letters and digits a single space.

    'Müller-Lüdenscheidt' → 'muller ludenscheidt'; 'José-María GARCÍA' → 'jose maria garcia'.
    """
    plain = strip_accents(text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())
