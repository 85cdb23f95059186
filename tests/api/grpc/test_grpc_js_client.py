"""A Node app's binary gRPC client (@grpc/grpc-js with @grpc/proto-loader loading the
committed proto): its FieldMask is a message, so a mask entry may quote a map key."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

from tests.conftest import GatewayServer, PoolFactory
from tests.support.tools import NODE_MODULES, ROOT

CLIENT = ROOT / "tests" / "support" / "node" / "grpc_client.js"


async def grpc_js(port: int, method: str, body: dict[str, Any]) -> tuple[int, Any]:
    assert (NODE_MODULES / "@grpc" / "grpc-js").exists(), "bash tests/setup.sh installs grpc-js"
    process = await asyncio.create_subprocess_exec(
        "node", str(CLIENT), f"127.0.0.1:{port}", method, json.dumps(body),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert out.strip(), err.decode()
    return process.returncode or 0, json.loads(out)


def tag_update(pool_id: str, tags: dict[str, str], mask: list[str]) -> dict[str, Any]:
    return {"userPool": {"id": pool_id, "userPoolTags": tags}, "updateMask": {"paths": mask}}


async def test_tags_named_like_aws_tags_are_set_and_deleted_key_by_key(
    grpc_server: tuple[GatewayServer, int],
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    before = (await describe(pool_id))["UserPoolTags"]
    named = {"Name": "sign-in", "CostCenter": "4711", "cost-center": "ops"}
    mask = ["user_pool_tags.Name", "user_pool_tags.CostCenter", "user_pool_tags.`cost-center`"]
    code, answer = await grpc_js(grpc_server[1], "UpdateUserPool", tag_update(pool_id, named, mask))
    assert code == 0, answer
    assert (await describe(pool_id))["UserPoolTags"] == {**before, **named}
    assert {c["path"] for c in answer["changes"]} == set(mask)

    code, answer = await grpc_js(grpc_server[1], "UpdateUserPool", tag_update(pool_id, {}, mask))
    assert code == 0, answer
    after = (await describe(pool_id))["UserPoolTags"]
    assert after == {k: v for k, v in before.items() if k not in named}


async def test_a_value_no_mask_path_names_is_invalid_argument(
    grpc_server: tuple[GatewayServer, int],
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    before = await describe(pool_id)
    body = tag_update(pool_id, {"Name": "x", "owner": "y"}, ["user_pool_tags.owner"])
    code, error = await grpc_js(grpc_server[1], "UpdateUserPool", body)
    assert code == 1 and error["code"] == "INVALID_ARGUMENT", error
    assert "user_pool.user_pool_tags" in error["details"] and "Name" in error["details"]
    assert (await describe(pool_id))["UserPoolTags"] == before["UserPoolTags"]
