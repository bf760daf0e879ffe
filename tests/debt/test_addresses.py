"""Postal addresses: tidy spacing and case, each country's postcode written its own way."""

from __future__ import annotations

import pytest

from debt.addresses import AddressError, normalise_address, normalise_postcode, tidy_case


@pytest.mark.parametrize(
    ("raw", "country", "postcode"),
    [
        ("75002", "FR", "75002"),
        ("75 002", "FR", "75002"),
        ("1000", "FR", "01000"),  # a spreadsheet dropped the leading zero of the Ain
        ("F-69002", "FR", "69002"),
        ("10827", "DE", "10827"),
        ("D-1067", "DE", "01067"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("SW1A  1AA", "GB", "SW1A 1AA"),
        ("m11ae", "GB", "M1 1AE"),
        ("EC1A 1BB", "GB", "EC1A 1BB"),
        ("20500", "US", "20500"),
        ("20500-0003", "US", "20500-0003"),
        ("205000003", "US", "20500-0003"),
        ("2134", "US", "02134"),
        ("1010", "AT", "1010"),
        ("B-1000", "BE", "1000"),
        ("8001", "CH", "8001"),
        ("L-1234", "LU", "1234"),
        ("28013", "ES", "28013"),
        ("00184", "IT", "00184"),
        ("1012ab", "NL", "1012 AB"),
        ("k1a 0b1", "CA", "K1A 0B1"),  # no rule for Canada: tidied, not checked
    ],
)
def test_postcodes_are_written_the_way_of_their_country(raw: str, country: str, postcode: str) -> None:
    assert normalise_postcode(raw, country) == postcode


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("750", "FR", "5 digits"),
        ("750011", "FR", "5 digits"),
        ("00123", "FR", "5 digits, not starting with 00"),
        ("ABCDE", "DE", "5 digits"),
        ("SW1A", "GB", 'an outward and an inward code, e.g. "SW1A 1AA"'),
        ("1AA SW1", "GB", 'an outward and an inward code, e.g. "SW1A 1AA"'),
        ("2050-0003", "US", "a ZIP code of 5 digits or ZIP+4"),
        ("99000", "ES", "5 digits starting with a province number 01-52"),
        ("1012 SA", "NL", '4 digits and 2 letters, e.g. "1012 AB"'),
    ],
)
def test_a_postcode_that_does_not_fit_its_country_is_refused(raw: str, country: str, expected: str) -> None:
    with pytest.raises(AddressError) as exc:
        normalise_postcode(raw, country)
    assert exc.value.field == "postcode"
    assert f"{raw!r} is not a postcode of {country}: expected {expected}" in str(exc.value)


def test_a_postcode_is_required_where_the_country_has_them() -> None:
    with pytest.raises(AddressError, match="a postcode is required in FR"):
        normalise_postcode("", "FR")
    assert normalise_postcode("", "IE") == ""


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("12 RUE DE LA PAIX", "12 Rue de la Paix"),
        ("4 rue de l'église", "4 Rue de l'Église"),
        ("SAINT-GERMAIN-DES-PRÉS", "Saint-Germain-des-Prés"),
        ("FRANKFURT AM MAIN", "Frankfurt am Main"),
        ("PARIS CEDEX 08", "Paris CEDEX 08"),
        ("21 O'NEILL ROAD", "21 O'Neill Road"),
        ("1ST AVENUE 12B", "1st Avenue 12B"),
        ("McDonald Road", "McDonald Road"),  # mixed case is the writer's choice: kept
    ],
)
def test_case_is_tidied_only_when_the_text_is_all_capitals_or_all_small(raw: str, tidy: str) -> None:
    assert tidy_case(raw) == tidy


def test_an_address_is_tidied_and_written_on_one_line_in_the_country_order() -> None:
    fr = normalise_address("  12  RUE DE LA RÉPUBLIQUE , ", "69 002", "LYON", "fr")
    assert (fr.line, fr.postcode, fr.city, fr.country) == ("12 Rue de la République", "69002", "Lyon", "FR")
    assert fr.one_line == "12 Rue de la République, 69002 Lyon, FR"
    gb = normalise_address("10 downing street", "sw1a2aa", "london", "GB")
    assert gb.one_line == "10 Downing Street, London SW1A 2AA, GB"


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        (("", "75002", "Paris"), "address_line", "the street address is missing"),
        (("1 rue X", "75002", " "), "city", "the city is missing"),
        (("1 rue X", "750", "Paris"), "postcode", "'750' is not a postcode of FR"),
        (("x" * 201, "75002", "Paris"), "address_line", "longer than 200 characters"),
    ],
)
def test_a_missing_or_wrong_part_is_named(parts: tuple[str, str, str], field: str, message: str) -> None:
    with pytest.raises(AddressError) as exc:
        normalise_address(*parts, "FR")
    assert exc.value.field == field
    assert message in str(exc.value)
