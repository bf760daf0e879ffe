"""bot/rasa_speedups.py inside the Rasa venv: the action-answer check accepts and refuses exactly what
Rasa's own check does, with the same message, only without re-checking Rasa's schema every time."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.processes import ROOT

pytestmark = pytest.mark.rasa

SCRIPT = r"""
import json, sys
import jsonschema
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result
from bot import rasa_speedups
rasa_speedups.apply()
action = RemoteAction.__new__(RemoteAction)

def outcome(check, payload):
    try:
        return ["ok", check(action, payload)]
    except jsonschema.ValidationError as exc:
        return ["refused", exc.message]

payloads = json.loads(sys.argv[1])
print(json.dumps({
    "same": [outcome(original, p) == outcome(RemoteAction._validate_action_result, p) for p in payloads],
    "refused": [outcome(RemoteAction._validate_action_result, p)[0] == "refused" for p in payloads],
}))
"""

PAYLOADS = [
    {"events": [{"event": "slot", "name": "pending", "value": "plan"}], "responses": [{"text": "Bonjour"}]},
    {"events": [], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [{"no_event_key": 1}], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": "nope"},
]


def test_the_check_is_rasas_own_minus_the_schema_recheck() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", SCRIPT, json.dumps(PAYLOADS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["same"] == [True] * len(PAYLOADS)
    assert report["refused"] == [False, False, True, True, True]
