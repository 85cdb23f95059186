"""The README's grpcurl examples are valid protobuf JSON, and run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from tests.api.grpc.conftest import PB
from tests.conftest import PoolFactory

README = Path(__file__).resolve().parents[3] / "README.md"
EXAMPLE = re.compile(
    r"grpcurl -plaintext -d '(.*?)' \S+ cognito_gateway\.v1\.UserPoolService/(\w+)", re.S
)


def examples() -> list[tuple[str, str]]:
    found = EXAMPLE.findall(README.read_text())
    assert len(found) >= 2, "the README's grpcurl examples moved"
    return found


async def test_every_grpcurl_example_parses_as_protobuf_json_and_runs(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    for body, method in examples():
        request_type = getattr(PB, f"{method}Request")
        request = json_format.Parse(body.replace("eu-west-1_...", pool_id), request_type())
        answer = await getattr(stub, method)(request)
        if method == "UpdateUserPool":
            assert list(request.update_mask.paths) == [
                "policies.password_policy.minimum_length",
                "user_pool_tags.owner",
                "user_pool_tags.env",
            ]
            assert answer.user_pool.policies.password_policy.minimum_length == 14
            assert answer.user_pool.user_pool_tags["owner"] == "alice"
            assert "env" not in answer.user_pool.user_pool_tags
