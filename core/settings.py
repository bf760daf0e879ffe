"""All configuration, from environment variables with safe embedded defaults.

One place: every process (gateway, actions, worker, CLI) reads its settings
through `get_settings()`. Defaults run a whole stack on one machine (SQLite
file, in-process stores); `ENV=production` refuses placeholder secrets.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"

# Values shipped as defaults; acceptable on a developer machine, refused in production.
DEV_API_TOKEN = "dev-api-token"  # noqa: S105 (a development default, refused in production)
DEV_RASA_TOKEN = "dev-rasa-token"  # noqa: S105
DEV_TWILIO_SID = "AC00000000000000000000000000000000"
DEV_TWILIO_TOKEN = "dev-twilio-auth-token"  # noqa: S105
# A well-formed example account (it passes the IBAN check); refused in production.
DEMO_IBAN = "FR7630006000011234567890189"
PLACEHOLDERS = {DEV_API_TOKEN, DEV_RASA_TOKEN, DEV_TWILIO_TOKEN, "", "changeme", "secret", "change-me"}

Jurisdiction = Literal["FR", "DE", "GB", "US"]


def valid_iban(iban: str) -> bool:
    """ISO 13616: country, check digits, then letters as numbers; the whole is 1 modulo 97."""
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit() and iban.isalnum()):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


class SettingsError(RuntimeError):
    """Raised at start-up when the environment holds an unusable value."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    env: Literal["development", "test", "production"] = "development"
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: str = Field(default_factory=lambda: f"sqlite:///{DATA_DIR / 'collect.db'}")
    redis_url: str | None = None

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = DEV_RASA_TOKEN
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    # A turn's budget: past it the person gets a holding reply and the turn is retried.
    rasa_timeout_seconds: float = Field(default=8.0, gt=0, le=60)
    # How often the gateway retries turns the bot could not answer.
    turn_retry_seconds: float = Field(default=10.0, gt=0, le=600)
    # A conversation closes after this long without a message; the next one opens a new conversation.
    conversation_idle_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # The most SMS parts one reply message may take (Twilio bills per part).
    sms_max_segments: int = Field(default=3, ge=1, le=10)

    # Voice: `gather` uses Twilio's recognizer and <Say> (no model needed); `stream` runs our own
    # speech (Vosk + espeak-ng) over Media Streams.
    voice_mode: Literal["gather", "stream"] = "gather"
    # Vosk model folders per language (`collect voice download-model fr` fetches them into VOSK_MODELS_DIR).
    vosk_models_dir: Path = Field(default_factory=lambda: DATA_DIR / "vosk-models")
    vosk_model_path_fr: Path | None = None
    vosk_model_path_de: Path | None = None
    vosk_model_path_en: Path | None = None
    # Silence that ends an utterance when the recognizer has not ended it itself.
    voice_end_silence_ms: int = Field(default=600, ge=200, le=3000)
    # When the process's recognizers hold no warm one, one decodes the start of the call's first reply
    # while it plays, so that the caller's first answer is heard at the cost of a later one (10 calls:
    # p95 449 -> 88 ms, BENCHMARKS.md). Off: a cold recognizer's first utterance pays it.
    voice_warm_on_greeting: bool = True
    # Calls take a free-speech recognizer for each utterance from a pool per model. Idle ones unused for
    # VOICE_RECOGNIZER_IDLE_SECONDS are let go, down to VOICE_IDLE_RECOGNIZERS; each is replaced after
    # VOICE_RECOGNIZER_UTTERANCES utterances (its memory grows with every new sentence it decodes:
    # about 190 MB after 80, bench/bench_recognizer_memory.py).
    voice_idle_recognizers: int = Field(default=2, ge=0, le=100)
    voice_recognizer_idle_seconds: float = Field(default=60.0, ge=0, le=86_400)
    voice_recognizer_utterances: int = Field(default=100, ge=1, le=100_000)
    # No speech for this long: the call ends politely.
    voice_silence_hangup_seconds: float = Field(default=20.0, ge=5, le=120)
    # Synthesis of one reply must finish within this, else the fallback prompt is played.
    tts_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # Handoff: the advisors' queue per language is `{VOICE_QUEUE_PREFIX}-{language}`; or dial a number.
    voice_queue_prefix: str = Field(default="advisors", pattern=r"^[A-Za-z0-9_-]{1,40}$")
    advisor_dial_number: str | None = None
    # How long a caller waits in the queue before being offered a callback.
    advisor_wait_seconds: int = Field(default=120, ge=10, le=1800)

    public_base_url: str = "http://127.0.0.1:8000"
    api_token: str = DEV_API_TOKEN

    twilio_account_sid: str = DEV_TWILIO_SID
    twilio_auth_token: str = DEV_TWILIO_TOKEN
    twilio_from_number: str = "+15005550006"
    twilio_api_base: str | None = None

    default_jurisdiction: Jurisdiction = "FR"

    # Who speaks: named at the start of every conversation with the right party.
    company_name: str = Field(default="Amicable Recouvrement", min_length=2, max_length=80)
    # What a voicemail or a third party may hear: must not reveal debt collection (Reg. F limited content).
    company_neutral_name: str = Field(default="AR Services", min_length=2, max_length=80)
    callback_number: str = "+33189000000"

    # How a debtor pays in full (integrations/payments.py): bank-transfer details with the case reference.
    payment_provider: Literal["bank_transfer"] = "bank_transfer"
    payment_iban: str = DEMO_IBAN
    # How many days ahead a promise to pay may be agreed by the bot, and how long a hardship pause lasts.
    promise_max_days: int = Field(default=30, ge=1, le=90)
    hardship_hold_days: int = Field(default=30, ge=1, le=180)

    # Per-creditor overrides of the contact rules (hours, days, weekly caps, cool-off), YAML;
    # see docs/campaigns.md.
    contact_rules_file: Path | None = None
    # Campaigns: how often the dispatcher looks for due contacts, and how long a contact may stay
    # "sending" (the worker died while Twilio was asked) before Twilio is asked what became of it.
    dispatch_interval_seconds: float = Field(default=0.2, gt=0, le=10)
    sending_timeout_seconds: float = Field(default=60.0, ge=5, le=3600)
    # Twilio throttled or did not answer: ask again after this long.
    provider_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Busy or no answer: the next try waits retry_backoff_minutes * 2**(tries - 1).
    retry_backoff_minutes: float = Field(default=120.0, gt=0, le=7 * 24 * 60)

    @field_validator(
        "redis_url",
        "twilio_api_base",
        "advisor_dial_number",
        "vosk_model_path_fr",
        "vosk_model_path_de",
        "vosk_model_path_en",
        "contact_rules_file",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("default_jurisdiction", mode="before")
    @classmethod
    def _upper_jurisdiction(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme.startswith("postgres"):
            # Plain postgresql:// means psycopg 3 here (the only driver installed).
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if scheme.startswith("sqlite"):
            return value
        raise ValueError(f"unsupported database {scheme!r}: use sqlite:///path or postgresql://user@host/db")

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must look like redis://host:6379/0")
        return value

    @field_validator("rasa_url", "action_server_url", "public_base_url", "twilio_api_base")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("payment_iban")
    @classmethod
    def _check_iban(cls, value: str) -> str:
        compact = value.replace(" ", "").upper()
        if not valid_iban(compact):
            raise ValueError(f"not a valid IBAN: {value!r}")
        return compact

    @field_validator("twilio_from_number", "callback_number", "advisor_dial_number")
    @classmethod
    def _check_from_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not (value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16):
            raise ValueError(f"must be an E.164 number like +33612345678, got {value!r}")
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = [
            name.upper()
            for name in ("api_token", "rasa_token", "twilio_auth_token")
            if getattr(self, name) in PLACEHOLDERS or len(getattr(self, name)) < 16
        ]
        if self.payment_iban == DEMO_IBAN:
            problems.append("PAYMENT_IBAN (the demo account would receive nothing)")
        if self.twilio_account_sid == DEV_TWILIO_SID:
            problems.append("TWILIO_ACCOUNT_SID")
        if self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL (SQLite is for one machine; use PostgreSQL)")
        if self.twilio_api_base:
            problems.append("TWILIO_API_BASE (a test double; production talks to Twilio itself)")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL (Twilio signs the public https URL)")
        if problems:
            raise ValueError(
                "ENV=production refuses placeholder or unsafe values for: " + ", ".join(problems)
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def vosk_model_path(self, language: str) -> Path:
        """Where the Vosk model for `language` is: its own setting, else its folder in VOSK_MODELS_DIR."""
        configured = getattr(self, f"vosk_model_path_{language}", None)
        return configured or self.vosk_models_dir / language

    def public_url(self, path: str) -> str:
        """The absolute URL Twilio sees for one of our routes (and signs)."""
        return self.public_base_url + "/" + path.lstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            lines.append(f"  {where}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
