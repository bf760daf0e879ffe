"""Text as the normaliser reads it: lower case, accents folded, split into tokens."""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("fr", "de", "en")
# Longer text is not an answer to a question about a date or an amount; reading it would only cost time.
MAX_CHARS = 1000

# German umlauts become their two-letter spelling so "März", "Maerz" and "MÄRZ" meet.
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "œ": "oe", "æ": "ae", "’": "'", "‘": "'"})
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])[-‐‑–](?=[^\W\d_])")
# A number written with digits keeps its ordinal ending: 1er, 2e, 21st, 15. (German).
_TOKEN = re.compile(
    r"\d+(?:(?:st|nd|rd|th|ere|er|re|ieme|eme|e|te|ter|ten|tes|tem)\b|\.(?!\d))?"
    r"|[^\W\d_]+"
    r"|[^\w\s]"
)


def language_of(language: str) -> str:
    """The two-letter code from "fr", "FR", "de-CH", "en_GB" or a Language; else a caller's bug."""
    code = str(language).strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    return code


def fold(text: str) -> str:
    """Lower case, German umlauts spelled out, other accents dropped, hyphens between words as spaces."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORD_HYPHEN.sub(" ", text)


def tokenize(text: str) -> list[str]:
    """Words, numbers (with their ordinal ending) and single punctuation marks of folded text."""
    return _TOKEN.findall(fold(text))


def readable(text: object) -> bool:
    """Text worth reading: a non-empty string of reasonable length."""
    return isinstance(text, str) and 0 < len(text) <= MAX_CHARS and not text.isspace()


def is_word(token: str) -> bool:
    return token[:1].isalnum()


def edit_distance_le1(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def fuzzy_lookup(word: str, table: dict[str, int], min_length: int = 5) -> int | None:
    """The table's value for word, or for the single entry one typo away (long words only)."""
    if word in table:
        return table[word]
    if len(word) < min_length:
        return None
    found = {value for key, value in table.items() if len(key) >= min_length and edit_distance_le1(word, key)}
    return found.pop() if len(found) == 1 else None
