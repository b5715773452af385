"""`/metrics`: the dashboard's own Prometheus series (requests and their latency per route), so its
speed is watched where it runs. Each app has its own registry: two apps in one process stay apart."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from brandpulse.reports.web.deps import Guarded

router = APIRouter(include_in_schema=False, dependencies=Guarded)


class RequestMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("brandpulse_dashboard_requests", "Dashboard requests answered",
                                ["route", "status"], registry=self.registry)
        self.seconds = Histogram("brandpulse_dashboard_request_seconds", "Time to answer a dashboard request",
                                 ["route"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", None) or "unmatched"  # the template (/api/brands/{brand}), not the URL
        self.requests.labels(name, str(response.status_code)).inc()
        self.seconds.labels(name).observe(time.perf_counter() - started)
        return response


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
