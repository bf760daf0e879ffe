"""What a server process built at start, kept out of the garbage collector's full passes."""

from __future__ import annotations

import gc

_collected = False


def freeze_startup_heap() -> None:
    """Collect (the first time in the process), then move every object alive now to the permanent generation.

    A full collection walks every container object of the process. After start that is
    mostly what lives as long as the process: modules, the model, the ORM's mappings
    (half a million objects in `rasa run`, where one full pass took 140 ms of a loaded
    core, every turn in flight waiting behind it). Frozen objects are not walked again,
    so a full pass costs what the requests themselves left behind. Nothing is lost:
    frozen objects are still freed by reference counting; only a cycle among them would
    stay until `thaw_heap`.

    A server starts once per process; a process that starts apps again and again (the
    tests) does not walk its whole heap each time: what it froze without a collection
    goes back to the collector at `thaw_heap`.
    """
    global _collected
    if not _collected:
        gc.collect()
        _collected = True
    gc.freeze()


def thaw_heap() -> None:
    """Give the frozen objects back to the collector (a server stopping in a longer-lived process)."""
    gc.unfreeze()
