"""Stand-in APIs on 127.0.0.1 that the listener tests point the real client libraries at, served by
the suite's loopback server (tests/support/http.py).

Routes map (method, path regex) to a handler: a function of the `Request` returning a `Reply` (or a
dict/list, sent as JSON), or a fixed `Reply`. `queue` puts one-off replies in front of a route (a
429, then a 500, then the real page...). Every request is recorded. A `Reply` may stream: its
`stream` yields bytes (sent and flushed at once) or floats (pauses in seconds), for the X filtered
stream. Each request is answered on its own connection (HTTP/1.0 semantics, `Connection: close`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.http import QuietHandler, loopback_server


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    stream: Iterable[bytes | float] | None = None

    def encode(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), self.content_type or "text/plain; charset=utf-8"
        if self.body is None:
            return b"", self.content_type or "application/json"
        return json.dumps(self.body).encode(), self.content_type or "application/json; charset=utf-8"


Handler = Callable[[Request], Any]


class LoopbackServer:
    """The routes, queued replies and recorded requests of one loopback server; `serving` runs it
    (tests/support/http.py's `loopback_server`) and sets `url`."""

    def __init__(self) -> None:
        self.url = ""
        self.routes: list[tuple[str, re.Pattern, Handler | Reply]] = []
        self.queues: dict[tuple[str, str], deque[Reply]] = {}
        self.requests: list[Request] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def handler(self) -> type[QuietHandler]:
        """The request handler class: every method of every request goes to this server's routes."""
        outer = self

        class _Handler(QuietHandler):
            protocol_version = "HTTP/1.0"

            def _serve(self) -> None:
                outer._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        return _Handler

    def route(self, method: str, pattern: str, handler: Handler | Reply | dict | list) -> None:
        if isinstance(handler, dict | list):
            handler = Reply(body=handler)
        self.routes.insert(0, (method.upper(), re.compile(pattern), handler))

    def queue(self, method: str, pattern: str, *replies: Reply) -> None:
        with self._lock:
            self.queues.setdefault((method.upper(), pattern), deque()).extend(replies)

    def calls(self, pattern: str | None = None, method: str | None = None) -> list[Request]:
        with self._lock:
            found = list(self.requests)
        return [r for r in found if (pattern is None or re.fullmatch(pattern, r.path))
                and (method is None or r.method == method.upper())]

    # -- serving ------------------------------------------------------------------------------------

    def _dispatch(self, handler: QuietHandler) -> None:
        parts = urlsplit(handler.path)
        body = handler.body()
        request = Request(handler.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                          {k.lower(): v for k, v in handler.headers.items()}, body)
        with self._lock:
            self.requests.append(request)
        try:
            reply = self._reply_for(request)
        except Exception as exc:  # a bug in a test handler: answer 599 and remember it
            self.errors.append(f"{request.method} {request.path}: {type(exc).__name__}: {exc}")
            reply = Reply(599, {"error": "handler raised"})
        self._send(handler, reply)

    def _reply_for(self, request: Request) -> Reply:
        with self._lock:
            for (method, pattern), queued in self.queues.items():
                if method == request.method and re.fullmatch(pattern, request.path) and queued:
                    return queued.popleft()
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                request.match = match
                if isinstance(handler, Reply):
                    return handler
                result = handler(request)
                return result if isinstance(result, Reply) else Reply(body=result)
        self.errors.append(f"no route for {request.method} {request.path}")
        return Reply(404, {"error": "not found"})

    def _send(self, handler: QuietHandler, reply: Reply) -> None:
        payload, content_type = reply.encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", content_type)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Connection", "close")
            if reply.stream is None:
                handler.send_header("Content-Length", str(len(payload)))
                handler.end_headers()
                if handler.command != "HEAD":
                    handler.wfile.write(payload)
                return
            handler.end_headers()
            handler.wfile.flush()
            for chunk in reply.stream:
                if self.stopping.is_set():
                    break
                if isinstance(chunk, int | float):
                    deadline = time.monotonic() + chunk
                    while time.monotonic() < deadline and not self.stopping.is_set():
                        time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
                    continue
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


@contextmanager
def serving() -> Iterator[LoopbackServer]:
    """A `LoopbackServer` for the length of a test, which must have answered every request it got."""
    srv = LoopbackServer()
    with loopback_server(srv.handler()) as srv.url:
        try:
            yield srv
        finally:
            srv.stopping.set()  # ends the streams still sending, so the server can stop
    assert not srv.errors, srv.errors
