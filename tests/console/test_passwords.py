"""Password hashing: scrypt, salted, in a self-describing format, refusing anything tampered."""

from __future__ import annotations

import base64

import pytest

from console import passwords
from console.passwords import (
    hash_password,
    needs_rehash,
    spend_verify_time,
    verify_password,
    weak_password_reason,
)

SECRET = "correct horse battery staple"


def test_the_format_names_the_algorithm_and_its_parameters() -> None:
    encoded = hash_password(SECRET)
    name, n, r, p, salt, digest = encoded.split("$")
    assert (name, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert SECRET not in encoded


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    encoded = hash_password(SECRET)
    assert verify_password(SECRET, encoded)
    assert not verify_password(SECRET + " ", encoded)
    assert not verify_password("Correct horse battery staple", encoded)
    assert not verify_password("", encoded)


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password(SECRET), hash_password(SECRET)
    assert first != second
    assert verify_password(SECRET, first) and verify_password(SECRET, second)


def _replace(encoded: str, index: int, value: str) -> str:
    parts = encoded.split("$")
    parts[index] = value
    return "$".join(parts)


def _flip_first_byte(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda e: _replace(e, 5, _flip_first_byte(e.split("$")[5])), id="digest"),
        pytest.param(lambda e: _replace(e, 4, _flip_first_byte(e.split("$")[4])), id="salt"),
        pytest.param(lambda e: _replace(e, 1, "8192"), id="cheaper-n"),
        pytest.param(lambda e: _replace(e, 1, str(2**24)), id="huge-n"),
        pytest.param(lambda e: _replace(e, 1, "10000"), id="n-not-a-power-of-two"),
        pytest.param(lambda e: _replace(e, 0, "bcrypt"), id="algorithm"),
        pytest.param(lambda e: _replace(e, 5, "not base64!"), id="garbage-digest"),
        pytest.param(lambda e: _replace(e, 5, ""), id="empty-digest"),
        pytest.param(lambda e: e.rsplit("$", 1)[0], id="truncated"),
        pytest.param(lambda e: "", id="empty"),
        pytest.param(lambda e: SECRET, id="plain-text"),
    ],
)
def test_a_tampered_or_malformed_hash_never_verifies(tamper) -> None:
    assert not verify_password(SECRET, tamper(hash_password(SECRET)))


def test_a_hash_with_other_parameters_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    current = hash_password(SECRET)
    assert not needs_rehash(current)
    monkeypatch.setattr(passwords, "N", 2**12)
    older = hash_password(SECRET)
    monkeypatch.undo()
    assert verify_password(SECRET, older) and needs_rehash(older)
    assert needs_rehash("garbage")


def test_an_unknown_login_costs_one_scrypt_like_a_wrong_password(monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = passwords._scrypt, []

    def counting(*args, **kwargs):
        calls.append(args[2:5])
        return real(*args, **kwargs)

    encoded = hash_password(SECRET)
    monkeypatch.setattr(passwords, "_scrypt", counting)
    verify_password("wrong password here", encoded)
    spend_verify_time("wrong password here")
    assert calls == [(2**14, 8, 1), (2**14, 8, 1)]


@pytest.mark.parametrize(
    ("password", "login", "reason"),
    [
        ("short-pass1", "", "at least 12 characters"),
        ("", "", "at least 12 characters"),
        ("x" * 1025, "", "at most 1024"),
        ("my-name-is-ada!", "ada", "must not contain the login"),
        ("aaaaaaaaaaaaaaa", "", "more than a few different characters"),
        ("abababababababab", "", "more than a few different characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, login: str, reason: str) -> None:
    assert reason in (weak_password_reason(password, login) or "")


def test_a_long_varied_password_is_accepted() -> None:
    assert weak_password_reason("correct horse battery staple", "ada") is None
    assert weak_password_reason("Zürich-Gare-2026", "ada") is None
