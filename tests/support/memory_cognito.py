"""An in-memory Cognito for fast service tests: ``PoolService`` over no process and no
socket, answering as the real service does.

The user-pool calls of a pool go to the strict stand-in (``strict_cognito.py``: it
resets what UpdateUserPool is not sent, refuses what Cognito refuses); this adds the
calls around them that the service makes (create, list) and turns a refusal into the
botocore ``ClientError`` the real clients raise, mapped by the gateway's own
``cognito/errors.py``. The emulator-backed tests stay: they also cover botocore's
serialization and the HTTP between.
"""

from __future__ import annotations

import copy
import datetime
import itertools
from typing import Any

from botocore.exceptions import ClientError
from moto.cognitoidp.models import CognitoIdpUserPoolAttribute

from gateway.cognito.errors import translate
from tests.support.strict_cognito import StrictCognito

STANDARD_SCHEMA = tuple(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)


class InMemoryCognito:
    """Satisfies ``gateway.cognito.clients.Cognito``; ``calls`` lists what was called."""

    def __init__(self) -> None:
        self.strict = StrictCognito()
        self.calls: list[str] = []
        self._ids = itertools.count(1)
        self._order: list[str] = []

    async def call(self, region: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append(operation)
        if operation == "CreateUserPool":
            return {"UserPool": self.strict.pool(self.create(region, params))}
        if operation == "ListUserPools":
            return self._list(params)
        answer = self.strict.handle(operation, copy.deepcopy(params))
        if answer is None:
            raise translate(_client_error("ResourceNotFoundException", "not found"), operation)
        status, body = answer
        if status != 200:
            raise translate(_client_error(body["__type"], body["message"]), operation)
        return body

    def create(self, region: str, definition: dict[str, Any]) -> str:
        """A pool as CreateUserPool makes one (its id in ``region``); returns the id."""
        pool_id = f"{region}_mem{next(self._ids):05d}"
        now = datetime.datetime.now(datetime.UTC)
        pool = {
            **copy.deepcopy(definition),
            "Id": pool_id,
            "Name": definition.get("PoolName", pool_id),
            "Arn": f"arn:aws:cognito-idp:{region}:123456789012:userpool/{pool_id}",
            "CreationDate": now,
            "LastModifiedDate": now,
            "MfaConfiguration": definition.get("MfaConfiguration", "OFF"),
            # Cognito's standard attributes, as every described pool lists them.
            "SchemaAttributes": [{"Name": name} for name in STANDARD_SCHEMA],
        }
        pool.pop("PoolName", None)
        self.strict.add(pool)
        self._order.append(pool_id)
        return pool_id

    def _list(self, params: dict[str, Any]) -> dict[str, Any]:
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults", 60))
        page = self._order[start : start + size]
        answer: dict[str, Any] = {
            "UserPools": [{"Id": i, "Name": self.strict.pool(i)["Name"]} for i in page]
        }
        if start + size < len(self._order):
            answer["NextToken"] = str(start + size)
        return answer


def _client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Call")
