"""rasa-sdk actions (served by `python -m rasa_sdk --actions bot.actions`).

Each action is thin: slots in, a function of `debt/`, events and a response out.
"""

from bot.actions.identity import ValidateIdentityForm
from bot.actions.session import ActionSessionStart

__all__ = ["ActionSessionStart", "ValidateIdentityForm"]
