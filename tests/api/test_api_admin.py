"""Admin analytics and A/B experiments."""

from __future__ import annotations

from flask.testing import FlaskClient
from support.api import ALICE, BOB, Auth

from aptichat_api.analytics import question_pattern
from aptichat_api.experiments import assign


def _admin(auth: Auth) -> dict[str, str]:
    return auth.headers("root", role="admin")


def _ask(client: FlaskClient, auth: Auth, user: str, question: str) -> dict:
    r = client.post("/chat/question", json={"question": question}, headers=auth.headers(user))
    assert r.status_code == 200
    return r.json


def test_assignment_is_deterministic_and_spreads() -> None:
    assert assign("prompt", ["v1", "v2"], "someone") == assign("prompt", ["v1", "v2"], "someone")
    counts = {"v1": 0, "v2": 0}
    for i in range(1000):
        counts[assign("prompt", ["v1", "v2"], f"user-{i}")] += 1
    assert 400 < counts["v1"] < 600


def test_question_patterns_normalise() -> None:
    assert question_pattern("Why NURSING, though?!") == question_pattern("why nursing though")
    assert question_pattern("   ") == "(empty)"


def test_question_analytics(client: FlaskClient, auth: Auth) -> None:
    _ask(client, auth, ALICE, "Which careers fit me best?")
    _ask(client, auth, BOB, "which careers fit me best")
    r = client.get("/admin/analytics/questions", query_string={"days": 7}, headers=_admin(auth))
    assert r.status_code == 200
    body = r.json
    assert body["days"] == 7 and body["total_questions"] >= 2
    patterns = {p["key"]: p["count"] for p in body["patterns"]}
    assert patterns["which careers fit me"] >= 2
    assert body["intents"] and all(0 <= i["share"] <= 1 for i in body["intents"])
    bad = client.get("/admin/analytics/questions", query_string={"days": 0}, headers=_admin(auth))
    assert bad.status_code == 422


def test_quality_and_experiment_results_per_variant(client: FlaskClient, auth: Auth) -> None:
    answer = _ask(client, auth, ALICE, "What are my strengths?")
    client.post(
        "/chat/feedback",
        json={"message_id": answer["message_id"], "rating": 4},
        headers=auth.headers(),
    )
    quality = client.get("/admin/analytics/quality", headers=_admin(auth)).json
    assert quality["answers"] >= 1 and quality["latency_ms"]["p50"] is not None
    assert quality["feedback_count"] >= 1 and sum(quality["rating_distribution"].values()) >= 1
    alice_variant = assign("prompt", ["v1", "v2"], ALICE)
    per_variant = {v["variant"]: v for v in quality["per_variant"]}
    assert per_variant[alice_variant]["answers"] >= 1
    exp = client.get("/admin/experiments/prompt", headers=_admin(auth)).json
    assert exp["declared_variants"] == ["v1", "v2"]
    assert [v["variant"] for v in exp["variants"]][:2] == ["v1", "v2"]
    assert {v["variant"]: v for v in exp["variants"]}[alice_variant]["feedback_count"] >= 1
    missing = client.get("/admin/experiments/nope", headers=_admin(auth))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "experiment_not_found"
