"""The student's side in headless Chromium against the real API and database: the sign-in link, the
state screen (processing then ready, rejected), reading documents (and printing them), asking and
rating an answer, reopening a conversation after a reload, phone width, keyboard-only use, sign out.
axe-core runs on every page; screenshots go to a temp dir (docs/ under `make screenshots`)."""

from __future__ import annotations

from browser.conftest import REJECTED, STUDENT, WAITING, Ui, assert_accessible
from sqlalchemy import text
from support.api import seed_person
from support.chromium import Page

from aptichat.settings import Settings

ASKED = "What are my strongest thinking skills?"


def ask(page: Page, question: str) -> None:
    """Type a question in the chat box and press Enter, as a person does; wait for the whole answer."""
    before = page.js("document.querySelectorAll('#messages li.assistant.done').length")
    page.js("document.getElementById('question').focus()")
    page.type(question)
    page.press("Enter")
    page.wait_for(f"document.querySelectorAll('#messages li.assistant.done').length > {before}")


def test_sign_in_link_opens_the_students_home(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    # the one-time code is gone from the address bar and from the history entry
    assert "signin" not in page.js("location.href")
    page.wait_for("document.getElementById('state') && document.getElementById('state').dataset.state === 'ready'")
    assert "Maya" in page.text()
    assert page.js("document.getElementById('holland').textContent") == "SIA"
    assert page.js("document.querySelectorAll('.summary .doc-links a').length") == 4
    assert_accessible(page, "home")
    ui.shot("ui-home.png")


def test_state_screen_goes_from_processing_to_ready(ui: Ui, settings: Settings) -> None:
    page = ui.page
    ui.sign_in(user_id=WAITING)
    page.wait_for("document.getElementById('state').dataset.state === 'processing'")
    assert "preparing your results" in page.js("document.getElementById('state').textContent")
    assert_accessible(page, "home while processing")
    ui.shot("ui-home-processing.png")
    # the pipeline finishes: documents are written and the job succeeds; the page updates on its own
    seed_person(ui.engine, settings, WAITING)
    with ui.engine.begin() as conn:
        done = text("UPDATE chat_etl_jobs SET status = 'succeeded', finished_at = now() WHERE user_id = :u")
        conn.execute(done, {"u": WAITING})
    page.wait_for("document.getElementById('state').dataset.state === 'ready'", timeout_s=15)
    page.wait_for("document.getElementById('announcer').textContent.includes('ready')")
    assert page.js("document.querySelectorAll('.summary .hexagon').length") == 1


def test_rejected_test_shows_the_reason_and_what_to_do(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=REJECTED)
    page.wait_for("document.getElementById('state').dataset.state === 'rejected'")
    assert page.js("document.getElementById('state-reason').textContent.length") > 10
    assert "What to do" in page.js("document.getElementById('state-advice').textContent")
    assert_accessible(page, "home, rejected")
    ui.shot("ui-home-rejected.png")
