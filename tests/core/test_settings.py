"""Settings: embedded defaults work, bad values stop with a clear message, production refuses placeholders."""

from __future__ import annotations

import pytest

from core.settings import SettingsError, load_settings


def test_defaults_run_a_whole_stack_on_one_machine() -> None:
    settings = load_settings(database_url="sqlite:////tmp/x.db")
    assert settings.is_sqlite
    assert settings.redis_url is None
    assert settings.default_jurisdiction == "FR"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db:5432/collect")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("DEFAULT_JURISDICTION", "de")
    monkeypatch.setenv("TWILIO_API_BASE", "http://127.0.0.1:9999/")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://app@db:5432/collect"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.default_jurisdiction == "DE"
    assert settings.twilio_api_base == "http://127.0.0.1:9999"


def test_blank_redis_url_means_in_process_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "  ")
    assert load_settings().redis_url is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: unsupported database 'mysql'"),
        ("REDIS_URL", "http://cache", "REDIS_URL: must look like redis://"),
        ("RASA_URL", "localhost:5005", "RASA_URL: must be an http(s) URL"),
        ("DEFAULT_JURISDICTION", "IT", "DEFAULT_JURISDICTION"),
        ("TWILIO_FROM_NUMBER", "0612345678", "TWILIO_FROM_NUMBER: must be an E.164 number"),
        ("RASA_TIMEOUT_SECONDS", "-1", "RASA_TIMEOUT_SECONDS"),
        ("ENV", "staging", "ENV"),
    ],
)
def test_invalid_values_stop_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert message in str(caught.value)
    assert str(caught.value).startswith("invalid settings:")


def test_production_refuses_placeholder_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV", "production")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    text = str(caught.value)
    for name in (
        "API_TOKEN",
        "RASA_TOKEN",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "DATABASE_URL",
        "PUBLIC_BASE_URL",
    ):
        assert name in text


def test_production_accepts_real_values(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "ENV": "production",
        "API_TOKEN": "a" * 32,
        "RASA_TOKEN": "b" * 32,
        "TWILIO_AUTH_TOKEN": "c" * 32,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "DATABASE_URL": "postgresql://app:pw@db/collect",
        "PUBLIC_BASE_URL": "https://collect.example.com",
        "PAYMENT_IBAN": "DE89 3704 0044 0532 0130 00",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.payment_iban == "DE89370400440532013000"
    assert settings.public_url("/twilio/sms") == "https://collect.example.com/twilio/sms"


def test_a_mistyped_iban_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_IBAN", "DE89 3704 0044 0532 0130 01")
    with pytest.raises(SettingsError, match="PAYMENT_IBAN: not a valid IBAN"):
        load_settings()


def test_production_refuses_the_demo_iban(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV", "production")
    with pytest.raises(SettingsError, match="PAYMENT_IBAN"):
        load_settings()
