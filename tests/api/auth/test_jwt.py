"""Real signed tokens against a JWKS served on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.api.auth import tokens
from tests.conftest import GatewayServer
from tests.support.fault_proxy import FaultProxy
from tests.support.jwks import JwksServer, SigningKey, claims

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Issuer1"
AUDIENCE = "gateway-clients"
QUERY = {"query": "{ userPools(first: 1) { nodes { id } } }"}


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return SigningKey("rsa-1", "RS256")


@pytest.fixture(scope="module")
def ec_key() -> SigningKey:
    return SigningKey("ec-1", "ES256")


@pytest.fixture(scope="module")
def jwks(rsa_key: SigningKey, ec_key: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer().start()
    server.keys = [rsa_key.jwk, ec_key.jwk]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def jwt_gateway(start_gateway: Callable[..., GatewayServer], jwks: JwksServer) -> GatewayServer:
    return start_gateway(
        auth_mode="jwt", jwt_jwks_url=jwks.url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
    )


async def call(http: httpx.AsyncClient, server: GatewayServer, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await http.post(f"{server.url}/graphql", json=QUERY, headers=headers)


@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key"])
async def test_a_valid_token_is_accepted(
    http: httpx.AsyncClient,
    jwt_gateway: GatewayServer,
    request: pytest.FixtureRequest,
    key_name: str,
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    response = await call(http, jwt_gateway, key.sign(claims(ISSUER, AUDIENCE)))
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_a_cognito_access_token_matches_on_client_id(
    http: httpx.AsyncClient, prefixed_gateway: GatewayServer, rsa_key: SigningKey
) -> None:
    access = claims(
        ISSUER, AUDIENCE, client_id=AUDIENCE, scope="https://gateway.example.com/pools:read"
    )
    del access["aud"]
    response = await call(http, prefixed_gateway, rsa_key.sign(access))
    assert response.status_code == 200 and "errors" not in response.json()


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def forged_tokens(rsa_key: SigningKey) -> dict[str, str]:
    good = claims(ISSUER, AUDIENCE)
    public_pem = rsa_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs256 = _b64({"alg": "HS256", "typ": "JWT", "kid": rsa_key.kid}) + "." + _b64(good)
    signature = hmac.new(public_pem, hs256.encode(), hashlib.sha256).digest()
    hs256 += "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")
    signed = rsa_key.sign(good)
    head, _, sig = signed.split(".")
    tampered_body = _b64({**good, "scope": "pools:admin"})
    unknown = SigningKey("rotated-away", "RS256")
    return {
        "expired": rsa_key.sign({**good, "exp": int(time.time()) - 3600}),
        "not yet valid": rsa_key.sign({**good, "nbf": int(time.time()) + 3600}),
        "wrong audience": rsa_key.sign({**good, "aud": "someone-else"}),
        "wrong issuer": rsa_key.sign({**good, "iss": "https://evil.example.com"}),
        "alg none": _b64({"alg": "none", "typ": "JWT", "kid": rsa_key.kid})
        + "."
        + _b64(good)
        + ".",
        "hs256 with the public key": hs256,
        "unknown kid": unknown.sign(good),
        "tampered payload": f"{head}.{tampered_body}.{sig}",
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("case", list(forged_tokens(SigningKey("x")).keys()))
async def test_bad_tokens_are_unauthenticated_and_execute_nothing(
    http: httpx.AsyncClient,
    jwt_gateway: GatewayServer,
    rsa_key: SigningKey,
    proxy: FaultProxy,
    case: str,
) -> None:
    token = forged_tokens(rsa_key)[case]
    response = await call(http, jwt_gateway, token)
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None
    assert proxy.counts() == {}


async def test_no_token_is_unauthenticated(
    http: httpx.AsyncClient, jwt_gateway: GatewayServer
) -> None:
    response = await call(http, jwt_gateway, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_rotated_key_is_fetched_on_first_sight(
    http: httpx.AsyncClient,
    jwt_gateway: GatewayServer,
    jwks: JwksServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "REFRESH_COOLDOWN_SECONDS", 0.0)
    new_key = SigningKey("rsa-2", "RS256")
    jwks.keys = [*jwks.keys, new_key.jwk]
    fetches = jwks.fetches
    response = await call(http, jwt_gateway, new_key.sign(claims(ISSUER, AUDIENCE)))
    assert response.status_code == 200
    assert jwks.fetches == fetches + 1
    again = await call(http, jwt_gateway, new_key.sign(claims(ISSUER, AUDIENCE)))
    assert again.status_code == 200 and jwks.fetches == fetches + 1  # cached now


@pytest.fixture(scope="module")
def prefixed_gateway(
    start_gateway: Callable[..., GatewayServer], jwks: JwksServer
) -> GatewayServer:
    return start_gateway(
        auth_mode="jwt",
        jwt_jwks_url=jwks.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_scope_prefix="https://gateway.example.com/",
        jwt_pools_claim="custom:pools",
    )


async def test_a_resource_server_scope_counts_only_with_its_configured_prefix(
    http: httpx.AsyncClient,
    jwt_gateway: GatewayServer,
    prefixed_gateway: GatewayServer,
    rsa_key: SigningKey,
) -> None:
    token = rsa_key.sign(claims(ISSUER, AUDIENCE, scope="https://gateway.example.com/pools:read"))
    assert "errors" not in (await call(http, prefixed_gateway, token)).json()
    refused = (await call(http, jwt_gateway, token)).json()  # no prefix configured: bare only
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bare = rsa_key.sign(claims(ISSUER, AUDIENCE, scope="pools:read"))
    assert (await call(http, prefixed_gateway, bare)).json()["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"


async def test_a_group_that_ends_in_a_scope_name_grants_nothing(
    http: httpx.AsyncClient, jwt_gateway: GatewayServer, rsa_key: SigningKey
) -> None:
    token = rsa_key.sign(
        claims(ISSUER, AUDIENCE, scope="", **{"cognito:groups": ["team/pools:read"]})
    )
    answer = (await call(http, jwt_gateway, token)).json()
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    named = rsa_key.sign(claims(ISSUER, AUDIENCE, scope="", **{"cognito:groups": ["pools:read"]}))
    assert "errors" not in (await call(http, jwt_gateway, named)).json()


def malformed_tokens(rsa_key: SigningKey) -> dict[str, str]:
    good = claims(ISSUER, AUDIENCE)
    return {
        # ES256 in the header, the kid of an RSA key: PyJWT raised TypeError (a 500).
        "es256 header with an rsa kid": _b64({"alg": "ES256", "kid": rsa_key.kid}) + ".e30.AAAA",
        "numeric scope": rsa_key.sign({**good, "scope": 7}),
        "numeric groups": rsa_key.sign({**good, "cognito:groups": 7}),
        "object scope": rsa_key.sign({**good, "scope": {"a": 1}}),
        "an id token": rsa_key.sign({**good, "token_use": "id"}),
    }


@pytest.mark.parametrize("case", list(malformed_tokens(SigningKey("y")).keys()))
async def test_malformed_tokens_are_401_never_500(
    http: httpx.AsyncClient,
    jwt_gateway: GatewayServer,
    rsa_key: SigningKey,
    proxy: FaultProxy,
    case: str,
) -> None:
    response = await call(http, jwt_gateway, malformed_tokens(rsa_key)[case])
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert proxy.counts() == {}


@pytest.mark.parametrize("pools", [7, [7], {"a": "b"}, ["eu-west-1_*,x y"]])
async def test_a_malformed_pools_claim_is_401(
    http: httpx.AsyncClient,
    prefixed_gateway: GatewayServer,
    rsa_key: SigningKey,
    pools: Any,
) -> None:
    token = rsa_key.sign(
        claims(
            ISSUER,
            AUDIENCE,
            scope="https://gateway.example.com/pools:read",
            **{"custom:pools": pools},
        )
    )
    assert (await call(http, prefixed_gateway, token)).status_code == 401


async def test_an_access_token_passes_and_a_comma_separated_pools_claim_splits(
    http: httpx.AsyncClient, prefixed_gateway: GatewayServer, rsa_key: SigningKey
) -> None:
    token = rsa_key.sign(
        claims(
            ISSUER,
            AUDIENCE,
            token_use="access",
            scope="https://gateway.example.com/pools:read",
            **{"custom:pools": "eu-west-1_A*,eu-west-1_B*"},
        )
    )
    response = await call(http, prefixed_gateway, token)
    assert response.status_code == 200 and "errors" not in response.json()
