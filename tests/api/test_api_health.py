"""Health, readiness, metrics, OpenAPI, the docs page and the chat page."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz(client: FlaskClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_checks_database_migrations_and_embedder(client: FlaskClient) -> None:
    r = client.get("/readyz")
    body = r.json
    assert set(body["checks"]) == {"database", "migrations", "embedder"}
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"], body
    assert r.status_code == (200 if body["status"] == "ready" else 503)


def test_metrics_is_prometheus_text(client: FlaskClient) -> None:
    client.get("/healthz")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE aptichat_http_requests_total counter" in r.text
    assert 'aptichat_http_requests_total{endpoint="health.healthz",method="GET",status="200"}' in r.text
    assert "aptichat_http_request_seconds_bucket" in r.text


def test_openapi_lists_every_contract_path(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    expected = {
        ("/chat/question", "post"),
        ("/chat/history", "get"),
        ("/chat/stream", "post"),
        ("/chat/feedback", "post"),
        ("/users/{user_id}/profile", "get"),
        ("/users/{user_id}/documents", "get"),
        ("/users/{user_id}/reprocess", "post"),
        ("/users/{user_id}/status", "get"),
        ("/admin/etl/jobs", "get"),
        ("/admin/etl/jobs/{job_id}/retry", "post"),
        ("/users/{user_id}", "delete"),
        ("/jobs/{job_id}", "get"),
        ("/events/test-completed", "post"),
        ("/admin/analytics/questions", "get"),
        ("/admin/analytics/quality", "get"),
        ("/admin/experiments/{name}", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    }
    found = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert expected <= found
    question = spec["paths"]["/chat/question"]["post"]
    assert question["requestBody"]["content"]["application/json"]["schema"]["$ref"].startswith("#/components/")
    assert "ChatAnswer" in spec["components"]["schemas"]


def test_docs_and_chat_pages_are_self_contained(client: FlaskClient) -> None:
    for path in ("/", "/docs"):
        r = client.get(f"{path}")
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
        # no CDN: every script and stylesheet is served by us
        assert "http://" not in r.text and "https://" not in r.text
    assert client.get("/static/app.js").status_code == 200


def test_unknown_path_and_method_are_json_errors(client: FlaskClient) -> None:
    r = client.get("/no/such/path")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.put("/healthz")
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]
