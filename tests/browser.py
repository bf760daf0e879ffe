"""Headless Chromium over the DevTools protocol, for tests of the pages we serve (no Selenium, no Playwright).

`chromium()` starts Debian's /usr/bin/chromium with a throw-away profile and yields a `Browser`; every
`Browser.new_page()` is a new tab (its own sessionStorage) driven through a flattened DevTools session
on the browser's one WebSocket. Commands are synchronous, each bounded by a timeout.

    with chromium() as browser:
        page = browser.new_page()
        page.goto("http://127.0.0.1:8000/chat")
        page.wait_for("document.querySelector('textarea') !== null")

Protocol reference: https://chromedevtools.github.io/devtools-protocol/
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
# The flags the project's tests start Chromium with: headless, nothing fetched in the background.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SHIFT = 8  # Input.dispatchKeyEvent modifiers: Alt=1, Ctrl=2, Meta=4, Shift=8
_KEYS: dict[str, dict[str, Any]] = {
    "Enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
    "Escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "Backspace": {"key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8},
}


class BrowserError(RuntimeError):
    """Chromium could not start, or answered a command with an error."""


class ChromiumMissing(BrowserError):
    """The executable is not installed."""


class JavaScriptError(BrowserError):
    """The evaluated expression threw."""


class Browser:
    """One Chromium process, one WebSocket; pages are DevTools sessions on it."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pages: dict[str, Page] = {}

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 15,
    ) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile go to their page."""
        command_id = next(self._ids)
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline, f"{method} got no answer within {timeout} s")
            if reply.get("id") != command_id:
                continue  # an answer to a command that timed out earlier
            if "error" in reply:
                raise BrowserError(
                    f"{method}: {reply['error'].get('message')} {reply['error'].get('data', '')}"
                )
            return reply.get("result", {})

    def pump(self, deadline: float, why: str) -> None:
        """Read one message (dispatching events), or raise TimeoutError at `deadline`."""
        self._receive(deadline, why)

    def _receive(self, deadline: float, why: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(why)
        try:
            message = json.loads(self._ws.recv(timeout=remaining))
        except TimeoutError:
            raise TimeoutError(why) from None
        if "method" in message and "id" not in message:
            page = self._pages.get(message.get("sessionId", ""))
            if page is not None:
                page._on_event(message["method"], message.get("params", {}))
        return message

    def new_page(self, url: str = "about:blank") -> Page:
        """A new tab, attached, with Page, Runtime and Network events on."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        self._pages[session] = page
        for domain in ("Page", "Runtime", "Network"):
            page.send(f"{domain}.enable")
        if url != "about:blank":
            page.goto(url)
        return page

    def _forget(self, page: Page) -> None:
        self._pages.pop(page.session, None)


class Page:
    """One tab. What its scripts throw or log as errors, and every URL it requests, are kept."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 15) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        self.events.append((method, params))
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            )
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def wait_event(self, method: str, since: int = 0, timeout: float = 15) -> dict[str, Any]:
        """The first `method` event at index >= `since` of `self.events`, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        while True:
            for name, params in self.events[since:]:
                if name == method:
                    return params
            since = len(self.events)
            self.browser.pump(deadline, f"no {method} within {timeout} s")

    def goto(self, url: str, timeout: float = 15) -> None:
        """Navigate and wait for the load event."""
        mark = len(self.events)
        result = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired", mark, timeout)

    def reload(self, timeout: float = 15) -> None:
        mark = len(self.events)
        self.send("Page.reload", {"ignoreCache": True})
        self.wait_event("Page.loadEventFired", mark, timeout)

    def evaluate(self, expression: str, timeout: float = 10) -> Any:
        """The value of a JavaScript expression (promises awaited), as JSON-compatible Python."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True, "userGesture": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise JavaScriptError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 5, interval: float = 0.05) -> Any:
        """Evaluate `expression` until it is truthy and return that value; TimeoutError after `timeout` s."""
        deadline = time.monotonic() + timeout
        value: Any = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"still falsy after {timeout} s (last value {value!r}): {expression}")

    def set_viewport(self, width: int, height: int, *, mobile: bool = False, scale: float = 1) -> None:
        """Emulate a screen; `mobile` makes the page's viewport meta tag count, as on a phone."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile},
        )
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": mobile})

    def set_languages(self, accept_language: str) -> None:
        """What navigator.language(s) and the Accept-Language header say, e.g. "de-DE,de"."""
        agent = self.evaluate("navigator.userAgent")
        self.send("Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": accept_language})

    def focus(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")

    def type_text(self, text: str) -> None:
        """Insert text at the focused element, as typing (an input event per call)."""
        self.send("Input.insertText", {"text": text})

    def press(self, key: str, modifiers: int = 0) -> None:
        """Press and release a named key (see _KEYS) with Input.dispatchKeyEvent."""
        description = {**_KEYS[key], "modifiers": modifiers}
        kind = "keyDown" if "text" in description else "rawKeyDown"
        self.send("Input.dispatchKeyEvent", {"type": kind, **description})
        up = {k: v for k, v in description.items() if k != "text"}
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **up})

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element (scrolled into view first)."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: "center"}});
                const r = el.getBoundingClientRect();
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
            }})()"""
        )
        if box is None:
            raise BrowserError(f"nothing matches {selector!r}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path | str) -> Path:
        """A PNG of the viewport at `path` (folders created)."""
        data = self.send("Page.captureScreenshot", {"format": "png"}, timeout=30)["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.browser._forget(self)
        with suppress(BrowserError, TimeoutError):
            self.browser.send("Target.closeTarget", {"targetId": self.target}, timeout=5)


def _devtools_address(profile: Path, process: subprocess.Popen, log: Path, timeout: float) -> str:
    """Chromium writes its port and browser path to DevToolsActivePort once it listens."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"chromium exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        lines = port_file.read_text().split() if port_file.exists() else []
        if len(lines) == 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    raise BrowserError(f"chromium wrote no {port_file.name} within {timeout} s:\n{log.read_text()[-3000:]}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group we started Chromium in (its zygote and renderers), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(process.pid):
            break
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + 10
        while _group_alive(process.pid) and time.monotonic() < deadline:
            process.poll()  # reap the browser itself; its children are reaped by init
            time.sleep(0.05)
    with suppress(subprocess.TimeoutExpired):
        process.wait(5)


@contextmanager
def chromium(executable: Path = CHROMIUM, timeout: float = 30) -> Iterator[Browser]:
    """Start headless Chromium with a temporary profile; stop it and remove the profile on exit."""
    if not executable.exists():
        raise ChromiumMissing(
            f"{executable} is missing: the browser tests need Debian's chromium (apt-get install chromium)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="collect-chromium-"))
    profile, log = workdir / "profile", workdir / "chromium.log"
    profile.mkdir()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(executable), *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={profile}"],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        address = _devtools_address(profile, process, log, timeout)
        with connect(address, max_size=None, open_timeout=timeout) as ws:
            yield Browser(ws)
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
