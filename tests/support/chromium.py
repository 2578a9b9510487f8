"""Headless Chromium driven over the DevTools protocol (no Selenium, no Playwright), shared by the web
app's browser tests and the Dagster UI test. Tests skip when /usr/bin/chromium is absent.

`Page.axe()` runs the vendored axe-core (tests/support/vendor, see its README) in the page."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

from support.processes import stop

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# axe-core's impacts that fail a test: "serious" and "critical" (minor/moderate are reported, not failed)
BLOCKING_IMPACTS = ("serious", "critical")
KEYS = {
    "Tab": ("Tab", 9),
    "Enter": ("Enter", 13),
    "Escape": ("Escape", 27),
    " ": ("Space", 32),
}
SKIP_REASON = "headless Chromium not installed at /usr/bin/chromium (`make install` or apt-get install chromium)"


class Page:
    """A minimal DevTools client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        # uncaught exceptions in the page's scripts, as DevTools reported them (Runtime.enable)
        self.errors: list[str] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})  # type: ignore[no-any-return]

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, expression: str, timeout_s: float = 30) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        text = self.js("document.body ? document.body.innerText.slice(0, 2000) : ''")
        raise AssertionError(f"timed out after {timeout_s}s waiting for {expression}\npage text:\n{text}")

    def text(self) -> str:
        return str(self.js("document.body ? document.body.innerText : ''"))

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Emulate a screen size (375 wide with `mobile` for a phone)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def press(self, key: str, shift: bool = False) -> None:
        """A real key press (keyDown, keyUp) as a keyboard user makes it: Tab, Enter, Escape, space."""
        code, vk = KEYS[key]
        common = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": 8 if shift else 0}
        text = {"Enter": "\r", " ": " "}.get(key)
        self.send("Input.dispatchKeyEvent", type="keyDown", **common, **({"text": text} if text else {}))
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    def type(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def axe(self, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """axe-core's violations on the page as it is now (WCAG 2.x A/AA and best-practice rules)."""
        if not self.js("typeof window.axe === 'object'"):
            self.js(AXE.read_text(encoding="utf-8"))
        context = json.dumps({"exclude": [[selector] for selector in exclude]}) if exclude else "document"
        options = json.dumps({"resultTypes": ["violations"]})
        result = self.js(
            f"axe.run({context}, {options}).then(r => r.violations.map(v => ({{id: v.id, impact: v.impact, "
            f"help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}})))"
        )
        return list(result or [])

    def blocking_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations: what must be empty on every page."""
        return [v for v in self.axe() if v.get("impact") in BLOCKING_IMPACTS]

    def screenshot(self, path: Path, full_page: bool = False) -> int:
        """A PNG of the viewport (or the whole page); returns its size in bytes."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            width, height = int(size["width"]), min(int(size["height"]), 6000)
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            params["captureBeyondViewport"] = True
        shot = self.send("Page.captureScreenshot", **params)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = base64.b64decode(shot["data"])
        path.write_bytes(data)
        return len(data)


@contextmanager
def chromium_page(width: int = 1280, height: int = 800) -> Iterator[Page]:
    """One headless Chromium with a throwaway profile, and its first page; stopped on exit."""
    profile = tempfile.mkdtemp(prefix="aptichat-chromium-")
    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if match := re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line):
                port = int(match.group(1))
        assert port is not None, "Chromium did not start its DevTools endpoint"
        # keep draining stderr, or a chatty Chromium fills the pipe and stalls
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            page = Page(ws)
            page.send("Page.enable")
            page.send("Runtime.enable")
            page.send(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            try:
                yield page
            finally:
                # asked to close over the browser's own endpoint, Chromium exits at once (SIGTERM alone
                # can take several seconds)
                with contextlib.suppress(Exception):
                    browser_ws = requests.get(f"http://127.0.0.1:{port}/json/version", timeout=5).json()
                    with connect(browser_ws["webSocketDebuggerUrl"]) as control:
                        control.send(json.dumps({"id": 1, "method": "Browser.close"}))
                    proc.wait(timeout=5)
    finally:
        stop(proc, timeout_s=10)
        shutil.rmtree(profile, ignore_errors=True)
