"""core/heap.py: what a server built at start is left out of full collections, and nothing is lost."""

from __future__ import annotations

import gc
import subprocess
import weakref

from fastapi.testclient import TestClient

from core.heap import freeze_startup_heap, thaw_heap
from core.settings import Settings
from server import create_app
from tests.integration.processes import ROOT


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _tracked(obj: object) -> bool:
    """Whether the collector's generations (not the frozen ones) hold `obj`."""
    return any(candidate is obj for candidate in gc.get_objects())


def test_objects_alive_at_start_leave_the_collectors_generations() -> None:
    started = [Node() for _ in range(1000)]
    freeze_startup_heap()
    try:
        assert gc.get_freeze_count() >= 1000
        assert not _tracked(started[0])
    finally:
        thaw_heap()
    assert gc.get_freeze_count() == 0
    assert _tracked(started[0])


def test_garbage_made_after_the_freeze_is_still_collected() -> None:
    freeze_startup_heap()
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle: only the collector frees it
        gone = weakref.ref(first)
        del first, second
        gc.collect()
        assert gone() is None
    finally:
        thaw_heap()


def test_frozen_objects_are_still_freed_by_reference_counting() -> None:
    freeze_startup_heap()
    try:
        kept = Node()
        gone = weakref.ref(kept)
        del kept
        assert gone() is None
    finally:
        thaw_heap()


def test_the_gateway_freezes_its_start_while_it_serves_and_thaws_when_it_stops(settings: Settings) -> None:
    thaw_heap()
    with TestClient(create_app(settings)) as client:
        assert gc.get_freeze_count() > 0
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0


def test_the_action_server_freezes_once_every_action_is_loaded() -> None:
    script = (
        "import gc, sys; import bot.actions; "
        "print(gc.get_freeze_count(), 'bot.actions.commitments' in sys.modules)"
    )
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    frozen, loaded = result.stdout.split()
    assert int(frozen) > 50_000  # the ORM, the settings, rasa-sdk, Sanic: what lives as long as the process
    assert loaded == "True"
