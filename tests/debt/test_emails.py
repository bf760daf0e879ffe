"""E-mail addresses: one normal form, syntax errors refused with the validator's reason, no network."""

from __future__ import annotations

import socket

import pytest

from debt.emails import EmailError, normalise_email


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("e-mail validation must never touch the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Jean.Dupont@Example.COM", "jean.dupont@example.com"),
        ("  amelia.jones@example.org ", "amelia.jones@example.org"),
        ("joerg+rechnung@example.net", "joerg+rechnung@example.net"),
        ("jürgen@bücher.example", "jürgen@bücher.example"),
        ("nobody@no-such-domain-anywhere.example", "nobody@no-such-domain-anywhere.example"),
    ],
)
def test_addresses_are_normalised(raw: str, normal: str) -> None:
    assert normalise_email(raw) == normal


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("jean.dupont", "An email address must have an @-sign."),
        ("jean dupont@example.com", "invalid characters before the @-sign: SPACE"),
        ("jean@@example.com", "invalid characters: '@'"),
        ("jean@localhost", "It should have a period."),
        ("jean@", "There must be something after the @-sign."),
        ("", "empty e-mail address"),
    ],
)
def test_bad_addresses_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(EmailError) as exc:
        normalise_email(raw)
    assert reason in str(exc.value)
