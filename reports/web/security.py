"""Who may use the dashboard, and the headers every response carries.

With no token the app is meant for a loopback bind (`check_bind` refuses any other without one) and
answers only requests whose Host is a loopback name, which defeats DNS rebinding. With a token (or
password), every page and API call needs it: `Authorization: Bearer <token>`, HTTP Basic with the
token as password, or the session cookie set by /login. State-changing calls take JSON only, which a
cross-site form cannot send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse

SESSION_COOKIE = "brandpulse_session"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token or password."""
    if not is_loopback(host) and not token:
        raise ValueError(f"binding to {host} exposes the dashboard beyond this machine: configure a token or "
                         "password (dashboard.token, or --token / $BRANDPULSE_DASHBOARD_TOKEN)")


def host_name(header: str) -> str:
    """The host of a Host header, without its port: "127.0.0.1:8765" -> "127.0.0.1", "[::1]:80" -> "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def session_value(token: str) -> str:
    """The session cookie's value: derived from the token, so changing the token signs everyone out."""
    return hmac.new(token.encode(), b"brandpulse-dashboard-session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def authorised(request: Request, token: str) -> bool:
    """Whether the request carries the token (bearer, basic password or session cookie)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _same(credentials.strip(), token):
        return True
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return _same(password, token)
    return _same(request.cookies.get(SESSION_COOKIE, ""), session_value(token))


def safe_next(target: str | None) -> str:
    """A same-site path to go to after signing in ("/" for anything else, such as //evil.example)."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


async def hardening(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Middleware: JSON-only state changes, and the headers that keep pages from being sniffed or framed."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if request.method == "POST" and request.url.path.startswith("/api/") and content_type != "application/json":
        return JSONResponse({"detail": "send JSON (Content-Type: application/json)"}, 415)
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.headers.get("content-type", "").startswith("text/html"):  # /docs sets its own
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
