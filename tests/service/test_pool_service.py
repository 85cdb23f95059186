"""PoolService called directly, no HTTP: the checks every surface gets for free.

A second surface (gRPC) calls these same methods; these tests pin what it
inherits: scopes, pool allow-lists, admin-only members, the visibility filter
of listings, the audit event of every write, the record of what an answer
read, and errors as botocore paths (no surface's naming).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import Argument, ErrorCode, Field, GatewayError
from gateway.observability.metrics import Metrics
from gateway.runtime import open_runtime
from gateway.service.access import Principal, normalize_scopes
from gateway.service.pools import ListedPool, PoolService
from gateway.service.reads import reads
from gateway.service.requests import WriteRequest
from gateway.settings import Settings
from tests.conftest import REGION, PoolFactory
from tests.support.fault_proxy import FaultProxy


def principal(name: str, scope: str, pools: tuple[str, ...] = ("*",)) -> Principal:
    return Principal(name=name, kind="api-key", scopes=normalize_scopes([scope]), pools=pools)


READER = principal("reader", "pools:read")
WRITER = principal("writer", "pools:write")
ADMIN = principal("admin", "pools:admin")
OTHER_REGION = principal("other-team", "pools:admin", ("us-east-1_*",))


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


@pytest.fixture
async def service(proxy: FaultProxy, audit_log: Path) -> AsyncIterator[PoolService]:
    settings = Settings(
        region=REGION,
        cognito_endpoint_url=proxy.url,
        cache_ttl_seconds=30,
        upstream_max_attempts=1,
        audit_sink=f"file:{audit_log}",
    )
    async with open_runtime(settings, Metrics()) as runtime:
        yield runtime.service


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def refused(call: Any) -> GatewayError:
    with pytest.raises(GatewayError) as error:
        await call
    return error.value


async def test_reads_need_the_read_scope_and_a_matching_pool_pattern(
    service: PoolService, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    assert (await service.get(READER, pool_id)).pool["Id"] == pool_id
    nobody = Principal(name="nobody", kind="api-key", scopes=frozenset())
    assert (await refused(service.get(nobody, pool_id))).code == ErrorCode.FORBIDDEN
    outside = await refused(service.get(OTHER_REGION, pool_id))
    assert (outside.code, outside.field) == (ErrorCode.FORBIDDEN, Field(Argument.POOL_ID))


async def test_a_read_records_the_pool_state_the_answer_depends_on(
    service: PoolService, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    seen: dict[str, str] = {}
    token = reads.set(seen)
    try:
        record = await service.get(READER, pool_id)
    finally:
        reads.reset(token)
    assert seen == {pool_id: record.document_tag}


async def test_listings_show_only_the_pools_a_principal_may_see(
    service: PoolService, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()

    async def every_page(who: Principal, describe: bool = False) -> list[ListedPool]:
        listed, token = [], None
        while True:
            page = await service.list(who, page_size=60, page_token=token, describe=describe)
            listed += page.pools
            if not page.has_next_page:
                return listed
            token = page.end_cursor

    everything = await every_page(READER)
    assert pool_id in {p.summary["Id"] for p in everything}
    assert all(p.record is None for p in everything)  # summaries only: no describes
    assert await every_page(OTHER_REGION) == []
    described = await every_page(READER, describe=True)
    full = next(p for p in described if p.summary["Id"] == pool_id)
    assert full.record is not None and full.record.pool["DeletionProtection"] == "ACTIVE"


async def test_sensitive_members_need_admin_and_nothing_is_written(
    service: PoolService, new_full_pool: PoolFactory, proxy: FaultProxy, audit_log: Path
) -> None:
    pool_id = await new_full_pool()
    inactive = {"DeletionProtection": "INACTIVE"}
    error = await refused(service.update(WriteRequest(WRITER), pool_id, inactive))
    assert (error.code, error.field) == (
        ErrorCode.FORBIDDEN,
        Field(Argument.UPDATE, ("DeletionProtection",)),
    )
    tagged = {"UserPoolTags": {"a": "b"}}
    refusal = await refused(service.update(WriteRequest(READER), pool_id, tagged))
    assert refusal.code == ErrorCode.FORBIDDEN
    assert proxy.count("UpdateUserPool") == 0
    assert [(e["principal"]["name"], e["outcome"]) for e in events(audit_log)] == [
        ("writer", "forbidden"),
        ("reader", "forbidden"),
    ]


async def test_an_update_is_audited_with_botocore_paths_and_errors_name_botocore_paths(
    service: PoolService, new_full_pool: PoolFactory, audit_log: Path
) -> None:
    pool_id = await new_full_pool()
    owner = {"UserPoolTags": {"owner": "alice"}}
    result = await service.update(WriteRequest(WRITER), pool_id, owner)
    assert [(c.path, c.after) for c in result.changes] == [(("UserPoolTags", "owner"), "alice")]
    bad = {"Policies": {"PasswordPolicy": {"MinimumLength": 2}}}
    error = await refused(service.update(WriteRequest(WRITER), pool_id, bad))
    assert (error.code, error.rule) == (ErrorCode.BAD_USER_INPUT, "min")
    assert error.field == Field(Argument.UPDATE, ("Policies", "PasswordPolicy", "MinimumLength"))
    assert "patch" not in error.message and "minimumLength" not in error.message
    done, failed = events(audit_log)
    assert (done["operation"], done["outcome"], done["changes"]) == (
        "UpdateUserPool",
        "succeeded",
        [{"path": "UserPoolTags[owner]", "before": None, "after": "alice"}],
    )
    assert (failed["outcome"], failed["errorCode"], failed["requested"]) == (
        "failed",
        "BAD_USER_INPUT",
        ["Policies.PasswordPolicy.MinimumLength"],
    )


async def test_create_checks_rights_and_the_request_before_calling_cognito(
    service: PoolService, proxy: FaultProxy, audit_log: Path
) -> None:
    refused_region = await refused(service.create(OTHER_REGION, {"PoolName": "x"}))
    assert refused_region.code == ErrorCode.FORBIDDEN
    sensitive = await refused(
        service.create(WRITER, {"PoolName": "x", "DeletionProtection": "ACTIVE"})
    )
    assert sensitive.field == Field(Argument.CREATE, ("DeletionProtection",))
    invalid = await refused(
        service.create(WRITER, {"PoolName": "x", "UserPoolTags": {"aws:a": "b"}})
    )
    assert (invalid.field, invalid.rule) == (
        Field(Argument.CREATE, ("UserPoolTags", "aws:a")),
        "reserved",
    )
    assert proxy.count("CreateUserPool") == 0
    created = await service.create(WRITER, {"PoolName": "service-level"})
    assert (await service.get(READER, str(created.pool["Id"]))).pool["Name"] == "service-level"
    assert [e["outcome"] for e in events(audit_log)] == [
        "forbidden",
        "forbidden",
        "failed",
        "succeeded",
    ]


async def test_an_interactive_read_goes_before_a_listings_fan_out(
    proxy: FaultProxy, new_full_pool: PoolFactory, audit_log: Path
) -> None:
    """A listing that describes a page of pools must not hold the read quota while a
    single-pool read waits behind it: the fan-out queues at most two calls ahead."""
    for _ in range(12):
        await new_full_pool()  # at least a page of pools nobody has read yet
    wanted = await new_full_pool()
    settings = Settings(
        region=REGION,
        cognito_endpoint_url=proxy.url,
        quota_reads_per_second=5,
        audit_sink=f"file:{audit_log}",
        grpc=False,
    )
    async with open_runtime(settings, Metrics()) as runtime:
        proxy.reset()
        listing = asyncio.create_task(runtime.service.list(READER, page_size=12, describe=True))
        await asyncio.sleep(0.5)  # the fan-out is under way, most of it still queued
        sent_before = len(proxy.requests("DescribeUserPool"))
        await runtime.service.get(READER, wanted)
        order = [r["UserPoolId"] for r in proxy.requests("DescribeUserPool")]
        await listing
    assert sent_before < 12  # the listing was still describing
    assert order.index(wanted) - sent_before <= 2, (sent_before, order.index(wanted))
