"""The erasure ledger on the API's write paths (aptichat.db.erasure, docs/privacy.md), over real HTTP:

- a webhook re-sent for a session completed before the erasure is refused (410 `user_erased`) and
  creates no job; a test completed after the erasure starts fresh (202);
- an admin reprocess of an erased person is refused with 410 `user_erased`, not a generic 404;
- the erasure is appended to APTICHAT_HOME/erasures.ledger as a keyed hash, never the id.

Each assertion fails without its check: the anonymised job no longer holds the session's idempotency
key, so a re-sent webhook would make a new job, and an erased person has no user row (404).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import Engine, text
from support.api import Api, app_config, bearer, seed_person, serve

from aptichat.db import erasure
from aptichat.secrets import user_salt
from aptichat.settings import Settings

PERSON, ADMIN = "sec-gina-0007", "sec-admin-0008"


def _jobs_naming(engine: Engine, user_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM chat_etl_jobs WHERE user_id = :u"), {"u": user_id}).scalar_one()
        )


def test_resent_webhook_and_reprocess_of_an_erased_person_are_refused(engine: Engine, settings: Settings) -> None:
    from aptichat.db.repository import repository_scope
    from aptichat_api.app import create_app

    seed_person(engine, settings, PERSON)
    with repository_scope(engine) as repo:
        repo.ensure_user(ADMIN)
    app = create_app(app_config(settings))
    with serve(app) as url:
        api = Api(url, settings)
        before = datetime.now(UTC) - timedelta(hours=1)
        event = {"user_id": PERSON, "session_id": "sec-gina-s1", "completed_at": before.isoformat()}
        first = requests.post(f"{url}/events/test-completed", json=event, headers=api.service, timeout=30)
        assert first.status_code == 202, first.text

        erased = requests.delete(f"{url}/users/{PERSON}", headers=bearer(settings, ADMIN, "admin"), timeout=30)
        assert erased.status_code == 200, erased.text
        assert _jobs_naming(engine, PERSON) == 0

        again = requests.post(f"{url}/events/test-completed", json=event, headers=api.service, timeout=30)
        assert again.status_code == 410, again.text
        assert again.json()["error"]["code"] == "user_erased"
        assert _jobs_naming(engine, PERSON) == 0, "a re-sent webhook must not name the person again"

        reprocess = requests.post(
            f"{url}/users/{PERSON}/reprocess", headers=bearer(settings, ADMIN, "admin"), timeout=30
        )
        assert reprocess.status_code == 410, reprocess.text
        assert reprocess.json()["error"]["code"] == "user_erased"
        assert _jobs_naming(engine, PERSON) == 0

        # the person takes the test again after the erasure: a fresh start
        fresh = {"user_id": PERSON, "session_id": "sec-gina-s2", "completed_at": datetime.now(UTC).isoformat()}
        new = requests.post(f"{url}/events/test-completed", json=fresh, headers=api.service, timeout=30)
        assert new.status_code == 202, new.text
        assert new.json()["duplicate"] is False
        assert _jobs_naming(engine, PERSON) == 1

    lines = (settings.home / erasure.LEDGER_FILE).read_text().splitlines()
    wanted = erasure.person_hash(PERSON, user_salt(settings))
    assert any(erasure.Entry.from_line(line).person_hash == wanted for line in lines)
    assert not any(PERSON in line for line in lines)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT person_hash FROM chat_erasures")).scalars().all()
    assert wanted in stored and not any(PERSON in h for h in stored)
