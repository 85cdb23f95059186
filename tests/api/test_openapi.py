"""The plain HTTP endpoints are typed: ``/openapi.json`` describes them, and what they
answer validates against what it says (the public-settings schema comes from the
botocore model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import jsonschema
import pytest

from gateway.api.public_schema import public_settings_schema
from gateway.core.public import as_json, public_settings, public_tag
from tests.conftest import GatewayServer, PoolFactory
from tests.support.documents import load_real_pool, real_pool_files


def resolved(schema: dict, document: dict) -> dict:
    """The schema with its local ``$ref``s usable: bundle the document's components."""
    return {**schema, "components": document.get("components", {})}


async def test_openapi_describes_the_plain_endpoints_and_they_answer_as_described(
    start_gateway: Callable[..., GatewayServer], http: httpx.AsyncClient, new_full_pool: PoolFactory
) -> None:
    server = start_gateway(public_pools=["*"])
    document = (await http.get(f"{server.url}/openapi.json")).json()
    paths = document["paths"]
    assert {"/pools/{pool_id}/public-settings", "/healthz", "/readyz", "/metrics"} <= set(paths)
    pool_id = await new_full_pool()
    answer = await http.get(f"{server.url}/pools/{pool_id}/public-settings")
    assert answer.status_code == 200
    public = paths["/pools/{pool_id}/public-settings"]["get"]["responses"]
    schema = public["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(answer.json(), schema)
    assert answer.json()["passwordPolicy"]["minimumLength"] >= 6
    assert {"304", "401", "404", "429"} <= set(public)
    ready = paths["/readyz"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    readiness = (await http.get(f"{server.url}/readyz")).json()
    jsonschema.validate(readiness, resolved(ready, document))


async def test_the_schema_refuses_what_the_public_object_never_holds() -> None:
    schema = public_settings_schema()
    valid = {
        "id": "eu-west-1_abc",
        "signUpAttributes": [],
        "selfSignUpEnabled": True,
        "mfa": {"mode": "OFF", "factors": []},
        "accountRecovery": ["verified_email"],
        "version": "08e53b4370f1bcd35b5fd13e",
    }
    jsonschema.validate(valid, schema)
    for wrong in (
        {**valid, "smsConfiguration": {"externalId": "secret"}},  # not public, ever
        {**valid, "mfa": {"mode": "SOMETIMES", "factors": []}},  # not an enum value
    ):
        try:
            jsonschema.validate(wrong, schema)
        except jsonschema.ValidationError:
            continue
        raise AssertionError(f"accepted {wrong}")


@pytest.mark.parametrize("path", real_pool_files(), ids=lambda p: p.name)
def test_the_public_object_of_every_real_pool_fits_the_schema(path: Path) -> None:
    projection = public_settings(load_real_pool(path), None)
    jsonschema.validate(
        as_json(projection) | {"version": public_tag(projection)}, public_settings_schema()
    )
