from debt.masking import mask_address, mask_email, mask_phone


def test_phone_keeps_country_and_last_digits() -> None:
    assert mask_phone("+33612345678") == "+336••••••78"


def test_email_keeps_domain() -> None:
    assert mask_email("jeanne.dupont@example.fr") == "j•••@example.fr"
    assert mask_email("broken") == "•••"


def test_address_hides_house_number() -> None:
    assert mask_address("12 rue des Lilas") == "•• rue des Lilas"
    assert mask_address(None) == ""


def test_contact_points() -> None:
    from debt.masking import mask_contact_point
    from debt.models import ContactKind, ContactPoint

    phone = ContactPoint(debtor_id=1, kind=ContactKind.PHONE, value="+33612345678")
    address = ContactPoint(
        debtor_id=1,
        kind=ContactKind.ADDRESS,
        value="x",
        address_line="12 rue des Lilas",
        postcode="75011",
        city="Paris",
    )
    assert mask_contact_point(phone) == "+336••••••78"
    assert mask_contact_point(address) == "•• rue des Lilas, 75011 Paris"
