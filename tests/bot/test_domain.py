"""The domain and the action server agree: every action the domain names is served, and back;
every form slot has an ask action; no response text lives in the domain (the catalogue has them)."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def domain() -> dict:
    merged: dict = {"actions": [], "forms": {}, "slots": {}, "responses": {}}
    for path in sorted((ROOT / "bot/domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        merged["actions"] += part.get("actions", [])
        for key in ("forms", "slots", "responses"):
            merged[key].update(part.get(key) or {})
    return merged


def served() -> set[str]:
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    return set(executor.actions)


def test_the_domain_names_exactly_the_served_actions() -> None:
    assert set(domain()["actions"]) == served()


def test_every_form_slot_is_asked_and_validated() -> None:
    names = served()
    for form, spec in domain()["forms"].items():
        assert f"validate_{form}" in names
        for slot in spec["required_slots"]:
            assert f"action_ask_{slot}" in names, slot
            assert slot in domain()["slots"], slot


def test_no_response_text_in_the_domain() -> None:
    assert domain()["responses"] == {}


def test_every_action_class_is_found_by_its_name() -> None:
    """The action server's worker processes receive the actions pickled: by module and name."""
    import pickle

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    for action in executor.actions.values():
        owner = getattr(action, "__self__", None)
        if owner is not None:
            assert pickle.loads(pickle.dumps(type(owner))) is type(owner)  # noqa: S301 (our own bytes)
