"""How the bot's replies become SMS bodies: as few parts as possible, never a word cut in two.

An SMS part carries 140 bytes. Text made only of GSM 03.38 characters travels as
GSM-7 (160 septets alone, 153 per part once split, the rest is the header
joining the parts); a single other character turns the whole message into
UCS-2 (70 UTF-16 code units alone, 67 per part). Characters of the extension
table take two septets (escape + character). Like Twilio's segment calculator
(github.com/TwilioDevEd/message-segment-calculator), a character never straddles
two parts. Twilio refuses a body over 1600 characters (error 21617).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 default alphabet, less the escape at 0x1B. 0x09 is the capital Ç
# (some phones show ç, but the lower case ç is not in the table: "reçu" is UCS-2).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: escape + character, two septets each.
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")

TWILIO_MAX_CHARS = 1600
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

# Typography that would turn a whole message into UCS-2 for nothing: babel writes
# "1 234,50 €" with a narrow no-break space (U+202F) and a no-break space (U+00A0).
_GSM_LOOKALIKES = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\u205f\t", " "),
        **dict.fromkeys("‘’‚‛′", "'"),
        **dict.fromkeys("“”„‟«»″", '"'),
        **dict.fromkeys("‐‑‒–—―−•", "-"),
        "…": "...",
        "\u200b": None,  # zero-width space
        "\u2060": None,  # word joiner
        "\ufeff": None,  # byte order mark
    }
)


def gsm_friendly(text: str) -> str:
    """Replace typographic spaces, quotes, dashes and the ellipsis with their GSM-7 look-alikes."""
    return text.translate(_GSM_LOOKALIKES)


def encoding(text: str) -> Encoding:
    return "GSM-7" if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text) else "UCS-2"


def _widths(text: str, enc: Encoding) -> list[int]:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) taken by each character."""
    if enc == "GSM-7":
        return [2 if c in GSM_EXTENDED else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def segments(text: str) -> int:
    """How many SMS parts `text` is sent (and billed) as; an empty text still takes one."""
    enc = encoding(text)
    single, per_part = _LIMITS[enc]
    widths = _widths(text, enc)
    if sum(widths) <= single:
        return 1
    count, used = 1, 0
    for width in widths:
        if used + width > per_part:
            count, used = count + 1, 0
        used += width
    return count


# Where a reply may be split, best first. Whitespace here is ASCII only: a no-break
# space is never a split point. Possessive runs (++) keep a lookahead from matching
# inside a run of spaces.
_WS = r"[ \t\r\n\f\v]"
_PARAGRAPH = re.compile(rf"{_WS}*\n[ \t\r\f\v]*\n{_WS}*")
_LINE = re.compile(rf"[ \t\r\f\v]*\n{_WS}*")
# After . ! ? or …, but not after a number ("am 12. März"), a lone letter ("M. Dupont",
# "z. B.") or a few common abbreviations.
_SENTENCE = re.compile(
    rf"(?<=[.!?…])(?<!\d\.)(?<!\b\w\.)(?<!\b(?:Dr|Mr|Ms|Nr|St|ca|ex)\.)(?<!\b(?:Mme|Mrs|bzw|vgl)\.){_WS}++"
)
# A space that is not next to a digit: keeps "49,90 EUR", "1 234,50 €" and "12. März" whole.
_SPACE_AWAY_FROM_NUMBERS = re.compile(rf"(?<!{_WS})(?<!\d)(?<!\d[.,]){_WS}++(?!\d)")
_ANY_SPACE = re.compile(rf"{_WS}+")
_LEVELS = (_PARAGRAPH, _LINE, _SENTENCE, _SPACE_AWAY_FROM_NUMBERS, _ANY_SPACE)


def pack(texts: list[str], *, max_segments: int = 3, max_chars: int = TWILIO_MAX_CHARS) -> list[str]:
    """Turn the bot's replies, in order, into SMS bodies of at most `max_segments` parts each.

    Consecutive replies share a message (joined by a newline) while it stays within
    the limits; a reply too long alone is split at paragraphs, then lines, then
    sentence ends, then spaces; a word is cut only when it alone is over the limit.
    Nothing is lost but whitespace at the split points.
    """
    if max_segments < 1 or max_chars < 1:
        raise ValueError("max_segments and max_chars must be at least 1")

    def fits(text: str) -> bool:
        return len(text) <= max_chars and segments(text) <= max_segments

    messages: list[str] = []
    for reply in texts:
        _extend(messages, "\n", _split(reply.strip(), fits, _LEVELS), fits)
    return messages


def _split(text: str, fits: Callable[[str], bool], levels: tuple[re.Pattern[str], ...]) -> list[str]:
    """Pieces of `text` that each fit, cut at the first level's separators, finer levels as needed."""
    if not text:
        return []
    if fits(text):
        return [text]
    if not levels:
        return _cut(text, fits)
    # With a capturing group, re.split alternates unit, separator, unit, ...
    tokens = re.split(f"({levels[0].pattern})", text)
    pieces: list[str] = []
    for i in range(0, len(tokens), 2):
        separator = tokens[i - 1] if i else ""
        _extend(pieces, separator, _split(tokens[i].strip(), fits, levels[1:]), fits)
    return pieces


def _extend(pieces: list[str], separator: str, new: list[str], fits: Callable[[str], bool]) -> None:
    """Append `new`, its first piece joined to the last one (with `separator`) when that still fits."""
    if not new:
        return
    first, *rest = new
    if pieces and fits(joined := pieces[-1] + separator + first):
        pieces[-1] = joined
    else:
        pieces.append(first)
    pieces.extend(rest)


def _cut(word: str, fits: Callable[[str], bool]) -> list[str]:
    """A word longer than the limit (a long link, say): the longest prefixes that fit."""
    pieces = []
    while word:
        low, high = 1, len(word)  # the longest prefix that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(word[:middle]) else (low, middle - 1)
        while 1 < low < len(word) and unicodedata.combining(word[low]):
            low -= 1  # keep an accent with its letter
        pieces.append(word[:low].strip())
        word = word[low:]
    return [piece for piece in pieces if piece]
