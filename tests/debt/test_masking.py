from debt.masking import mask_address, mask_email, mask_phone


def test_phone_keeps_country_and_last_digits() -> None:
    assert mask_phone("+33612345678") == "+336••••••78"


def test_email_keeps_domain() -> None:
    assert mask_email("jeanne.dupont@example.fr") == "j•••@example.fr"
    assert mask_email("broken") == "•••"


def test_address_hides_house_number() -> None:
    assert mask_address("12 rue des Lilas") == "•• rue des Lilas"
    assert mask_address(None) == ""
