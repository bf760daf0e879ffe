"""Intent macro-F1 per language on the held-out split (flows/nlu_heldout), which training never reads.

Uses the model `scripts/train.sh` built (models/current.tar.gz), or the one given
with `--model PATH`, and Rasa's own evaluation (`rasa test nlu`). Writes
bench/results/nlu_f1.json and prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python bench/bench_nlu.py
    .venv/bin/python bench/bench_nlu.py --model /tmp/nluwork/full/model.tar.gz
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"
LANGUAGES = ("fr", "de", "en")
TARGET = 0.90


def evaluate(language: str, out: Path, model: Path = MODEL) -> dict:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "test",
            "nlu",
            "--model",
            str(model),
            "--nlu",
            str(ROOT / "flows/nlu_heldout" / f"{language}.yml"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    report = json.loads((out / "intent_report.json").read_text())
    per_intent = {
        name: round(values["f1-score"], 3)
        for name, values in report.items()
        if isinstance(values, dict) and "support" in values and not name.endswith(" avg")
    }
    return {
        "macro_f1": round(report["macro avg"]["f1-score"], 3),
        "accuracy": round(report["accuracy"], 3),
        "examples": int(report["macro avg"]["support"]),
        "per_intent": per_intent,
    }


def model_hash(model: Path) -> str:
    """The served model's training-data hash; otherwise the first 16 hex digits of its SHA-256."""
    if model.resolve() == MODEL.resolve() and (ROOT / "models/current.hash").exists():
        return (ROOT / "models/current.hash").read_text().strip()
    digest = hashlib.sha256()
    with model.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=MODEL, help="model archive (default: models/current.tar.gz)"
    )
    model = parser.parse_args().model.resolve()
    if not model.exists():
        print(f"no model at {model}: run `make train` first or pass --model", file=sys.stderr)
        return 2
    results = {"model_hash": model_hash(model), "date": time.strftime("%Y-%m-%d"), "languages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for language in LANGUAGES:
            results["languages"][language] = evaluate(language, Path(tmp) / language, model)
    out = ROOT / "bench/results/nlu_f1.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print("| language | held-out examples | intent macro-F1 | accuracy | weakest intents |")
    print("|---|--:|--:|--:|---|")
    for language, r in results["languages"].items():
        weakest = ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(r["per_intent"].items(), key=lambda kv: kv[1])[:3]
        )
        print(f"| {language} | {r['examples']} | {r['macro_f1']:.3f} | {r['accuracy']:.3f} | {weakest} |")
    return 0 if all(r["macro_f1"] >= TARGET for r in results["languages"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
