"""``GET /pools/{poolId}/clients/{clientId}/frontend-config``: what a browser app needs to
sign in with one app client, as the ``auth`` section of ``amplify_outputs.json``.

Served as public settings are (``api/public_settings.py``: the same endpoint class, before
FastAPI): optional credentials, the same access rules, a strong ETag, ``304`` for a
matching ``If-None-Match``, one 404 for unknown and non-public pools and clients alike.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from gateway.api.admission import Admission
from gateway.api.public_settings import RESPONSES, PublicSettingsEndpoint
from gateway.runtime import Runtime
from gateway.service.access import Principal
from gateway.service.public import PublicView

PATH = "/pools/{pool_id}/clients/{client_id}/frontend-config"
ROUTE = re.compile(r"^/pools/([^/]+)/clients/([^/]+)/frontend-config$")


async def _frontend_config(
    runtime: Runtime, principal: Principal | None, ids: tuple[str, ...]
) -> PublicView:
    return await runtime.app_clients.frontend.get(principal, ids[0], ids[1])


def frontend_config_endpoint(
    admission: Admission, runtime: Runtime | None, max_age: float
) -> PublicSettingsEndpoint:
    return PublicSettingsEndpoint(admission, runtime, max_age, ROUTE, _frontend_config)


SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "amplify_outputs.json (version 1) with its auth section; "
    "Amplify.configure takes it as it is. No secret.",
    "required": ["version", "auth"],
    "properties": {
        "version": {"type": "string"},
        "auth": {"type": "object"},
        "custom": {"type": "object"},
    },
}


def describe_frontend_config(app: FastAPI, endpoint: PublicSettingsEndpoint) -> None:
    """The route in ``/openapi.json``; it answers what the endpoint answers."""

    async def frontend_config(pool_id: str, client_id: str, request: Request) -> Response:
        """An app client's sign-in configuration for a browser app, in the shape of
        ``amplify_outputs.json`` (auth section), with the pool's public settings under
        ``custom``. The same access rules as public settings."""
        return await endpoint.answer(request, pool_id, client_id)

    responses = {**RESPONSES, 200: {
        "description": "The configuration, with a strong ETag.",
        "content": {"application/json": {"schema": SCHEMA}},
    }}  # fmt: skip
    app.add_api_route(
        PATH,
        frontend_config,
        methods=["GET"],
        response_class=Response,
        responses=responses,
        tags=["frontend configuration"],
    )
