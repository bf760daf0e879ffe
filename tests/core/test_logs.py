"""Logs: one structured line per event; secrets and birth dates never reach them."""

from __future__ import annotations

import json
import logging

import pytest

from core.logs import configure_logging, get_logger


def test_json_lines_with_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json", process="test")
    get_logger("test").info("identity_checked", birth_date="1985-03-12", verified=True)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "identity_checked"
    assert line["birth_date"] == "[redacted]"
    assert line["process"] == "test"


def test_urls_with_tokens_are_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("httpx").info("HTTP Request: GET http://rasa/status?token=secret")
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /readyz HTTP/1.1" 200')
    assert "secret" not in capsys.readouterr().err
