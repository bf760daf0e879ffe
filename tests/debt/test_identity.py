"""Identity: the name and one secret must both match; typos of a transcript are tolerated, guesses are not."""

from __future__ import annotations

from datetime import date

import pytest

from debt.identity import KnownParty, SecretKind, attempts_left, check_identity, fold, name_matches

JEANNE = KnownParty(
    first_name="Jeanne",
    last_name="Dupont-Lefèvre",
    birth_date=date(1985, 3, 12),
    postcodes=frozenset({"75011"}),
    case_refs=frozenset({"NEB-104233"}),
)


def test_fold() -> None:
    assert fold("Müller-Lüdenscheidt") == "muller ludenscheidt"
    assert fold("Strauß") == "strauss"
    assert fold("  DUPONT-Lefèvre ") == "dupont lefevre"


@pytest.mark.parametrize(
    "claimed",
    [
        "Jeanne Dupont-Lefèvre",
        "dupont lefevre jeanne",
        "JEANNE DUPONT LEFEVRE",
        "c'est jeanne dupont lefèvre",
        "Jeanne Dupond-Lefèvre",
    ],
)
def test_names_that_match(claimed: str) -> None:
    assert name_matches(claimed, JEANNE.first_name, JEANNE.last_name)


@pytest.mark.parametrize("claimed", ["Jeanne", "Dupont", "Jean Dupont-Lefèvre", "", "Marie Dupont-Lefèvre"])
def test_names_that_do_not(claimed: str) -> None:
    assert not name_matches(claimed, JEANNE.first_name, JEANNE.last_name)


def test_name_and_birth_date() -> None:
    check = check_identity(JEANNE, "Jeanne Dupont-Lefèvre", birth_date=date(1985, 3, 12))
    assert check.verified and check.secret_kind == SecretKind.BIRTH_DATE


def test_name_and_postcode_or_case_ref() -> None:
    assert (
        check_identity(JEANNE, "Jeanne Dupont-Lefèvre", postcode="75 011").secret_kind == SecretKind.POSTCODE
    )
    assert (
        check_identity(JEANNE, "Jeanne Dupont Lefevre", case_ref="neb104233").secret_kind
        == SecretKind.CASE_REF
    )


def test_a_secret_without_the_name_is_not_enough() -> None:
    check = check_identity(JEANNE, "Marc Dupont", birth_date=date(1985, 3, 12))
    assert not check.verified and check.secret_matches and not check.name_matches


def test_the_name_without_a_secret_is_not_enough() -> None:
    assert not check_identity(JEANNE, "Jeanne Dupont-Lefèvre", birth_date=date(1985, 3, 21)).verified
    assert not check_identity(JEANNE, "Jeanne Dupont-Lefèvre").verified


def test_attempts() -> None:
    assert [attempts_left(n) for n in range(5)] == [3, 2, 1, 0, 0]
