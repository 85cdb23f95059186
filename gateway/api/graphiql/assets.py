"""GraphiQL's assets, served by the gateway itself: the page works without internet access.

The files are pinned copies from the npm registry (``scripts/fetch_graphiql_assets.py``
fetches and integrity-checks them; licences beside them). The page strawberry
renders loads them from unpkg.com; :func:`localized` points every such URL at
``/graphiql-assets/<name>``, keeping the page's integrity attributes, which
the copies match.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

ASSETS = Path(__file__).parent / "assets"
PREFIX = "/graphiql-assets/"


@cache
def manifest() -> dict[str, str]:
    """``{CDN URL: local file name}`` for every pinned asset."""
    packages = json.loads((ASSETS / "manifest.json").read_text())["packages"]
    return {
        f"https://unpkg.com/{p['name']}@{p['version']}/{f['path']}": f["name"]
        for p in packages
        for f in p["files"]
    }


def localized(html: str) -> str:
    for url, name in manifest().items():
        html = html.replace(url, PREFIX + name)
    return html


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in manifest().values():
        return Response(status_code=404)
    return FileResponse(
        ASSETS / name, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )


def asset_route() -> Route:
    return Route(PREFIX + "{name}", asset, methods=["GET"])
