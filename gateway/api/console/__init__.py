"""The console at ``/console``: a page for people, built on the GraphQL API.

Its script and stylesheet are files of this package, served by the gateway itself
(nothing from a CDN: it works on an internal network) with Subresource Integrity
hashes computed from the files, and a Content-Security-Policy that lets the page
reach this gateway only. It holds no state and no credentials of its own: the
caller's key or token is kept in the tab's sessionStorage and sent with every
GraphQL request, so the console can do exactly what that caller may.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

ASSETS = Path(__file__).parent / "assets"
PAGE = "/console"
PREFIX = "/console-assets/"
FILES = ("console.js", "console.css")
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@cache
def integrity() -> dict[str, str]:
    """``{file: "sha384-..."}``: what the page's ``integrity`` attributes hold."""
    return {
        name: "sha384-"
        + base64.b64encode(hashlib.sha384((ASSETS / name).read_bytes()).digest()).decode()
        for name in FILES
    }


@cache
def page() -> str:
    html = (ASSETS / "console.html").read_text()
    for name, value in integrity().items():
        html = html.replace("{{" + name + "}}", value)
    return html


async def console_page(request: Request) -> Response:
    return HTMLResponse(
        page(), headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-cache"}
    )


async def console_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        return Response(status_code=404)
    return FileResponse(ASSETS / name, headers={"Cache-Control": "no-cache"})


def console_routes() -> list[Route]:
    return [
        Route(PAGE, console_page, methods=["GET"]),
        Route(PREFIX + "{name}", console_asset, methods=["GET"]),
    ]
