"""Rasa's check of each action server answer, without re-checking Rasa's own schema every time.

`jsonschema.validate(instance, schema)` first validates `schema` against its metaschema. With
jsonschema 4.17 (the newest Rasa 3.6 accepts) that check of a constant schema took about 60 % of
`rasa run`'s CPU per turn (py-spy over the SMS benchmark). Here the schema is checked once and every
answer is validated as before, the same best-matching error with the same message.

Loaded into `rasa run` by bot/channels.py (Rasa imports the channel at start): Rasa venv only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
