"""``/docs`` (Swagger UI) served from this server alone, so it works offline.

FastAPI's own docs page loads Swagger UI's script and style sheet from a CDN: on a machine
without internet (or behind a firewall) the page stays blank. The files come instead from
the ``fastapi-offline`` package, which ships the same Swagger UI build; its ``FastAPIOffline``
factory returns a plain ``FastAPI``, and ours is ``FinTrackAPI`` (errors in the OpenAPI
document, headers around the 500 handler), so only its files are used, served here:

* ``/docs`` renders FastAPI's page (``get_swagger_ui_html``) with same-origin asset URLs;
* ``/docs/assets/{name}`` answers the three files the page loads, and nothing else;
* ``/docs/oauth2-redirect`` is FastAPI's redirect page, as before.

Same-origin assets also let the page's Content-Security-Policy (``fintrack_api.headers``)
name no other origin at all. A ``root_path`` (the API behind a proxy prefix) is kept in every
URL the page names.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from fintrack_api.problems import ApiError

DOCS_URL = "/docs"
REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
ASSET_FOLDER = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
          "swagger-ui.css": "text/css; charset=utf-8",
          "favicon.png": "image/png"}


def swagger_page(api: FastAPI, root_path: str) -> HTMLResponse:
    """The docs page as served under ``root_path`` (``""`` without a proxy prefix)."""
    assets = f"{root_path}{ASSETS_URL}"
    return get_swagger_ui_html(openapi_url=root_path + (api.openapi_url or ""),
                               title=f"{api.title} - Swagger UI",
                               oauth2_redirect_url=root_path + REDIRECT_URL,
                               swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                               swagger_css_url=f"{assets}/swagger-ui.css",
                               swagger_favicon_url=f"{assets}/favicon.png",
                               init_oauth=api.swagger_ui_init_oauth,
                               swagger_ui_parameters=api.swagger_ui_parameters)


def _root_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def install(api: FastAPI) -> None:
    """The docs routes, hidden from the OpenAPI document like FastAPI's own."""

    async def docs(request: Request) -> HTMLResponse:
        return swagger_page(api, _root_path(request))

    async def redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:  # only the listed files: no path from the URL reaches the disk
            raise ApiError(404, "not-found", "Not found", f"no docs asset named {name!r}")
        return FileResponse(ASSET_FOLDER / name, media_type=media_type)

    api.add_api_route(DOCS_URL, docs, include_in_schema=False)
    api.add_api_route(REDIRECT_URL, redirect, include_in_schema=False)
    api.add_api_route(ASSETS_URL + "/{name}", asset, include_in_schema=False)
