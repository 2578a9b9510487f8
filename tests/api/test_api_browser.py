"""The web app in headless Chromium, driven over the DevTools protocol, with the developer's sign-in (a
pasted bearer token): the profile summary, the thinking skills document, then a question typed in the
chat with a streamed answer whose citations open the cited section, and one over the WebSocket; a screenshot is saved as
chat-page.png (docs/ under `make screenshots`). The sign-in link and the rest of the app are covered by
tests/browser."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.api import ALICE, Api
from support.chromium import CHROMIUM, SKIP_REASON, Page, chromium_page

# `make screenshots` refreshes the committed picture in docs/; ordinary runs write to a temporary folder
# so the test suite never dirties the work tree.
SCREENSHOT_DIR = os.environ.get("APTICHAT_SCREENSHOT_DIR")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page(width=1280, height=900) as page:
        yield page


def test_chat_page_streams_a_cited_answer(api: Api, page: Page, tmp_path: Path) -> None:
    page.goto(api.url + "/")
    page.wait_for("!!document.getElementById('token')")
    token = api.headers(ALICE)["Authorization"].split()[1]
    page.js(f"document.getElementById('token').value = {json.dumps(token)}")
    page.js("document.getElementById('token-form').requestSubmit()")
    page.wait_for("document.querySelectorAll('.summary .hexagon polygon.score').length === 1")
    assert page.js("document.getElementById('holland').textContent") == "SIA"

    page.js("document.querySelector('a[href=\"/documents/thinking_skills\"]').click()")
    page.wait_for("document.querySelectorAll('article[data-type=thinking_skills] .bar').length > 0")
    assert page.js("document.querySelectorAll('article[data-type=thinking_skills] .bar').length") == 5

    page.js("document.querySelector('#nav a[href=\"/chat\"]').click()")
    page.wait_for("!!document.getElementById('question')")
    page.js("document.getElementById('question').focus()")
    page.send("Input.insertText", text="What are my strongest thinking skills?")
    page.send("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    page.send("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    page.wait_for("!!document.querySelector('#messages li.assistant.done')")
    answer = page.js("document.querySelector('#messages li.assistant.done .text').textContent")
    assert len(answer) > 20
    assert page.js("document.querySelectorAll('#messages li.assistant.done a.cite').length") > 0

    # the same over the WebSocket (the developer's transport: the token goes in its first frame)
    page.js("document.getElementById('use-ws').click()")
    page.js("document.getElementById('question').value = 'Which careers fit me best?'")
    page.js("document.getElementById('ask-form').requestSubmit()")
    page.wait_for("document.querySelectorAll('#messages li.assistant.done').length === 2")
    assert len(page.js("document.querySelectorAll('#messages li.assistant.done .text')[1].textContent")) > 20

    page.js("document.querySelector('#messages li.assistant.done a.cite').click()")
    page.wait_for("!document.getElementById('citation').hidden")
    assert page.js("document.getElementById('citation-title').textContent")

    assert page.screenshot(Path(SCREENSHOT_DIR or tmp_path) / "chat-page.png") > 10_000
