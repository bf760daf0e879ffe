"""Waits until the stack is ready, then prints the URLs to open (a process of `make run`)."""

from __future__ import annotations

import os
import signal
import sys
import time

import httpx

from core.settings import DEV_API_TOKEN, get_settings

READY_TIMEOUT = 900


def main() -> None:
    settings = get_settings()
    base = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
    deadline = time.monotonic() + READY_TIMEOUT
    last: dict = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base}/readyz", timeout=3)
            last = response.json()
            if response.status_code == 200:
                break
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(2)
    else:
        print(f"stack not ready after {READY_TIMEOUT} s: {last}", file=sys.stderr, flush=True)
        signal.pause()
    token_hint = "$API_TOKEN" if settings.api_token != DEV_API_TOKEN else DEV_API_TOKEN
    lines = [
        "",
        "=" * 64,
        "  The stack is ready.",
        f"  Web chat         {base}/chat",
        f"  API docs         {base}/docs   (Bearer {token_hint})",
        f"  Readiness        {base}/readyz",
        f"  Rasa             {settings.rasa_url}",
        "  By SMS           .venv/bin/collect text +33639981090 bonjour",
        "  By phone         .venv/bin/collect call +33639981090 bonjour",
        "  Ctrl-C stops every process.",
        "=" * 64,
        "",
    ]
    print("\n".join(lines), flush=True)
    signal.pause()  # the process manager stops the whole set when any process exits


if __name__ == "__main__":
    main()
