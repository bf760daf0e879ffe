"""Starting and stopping the project's real processes from tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a process in its own process group, output to `log`."""
    full_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    full_env.update(env or {})
    handle = log.open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=full_env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float, expect: int = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == expect:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} not answering {expect} after {timeout} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
    """Signal the whole process group; kill it if it does not stop in time."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        except ProcessLookupError:
            pass
    return process.returncode


@contextmanager
def rasa_and_actions(folder: Path, database_url: str, token: str, **env: str) -> Iterator[tuple[str, str]]:
    """`rasa run` with the trained model and the action server over `database_url`.

    Yields the Rasa URL and the action server's webhook URL; stops both on exit.
    """
    rasa_port, actions_port = free_port(), free_port()
    action_url = f"http://127.0.0.1:{actions_port}/webhook"
    env = {
        "DATABASE_URL": database_url,
        "RASA_TOKEN": token,
        "RASA_PORT": str(rasa_port),
        "ACTION_SERVER_URL": action_url,
        "ENV": "test",
        **env,
    }
    command = [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "bot.actions"]
    actions = start([*command, "--port", str(actions_port)], folder / "actions.log", env)
    rasa = start(["bash", str(ROOT / "scripts/rasa-server.sh")], folder / "rasa.log", env)
    try:
        wait_http(f"http://127.0.0.1:{actions_port}/health", actions, folder / "actions.log", 60)
        wait_http(f"http://127.0.0.1:{rasa_port}/status?token={token}", rasa, folder / "rasa.log", 300)
        yield f"http://127.0.0.1:{rasa_port}", action_url
    finally:
        stop(rasa)
        stop(actions)
