"""rasa-sdk actions (served by `python -m rasa_sdk --actions bot.actions`).

Each action is thin: slots in, a function of `debt/`, events and a response out. Every text comes
from the catalogue (debt/messages) in the conversation's language; every text with a debt detail
from verified facts (debt/disclosure), read from the database by `support.verified`.
"""
