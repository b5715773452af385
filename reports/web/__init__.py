"""The web dashboard (`brandpulse serve`): `create_app(engine, model_id=..., brands=...)` returns the ASGI app."""

from brandpulse.reports.web.app import create_app
from brandpulse.reports.web.security import check_bind, is_loopback

__all__ = ["check_bind", "create_app", "is_loopback"]
