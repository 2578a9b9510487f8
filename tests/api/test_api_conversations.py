"""A person's conversations (list, rename, delete), their settings, and their documents' version
history with "what changed since your last test" (issue 17)."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from support.api import ALICE, BOB, Auth, HashEmbedder, seed_person

from aptichat.documents import ChunkInput, example_documents
from aptichat.settings import Settings


def _fresh(engine: Engine, settings: Settings, prefix: str) -> str:
    person = f"{prefix}-{uuid.uuid4().hex[:8]}"
    seed_person(engine, settings, person)
    return person


def _ask(client: FlaskClient, auth: Auth, person: str, conversation_id: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"question": "What are my strengths?"}
    if conversation_id:
        body["conversation_id"] = conversation_id
    r = client.post("/chat/question", json=body, headers=auth.headers(person))
    assert r.status_code == 200, r.text
    return r.json  # type: ignore[no-any-return]


def test_list_rename_delete(client: FlaskClient, auth: Auth, engine: Engine, settings: Settings) -> None:
    person = _fresh(engine, settings, "conv")
    first = _ask(client, auth, person)
    cid = str(first["conversation_id"])
    _ask(client, auth, person, cid)
    other = str(_ask(client, auth, person)["conversation_id"])
    listed = client.get("/chat/conversations", headers=auth.headers(person))
    assert listed.status_code == 200
    by_id = {c["conversation_id"]: c for c in listed.json["conversations"]}
    assert set(by_id) == {cid, other} and by_id[cid]["message_count"] == 4 and by_id[other]["message_count"] == 2
    assert listed.json["conversations"][0]["conversation_id"] == other  # most recent first

    renamed = client.patch(
        f"/chat/conversations/{cid}", json={"title": "  My strengths "}, headers=auth.headers(person)
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json["title"] == "My strengths" and renamed.json["message_count"] == 4
    for bad in ({"title": ""}, {"title": "   "}, {"title": "a\x00b"}, {"title": "x" * 201}, {"name": "x"}):
        assert client.patch(f"/chat/conversations/{cid}", json=bad, headers=auth.headers(person)).status_code == 422
    # someone else's conversation does not exist for them, admins included (chat speaks for the token's person)
    for who, role in ((BOB, "user"), ("admin-0009", "admin")):
        r = client.patch(f"/chat/conversations/{cid}", json={"title": "mine"}, headers=auth.headers(who, role))
        assert r.status_code == 404 and r.json["error"]["code"] == "conversation_not_found"
        assert client.delete(f"/chat/conversations/{cid}", headers=auth.headers(who, role)).status_code == 404

    gone = client.delete(f"/chat/conversations/{cid}", headers=auth.headers(person))
    assert gone.status_code == 200 and gone.json == {"conversation_id": cid, "deleted": True}
    history = client.get(f"/chat/history?conversation_id={cid}", headers=auth.headers(person))
    assert history.status_code == 404
    left = client.get("/chat/conversations", headers=auth.headers(person)).json["conversations"]
    assert [c["conversation_id"] for c in left] == [other]
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM chat_messages WHERE conversation_id = :c"), {"c": cid}).scalar()
            == 0
        )
    assert client.delete(f"/chat/conversations/{cid}", headers=auth.headers(person)).status_code == 404


def test_a_question_moves_its_conversation_to_the_top(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    """Each stored message touches its conversation's activity time, which orders the list; the
    messages keep their order and ids, newest last."""
    person = _fresh(engine, settings, "touch")
    first = str(_ask(client, auth, person)["conversation_id"])
    second = str(_ask(client, auth, person)["conversation_id"])
    listed = client.get("/chat/conversations", headers=auth.headers(person)).json["conversations"]
    assert [c["conversation_id"] for c in listed] == [second, first]
    again = _ask(client, auth, person, first)
    listed = client.get("/chat/conversations", headers=auth.headers(person)).json["conversations"]
    assert [c["conversation_id"] for c in listed] == [first, second]
    assert listed[0]["updated_at"] > listed[1]["updated_at"] >= listed[0]["created_at"]
    history = client.get(f"/chat/history?conversation_id={first}", headers=auth.headers(person)).json["messages"]
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert history[-1]["message_id"] == again["message_id"] and history[-1]["text"] == again["answer"]
    assert [m["message_id"] for m in history] == sorted(m["message_id"] for m in history)


def test_flagged_conversation_is_kept_until_reviewed(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    person = _fresh(engine, settings, "flagged")
    answer = _ask(client, auth, person)
    cid = answer["conversation_id"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chat_safety_flags (user_id, conversation_id, message_id, category) "
                "SELECT user_id, conversation_id, id, 'distress' FROM chat_messages "
                "WHERE conversation_id = :c AND role = 'user'"
            ),
            {"c": cid},
        )
    r = client.delete(f"/chat/conversations/{cid}", headers=auth.headers(person))
    assert r.status_code == 409 and r.json["error"]["code"] == "conversation_under_review"
    with engine.begin() as conn:
        conn.execute(text("UPDATE chat_safety_flags SET reviewed_at = now() WHERE conversation_id = :c"), {"c": cid})
    assert client.delete(f"/chat/conversations/{cid}", headers=auth.headers(person)).status_code == 200


def test_settings_share_conversations(client: FlaskClient, auth: Auth, engine: Engine, settings: Settings) -> None:
    person = _fresh(engine, settings, "settings")
    me = auth.headers(person)
    assert client.get(f"/users/{person}/settings", headers=me).json == {"share_conversations": False}
    r = client.put(f"/users/{person}/settings", json={"share_conversations": True}, headers=me)
    assert r.status_code == 200 and r.json == {"share_conversations": True}
    assert client.get(f"/users/{person}/settings", headers=me).json == {"share_conversations": True}
    assert client.put(f"/users/{person}/settings", json={"share_conversations": "yes"}, headers=me).status_code == 422
    assert (
        client.put(
            f"/users/{person}/settings", json={"share_conversations": False}, headers=auth.headers(BOB)
        ).status_code
        == 403
    )
    assert client.get(f"/users/{person}/settings", headers=auth.headers("c-x", "counsellor")).status_code == 403
    assert client.get("/users/nobody-at-all/settings", headers=auth.headers("admin-0009", "admin")).status_code == 404


def _write_second_version(engine: Engine, settings: Settings, person: str) -> None:
    """A retake: openness and the Holland code move, a career drops out and another comes in."""
    from aptichat.db.repository import write_documents

    embedder = HashEmbedder(settings.embedding_dim)
    items = []
    for doc in example_documents(person):
        data = doc.model_dump()  # the documents are frozen: change a copy of their data
        content = data["content"]
        if doc.document_type == "personality_profile":
            content["tendencies"][0].update(percentile=60.0, level="average")  # openness 82 -> 60
            content["interests"]["scores"]["A"] = 75.0  # Artistic 58 -> 75: the code turns SIA -> SAI
            content["interests"]["holland_code"] = "SAI"
        elif doc.document_type == "career_recommendations":
            content["items"][2]["title"] = "Social Worker"
        data.pop("content_hash", None)  # recomputed from the changed content
        doc = type(doc).model_validate(data)
        sections = doc.sections()
        vectors = embedder.embed_documents([f"{s.title} {s.text}" for s in sections])
        chunks = [
            ChunkInput(i, s.section_id, s.title, s.text, vectors[i], settings.embedding_model)
            for i, s in enumerate(sections)
        ]
        items.append((doc, chunks))
    write_documents(person, items, engine=engine)


def test_document_history_says_what_changed(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    person = _fresh(engine, settings, "history")
    one = client.get(f"/users/{person}/documents/history", headers=auth.headers(person))
    assert one.status_code == 200 and one.json["since_last_test"] == {}
    assert all(len(d["versions"]) == 1 and d["versions"][0]["changes"] is None for d in one.json["documents"])

    _write_second_version(engine, settings, person)
    r = client.get(f"/users/{person}/documents/history", headers=auth.headers(person))
    assert r.status_code == 200, r.text
    docs = {d["document_type"]: d for d in r.json["documents"]}
    profile = docs["personality_profile"]
    assert profile["current_version"] == 2 and [v["version"] for v in profile["versions"]] == [2, 1]
    assert [v["status"] for v in profile["versions"]] == ["current", "superseded"]
    assert profile["versions"][0]["summary"]["holland_code"] == "SAI"
    assert profile["versions"][1]["summary"]["scores"]["openness"] == 82.0
    since = r.json["since_last_test"]
    assert since["personality_profile"]["holland_code"] == ["SIA", "SAI"]
    assert since["personality_profile"]["scores"] == [
        {"id": "openness", "name": "Openness to experience", "before": 82.0, "after": 60.0, "delta": -22.0},
        {"id": "A", "name": "Artistic", "before": 58.0, "after": 75.0, "delta": 17.0},
    ]
    careers = since["career_recommendations"]
    assert careers["added"] == ["Social Worker"] and careers["removed"] == ["Educational and Career Counselor"]
    # an unchanged document keeps its version: nothing to say since the last test
    assert "thinking_skills" not in since and docs["thinking_skills"]["current_version"] == 1
    assert client.get(f"/users/{person}/documents/history", headers=auth.headers(ALICE)).status_code == 403
