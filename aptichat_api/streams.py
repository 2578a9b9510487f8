"""The open WebSocket and SSE streams of this process, per person (keyed by their log hash) and per
browser session, so an erasure (docs/privacy.md) or a sign-out can end them at once.

A stream registers a `closer` (called from the erasing request's thread) while it is open; the
erasure calls `close_user`. Another worker or replica learns of the erasure from the ledger: a
WebSocket re-checks it at least every ERASURE_CHECK_S (aptichat_api.blueprints.chat_ws), and an SSE
stream answers one question and ends. A sign-out elsewhere is found the same way: a WebSocket opened
with a session cookie re-reads its session at least every ERASURE_CHECK_S and before each answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from aptichat.logs import hash_user

# how often an open WebSocket asks the ledger whether its person was erased by another process
ERASURE_CHECK_S = 10.0

_lock = threading.Lock()
_open: dict[str, dict[int, Callable[[], None]]] = {}
_ids = iter(range(1 << 62))


@contextmanager
def registered(user_id: str, closer: Callable[[], None]) -> Iterator[None]:
    """Keep `closer` registered for the person while the stream is open."""
    with _registered(hash_user(user_id), closer):
        yield


@contextmanager
def registered_session(session_id: int | None, closer: Callable[[], None]) -> Iterator[None]:
    """Keep `closer` registered for the browser session while the stream is open (nothing to keep for
    a stream opened with a bearer token: no session)."""
    if session_id is None:
        yield
        return
    with _registered(f"session:{session_id}", closer):
        yield


@contextmanager
def _registered(key: str, closer: Callable[[], None]) -> Iterator[None]:
    with _lock:
        token = next(_ids)
        _open.setdefault(key, {})[token] = closer
    try:
        yield
    finally:
        with _lock:
            streams = _open.get(key, {})
            streams.pop(token, None)
            if not streams:
                _open.pop(key, None)


def open_count(user_id: str) -> int:
    with _lock:
        return len(_open.get(hash_user(user_id), {}))


def close_user(user_id: str) -> int:
    """Call the closer of every open stream of the person; returns how many there were. A closer
    that fails (the client left meanwhile) does not stop the others."""
    return _close(hash_user(user_id))


def close_session(session_id: int) -> int:
    """Call the closer of every open stream signed in by this browser session (at its sign-out)."""
    return _close(f"session:{session_id}")


def _close(key: str) -> int:
    with _lock:
        closers = list(_open.pop(key, {}).values())
    for close in closers:
        with suppress(Exception):  # a socket already gone is closed enough
            close()
    return len(closers)
