"""Right-party verification: a name plus one secret, before anything about the debt is said.

Secrets: the birth date, the postcode of an address on file, or a case
reference of the person's accounts. Three attempts, then a human takes over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from debt.text import fold

MAX_ATTEMPTS = 3


class SecretKind(StrEnum):
    BIRTH_DATE = "birth_date"
    POSTCODE = "postcode"
    CASE_REF = "case_ref"


@dataclass(frozen=True)
class KnownParty:
    """What we hold to check a claim of identity (never shown to the caller)."""

    first_name: str
    last_name: str
    birth_date: date | None
    postcodes: frozenset[str]
    case_refs: frozenset[str]


@dataclass(frozen=True)
class IdentityCheck:
    verified: bool
    name_matches: bool
    secret_matches: bool
    secret_kind: SecretKind | None


def _close(a: str, b: str) -> bool:
    """Equal, or one typo apart for names of five letters or more (a transcript's small slips)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= 1


def name_matches(claimed: str, first_name: str, last_name: str) -> bool:
    """Every word of the first and last names is in what the person said, in any order."""
    said = fold(claimed).split()
    wanted = fold(f"{first_name} {last_name}").split()
    return bool(said) and all(any(_close(w, s) for s in said) for w in wanted)


def normalise_case_ref(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def postcode_key(text: str) -> str:
    """Postcodes compared without spaces or case ('sw1a1aa' is 'SW1A 1AA')."""
    return re.sub(r"\s+", "", text.upper())


def check_identity(
    party: KnownParty,
    claimed_name: str | None,
    *,
    birth_date: date | None = None,
    postcode: str | None = None,
    case_ref: str | None = None,
) -> IdentityCheck:
    """The name and at least one secret must match; which secret matched is recorded, never its value."""
    name_ok = bool(claimed_name) and name_matches(claimed_name or "", party.first_name, party.last_name)
    kind: SecretKind | None = None
    if birth_date is not None and party.birth_date is not None and birth_date == party.birth_date:
        kind = SecretKind.BIRTH_DATE
    elif postcode and postcode_key(postcode) in {postcode_key(p) for p in party.postcodes}:
        kind = SecretKind.POSTCODE
    elif case_ref and normalise_case_ref(case_ref) in {normalise_case_ref(r) for r in party.case_refs}:
        kind = SecretKind.CASE_REF
    return IdentityCheck(name_ok and kind is not None, name_ok, kind is not None, kind)


def attempts_left(failed_attempts: int) -> int:
    return max(0, MAX_ATTEMPTS - failed_attempts)
