"""The student's side in headless Chromium against the real API and database: the sign-in link, the
state screen (processing then ready, rejected), reading documents (and printing them), asking and
rating an answer, reopening a conversation after a reload, phone width, keyboard-only use, sign out.
axe-core runs on every page; screenshots go to a temp dir (docs/ under `make screenshots`)."""

from __future__ import annotations

import base64
import json
import os
import re

from browser.conftest import (
    NEEDS_CHROMIUM,
    PARTIAL,
    PRIVATE,
    REJECTED,
    STUDENT,
    WAITING,
    Ui,
    assert_accessible,
    has_route,
    launch_code,
    open_page,
    require_route,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text
from support.api import seed_person
from support.chromium import Page

from aptichat.settings import Settings

ASKED = "What are my strongest thinking skills?"
pytestmark = NEEDS_CHROMIUM


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


def test_a_used_sign_in_link_says_so_and_the_session_refreshes(ui: Ui) -> None:
    require_route(ui.app, "/auth/exchange", "POST")
    page = ui.page
    code = ui.code(user_id=STUDENT)
    page.goto("about:blank")
    open_page(page, f"{ui.web.url}/#signin={code}")
    page.wait_for("!!document.getElementById('sign-out')")
    # before it expires the page extends the session (POST /auth/refresh, with the CSRF header)
    refreshed = page.js(
        "import('/static/js/api.js').then(async m => { const before = m.session.expiresAt;"
        " await m.refresh(); return [m.session.mode, m.session.expiresAt >= before]; })"
    )
    assert refreshed == ["cookie", True]
    assert page.js("fetch('/auth/me').then(r => r.status)") == 200
    page.js("document.getElementById('sign-out').click()")
    page.wait_for("!!document.getElementById('token-form')")
    # the same link again: refused, and the page says why
    page.goto("about:blank")
    open_page(page, f"{ui.web.url}/#signin={code}")
    page.wait_for("document.getElementById('signin-status').textContent.includes('not valid')")
    assert not page.js("!!document.getElementById('sign-out')")
    assert "signin" not in page.js("location.href")


def test_launch_from_the_test_product(ui: Ui, product_key: rsa.RSAPrivateKey) -> None:
    require_route(ui.app, "/launch")
    page = ui.page
    page.goto("about:blank")
    open_page(page, f"{ui.web.url}/launch?code={launch_code(product_key, STUDENT)}")
    page.wait_for("!!document.getElementById('sign-out')")
    assert page.js("location.pathname + location.search") == "/"  # the code is not left in the address bar
    page.wait_for("document.getElementById('state') && document.getElementById('state').dataset.state === 'ready'")
    page.js("document.getElementById('sign-out').click()")
    page.wait_for("!!document.getElementById('token-form')")


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


def test_partial_results_say_what_was_not_measured(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=PARTIAL)
    page.wait_for("document.getElementById('state').dataset.state === 'partial'")
    missing = page.js("document.getElementById('state-missing').innerText")
    assert "Majors" in missing and "not measured in this test" in missing
    assert page.js("document.querySelectorAll('.summary .doc-links a').length") == 3
    assert_accessible(page, "home, partial")


def test_reading_a_document_and_printing_it(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/documents/personality_profile")
    page.wait_for("!!document.querySelector('article[data-type=personality_profile]')")
    # Big Five bars with percentiles, as meters a screen reader reads
    meters = page.js(
        "[...document.querySelectorAll('article[data-type=personality_profile] .bars .track')]"
        ".map(m => [m.getAttribute('aria-label'), Number(m.getAttribute('aria-valuenow'))])"
    )
    assert ["Openness to experience", 82] in meters and len(meters) == 5
    assert page.js("document.querySelectorAll('article .hexagon polygon.score').length") == 1
    assert "Holland code SIA" in page.text()
    assert_accessible(page, "personality profile")
    ui.shot("ui-document.png", full_page=True)

    # all documents printed (as "save as PDF" does): one document a page at least, no blank last page
    ui.go("/documents")
    page.wait_for("document.querySelectorAll('article.document').length === 4")
    pdf = base64.b64decode(page.send("Page.printToPDF", preferCSSPageSize=True)["data"])
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and 4 <= pages <= 6, pages
    if os.environ.get("APTICHAT_SCREENSHOT_DIR"):
        (ui.shots / "ui-documents-print.pdf").write_bytes(pdf)

    ui.go("/documents/career_recommendations")
    page.wait_for("!!document.querySelector('article[data-type=career_recommendations]')")
    first = page.js("document.querySelector('.recommendation').innerText")
    assert "Registered Nurse" in first and "91% fit" in first and "Why it fits you" in first
    assert_accessible(page, "careers")
    for other in ("thinking_skills", "major_recommendations"):
        ui.go(f"/documents/{other}")
        page.wait_for(f"!!document.querySelector('article[data-type={other}]')")
        assert_accessible(page, other)

    # printed: the document alone (no navigation, no buttons, no developer details)
    page.send("Emulation.setEmulatedMedia", media="print")
    try:
        assert page.js("getComputedStyle(document.querySelector('header.top')).display") == "none"
        assert page.js("getComputedStyle(document.querySelector('.doc-nav')).display") == "none"
        assert page.js("getComputedStyle(document.querySelector('article.document')).display") != "none"
    finally:
        page.send("Emulation.setEmulatedMedia", media="")


def test_version_history_says_what_changed_since_the_last_test(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=PRIVATE)  # omar took the test twice (conftest.retest)
    ui.go("/documents/history")
    page.wait_for("document.querySelectorAll('.history').length >= 4")
    since = page.js("document.getElementById('since-last-test').innerText")
    assert "Holland code: SIA → SAI" in since
    assert "Openness to experience: 82 → 91 (+9 percentile points)" in since
    profile = page.js("document.querySelector('.history').innerText")
    assert "Version 2 (current)" in profile and "Version 1" in profile and "First version." in profile
    assert_accessible(page, "version history")
    ui.shot("ui-history.png")


def test_asking_and_rating_an_answer(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/chat")
    page.wait_for("!!document.getElementById('question')")
    assert_accessible(page, "chat, empty")
    ask(page, ASKED)
    answer = "document.querySelector('#messages li.assistant.done:last-child')"
    assert len(page.js(f"{answer}.querySelector('.text').textContent")) > 20
    assert page.js(f"{answer}.querySelectorAll('a.cite').length") > 0
    assert page.js("document.getElementById('messages').getAttribute('aria-live')") == "polite"
    # suggested next questions are offered
    assert page.js("document.querySelectorAll('#suggestions button').length") >= 2
    # a citation opens the cited section
    page.js(f"{answer}.querySelector('a.cite').click()")
    page.wait_for("!document.getElementById('citation').hidden")
    assert page.js("document.getElementById('citation-snippet').textContent")
    href = page.js("document.getElementById('citation-open').getAttribute('href')")
    assert href.startswith("/documents/")

    # thumbs up, then a comment: both reach POST /chat/feedback
    message_id = int(page.js(f"{answer}.dataset.messageId"))
    page.js(f"{answer}.querySelector('.thumb[data-rating=\"5\"]').click()")
    page.wait_for(f"{answer}.querySelector('.rating-status').textContent.includes('saved')")
    assert page.js(f"{answer}.querySelector('.thumb[data-rating=\"5\"]').getAttribute('aria-pressed')") == "true"
    page.js(f"{answer}.querySelector('.comment textarea').value = 'Clear, thanks'")
    page.js(f"{answer}.querySelector('.comment').requestSubmit()")
    page.wait_for(f"{answer}.querySelector('.rating-status').textContent.includes('comment')")
    with ui.engine.connect() as conn:
        row = conn.execute(
            text("SELECT rating, comment FROM chat_feedback WHERE message_id = :m"), {"m": message_id}
        ).one()
    assert tuple(row) == (5, "Clear, thanks")
    assert_accessible(page, "chat with a rated answer")
    ui.shot("ui-chat.png")

    # the citation's link opens the document at the cited section
    page.js("document.getElementById('citation-open').click()")
    page.wait_for("!!document.querySelector('.cited')")
    assert page.js("document.activeElement.classList.contains('cited')")


def test_reopening_a_conversation_after_a_reload(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/chat")
    page.wait_for("!!document.getElementById('question')")
    ask(page, "Which careers fit me best?")
    ask(page, "Why is the first one a good fit?")
    conversation = page.js("new URLSearchParams(location.search).get('c')")
    assert conversation
    ui.open("/chat?c=" + conversation)  # a reload
    page.wait_for("document.querySelectorAll('#messages li.assistant.done').length === 2")
    assert page.js("document.querySelectorAll('#messages li.user').length") == 2
    assert "Which careers fit me best?" in page.js("document.getElementById('messages').innerText")
    current = page.js("document.querySelector('#conversation-list a[aria-current=page]').getAttribute('href')")
    assert conversation in current
    # and from the conversation list after starting a new one
    page.js("document.getElementById('new-conversation').click()")
    page.wait_for("document.querySelectorAll('#messages li').length === 0 && !location.search")
    link = f"document.querySelector('#conversation-list li[data-id=\"{conversation}\"] a')"
    page.wait_for(f"!!{link}")
    page.js(f"{link}.click()")
    page.wait_for("document.querySelectorAll('#messages li.assistant.done').length === 2")


def test_rename_and_delete_a_conversation(ui: Ui) -> None:
    require_route(ui.app, "/chat/conversations/<conversation_id>", "PATCH")
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/chat")
    page.wait_for("!!document.getElementById('question')")
    ask(page, "What does my Holland code mean?")
    conversation = page.js("new URLSearchParams(location.search).get('c')")
    item = f"document.querySelector('#conversation-list li[data-id=\"{conversation}\"]')"
    page.wait_for(f"!!{item}")
    page.js(f"[...{item}.querySelectorAll('button')].find(b => b.textContent === 'Rename').click()")
    page.wait_for("document.activeElement && document.activeElement.id === 'rename-input'")
    page.js("document.getElementById('rename-input').value = 'Holland code'")
    page.press("Enter")
    page.wait_for(f"({item} && {item}.querySelector('a') || {{}}).textContent === 'Holland code'")
    page.js("window.confirm = () => true")
    page.js(f"[...{item}.querySelectorAll('button')].find(b => b.textContent === 'Delete').click()")
    page.wait_for(f"!{item}")


def test_phone_width(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    page.viewport(375, 800, mobile=True)
    try:
        for path, ready in (
            ("/", "document.getElementById('state')"),
            ("/documents/personality_profile", "document.querySelector('article')"),
            ("/chat", "document.getElementById('question')"),
        ):
            ui.go(path)
            page.wait_for(f"!!{ready}")
            # nothing wider than the screen: no sideways scrolling
            assert page.js("document.documentElement.scrollWidth") <= 375, path
            if path == "/documents/personality_profile":
                ui.shot("ui-phone-document.png")
            if path == "/":
                ui.shot("ui-phone-home.png")
        assert_accessible(page, "chat at phone width")
    finally:
        page.viewport(1280, 900)


def test_keyboard_only(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=PRIVATE)  # nobody else asks as omar here: a short conversation list
    ui.open("/chat")  # a fresh load: focus starts at the top of the page
    page.wait_for("!!document.getElementById('question')")
    page.press("Tab")
    assert page.js("document.activeElement.className") == "skip"
    # every focusable thing shows where focus is
    seen: list[str] = []
    for _ in range(40):
        page.press("Tab")
        active = page.js(
            "(() => { const a = document.activeElement; const s = getComputedStyle(a);"
            " return [a.id || a.textContent.trim().slice(0, 30), s.outlineStyle, s.outlineWidth]; })()"
        )
        assert active[1] != "none" and active[2] != "0px", f"no visible focus on {active[0]}"
        seen.append(active[0])
        if active[0] == "question":
            break
    assert "question" in seen and "new-conversation" in seen, repr(seen)
    page.type("What are my strengths?")
    page.press("Enter")
    page.wait_for("document.querySelectorAll('#messages li.assistant.done').length >= 1")
    # Shift+Tab back from the question box reaches the answer's citations: Enter opens the cited
    # section (focus moves to it), Escape closes it (focus returns to the citation)
    for _ in range(30):
        page.press("Tab", shift=True)
        if page.js("document.activeElement.classList.contains('cite')"):
            break
    page.press("Enter")
    page.wait_for("!document.getElementById('citation').hidden && document.activeElement.id === 'citation'")
    page.press("Escape")
    page.wait_for("document.getElementById('citation').hidden && document.activeElement.classList.contains('cite')")
    # Tab onward reaches the rating buttons; Enter rates
    for _ in range(40):
        page.press("Tab")
        if page.js("document.activeElement.classList.contains('thumb')"):
            break
    page.press("Enter")
    page.wait_for("!!document.querySelector('.thumb[aria-pressed=true]')")


def test_typing_while_a_page_loads_keeps_the_focus(ui: Ui) -> None:
    """A page's heading takes focus when it has loaded, but not from someone who already clicked into the
    question box and typed (that stole their keystrokes: the CI once saw an Enter land on the heading)."""
    page = ui.page
    ui.sign_in(user_id=PRIVATE)
    # the conversation list answers slowly, so the chat page is drawn well before its load completes
    page.js(
        "(() => { const f = window.fetch; window.fetch = (url, ...rest) => String(url).includes('/chat/conversations')"
        " ? new Promise((r) => setTimeout(r, 1500)).then(() => f(url, ...rest)) : f(url, ...rest); })()"
    )
    page.js("document.querySelector('#nav a[href=\"/chat\"]').click()")
    page.wait_for("!!document.getElementById('question')")
    assert page.js("document.querySelector('main').getAttribute('aria-busy')") == "true"
    page.js("document.getElementById('question').focus()")
    page.type("What are")
    page.wait_for("!document.querySelector('main').hasAttribute('aria-busy')")
    page.wait_for("document.activeElement.tagName !== 'BODY'")
    assert page.js("document.activeElement.id") == "question"
    page.type(" my strengths?")
    assert page.js("document.getElementById('question').value") == "What are my strengths?"


def test_sign_out(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    page.js("document.getElementById('sign-out').click()")
    page.wait_for("!!document.getElementById('token-form')")
    assert "You are signed out." in page.text()
    assert_accessible(page, "sign-in page")
    ui.shot("ui-signin.png")
    ui.open("/documents")  # a reload: still signed out, the session is gone on the server
    page.wait_for("!!document.getElementById('token-form')")
    assert not page.js("!!document.getElementById('sign-out')")
    if has_route(ui.app, "/auth/me"):
        assert page.js("fetch('/auth/me').then(r => r.status)") == 401


def test_a_session_ended_by_the_server_returns_to_sign_in(ui: Ui) -> None:
    require_route(ui.app, "/auth/signout", "POST")
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    page.wait_for("!!document.getElementById('state')")
    # the session ends elsewhere (signed out in another tab, erased, expired): the next call is 401
    csrf = page.js("import('/static/js/api.js').then(m => m.session.csrf)")
    headers = json.dumps({"X-CSRF-Token": csrf})
    status = page.js(f"fetch('/auth/signout', {{method: 'POST', headers: {headers}}}).then(r => r.status)")
    assert status == 200
    ui.go("/documents")
    page.wait_for("!!document.getElementById('token-form')")
    assert "Your session has ended" in page.js("document.getElementById('signin-status').textContent")


def test_sharing_setting_is_saved(ui: Ui) -> None:
    require_route(ui.app, "/users/<user_id>/settings", "PUT")
    page = ui.page
    ui.sign_in(user_id=REJECTED)
    box = "document.getElementById('share-conversations')"
    page.wait_for(f"!!{box}")
    assert page.js(f"{box}.checked") is False
    page.js(f"{box}.click()")
    page.wait_for(
        "document.querySelector('[role=status]') && [...document.querySelectorAll('[role=status]')]"
        ".some(s => s.textContent.includes('can now read'))"
    )
    ui.open("/")  # a reload: the server kept it
    page.wait_for(f"!!{box} && {box}.checked")
    page.js(f"{box}.click()")
    page.wait_for("[...document.querySelectorAll('[role=status]')].some(s => s.textContent.includes('private'))")


def test_a_degraded_answer_is_marked_answered_offline(ui: Ui) -> None:
    """The marker itself (a degraded answer cannot be ordered from the test engine): the chat module
    draws an answer the offline composer gave when the model failed."""
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/chat")
    page.wait_for("!!document.getElementById('question')")
    citation = {
        "n": 1,
        "document_type": "thinking_skills",
        "section_id": "skills:numerical",
        "title": "Numerical reasoning",
        "snippet": "84th percentile",
    }
    answer = {
        "conversation_id": "c-1",
        "message_id": 1,
        "answer": "Your strongest skill is numerical reasoning [1].",
        "intent": "strengths",
        "citations": [citation],
        "provider": "offline",
        "degraded": True,
        "degraded_cause": "provider_TimeoutError",
    }
    marker = page.js(
        "import('/static/js/chat.js').then(m => { const view = new m.ChatView(document.createElement('div'));"
        " const li = document.createElement('li'); const t = document.createElement('span'); t.className = 'text';"
        f" li.appendChild(t); view.renderAnswer(li, {json.dumps(answer)});"
        " return [li.querySelector('.badge.offline').textContent, li.querySelectorAll('a.cite').length]; })"
    )
    assert marker == ["Answered offline", 2]
    # a group of markers, [1, 2], links each number
    cited = {**citation, "n": 2}
    grouped = {**answer, "answer": "Both fit [1, 2].", "citations": [citation, cited]}
    links = page.js(
        "import('/static/js/chat.js').then(m => { const view = new m.ChatView(document.createElement('div'));"
        " const li = document.createElement('li'); const t = document.createElement('span'); t.className = 'text';"
        f" li.appendChild(t); view.renderAnswer(li, {json.dumps(grouped)});"
        " return [t.textContent, t.querySelectorAll('a.cite').length]; })"
    )
    assert links == ["Both fit [1, 2].", 2]


def test_suggested_questions_follow_the_answer(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(user_id=STUDENT)
    ui.go("/chat")
    page.wait_for("document.querySelectorAll('#suggestions button').length === 3")
    # a suggestion is asked with one click (here: Enter on the focused button)
    page.js("document.querySelector('#suggestions button').focus()")
    asked = page.js("document.activeElement.textContent")
    page.press("Enter")
    page.wait_for("!!document.querySelector('#messages li.assistant.done')")
    assert page.js("document.querySelector('#messages li.user .text').textContent") == asked
    next_ones = page.js("[...document.querySelectorAll('#suggestions button')].map(b => b.textContent)")
    assert next_ones and asked not in next_ones
    # after the safety layer answered, nothing is suggested
    shown = page.js(
        "import('/static/js/chat.js').then(m => { const view = new m.ChatView(document.createElement('div'));"
        " view.suggestions = document.createElement('div');"
        " view.showSuggestions(m.suggestionsFor({intent: 'safety'})); return view.suggestions.children.length; })"
    )
    assert shown == 0
