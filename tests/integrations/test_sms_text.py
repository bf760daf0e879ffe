"""SMS bodies: the GSM 03.38 table, segment counts at their boundaries, and packing replies."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.money import format_money
from integrations.sms_text import GSM_BASIC, GSM_EXTENDED, encoding, gsm_friendly, pack, segments


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_the_tables_are_the_real_ones() -> None:
    # 128 positions less the escape; the extension table's ten characters (form feed included).
    assert len(GSM_BASIC) == 127
    assert set("\f^{}\\[~]|€") == GSM_EXTENDED
    assert "\x1b" not in GSM_BASIC
    assert "¤" in GSM_BASIC  # at 0x24 where ASCII has "$" (which sits at 0x02)


@pytest.mark.parametrize("char", list("éèùìòÇÉÄÖÑÜäöñüàßÅåØøÆæ£¥§¡¿@$_\n\r"))
def test_accents_of_the_gsm_table_keep_gsm7(char: str) -> None:
    assert encoding(f"Payé {char}") == "GSM-7"


# Not in the table: the lower-case ç (only Ç is, at 0x09), circumflexes, most acute accents.
@pytest.mark.parametrize("char", list("çêâîôûëïœÊÂáíóúãõ`\t\u00a0\u202f…’«»–"))
def test_anything_else_makes_the_message_ucs2(char: str) -> None:
    assert encoding(f"Payé {char}") == "UCS-2"


def test_real_sentences() -> None:
    assert encoding("Vous pouvez régler à l'échéance. Grüße aus München, Straße 5.") == "GSM-7"
    assert encoding("Nous avons bien reçu votre paiement.") == "UCS-2"
    assert encoding("Êtes-vous disponible ?") == "UCS-2"
    assert encoding("Montant : 49,90 €, réf. [A-17]") == "GSM-7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # two septets each: 160
        ("€" * 81, 2),
        ("a" * 159 + "€", 2),
        ("ê" * 70, 1),
        ("ê" * 71, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 code units each: 70
        ("😀" * 35 + "a", 2),
        ("a" * 69 + "😀", 2),
    ],
)
def test_segment_counts_at_the_boundaries(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_a_character_never_straddles_two_parts() -> None:
    # 306 septets would fill two parts of 153, but the escaped € cannot be cut in two.
    assert segments("a" * 152 + "€" + "a" * 152) == 3
    # 134 code units would fill two parts of 67, but not the surrogate pair of the emoji.
    assert segments("a" * 66 + "😀" + "a" * 66) == 3


def test_money_as_babel_writes_it_is_made_gsm_friendly() -> None:
    french = format_money(Decimal("1234.50"), "EUR", "fr")
    assert encoding(french) == "UCS-2"  # narrow no-break space and no-break space
    assert gsm_friendly(french) == "1 234,50 €"
    assert encoding(gsm_friendly(f"« Réglez {french} aujourd’hui… » – merci")) == "GSM-7"
    assert gsm_friendly("Il faut 1\u202f234,50\u00a0€ d’ici demain…") == "Il faut 1 234,50 € d'ici demain..."


def test_short_replies_share_one_message() -> None:
    assert pack(["Bonjour Mme Martin.", "  Votre solde est de 49,90 €.  ", "", "Merci."]) == [
        "Bonjour Mme Martin.\nVotre solde est de 49,90 €.\nMerci."
    ]


def test_replies_that_would_exceed_the_parts_go_in_the_next_message() -> None:
    first, second = "a" * 100, "b" * 100
    assert pack([first, second], max_segments=1) == [first, second]
    assert pack([first, second], max_segments=2) == [f"{first}\n{second}"]


def test_one_ucs2_reply_does_not_pull_a_gsm_reply_into_ucs2() -> None:
    gsm, ucs = ("Votre paiement est attendu. " * 3).strip(), "Bien reçu ✅"
    messages = pack([gsm, ucs], max_segments=1)
    assert messages == [gsm, ucs]
    assert encoding(messages[0]) == "GSM-7"


def test_a_long_reply_is_split_at_paragraphs_first() -> None:
    paragraph = "Le paiement est attendu. " * 5
    text = f"{paragraph.strip()}\n\n{paragraph.strip()}"
    assert pack([text], max_segments=1) == [paragraph.strip(), paragraph.strip()]


def test_then_at_sentence_ends_not_inside_numbers_dates_or_abbreviations() -> None:
    text = (
        "Bonjour M. Dupont, il reste 49,90 EUR à régler avant le 12.03.2026. "
        "Merci de payer, par ex. par virement! Sie können bis zum 12. März 2026 zahlen, z. B. per "
        "Überweisung… Pour un échéancier, répondez ÉCHÉANCIER. Pour nous joindre, répondez APPEL."
    )
    messages = pack([text], max_segments=1)
    assert len(messages) > 1
    assert all(segments(m) == 1 for m in messages)
    for message in messages:
        assert re.search(r"[.!?…]$", message), message  # every message ends a sentence
    for whole in ("M. Dupont", "49,90 EUR", "12.03.2026", "12. März 2026", "z. B. per"):
        assert any(whole in m for m in messages), whole


def test_then_at_spaces_never_inside_a_word() -> None:
    words = [f"mot{i}" for i in range(200)]
    messages = pack([" ".join(words)], max_segments=1)
    assert all(segments(m) == 1 for m in messages)
    assert [w for m in messages for w in m.split()] == words


def test_amounts_stay_with_their_currency_when_spaces_are_the_only_choice() -> None:
    text = " ".join(["payez"] * 25 + ["1 234,50 €"] + ["merci"] * 25)
    messages = pack([text], max_segments=1)
    assert len(messages) > 1
    assert any("1 234,50 €" in m for m in messages)


def test_a_word_longer_than_the_limit_is_cut_and_only_then() -> None:
    link = "https://pay.example.com/" + "x" * 400
    messages = pack([f"Payez ici : {link} merci"], max_segments=1)
    assert messages[0] == "Payez ici :"
    assert "".join(messages[1:-1]) + messages[-1].removesuffix(" merci") == link
    assert all(segments(m) == 1 for m in messages)


def test_the_twilio_character_limit_applies_too() -> None:
    messages = pack(["a" * 1000 + " " + "b" * 1000], max_segments=20)
    assert messages == ["a" * 1000, "b" * 1000]
    assert all(len(m) <= 1600 for m in pack(["x" * 5000], max_segments=50))


def test_nothing_to_send() -> None:
    assert pack([]) == []
    assert pack(["", "  \n "]) == []
    with pytest.raises(ValueError):
        pack(["a"], max_segments=0)


_words = st.text(
    alphabet=st.sampled_from([*"abcdeéêçß0123456789.,!?…€😀-'", " ", " ", "\n", "\u00a0"]),
    max_size=400,
)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_words, max_size=6), max_segments=st.integers(min_value=1, max_value=4))
def test_packing_keeps_order_and_loses_nothing(texts: list[str], max_segments: int) -> None:
    messages = pack(texts, max_segments=max_segments)
    assert squeeze("".join(messages)) == squeeze("".join(texts))
    for message in messages:
        assert message and message == message.strip()
        assert segments(message) <= max_segments and len(message) <= 1600


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.text(alphabet="abcdéç€😀", min_size=1, max_size=30), min_size=1, max_size=60))
def test_splitting_never_cuts_a_word_that_fits(words: list[str]) -> None:
    messages = pack([" ".join(words)], max_segments=1)
    assert [w for m in messages for w in m.split()] == words
