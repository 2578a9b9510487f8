"""A Gemini-compatible HTTP server for tests: the REST subset google-genai uses, on 127.0.0.1:0.

    with FakeGemini() as fake:
        settings = settings.model_copy(update={"gemini_base_url": fake.base_url, "gemini_api_key": "k"})
        fake.faults.append(Fault.http(429, retry_after=1))
        ...
        assert fake.requests[0].rpc == "batchEmbedContents"

Vectors are deterministic (seeded by a hash of the text) and deliberately *not* unit length, so
tests can see the client re-normalise them. Faults are consumed in order by the next request whose
RPC matches (any RPC when `rpc` is None). Answers: `answers` (a queue, one per generateContent or
streamGenerateContent request, in order) first, then `answer_fn(body)` if set, else `answer_text`;
`prompt_of(request)` is the prompt a request sent and `section_number` finds a section's [n] in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import numpy as np

_PATH = re.compile(r"^/(v1|v1beta|v1alpha)/models/(?P<model>[^:/]+):(?P<rpc>[A-Za-z]+)$")
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
DEFAULT_DIM = 3072


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    model: str | None = None
    rpc: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """A scripted misbehaviour for the next matching request."""

    status: int | None = None
    retry_after: float | None = None
    delay_s: float = 0.0
    malformed: bool = False
    blocked: bool = False
    break_stream_after: int | None = None
    rpc: str | None = None

    @classmethod
    def http(cls, status: int, retry_after: float | None = None, rpc: str | None = None) -> Fault:
        return cls(status=status, retry_after=retry_after, rpc=rpc)

    @classmethod
    def slow(cls, seconds: float, rpc: str | None = None) -> Fault:
        return cls(delay_s=seconds, rpc=rpc)

    @classmethod
    def malformed_body(cls, rpc: str | None = None) -> Fault:
        return cls(malformed=True, rpc=rpc)

    @classmethod
    def broken_stream(cls, after_chunks: int = 1) -> Fault:
        """A stream that sends `after_chunks` good chunks, then a chunk that is not JSON."""
        return cls(break_stream_after=after_chunks, rpc="streamGenerateContent")

    @classmethod
    def safety_block(cls, rpc: str | None = None) -> Fault:
        return cls(blocked=True, rpc=rpc)


def fake_vector(text: str, dim: int) -> list[float]:
    """The deterministic, un-normalised vector the fake returns for `text`."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    return (np.random.default_rng(seed).standard_normal(dim) * 3.0).tolist()


def _text_of(content: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in content.get("parts", []))


class FakeGemini:
    """The server. Use as a context manager; `base_url`, `requests`, `faults`, `answer_text`."""

    def __init__(self, answer_text: str = "Here is a grounded answer [1].") -> None:
        self.requests: list[RecordedRequest] = []
        self.faults: deque[Fault] = deque()
        self.answer_text = answer_text
        # Scripted answers, consumed one per generation request before `answer_fn` / `answer_text`.
        self.answers: deque[str] = deque()
        # Optional: build the answer from the request body instead of `answer_text`.
        self.answer_fn: Callable[[dict[str, Any]], str] | None = None
        self.stream_chunk_words = 3
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval so shutdown (every test's teardown) takes milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-gemini", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGemini:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def calls(self, rpc: str) -> list[RecordedRequest]:
        """The recorded requests for one RPC name, e.g. "batchEmbedContents"."""
        with self._lock:
            return [r for r in self.requests if r.rpc == rpc]

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            for fault in self.faults:
                if fault.rpc is None or fault.rpc == request.rpc:
                    self.faults.remove(fault)
                    return fault
        return None

    def _answer(self, body: dict[str, Any]) -> str:
        with self._lock:
            if self.answers:
                return self.answers.popleft()
        return self.answer_fn(body) if self.answer_fn else self.answer_text

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                # the client may give up first (timeout tests): nothing left to answer then
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._handle()

            def _handle(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else {}
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                match = _PATH.match(url.path)
                request = RecordedRequest(
                    method="POST",
                    path=url.path,
                    query=url.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    model=match["model"] if match else None,
                    rpc=match["rpc"] if match else None,
                )
                fault = fake._record(request)
                if fault and fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault and fault.status:
                    return self._error(fault.status, "scripted fault", fault.retry_after)
                if fault and fault.malformed:
                    return self._send(200, b'{"embeddings": [{"values": [0.1, ', "application/json")
                if not match:
                    return self._error(404, f"unknown path {url.path}")
                if not request.headers.get("x-goog-api-key"):
                    return self._error(403, "missing API key")
                if not isinstance(body, dict):
                    return self._error(400, "body is not JSON")
                rpc = match["rpc"]
                blocked = bool(fault and fault.blocked)
                if rpc == "batchEmbedContents":
                    return self._json({"embeddings": [self._embedding(r) for r in body.get("requests", [])]})
                if rpc == "embedContent":
                    return self._json({"embedding": self._embedding(body)})
                if rpc == "countTokens":
                    texts = [_text_of(c) for c in body.get("contents", [])]
                    return self._json({"totalTokens": sum(len(t.split()) for t in texts)})
                if rpc == "generateContent":
                    return self._json(self._generation(fake._answer(body), blocked))
                if rpc == "streamGenerateContent":
                    return self._stream(fake._answer(body), blocked, fault.break_stream_after if fault else None)
                return self._error(404, f"unknown method {rpc}")

            def _embedding(self, request: dict[str, Any]) -> dict[str, Any]:
                dim = int(request.get("outputDimensionality") or DEFAULT_DIM)
                return {"values": fake_vector(_text_of(request.get("content", {})), dim)}

            def _generation(self, text: str, blocked: bool, final: bool = True) -> dict[str, Any]:
                if blocked:
                    return {"promptFeedback": {"blockReason": "SAFETY"}}
                candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
                if final:
                    candidate["finishReason"] = "STOP"
                usage = {"promptTokenCount": 10, "candidatesTokenCount": len(text.split())}
                return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "fake"}

            def _stream(self, text: str, blocked: bool, break_after: int | None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if blocked:
                    chunks = [self._generation("", True)]
                else:
                    words = text.split(" ")
                    n = max(1, fake.stream_chunk_words)
                    pieces = [" ".join(words[i : i + n]) for i in range(0, len(words), n)]
                    pieces = [p + (" " if i < len(pieces) - 1 else "") for i, p in enumerate(pieces)]
                    chunks = [self._generation(p, False, final=i == len(pieces) - 1) for i, p in enumerate(pieces)]
                    # as Gemini does: each chunk's usage is the running total, the last one the whole call's
                    for i, chunk in enumerate(chunks):
                        chunk["usageMetadata"]["candidatesTokenCount"] = len(" ".join(pieces[: i + 1]).split())
                for index, chunk in enumerate(chunks):
                    if break_after is not None and index >= break_after:
                        self.wfile.write(b'data: {"candidates": [\r\n\r\n')
                        return
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n")
                    self.wfile.flush()

            def _json(self, payload: dict[str, Any]) -> None:
                self._send(200, json.dumps(payload).encode(), "application/json")

            def _error(self, status: int, message: str, retry_after: float | None = None) -> None:
                name = _STATUS_NAMES.get(status, "UNKNOWN")
                payload = {"error": {"code": status, "message": message, "status": name}}
                extra = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
                self._send(status, json.dumps(payload).encode(), "application/json", extra)

            def _send(self, status: int, data: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def prompt_of(request: RecordedRequest | dict[str, Any]) -> str:
    """The user prompt a generation request sent (its contents' text)."""
    body = request.body if isinstance(request, RecordedRequest) else request
    return "\n".join(_text_of(c) for c in body.get("contents", []))


def section_number(prompt: str, section_id: str) -> int | None:
    """The [n] a prompt gave the section `section_id` (the RAG layer's prompt names it on its header line)."""
    match = re.search(rf"^\[(\d+)\][^\n]*\b{re.escape(section_id)}\b", prompt, re.M)
    return int(match[1]) if match else None


def quote_first_section(body: dict[str, Any]) -> str:
    """An `answer_fn` that is always faithful: the first sentence of section [1], verbatim, cited."""
    match = re.search(r"^\[1\][^\n]*\n(?P<text>[^\n]+)", prompt_of(body), re.M)
    if match is None:
        return "I could not find anything about that in your results."
    first = re.split(r"(?<=[.!?])\s+", match["text"].strip())[0].rstrip(".!?")
    return f"{first} [1]."


def gemini_settings(base: Any, fake: FakeGemini, **overrides: Any) -> Any:
    """`base` Settings switched to Gemini against `fake`, with retries fast enough for tests."""
    values: dict[str, Any] = {
        "embeddings": "gemini",
        "llm": "gemini",
        "gemini_api_key": "test-key",
        "gemini_base_url": fake.base_url,
        "gemini_timeout_s": 5.0,
        "gemini_max_attempts": 3,
        "gemini_retry_initial_delay_s": 0.01,
        "gemini_retry_max_delay_s": 0.05,
        "gemini_requests_per_minute": 60_000,
        "gemini_tokens_per_minute": 100_000_000,
    }
    values.update(overrides)
    return base.model_copy(update=values)
