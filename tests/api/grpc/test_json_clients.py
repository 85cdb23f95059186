"""JSON gRPC clients nobody here wrote: buf curl, through server reflection, no proto file.

A JSON client's FieldMask is camelCase and cannot quote a map key, so tags such as
``Name``, ``CostCenter`` and ``cost-center`` are set and deleted by naming the whole
map, which replaces it (AIP-134); a value that no mask path names is refused.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL, WEB_CLIENT
from tests.api.grpc.test_readme_examples import examples
from tests.conftest import REGION, GatewayServer, PoolFactory
from tests.support.tools import BUF

SERVICE = "cognito_gateway.v1.UserPoolService"
CLIENT_SERVICE = "cognito_gateway.v1.UserPoolClientService"


async def buf_curl(
    port: int, method: str, body: dict[str, Any] | str, service: str = SERVICE
) -> tuple[int, Any]:
    """Runs ``buf curl`` (gRPC, reflection); the answer or the error it prints, as JSON."""
    data = body if isinstance(body, str) else json.dumps(body)
    process = await asyncio.create_subprocess_exec(
        str(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", data,
        f"http://127.0.0.1:{port}/{service}/{method}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=Path("/"),
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    printed = (out or err).decode()
    assert printed.strip(), f"buf curl printed nothing (exit {process.returncode})"
    return process.returncode or 0, json.loads(printed)


async def set_tags(port: int, pool_id: str, tags: dict[str, str]) -> tuple[int, Any]:
    body = {"userPool": {"id": pool_id, "userPoolTags": tags}, "updateMask": "userPoolTags"}
    return await buf_curl(port, "UpdateUserPool", body)


async def test_tags_named_like_aws_tags_are_set_and_deleted_by_naming_the_whole_map(
    grpc_server: tuple[GatewayServer, int],
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    named = {"Name": "sign-in", "CostCenter": "4711", "cost-center": "ops"}
    kept = {k: v for k, v in (await describe(pool_id))["UserPoolTags"].items() if k not in named}
    wanted = {**kept, **named}
    code, answer = await set_tags(grpc_server[1], pool_id, wanted)
    assert code == 0, answer
    assert (await describe(pool_id))["UserPoolTags"] == wanted
    assert answer["userPool"]["userPoolTags"] == wanted
    paths = {"user_pool_tags.Name", "user_pool_tags.CostCenter", "user_pool_tags.`cost-center`"}
    assert {c["path"] for c in answer["changes"]} == paths

    code, answer = await set_tags(grpc_server[1], pool_id, kept)
    assert code == 0, answer
    assert (await describe(pool_id))["UserPoolTags"] == kept
    assert {c["path"]: c.get("after") for c in answer["changes"]} == dict.fromkeys(paths)


async def test_a_value_no_mask_path_names_is_invalid_argument_and_changes_nothing(
    grpc_server: tuple[GatewayServer, int],
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    before = await describe(pool_id)
    body = {
        "userPool": {"id": pool_id, "userPoolTags": {"CostCenter": "4711"}},
        "updateMask": "userPoolTags.costCenter",  # camelCase: becomes user_pool_tags.cost_center
    }
    code, error = await buf_curl(grpc_server[1], "UpdateUserPool", body)
    assert code != 0
    assert error["code"] == "invalid_argument"
    assert "user_pool.user_pool_tags" in error["message"]
    assert (await describe(pool_id))["UserPoolTags"] == before["UserPoolTags"]


async def test_an_answer_spells_an_enum_one_way_in_the_pool_and_in_its_changes(
    grpc_server: tuple[GatewayServer, int], new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    body = {
        "userPool": {
            "id": pool_id,
            "deletionProtection": "DELETION_PROTECTION_TYPE_INACTIVE",
            "autoVerifiedAttributes": ["VERIFIED_ATTRIBUTE_TYPE_EMAIL"],
        },
        "updateMask": "deletionProtection,autoVerifiedAttributes",
        "validateOnly": True,
    }
    code, answer = await buf_curl(grpc_server[1], "UpdateUserPool", body)
    assert code == 0, answer
    pool, changes = answer["userPool"], {c["path"]: c for c in answer["changes"]}
    assert changes["deletion_protection"]["before"] == "DELETION_PROTECTION_TYPE_ACTIVE"
    assert changes["deletion_protection"]["after"] == pool["deletionProtection"]
    assert changes["auto_verified_attributes"]["before"] == [
        "VERIFIED_ATTRIBUTE_TYPE_EMAIL",
        "VERIFIED_ATTRIBUTE_TYPE_PHONE_NUMBER",
    ]
    assert changes["auto_verified_attributes"]["after"] == pool["autoVerifiedAttributes"]


async def test_error_details_print_as_readable_json(
    grpc_server: tuple[GatewayServer, int], new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    body = {
        "userPool": {"id": pool_id, "policies": {"passwordPolicy": {"minimumLength": 3}}},
        "updateMask": "policies.passwordPolicy.minimumLength",
    }
    code, error = await buf_curl(grpc_server[1], "UpdateUserPool", body)
    assert code != 0 and error["code"] == "invalid_argument"
    readable = [d["debug"] for d in error["details"] if "debug" in d]
    assert readable, f"every detail printed as base64: {error['details']}"
    [detail] = readable
    assert detail["google.rpc.ErrorInfo"]["reason"] == "BAD_USER_INPUT"
    [violation] = detail["google.rpc.BadRequest"]["fieldViolations"]
    assert violation["field"] == "update_mask.paths[0]"
    assert "at least 6" in violation["description"]


async def test_the_readme_grpcurl_examples_run_as_they_are_through_buf_curl(
    grpc_server: tuple[GatewayServer, int], new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    for body, method in examples():
        request = body.replace("eu-west-1_...", pool_id)
        code, answer = await buf_curl(grpc_server[1], method, request)
        assert code == 0, answer
        pool = answer.get("userPool", answer)
        assert pool["id"] == pool_id
        if method == "UpdateUserPool":
            assert pool["policies"]["passwordPolicy"]["minimumLength"] == 14
            assert pool["userPoolTags"]["owner"] == "alice"
            assert pool["etag"]


def test_reflection_serves_the_error_detail_types_for_grpcurl(
    grpc_server: tuple[GatewayServer, int],
) -> None:
    """grpcurl decodes details with the types reflection serves: google.rpc's are there."""
    with grpc.insecure_channel(f"127.0.0.1:{grpc_server[1]}") as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        for name in ("google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo"):
            found = database.FindFileContainingSymbol(name)
            assert found.name == "google/rpc/error_details.proto", name


async def test_an_app_client_patched_from_a_json_client(
    grpc_server: tuple[GatewayServer, int], cognito: CognitoClients
) -> None:
    """The clients' service through reflection: a camelCase mask changes one member."""
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    name = f"userPools/{pool_id}/clients/{created['UserPoolClient']['ClientId']}"
    body = {"userPoolClient": {"name": name, "accessTokenValidity": 30},
            "updateMask": "accessTokenValidity"}  # fmt: skip
    code, answer = await buf_curl(grpc_server[1], "UpdateUserPoolClient", body, CLIENT_SERVICE)
    assert code == 0, answer
    client = answer["userPoolClient"]
    assert (client["accessTokenValidity"], client["callbackUrls"]) == (
        30,
        WEB_CLIENT["CallbackURLs"],
    )
    assert client["tokenValidityUnits"]["accessToken"] == "TIME_UNITS_TYPE_MINUTES"
