"""The counsellor's and the administrator's side in headless Chromium against the real API and
database: a counsellor's students, the cohort view (charts and CSV), a student's state, documents and
shared conversation (and nothing of a student who does not share), another counsellor who sees none of
them, an administrator assigning students; axe-core on every page, screenshots as in test_student."""

from __future__ import annotations

import pytest
from browser.conftest import (
    ADMIN,
    COUNSELLOR,
    NEEDS_CHROMIUM,
    OTHER_COUNSELLOR,
    PRIVATE,
    SHARED_QUESTION,
    STUDENT,
    WAITING,
    Ui,
    assert_accessible,
)

pytestmark = [NEEDS_CHROMIUM, pytest.mark.usefixtures("staff")]


def test_counsellor_sees_their_students_and_the_cohort(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(staff_id=COUNSELLOR)
    assert page.js("location.pathname") == "/counsellor"
    page.wait_for("!!document.getElementById('students')")
    rows = page.js("[...document.querySelectorAll('#students tbody tr')].map(r => r.dataset.user)")
    assert STUDENT in rows and PRIVATE in rows
    assert "Ms Rivera" in page.text()
    assert_accessible(page, "students")
    ui.shot("ui-counsellor-students.png")

    page.js("document.querySelector('#nav a[href=\"/counsellor?view=cohort\"]').click()")
    page.wait_for("!!document.getElementById('attention')")
    assert page.js("document.querySelectorAll('svg.barchart').length") >= 3
    assert "SIA" in page.js("document.getElementById('holland-codes').innerHTML")
    attention = page.js("document.getElementById('attention').innerText")
    assert "Lena" in attention and "test rejected" in attention
    assert page.js("document.getElementById('cohort-csv').getAttribute('href')") == "/counsellor/cohort.csv"
    csv = page.js("fetch('/counsellor/cohort.csv').then(r => r.text())")
    assert csv.splitlines()[0].startswith("user_id") and STUDENT in csv
    assert_accessible(page, "cohort")
    ui.shot("ui-counsellor-cohort.png", full_page=True)
    # on a phone: nothing wider than the screen, the students' table included
    page.viewport(375, 800, mobile=True)
    try:
        assert page.js("document.documentElement.scrollWidth") <= 375
        ui.go("/counsellor")
        page.wait_for("!!document.getElementById('students')")
        assert page.js("document.documentElement.scrollWidth") <= 375
    finally:
        page.viewport(1280, 900)


def test_counsellor_reads_a_students_shared_conversation(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(staff_id=COUNSELLOR)
    ui.go(f"/counsellor?student={STUDENT}")
    page.wait_for("document.querySelectorAll('#student-documents article').length === 4")
    assert page.js("document.getElementById('state').dataset.state") == "ready"
    link = "document.querySelector('#shared-conversations li a')"
    page.wait_for(f"!!{link}")
    page.js(f"{link}.click()")
    page.wait_for("!!document.getElementById('transcript')")
    transcript = page.js("document.getElementById('transcript').innerText")
    assert SHARED_QUESTION in transcript and "Advisor:" in transcript
    assert_accessible(page, "a student, with a shared conversation")
    ui.shot("ui-counsellor-student.png")

    # omar does not share: his state and documents, not his conversations
    ui.go(f"/counsellor?student={PRIVATE}")
    page.wait_for("!!document.getElementById('not-shared')")
    assert "does not share" in page.js("document.getElementById('not-shared').textContent")


def test_another_counsellor_sees_none_of_them(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(staff_id=OTHER_COUNSELLOR)
    page.wait_for("document.getElementById('main').innerText.includes('No students')")
    ui.go(f"/counsellor?student={STUDENT}")
    page.wait_for("!!document.querySelector('#main .error')")
    assert "could not be loaded" in page.js("document.querySelector('#main .error').textContent")


def test_admin_assigns_students_to_a_counsellor(ui: Ui) -> None:
    page = ui.page
    ui.sign_in(staff_id=ADMIN)
    assert page.js("location.pathname") == "/admin"
    form = f"document.querySelector('form[data-staff=\"{OTHER_COUNSELLOR}\"]')"
    page.wait_for(f"!!{form}")
    assert_accessible(page, "assignments")
    try:
        page.js(f"{form}.querySelector('textarea').value = '{WAITING}'")
        page.js(f"{form}.requestSubmit()")
        page.wait_for(f"{form}.querySelector('[role=status]').textContent.includes('Saved: 1 student')")
        ui.shot("ui-admin-assignments.png")
        listed = page.js("fetch('/admin/counsellors').then(r => r.json())")
        other = next(c for c in listed["counsellors"] if c["staff_id"] == OTHER_COUNSELLOR)
        assert other["students"] == [WAITING]
    finally:
        page.js(f"{form}.querySelector('textarea').value = ''")
        page.js(f"{form}.requestSubmit()")
        page.wait_for(f"{form}.querySelector('[role=status]').textContent.includes('Saved: 0 students')")
