"""The errors a listener raises. The service catches `ListenerError` per source, so one failing
source never stops the others.

Messages never contain a secret: an `AuthError` names the environment variable that holds the
credential, so the operator knows what to fix, and nothing else about it.
"""

from __future__ import annotations

from datetime import datetime


class ListenerError(Exception):
    """Base class of every error a listener raises on purpose."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message


class AuthError(ListenerError):
    """The API refused the credentials, or a required credential is missing.

    `env_vars` names the environment variable(s) the credential comes from (never its value).
    """

    def __init__(self, source: str, env_vars: str | tuple[str, ...] | list[str], detail: str = "") -> None:
        names = (env_vars,) if isinstance(env_vars, str) else tuple(env_vars)
        self.env_vars = names
        which = " or ".join(names) if names else "the source's credentials"
        text = f"authentication failed; check {which}"
        if detail:
            text += f" ({detail})"
        super().__init__(source, text)


class RateLimited(ListenerError):
    """The API keeps answering 429 and waiting longer would exceed the retry policy.

    The run stops cleanly; the cursor of the last stored batch stays valid, so the next scheduled
    run resumes where this one stopped. `retry_after` (seconds) and `reset_at` say when to come back
    when the API told us.
    """

    def __init__(self, source: str, message: str = "rate limited", *, retry_after: float | None = None,
                 reset_at: datetime | None = None) -> None:
        if retry_after is not None:
            message = f"{message} (retry in {retry_after:.0f}s)"
        super().__init__(source, message)
        self.retry_after = retry_after
        self.reset_at = reset_at


class SourceUnavailable(ListenerError):
    """Server errors or network failures that outlasted the retry policy, or an endpoint the
    account may not use (e.g. full-archive search on a plan without it)."""


class QuerySyntaxError(ListenerError, ValueError):
    """A brand's boolean expression could not be parsed; `position` is the 0-based offset."""

    def __init__(self, message: str, expression: str, position: int) -> None:
        pointer = f"\n  {expression}\n  {' ' * position}^"
        super().__init__("query", f"{message} at position {position}{pointer}")
        self.expression = expression
        self.position = position
        self.reason = message


class QueryNotSupported(ListenerError, ValueError):
    """A query cannot be compiled to a source's search syntax (too long, no positive term...)."""
