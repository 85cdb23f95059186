"""``GET /pools/{id}/public-settings``: a pool's public settings as cacheable JSON.

Credentials are optional here: without any, only the pools of
``GATEWAY_PUBLIC_POOLS`` answer; with invalid ones, 401. The answer has a
strong ``ETag`` (a hash of the public object itself), ``Cache-Control:
public, max-age`` of the describe cache period, and ``304`` for a matching
``If-None-Match``. Unknown and non-public pools get the same 404, which does
not echo the id.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.api.auth.middleware import Authenticator, credentials_presented
from gateway.api.http import graphql_error_response
from gateway.errors import ErrorCode, GatewayError
from gateway.service.runtime import Runtime


def public_settings_route(authenticate: Authenticator, max_age: float) -> Route:
    cache_control = f"public, max-age={int(max_age)}"

    async def endpoint(request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        principal = None
        if credentials_presented(headers):
            principal = await authenticate(headers)
            if principal is None:
                return graphql_error_response(
                    "missing or invalid credentials", ErrorCode.UNAUTHENTICATED, status=401
                )
        runtime: Runtime = request.app.state.runtime
        try:
            view = await runtime.service.public.get(principal, request.path_params["pool_id"])
        except GatewayError as error:
            if error.code != ErrorCode.NOT_FOUND:
                return graphql_error_response(error.message, error.code, status=502)
            return Response(
                orjson.dumps({"error": "not found"}),
                status_code=404,
                media_type="application/json",
            )
        etag = f'"{view.tag}"'
        common = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Authorization, X-API-Key"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=common)
        return Response(view.json, media_type="application/json", headers=common)

    return Route("/pools/{pool_id}/public-settings", endpoint, methods=["GET"])
