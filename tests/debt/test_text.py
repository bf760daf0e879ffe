"""One fold for names and words: accents dropped, case folded, letters of every script kept."""

import pytest

from debt.text import fold, strip_accents


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José-María GARCÍA", "jose maria garcia"),
        ("Strauß", "strauss"),
        ("  DUPONT-Lefèvre ", "dupont lefevre"),
        ("Ørsted", "ørsted"),  # no decomposition: kept, not dropped
        ("Кузнецова", "кузнецова"),
        ("O'Brien", "o brien"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_strip_accents_keeps_case_and_punctuation() -> None:
    assert strip_accents("Créance réglée ?") == "Creance reglee ?"
