"""E-mail and postal addresses found in free text, per country."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.contact_text import ContactUpdate, parse_contact_update


def address(line: str, postcode: str, city: str) -> ContactUpdate:
    return ContactUpdate(address_line=line, postcode=postcode, city=city)


def email(value: str) -> ContactUpdate:
    return ContactUpdate(email=value)


ADDRESSES = [
    ("FR", "12 rue des Lilas 75011 Paris", address("12 rue des Lilas", "75011", "Paris")),
    (
        "FR",
        "J'habite maintenant au 12 bis rue des Lilas, 75011 Paris.",
        address("12 bis rue des Lilas", "75011", "Paris"),
    ),
    ("FR", "12 RUE DES LILAS 75011 PARIS", address("12 Rue des Lilas", "75011", "Paris")),
    ("FR", "12 rue de la paix 75002 paris", address("12 Rue de la Paix", "75002", "Paris")),
    ("FR", "5 avenue de la République, F-69003 Lyon", address("5 avenue de la République", "69003", "Lyon")),
    (
        "FR",
        "1 chemin des Vignes 01000 Bourg-en-Bresse",
        address("1 chemin des Vignes", "01000", "Bourg-en-Bresse"),
    ),
    ("FR", "tel 0612345678, 4 place Bellecour 69002 Lyon", address("4 place Bellecour", "69002", "Lyon")),
    ("FR", "12 av. Foch 75016 PARIS CEDEX", address("12 av. Foch", "75016", "Paris CEDEX")),
    ("FR", "rue des Lilas 75011 Paris", address("rue des Lilas", "75011", "Paris")),
    ("FR", "😀 12 rue des Lilas 75011 Paris 😀", address("12 rue des Lilas", "75011", "Paris")),
    ("DE", "Hauptstraße 5, 10115 Berlin", address("Hauptstraße 5", "10115", "Berlin")),
    ("DE", "Meine neue Adresse ist Hauptstraße 5, 10115 Berlin", address("Hauptstraße 5", "10115", "Berlin")),
    ("DE", "Hauptstr. 5 10115 Berlin", address("Hauptstr. 5", "10115", "Berlin")),
    (
        "DE",
        "ich wohne jetzt in der Berliner Straße 12a, 80331 München",
        address("Berliner Straße 12a", "80331", "München"),
    ),
    ("DE", "Am Markt 3, 60311 Frankfurt am Main", address("Am Markt 3", "60311", "Frankfurt am Main")),
    ("DE", "Unter den Linden 5, 10117 Berlin", address("Unter den Linden 5", "10117", "Berlin")),
    (
        "DE",
        "Neue Adresse: Karl-Marx-Allee 33, 10178 Berlin, Deutschland",
        address("Karl-Marx-Allee 33", "10178", "Berlin"),
    ),
    ("DE", "Lindenweg 7 in 04109 Leipzig", address("Lindenweg 7", "04109", "Leipzig")),
    ("DE", "HAUPTSTRASSE 5 10115 BERLIN", address("Hauptstrasse 5", "10115", "Berlin")),
    ("GB", "221B Baker Street, London NW1 6XE", address("221B Baker Street", "NW1 6XE", "London")),
    (
        "GB",
        "I've moved to 10 downing street london sw1a 2aa",
        address("10 Downing Street", "SW1A 2AA", "London"),
    ),
    ("GB", "Flat 2, 14 High Street, Oxford, OX1 4AA", address("Flat 2, 14 High Street", "OX1 4AA", "Oxford")),
    ("GB", "221b baker st nw1 6xe london", address("221B Baker St", "NW1 6XE", "London")),
    ("GB", "new address: 3 Church Lane, York YO1 7HH", address("3 Church Lane", "YO1 7HH", "York")),
    ("GB", "7 Station Road Leeds LS1 4DY", address("7 Station Road", "LS1 4DY", "Leeds")),
    ("GB", "12 The Green, Richmond TW9 1PX", address("12 The Green", "TW9 1PX", "Richmond")),
    ("GB", "45 Queen's Drive, Glasgow G42 8BU", address("45 Queen's Drive", "G42 8BU", "Glasgow")),
]
EMAILS = [
    ("FR", "jean.dupont@gmail.com", "jean.dupont@gmail.com"),
    ("FR", "mon mail: Jean.Dupont@Orange.FR merci", "jean.dupont@orange.fr"),
    ("FR", "mon mail c'est jean point dupont arobase gmail point com", "jean.dupont@gmail.com"),
    ("FR", "jean tiret dupont arobase free point fr", "jean-dupont@free.fr"),
    ("DE", "max punkt mustermann at web punkt de", "max.mustermann@web.de"),
    ("DE", "Neue E-Mail: max.mustermann@gmx.de.", "max.mustermann@gmx.de"),
    ("DE", "max unterstrich muster at posteo punkt de", "max_muster@posteo.de"),
    ("GB", "my email is john dot smith at gmail dot com", "john.smith@gmail.com"),
    ("GB", "email me at john.smith@outlook.co.uk please", "john.smith@outlook.co.uk"),
    ("GB", "it's jane underscore doe at yahoo dot co dot uk", "jane_doe@yahoo.co.uk"),
]
NOTHING = [
    ("FR", "12 rue des Lilas"),
    ("FR", "75011 Paris"),
    ("FR", "bonjour"),
    ("FR", "jean.dupont@gmail"),
    ("FR", "jean point dupont"),
    ("FR", "12 rue des Lilas 75011"),
    ("DE", "Hauptstraße 5"),
    ("DE", "10115 Berlin"),
    ("DE", "ich zahle 50 Euro am 15."),
    ("GB", "221B Baker Street"),
    ("GB", "London NW1 6XE"),
    ("GB", "I live at home"),
    ("GB", "12 rue des Lilas 75011 Paris"),
    ("XX", "12 rue des Lilas 75011 Paris"),
]
GARBAGE = ["", " ", "???", "🙂🙂🙂", "@", "@@@.com", "a" * 2500, "12 " * 600, "\x00\x01", "a.a." * 400]


@pytest.mark.parametrize(("country", "text", "expected"), ADDRESSES)
def test_address(country: str, text: str, expected: ContactUpdate) -> None:
    assert parse_contact_update(text, country) == expected


@pytest.mark.parametrize(("country", "text", "expected"), EMAILS)
def test_email(country: str, text: str, expected: str) -> None:
    assert parse_contact_update(text, country) == email(expected)


def test_email_and_address_together() -> None:
    found = parse_contact_update("mail: Jean.Dupont@Example.FR et 3 avenue Foch 75016 Paris", "FR")
    assert found == ContactUpdate("jean.dupont@example.fr", "3 avenue Foch", "75016", "Paris")
    found = parse_contact_update("12 rue des Lilas 75011 Paris et mon mail jean@x.fr", "fr")
    assert found == ContactUpdate("jean@x.fr", "12 rue des Lilas", "75011", "Paris")


def test_email_kept_when_the_address_is_incomplete() -> None:
    assert parse_contact_update("jean@x.fr, 12 rue des Lilas", "FR") == email("jean@x.fr")


@pytest.mark.parametrize(("country", "text"), NOTHING)
def test_nothing(country: str, text: str) -> None:
    assert parse_contact_update(text, country) is None


@pytest.mark.parametrize("country", ["FR", "DE", "GB"])
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage(country: str, text: str) -> None:
    assert parse_contact_update(text, country) is None


# fmt: off
_VOCABULARY = [
    "12", "rue", "des", "Lilas", "75011", "Paris", "Hauptstraße", "5", ",", "10115", "Berlin", "221B",
    "Baker", "Street", "NW1", "6XE", "London", "@", "jean", "point", "arobase", "dot", "at", "gmail", "com",
    ".", "🙂",
]
# fmt: on


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=120), st.lists(st.sampled_from(_VOCABULARY), max_size=12).map(" ".join)),
    country=st.sampled_from(["FR", "DE", "GB", "CH", "NL", "XX"]),
)
def test_never_raises(text: str, country: str) -> None:
    found = parse_contact_update(text, country)
    if found is not None:
        assert found.email is not None or None not in (found.address_line, found.postcode, found.city)
