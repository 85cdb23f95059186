"""ClientService over the in-memory Cognito, whose strict stand-in resets every member
UpdateUserPoolClient is not sent: a member kept here was kept because the gateway
sent it, not because an emulator merged it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from gateway.demo.seed import FULL_POOL, NATIVE_CLIENT, WEB_CLIENT, seed_clients
from gateway.errors import Argument, ErrorCode, GatewayError
from gateway.observability.metrics import Metrics
from gateway.runtime import Runtime, open_runtime
from gateway.service.access import Principal, normalize_scopes
from gateway.service.requests import WriteRequest
from gateway.settings import Settings
from tests.support.memory_cognito import InMemoryCognito

REGION = "eu-west-1"
WRITER = Principal("writer", "api-key", normalize_scopes(["pools:write"]))
ADMIN = Principal("admin", "api-key", normalize_scopes(["pools:admin"]))
VOLATILE = ("LastModifiedDate",)


@pytest.fixture
def cognito(memory_cognito: InMemoryCognito) -> InMemoryCognito:
    return memory_cognito


@pytest.fixture
def runtime(memory_runtime: Runtime) -> Runtime:
    return memory_runtime


async def web_client(cognito: InMemoryCognito) -> tuple[str, str]:
    pool_id = cognito.create(REGION, FULL_POOL)
    web, _ = await seed_clients(cognito, pool_id, REGION)
    return pool_id, web


def stable(client: dict[str, Any], *leave: str) -> dict[str, Any]:
    return {k: v for k, v in client.items() if k not in (*VOLATILE, *leave)}


async def test_a_naive_partial_update_wipes_the_callback_urls(cognito: InMemoryCognito) -> None:
    """The trap, on the stand-in: one member sent, everything else reset."""
    pool_id, client_id = await web_client(cognito)
    await cognito.call(
        REGION, "UpdateUserPoolClient", UserPoolId=pool_id, ClientId=client_id, ClientName="x"
    )
    wiped = cognito.strict.client(pool_id, client_id)
    assert "CallbackURLs" not in wiped and "AllowedOAuthFlows" not in wiped


@pytest.mark.parametrize(
    "patch",
    [
        {"ClientName": "acme-portal"},
        {"CallbackURLs": [*WEB_CLIENT["CallbackURLs"], "https://beta.acme.example.com/cb"]},
        {"AllowedOAuthScopes": ["openid", "email"]},
        {"AccessTokenValidity": 30},
        {"TokenValidityUnits": {"RefreshToken": "hours"}, "RefreshTokenValidity": 720},
        {"ReadAttributes": ["email", "name"]},
        {"AnalyticsConfiguration": {"UserDataShared": True}},
        {"LogoutURLs": None},
    ],
)
async def test_a_patch_changes_its_members_and_keeps_every_other(
    runtime: Runtime, cognito: InMemoryCognito, patch: dict[str, Any]
) -> None:
    pool_id, client_id = await web_client(cognito)
    before = cognito.strict.client(pool_id, client_id)
    result = await runtime.app_clients.update(WriteRequest(WRITER), pool_id, client_id, patch)
    after = cognito.strict.client(pool_id, client_id)
    assert stable(after, *patch) == stable(before, *patch)
    for member, value in patch.items():
        if isinstance(value, dict):
            assert after[member] == {**before[member], **value}
        else:
            assert after.get(member) == value
    assert {change.path[0] for change in result.changes} == set(patch)


async def test_the_secret_is_shown_to_admins_only(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id = cognito.create(REGION, FULL_POOL)
    created = await runtime.app_clients.create(
        ADMIN, pool_id, {"ClientName": "server", "GenerateSecret": True}
    )
    assert created.pool["ClientSecret"]
    client_id = created.pool["ClientId"]
    assert "ClientSecret" not in (await runtime.app_clients.get(WRITER, pool_id, client_id)).pool
    assert (await runtime.app_clients.get(ADMIN, pool_id, client_id)).pool["ClientSecret"]
    analytics = {"ApplicationId": "0123abcd", "RoleArn": "arn:aws:iam::1:role/r",
                 "ExternalId": "guard-value"}  # fmt: skip
    patched = await runtime.app_clients.update(
        WriteRequest(WRITER), pool_id, client_id, {"AnalyticsConfiguration": analytics}
    )
    assert "ClientSecret" not in patched.record.pool
    assert "guard-value" not in str(patched.record.pool)
    read = await runtime.app_clients.get(WRITER, pool_id, client_id)
    assert "guard-value" not in str(read.pool) and "ClientSecret" not in read.pool
    admin_view = await runtime.app_clients.get(ADMIN, pool_id, client_id)
    assert admin_view.pool["AnalyticsConfiguration"]["ExternalId"] == "guard-value"


async def test_unknown_attributes_are_refused_before_any_call(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id, client_id = await web_client(cognito)
    calls = len(cognito.calls)
    with pytest.raises(GatewayError) as raised:
        await runtime.app_clients.update(
            WriteRequest(WRITER), pool_id, client_id, {"WriteAttributes": ["email", "shoe_size"]}
        )
    error = raised.value
    assert error.field is not None
    assert (error.field.argument, error.field.path) == (
        Argument.UPDATE_CLIENT,
        ("WriteAttributes", "1"),
    )
    assert "UpdateUserPoolClient" not in cognito.calls[calls:]


async def test_dry_run_writes_nothing_and_shows_risk(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id, client_id = await web_client(cognito)
    before = cognito.strict.client(pool_id, client_id)
    result = await runtime.app_clients.update(
        WriteRequest(WRITER, dry_run=True),
        pool_id,
        client_id,
        {"AllowedOAuthFlows": ["code", "implicit"]},
    )
    assert result.dry_run and [c.risk.value for c in result.changes] == ["HIGH"]
    assert cognito.strict.client(pool_id, client_id) == before
    assert result.record.pool["AllowedOAuthFlows"] == ["code", "implicit"]


async def test_a_stale_if_version_writes_nothing(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id, client_id = await web_client(cognito)
    current = await runtime.app_clients.get(WRITER, pool_id, client_id)
    await runtime.app_clients.update(
        WriteRequest(WRITER), pool_id, client_id, {"ClientName": "moved-on"}
    )
    before = cognito.strict.client(pool_id, client_id)
    with pytest.raises(GatewayError) as raised:
        await runtime.app_clients.update(
            WriteRequest(WRITER, if_version=current.version),
            pool_id,
            client_id,
            {"ClientName": "stale"},
        )
    assert raised.value.code == ErrorCode.PRECONDITION_FAILED
    assert cognito.strict.client(pool_id, client_id) == before


async def test_concurrent_patches_of_one_client_lose_nothing(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id, client_id = await web_client(cognito)
    urls = [f"https://tenant{i}.acme.example.com/out" for i in range(6)]
    patches = [{"ClientName": "renamed"}, {"AccessTokenValidity": 15}, {"LogoutURLs": urls}]
    await asyncio.gather(
        *(
            runtime.app_clients.update(WriteRequest(WRITER), pool_id, client_id, patch)
            for patch in patches
        )
    )
    after = cognito.strict.client(pool_id, client_id)
    assert (after["ClientName"], after["AccessTokenValidity"], after["LogoutURLs"]) == (
        "renamed",
        15,
        urls,
    )
    assert after["CallbackURLs"] == WEB_CLIENT["CallbackURLs"]


async def test_listing_and_the_history_of_a_client(
    runtime: Runtime, cognito: InMemoryCognito
) -> None:
    pool_id, client_id = await web_client(cognito)
    page = await runtime.app_clients.list(WRITER, pool_id, page_size=1)
    assert page.has_next_page and len(page.clients) == 1
    rest = await runtime.app_clients.list(WRITER, pool_id, page_token=page.end_cursor)
    names = {c.summary["ClientName"] for c in [*page.clients, *rest.clients]}
    assert names == {WEB_CLIENT["ClientName"], NATIVE_CLIENT["ClientName"]}
    await runtime.app_clients.get(WRITER, pool_id, client_id)  # the first row: observed
    await runtime.app_clients.update(
        WriteRequest(WRITER), pool_id, client_id, {"EnableTokenRevocation": False}
    )
    key = f"{pool_id}/clients/{client_id}"
    assert runtime.app_clients.history is not None
    rows = await runtime.app_clients.history.store.page(key, 10, None)
    assert rows[0].changes == [{"path": ["EnableTokenRevocation"], "before": True, "after": False}]


async def test_the_secret_is_in_no_log_audit_or_history_row(
    cognito: InMemoryCognito, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    audit_file = tmp_path / "audit.jsonl"
    settings = Settings(
        region=REGION,
        history_url=f"sqlite+aiosqlite:///{tmp_path / 'history.db'}",
        audit_sink=f"file:{audit_file}",
    )
    async with open_runtime(settings, Metrics(), cognito=cognito) as runtime:
        pool_id = cognito.create(REGION, FULL_POOL)
        created = await runtime.app_clients.create(
            ADMIN, pool_id, {"ClientName": "server", "GenerateSecret": True}
        )
        secret, client_id = created.pool["ClientSecret"], created.pool["ClientId"]
        service = runtime.app_clients
        await service.update(WriteRequest(ADMIN), pool_id, client_id, {"ClientName": "s-2"})
        dry_run = WriteRequest(ADMIN, dry_run=True)
        await service.update(dry_run, pool_id, client_id, {"ClientName": "s-3"})
        assert service.history is not None
        key = f"{pool_id}/clients/{client_id}"
        rows = await service.history.store.page(key, 10, None)
    assert len(rows) == 2
    audit = audit_file.read_text()
    assert '"operation":"UpdateUserPoolClient"' in audit
    for written in (caplog.text, audit, repr(rows)):
        assert secret not in written
