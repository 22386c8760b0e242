"""The interactive API docs at ``/docs``: Swagger UI served from the installed package, no CDN.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN, so it is blank without internet. This
one serves the files of the ``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads the
OpenAPI 3.1 that FastAPI writes) by name, from a fixed list.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from services.kernel.errors import NotFound

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
ASSETS_URL = f"{DOCS_URL}/assets"
ASSETS_DIR = Path(str(swagger_ui_path))
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
# The files change only with the package; an hour keeps reloads cheap and upgrades visible.
ASSET_CACHE = "public, max-age=3600"

router = APIRouter(include_in_schema=False)


@router.get(DOCS_URL)
async def swagger_ui() -> HTMLResponse:
    """The Swagger UI page over this app's OpenAPI schema."""
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="DomTok API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        swagger_ui_parameters={"defaultModelsExpandDepth": 0},
    )


@router.get(f"{ASSETS_URL}/{{name}}")
async def swagger_asset(name: str) -> FileResponse:
    """A script, style sheet or icon of Swagger UI."""
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise NotFound(f"No docs asset {name}.")
    headers = {"Cache-Control": ASSET_CACHE}
    return FileResponse(ASSETS_DIR / name, media_type=media_type, headers=headers)
