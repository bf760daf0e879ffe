"""The test stories are written from one template per flow (flows/tests/build.py): kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _build_module():
    spec = importlib.util.spec_from_file_location("flows_tests_build", ROOT / "flows/tests/build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_written_test_stories_are_current() -> None:
    for path, text in _build_module().build().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run flows/tests/build.py"


def test_every_flow_is_tested_in_each_language() -> None:
    module = _build_module()
    for language in module.LANGUAGES:
        text = (ROOT / f"flows/tests/stories/test_stories_{language}.yml").read_text(encoding="utf-8")
        for title in module.FLOWS:
            assert f"story: {title} ({language})" in text
