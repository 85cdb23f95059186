"""``GET /pools/{id}/public-settings``: a pool's public settings as cacheable JSON.

Credentials are optional here: without any, only the pools of
``GATEWAY_PUBLIC_POOLS`` answer; with invalid ones, 401. Every caller is rate
limited like on ``/graphql`` (a principal by name, anyone else by address).
The answer has a strong ``ETag`` (a hash of the public object itself),
``Cache-Control: public, max-age`` of the describe cache period (``private``
when only the credentials made the pool readable, so no shared cache serves it
to others), and ``304`` for a matching ``If-None-Match``. Unknown and
non-public pools get the same 404, which does not echo the id.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.api.admission import Admission
from gateway.api.http import graphql_error_response, peer_of, refused
from gateway.api.public_schema import public_settings_schema
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.context import caller
from gateway.runtime import Runtime

PATH = "/pools/{pool_id}/public-settings"


def add_public_settings_route(app: FastAPI, admission: Admission, max_age: float) -> None:
    """Served by a plain Starlette route; described by a FastAPI route of the same path
    placed after it, which requests never reach. FastAPI's per-request parameter solving
    cost about 15% of a hot read of this route (``bench/``), which pages call on every
    view; the document at ``/openapi.json`` is the same either way."""

    async def answer(request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            admitted = await admission.admit(headers, peer_of(request.scope), public=True)
        except GatewayError as refusal:
            return refused(refusal)
        principal = None if admitted.public else admitted.principal
        runtime: Runtime = request.app.state.runtime
        token = caller.set(admitted.key)  # its upstream calls take places of this caller's share
        try:
            view = await runtime.service.public.get(principal, pool_id)
        except GatewayError as error:
            return _failed(error)
        finally:
            caller.reset(token)
        etag = f'"{view.tag}"'
        shared = runtime.service.public.allowed(None, pool_id)  # anyone may read it
        cache_control = f"{'public' if shared else 'private'}, max-age={int(max_age)}"
        common = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Authorization, X-API-Key"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=common)
        return Response(view.json, media_type="application/json", headers=common)

    async def public_settings(pool_id: str, request: Request) -> Response:
        """A pool's public settings: what a sign-up or sign-in screen needs, nothing else.
        Credentials are optional; without any, only the pools of
        ``GATEWAY_PUBLIC_POOLS`` answer."""
        return await answer(request)

    app.router.routes.append(Route(PATH, answer, methods=["GET"]))
    app.add_api_route(
        PATH,
        public_settings,
        methods=["GET"],
        response_class=Response,
        responses=RESPONSES,
        tags=["public settings"],
    )


def _failed(error: GatewayError) -> Response:
    if error.code == ErrorCode.SERVICE_UNAVAILABLE:  # at capacity: come back soon
        retry = str(max(1, math.ceil(error.retry_after or 1)))
        return graphql_error_response(
            error.message, error.code, status=503, headers={"Retry-After": retry}
        )
    if error.code != ErrorCode.NOT_FOUND:
        return graphql_error_response(error.message, error.code, status=502)
    return Response(
        orjson.dumps({"error": "not found"}), status_code=404, media_type="application/json"
    )


ERROR = {"application/json": {"schema": {"type": "object"}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The public settings, with a strong ETag.",
        "content": {"application/json": {"schema": public_settings_schema()}},
    },
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
    401: {"description": "Credentials presented and refused.", "content": ERROR},
    404: {"description": "No public settings for this pool (unknown or not public)."},
    429: {"description": "Over the caller's rate; see Retry-After.", "content": ERROR},
    502: {"description": "Cognito answered with an error.", "content": ERROR},
    503: {"description": "At capacity; see Retry-After.", "content": ERROR},
}
