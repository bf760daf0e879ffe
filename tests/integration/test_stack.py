"""`make run` as a new user runs it: every process up, /readyz 200 with every component, Ctrl-C stops all."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.processes import ROOT, free_port, start, stop, wait_http

pytestmark = pytest.mark.stack


def _children_alive(root_pid: int) -> list[str]:
    out = subprocess.run(["ps", "-o", "pid=,pgid=,args=", "-e"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split()[1] == str(root_pid)]


def test_run_brings_the_stack_to_ready_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = 20000 + free_port() % 20000
    log = tmp_path / "run.log"
    env = {
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'stack.db'}",
        "API_TOKEN": "stack-api-token",
        "RASA_TOKEN": "stack-rasa-token",
    }
    stack = start(["bash", str(ROOT / "scripts/run.sh")], log, env)
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", stack, log, timeout=420)
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
        assert ready["status"] == "ready"
        assert set(ready["components"]) == {"database", "rasa", "actions"}
        headers = {"Authorization": "Bearer stack-api-token"}
        # The demo portfolio was loaded on first start.
        assert (
            httpx.get(f"http://127.0.0.1:{port}/api/accounts/NEB-104233", headers=headers).status_code == 200
        )
        assert httpx.get(f"http://127.0.0.1:{port}/api/conversations").status_code == 401
        deadline = time.monotonic() + 30
        while "The stack is ready." not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        text = log.read_text()
        assert "The stack is ready." in text
        assert f"http://127.0.0.1:{port}/docs" in text
        for process in ("gateway", "rasa", "actions", "worker"):
            assert f"{process}." in text or f"{process} " in text
    finally:
        code = stop(stack, signal.SIGINT, timeout=60)
    assert _children_alive(stack.pid) == [], "a process of the stack survived Ctrl-C"
    del code
