"""The open WebSocket and SSE streams of this process, per person (keyed by their log hash), so an
erasure can end them at once (docs/privacy.md).

A stream registers a `closer` (called from the erasing request's thread) while it is open; the
erasure calls `close_user`. Another worker or replica learns of the erasure from the ledger: a
WebSocket re-checks it at least every ERASURE_CHECK_S (aptichat_api.blueprints.chat_ws), and an SSE
stream answers one question and ends.
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
    key = hash_user(user_id)
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
    with _lock:
        closers = list(_open.pop(hash_user(user_id), {}).values())
    for close in closers:
        with suppress(Exception):  # a socket already gone is closed enough
            close()
    return len(closers)
