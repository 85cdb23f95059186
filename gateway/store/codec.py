"""The JSON form of resource records in the shared (Redis) cache.

DescribeUserPool documents hold datetimes; the shared cache stores them as
tagged ISO strings in JSON rather than pickles, so nothing read back from
Redis can execute code.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from aiocache.serializers import BaseSerializer

from gateway.core.kinds import KINDS, USER_POOL
from gateway.core.record import PoolRecord

_DATETIME = "$datetime"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {_DATETIME: value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__} in the shared cache")


def _decode(value: dict[str, Any]) -> Any:
    if len(value) == 1 and _DATETIME in value:
        return datetime.datetime.fromisoformat(value[_DATETIME])
    return value


def dump_record(record: PoolRecord) -> str:
    body = {"pool": record.pool, "kind": record.kind}
    return json.dumps(body, default=_encode, separators=(",", ":"))


def load_record(text: str) -> PoolRecord:
    data = json.loads(text, object_hook=_decode)
    return PoolRecord.of(data["pool"], KINDS[data.get("kind", USER_POOL.name)])


class RecordSerializer(BaseSerializer):  # type: ignore[misc]
    """aiocache serializer for PoolRecord values."""

    DEFAULT_ENCODING = "utf-8"

    def dumps(self, value: PoolRecord) -> str:
        return dump_record(value)

    def loads(self, value: str | None) -> PoolRecord | None:
        return None if value is None else load_record(value)
