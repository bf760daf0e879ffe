"""`rasa test` on the trained model: the test stories of every flow in each language pass, from the
person's words (NLU) to each action the dialogue predicts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.integration.processes import ROOT

pytestmark = pytest.mark.rasa
MODEL = ROOT / "models" / "current.tar.gz"


def test_every_test_story_passes(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: `make test` trains it (scripts/train.sh)")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    result = subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            str(ROOT / "flows/tests/stories"),
            "--out",
            str(tmp_path),
            "--no-plot",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = yaml.safe_load((tmp_path / "failed_test_stories.yml").read_text()) or {}
    stories = failed.get("stories") or [] if isinstance(failed, dict) else []
    assert not stories, (tmp_path / "failed_test_stories.yml").read_text()[:6000]
