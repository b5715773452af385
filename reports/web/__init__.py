"""The web dashboard (`brandpulse serve`): `create_app(engine, model_id=..., brands=...)` returns the ASGI app."""

from reports.web.app import create_app
from reports.web.security import check_bind, is_loopback

__all__ = ["check_bind", "create_app", "is_loopback"]
