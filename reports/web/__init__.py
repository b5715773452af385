"""The web dashboard (`brandpulse serve`): `create_app(engine, model_id=..., brands=...)` returns the ASGI app."""

from reports.web.app import check_bind, create_app, is_loopback

__all__ = ["check_bind", "create_app", "is_loopback"]
