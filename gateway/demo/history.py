"""A short history for the demo's first pool, so ``userPoolHistory`` shows something at once.

Three writes through the service (one of them HIGH risk) and one change made
beside the gateway, straight to the emulator, which the next read records as
``EXTERNAL``: the same paths real traffic takes.
"""

from __future__ import annotations

from gateway.cognito.clients import Cognito
from gateway.core.ids import region_of
from gateway.core.rules import update_request_from
from gateway.runtime import Runtime
from gateway.service.access import ADMIN, IMPLIED, Principal
from gateway.service.requests import WriteRequest

SEEDER = Principal(name="demo-seed", kind="demo", scopes=frozenset(IMPLIED[ADMIN]))


async def seed_history(runtime: Runtime, pool_id: str) -> None:
    """``runtime`` must not cache reads: the second read has to see the outside change."""
    service = runtime.service
    await service.get(SEEDER, pool_id)  # the state the gateway first saw
    password = {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}}
    seeding = WriteRequest(SEEDER)
    await service.update(seeding, pool_id, password)
    await service.update(seeding, pool_id, {"UserPoolTags": {"owner": "platform-team"}})
    await _change_beside_the_gateway(runtime.clients, pool_id)
    await service.get(SEEDER, pool_id)  # notices it: an EXTERNAL version
    weaker = {"Policies": {"PasswordPolicy": {"MinimumLength": 10}}}
    await service.update(seeding, pool_id, weaker)  # a HIGH-risk change


async def _change_beside_the_gateway(clients: Cognito, pool_id: str) -> None:
    """What a console click does: a whole UpdateUserPool the gateway did not send."""
    region = region_of(pool_id)
    described = await clients.call(region, "DescribeUserPool", UserPoolId=pool_id)
    request = update_request_from(described["UserPool"])
    request["SmsAuthenticationMessage"] = "Your Acme code (sent by the console) is {####}"
    await clients.call(region, "UpdateUserPool", UserPoolId=pool_id, **request)
