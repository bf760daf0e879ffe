"""Structured logging: one event name per line with key-value fields.

Console rendering for a developer's terminal, JSON for production collectors.
The standard library's loggers (uvicorn, sqlalchemy, arq) go through the same
renderer so every process speaks one format.
"""

from __future__ import annotations

import logging
import sys

import structlog

_SENSITIVE_KEYS = {"birth_date", "iban", "card_number", "password", "token", "auth_token"}


def _redact(_: object, __: str, event: dict) -> dict:
    for key in _SENSITIVE_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def configure_logging(level: str = "INFO", fmt: str = "console", process: str | None = None) -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    if process:
        structlog.contextvars.bind_contextvars(process=process)
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Per-request access lines would drown the log in probe polling; requests that matter log events.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    # httpx logs every URL at INFO, and Rasa's HTTP API takes its token as a query parameter;
    # Twilio's client logs every request with its headers.
    for name in ("httpx", "httpcore", "sqlalchemy.engine", "alembic", "twilio.http_client"):
        logging.getLogger(name).setLevel("WARNING")


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
