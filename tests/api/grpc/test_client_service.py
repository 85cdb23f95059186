"""UserPoolClientService from a binary grpc.aio client: masks that change one member at
a time (checked with a direct DescribeUserPoolClient against the emulator and against
the strict stand-in), AIP-122 names, errors that name the request field."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL, WEB_CLIENT
from tests.api.grpc.conftest import PB, SERVICES, details
from tests.conftest import REGION, GatewayServer
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port
from tests.support.strict_cognito import StrictCognito

# (the UserPoolClient fields to send, the mask, the DescribeUserPoolClient members it changes)
ONE_MEMBER: list[tuple[dict[str, Any], list[str], set[str]]] = [
    ({"client_name": "acme-portal"}, ["client_name"], {"ClientName"}),
    ({"callback_urls": [*WEB_CLIENT["CallbackURLs"], "https://beta.acme.example.com/cb"]},
     ["callback_urls"], {"CallbackURLs"}),
    ({"allowed_o_auth_scopes": ["openid"]}, ["allowed_o_auth_scopes"], {"AllowedOAuthScopes"}),
    ({"access_token_validity": 20}, ["access_token_validity"], {"AccessTokenValidity"}),
    ({"token_validity_units": PB.TokenValidityUnits(
        refresh_token=PB.TIME_UNITS_TYPE_HOURS), "refresh_token_validity": 48},
     ["token_validity_units.refresh_token", "refresh_token_validity"],
     {"TokenValidityUnits", "RefreshTokenValidity"}),
    ({"read_attributes": ["email"]}, ["read_attributes"], {"ReadAttributes"}),
    ({}, ["logout_urls"], {"LogoutURLs"}),
]  # fmt: skip
VOLATILE = {"LastModifiedDate"}


@pytest.fixture(scope="module")
def server(start_gateway: Callable[..., GatewayServer]) -> tuple[GatewayServer, int]:
    port = free_port()
    return start_gateway(grpc=True, grpc_port=port, cache_ttl_seconds=0), port


@pytest.fixture
async def clients_stub(server: tuple[GatewayServer, int]) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server[1]}") as channel:
        yield SERVICES.UserPoolClientServiceStub(channel)


@pytest.fixture
def strict(proxy: FaultProxy) -> Iterator[StrictCognito]:
    stand_in = StrictCognito()
    proxy.stand_in(stand_in)
    yield stand_in


def name_of(pool_id: str, client_id: str) -> str:
    return f"userPools/{pool_id}/clients/{client_id}"


def stable(client: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    return {k: v for k, v in client.items() if k not in allowed | VOLATILE}


async def update(stub: Any, name: str, fields: dict[str, Any], paths: list[str]) -> Any:
    request = PB.UpdateUserPoolClientRequest(
        user_pool_client=PB.UserPoolClient(name=name, **fields),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
    )
    return await stub.UpdateUserPoolClient(request)


async def test_one_member_at_a_time_against_the_emulator(
    clients_stub: Any, cognito: CognitoClients
) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    client_id = created["UserPoolClient"]["ClientId"]

    async def described() -> dict[str, Any]:
        answer = await cognito.call(
            REGION, "DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id
        )
        client: dict[str, Any] = answer["UserPoolClient"]
        return client

    for fields, paths, allowed in ONE_MEMBER:
        before = await described()
        answer = await update(clients_stub, name_of(pool_id, client_id), fields, paths)
        assert stable(await described(), allowed) == stable(before, allowed), paths
        assert answer.user_pool_client.name == name_of(pool_id, client_id)
        assert answer.user_pool_client.etag


async def test_one_member_at_a_time_against_the_strict_stand_in(
    clients_stub: Any, strict: StrictCognito
) -> None:
    pool_id = f"{REGION}_{uuid.uuid4().hex[:10]}"
    strict.add({"Id": pool_id, "Name": "held", "SchemaAttributes": [{"Name": "email"}]})
    client = {**copy.deepcopy(WEB_CLIENT), "UserPoolId": pool_id, "ClientId": "grpcweb01"}
    client.pop("ReadAttributes")
    client.pop("WriteAttributes")
    client_id = strict.add_client(client)
    for fields, paths, allowed in ONE_MEMBER:
        before = strict.client(pool_id, client_id)
        await update(clients_stub, name_of(pool_id, client_id), fields, paths)
        assert stable(strict.client(pool_id, client_id), allowed) == stable(before, allowed)
    after = strict.client(pool_id, client_id)
    assert after["CallbackURLs"][-1] == "https://beta.acme.example.com/cb"
    assert after["AllowedOAuthFlows"] == ["code"]


async def test_get_list_and_errors_naming_the_request_field(
    clients_stub: Any, cognito: CognitoClients
) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    client_id = created["UserPoolClient"]["ClientId"]
    got = await clients_stub.GetUserPoolClient(
        PB.GetUserPoolClientRequest(name=name_of(pool_id, client_id))
    )
    assert list(got.callback_urls) == WEB_CLIENT["CallbackURLs"]
    assert got.token_validity_units.access_token == PB.TIME_UNITS_TYPE_MINUTES
    listed = await clients_stub.ListUserPoolClients(
        PB.ListUserPoolClientsRequest(parent=f"userPools/{pool_id}")
    )
    assert [c.name for c in listed.user_pool_clients] == [name_of(pool_id, client_id)]

    with pytest.raises(grpc.aio.AioRpcError) as bad_name:
        await clients_stub.GetUserPoolClient(PB.GetUserPoolClientRequest(name=pool_id))
    assert bad_name.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(bad_name.value)["violations"][0][0] == "name"

    with pytest.raises(grpc.aio.AioRpcError) as bad_value:
        await update(
            clients_stub,
            name_of(pool_id, client_id),
            {"token_validity_units": PB.TokenValidityUnits(access_token=PB.TIME_UNITS_TYPE_DAYS)},
            ["token_validity_units.access_token"],
        )
    assert bad_value.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    field, description = details(bad_value.value)["violations"][0]
    assert field == "update_mask.paths[0]" and "access tokens must last" in description

    with pytest.raises(grpc.aio.AioRpcError) as read_only:
        await update(clients_stub, name_of(pool_id, client_id), {}, ["client_secret"])
    assert details(read_only.value)["violations"][0][0] == "update_mask.paths[0]"


async def test_create_a_client(clients_stub: Any, cognito: CognitoClients) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await clients_stub.CreateUserPoolClient(
        PB.CreateUserPoolClientRequest(user_pool_id=pool_id, client_name="made-by-grpc")
    )
    assert created.name.startswith(f"userPools/{pool_id}/clients/")
    assert created.client_name == "made-by-grpc"
