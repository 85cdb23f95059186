"""``GET /pools/{id}/public-settings``: a pool's public settings as cacheable JSON (and,
with the same endpoint class, an app client's frontend configuration: see
``api/frontend_config.py``).

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
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.api.admission import Admission
from gateway.api.http import graphql_error_response, peer_of, refused
from gateway.api.public_schema import public_settings_schema
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.context import caller
from gateway.runtime import Runtime
from gateway.service.access import Principal
from gateway.service.public import PublicView

PATH = "/pools/{pool_id}/public-settings"
ROUTE = re.compile(r"^/pools/([^/]+)/public-settings$")
# What a route's view is read with: the runtime, the caller (None: no credentials), the ids.
ViewLoader = Callable[[Runtime, Principal | None, tuple[str, ...]], Awaitable[PublicView]]


async def _public_settings(
    runtime: Runtime, principal: Principal | None, ids: tuple[str, ...]
) -> PublicView:
    return await runtime.service.public.get(principal, ids[0])


class PublicSettingsEndpoint:
    """A public view's route as a plain ASGI endpoint, which ``HttpApp`` sends a matching
    GET to before FastAPI: pages call it on every view, and FastAPI's middleware and
    parameter solving cost a quarter of a hot read (``bench/``). FastAPI still describes
    it in ``/openapi.json`` (:func:`describe`). ``route``: its path, the ids in groups."""

    def __init__(
        self,
        admission: Admission,
        runtime: Runtime | None,
        max_age: float,
        route: re.Pattern[str] = ROUTE,
        load: ViewLoader = _public_settings,
    ) -> None:
        self._admission = admission
        self._runtime = runtime
        self._max_age = max_age
        self._route = route
        self._load = load

    def ids_of(self, scope: Scope) -> tuple[str, ...] | None:
        """The ids of a GET of this route, or None."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        found = self._route.match(scope["path"])
        return found.groups() if found else None

    async def respond(
        self, ids: tuple[str, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer a GET that :meth:`ids_of` matched to ``ids``."""
        response = await self.answer(Request(scope, receive), *ids)
        await response(scope, receive, send)

    async def answer(self, request: Request, *ids: str) -> Response:
        if self._runtime is None:
            raise RuntimeError("no runtime: this app only lists its routes")
        public = self._runtime.service.public
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            admitted = await self._admission.admit(headers, peer_of(request.scope), public=True)
        except GatewayError as refusal:
            return refused(refusal)
        principal = None if admitted.public else admitted.principal
        token = caller.set(admitted.key)  # its upstream calls take places of this caller's share
        try:
            view = await self._load(self._runtime, principal, ids)
        except GatewayError as error:
            return _failed(error)
        finally:
            caller.reset(token)
        etag = f'"{view.tag}"'
        shared = public.allowed(None, ids[0])  # anyone may read it
        cache_control = f"{'public' if shared else 'private'}, max-age={int(self._max_age)}"
        common = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Authorization, X-API-Key"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=common)
        return Response(view.json, media_type="application/json", headers=common)


def describe(app: FastAPI, endpoint: PublicSettingsEndpoint) -> None:
    """The route in ``/openapi.json``, typed; it answers what the endpoint answers."""

    async def public_settings(pool_id: str, request: Request) -> Response:
        """A pool's public settings: what a sign-up or sign-in screen needs, nothing else.
        Credentials are optional; without any, only the pools of
        ``GATEWAY_PUBLIC_POOLS`` answer."""
        return await endpoint.answer(request, pool_id)

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
