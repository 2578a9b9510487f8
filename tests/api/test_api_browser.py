"""The chat page in headless Chromium, driven over the DevTools protocol: paste a token, type a
question, see a streamed answer with clickable citations and the profile charts; a screenshot is
saved to docs/chat-page.png."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support.api import ALICE, Api
from websockets.sync.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
# `make screenshots` refreshes the committed picture in docs/; ordinary runs write to a temporary folder
# so the test suite never dirties the work tree.
SCREENSHOT_DIR = os.environ.get("APTICHAT_SCREENSHOT_DIR")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install chromium)"
)


class Page:
    """A minimal DevTools client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})  # type: ignore[no-any-return]

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = 30) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")


@pytest.fixture
def page() -> Iterator[Page]:
    profile = tempfile.mkdtemp(prefix="aptichat-chromium-")
    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
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
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            page = Page(ws)
            page.send("Page.enable")
            page.send("Runtime.enable")
            yield page
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def test_chat_page_streams_a_cited_answer(api: Api, page: Page, tmp_path: Path) -> None:
    page.send("Page.navigate", url=api.url + "/")
    page.wait_for("document.readyState === 'complete' && !!document.getElementById('token')")
    token = api.headers(ALICE)["Authorization"].split()[1]
    page.js(f"document.getElementById('token').value = {json.dumps(token)}")
    page.js("document.getElementById('token-form').requestSubmit()")
    page.wait_for("document.querySelectorAll('#hexagon polygon.score').length === 1")
    assert page.js("document.getElementById('holland').textContent") == "SIA"
    assert page.js("document.querySelectorAll('#skills .bar').length") == 5

    page.js("document.getElementById('question').focus()")
    page.send("Input.insertText", text="What are my strongest thinking skills?")
    page.send("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    page.send("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    page.wait_for("!!document.querySelector('#messages li.assistant.done')")
    answer = page.js("document.querySelector('#messages li.assistant.done .text').textContent")
    assert len(answer) > 20
    assert page.js("document.querySelectorAll('#messages li.assistant.done a.cite').length") > 0

    page.js("document.querySelector('#messages li.assistant.done a.cite').click()")
    page.wait_for("!document.getElementById('citation').hidden")
    assert page.js("document.getElementById('citation-title').textContent")

    shot = page.send("Page.captureScreenshot", format="png")
    import base64

    screenshot = Path(SCREENSHOT_DIR or tmp_path) / "chat-page.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 10_000
