"""The API's schema (`/openapi.json`) and its documentation (`/docs`), served from this machine: Swagger
UI's files come from the `swagger-ui-bundle-v2` package, not from a CDN, so the docs work offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from brandpulse.reports.web.deps import Guarded

router = APIRouter(include_in_schema=False, dependencies=Guarded)
ASSETS = "/docs-assets"
#: Swagger UI sets inline styles and shows data: images; everything else still comes from this origin only.
DOCS_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
               "frame-ancestors 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BrandPulse API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><main id="swagger-ui"></main>
<script src="{assets}/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script></body></html>
"""


def assets() -> StaticFiles:
    return StaticFiles(directory=Path(str(swagger_ui_path)))


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE.format(assets=ASSETS), headers={"Content-Security-Policy": DOCS_POLICY})
