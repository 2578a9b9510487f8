"""A tiny reverse proxy for local blue-green (no nginx needed): forwards every request to the
upstream named in an nginx-style include file, re-read whenever the file changes.

It reads the *same* file format nginx includes (`server HOST:PORT;` inside `upstream aptichat_api`),
so the switch script has one way to switch for both. The file is replaced atomically by the switch,
and a request picks the upstream once, at its start: requests in flight finish on the old colour,
new ones go to the new colour, and none is dropped.

    python -m aptichat.deploy.proxy --listen 127.0.0.1:8000 --upstream-file .aptichat/deploy/active-upstream.conf
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}
_SERVER = re.compile(r"^\s*server\s+([^\s;:]+):(\d+)\s*;", re.MULTILINE)


def parse_upstream(text: str) -> tuple[str, int]:
    """(host, port) of the first `server` line of an upstream include."""
    match = _SERVER.search(text)
    if match is None:
        raise ValueError("no `server HOST:PORT;` line in the upstream file")
    return match[1], int(match[2])


class UpstreamFile:
    """The current upstream, re-parsed only when the file's mtime or size changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: tuple[int, int] | None = None
        self._target: tuple[str, int] | None = None
        self._lock = threading.Lock()

    def target(self) -> tuple[str, int]:
        stat = self.path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key != self._key or self._target is None:
                self._target, self._key = parse_upstream(self.path.read_text()), key
            return self._target


class ProxyHandler(BaseHTTPRequestHandler):
    server: ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the API logs every request already."""

    def _forward(self) -> None:
        host, port = self.server.upstream.target()  # chosen once: this request stays on this colour
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        conn = http.client.HTTPConnection(host, port, timeout=self.server.timeout_s)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except OSError as exc:
            conn.close()
            self._reply(502, b'{"error": {"code": "bad_gateway", "message": "upstream unavailable"}}', host, port)
            print(f"proxy: upstream {host}:{port} failed: {exc}", file=sys.stderr, flush=True)
            return
        conn.close()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self._finish(payload, host, port)

    def _reply(self, status: int, payload: bytes, host: str, port: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self._finish(payload, host, port)

    def _finish(self, payload: bytes, host: str, port: int) -> None:
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Aptichat-Upstream", f"{host}:{port}")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listen: tuple[str, int], upstream_file: Path, timeout_s: float = 300.0) -> None:
        super().__init__(listen, ProxyHandler)
        self.upstream = UpstreamFile(upstream_file)
        self.timeout_s = timeout_s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:8000", help="HOST:PORT to listen on")
    parser.add_argument("--upstream-file", type=Path, required=True, help="the include the switch rewrites")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    server = ProxyServer((host, int(port)), args.upstream_file)
    print(f"proxy on http://{args.listen} -> {args.upstream_file}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
