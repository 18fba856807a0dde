"""``/docs`` (Swagger UI) and ``/redoc`` from assets installed with the ledger.

FastAPI's own pages load their JavaScript, stylesheet and favicon from a CDN, so on a
machine without internet access (a ministry's internal network, an air-gapped demo)
they were blank. The assets here come from the `fastapi-offline` package (a pinned
dependency), served under ``/docs/assets/``: the pages ask for nothing but this origin.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"

SWAGGER_UI_PARAMETERS = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
    # Swagger UI otherwise sends the document to a public validator for its badge.
    "validatorUrl": None,
}


# ReDoc's footer shows a logo it loads from a CDN, whatever its options: its bundle is
# served with that one address replaced by an empty inline image.
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


def redoc_bundle() -> bytes:
    return (ASSETS / "redoc.standalone.js").read_bytes().replace(REDOC_CDN_LOGO, EMPTY_IMAGE)


# The pages' own inline set-up script and styles, the assets, the document; nothing
# from another origin, should a later bundle ask for something again.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = PAGE_POLICY
    return page


def install(app: FastAPI) -> None:
    """Serve the two pages and their assets; create ``app`` with ``docs_url=None`` and
    ``redoc_url=None`` so that FastAPI's CDN pages are not there too."""
    bundle = redoc_bundle()

    # Before the mount, which would serve the bundle as it is.
    @app.api_route(
        f"{ASSETS_URL}/redoc.standalone.js", methods=["GET", "HEAD"], include_in_schema=False
    )
    def redoc_script() -> Response:
        return Response(
            bundle,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    def prefix(request: Request) -> str:
        return str(request.scope.get("root_path", ""))

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = prefix(request)
        return _offline(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - API documentation",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
            )
        )

    @app.api_route("/redoc", methods=["GET", "HEAD"], include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = prefix(request)
        return _offline(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - API reference",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )
