"""User pool ids: ``<region>_<id>``, checked against the model's pattern."""

from __future__ import annotations

import re
from functools import lru_cache

from gateway import model
from gateway.errors import Argument, Field, invalid

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@lru_cache(maxsize=4096)  # hot path of every read; pure, and bad ids raise (not cached)
def region_of(pool_id: str) -> str:
    """The Region a pool id starts with (``eu-west-1_AbC`` -> ``eu-west-1``).

    Raises ``BAD_USER_INPUT`` for an id that the model's pattern rejects, or whose
    Region botocore does not know for cognito-idp: a made-up Region would otherwise
    cost a client (and its connection pool) per Region.
    """
    rules = model.limits(model.input_shape("DescribeUserPool").members["UserPoolId"])
    too_long = rules.maximum is not None and len(pool_id) > rules.maximum
    pattern_ok = rules.pattern is None or re.fullmatch(rules.pattern, pool_id) is not None
    region, _, _ = pool_id.partition("_")
    if too_long or not pattern_ok or not _REGION.match(region):
        raise invalid(
            f"'{pool_id[:64]}' is not a user pool id (expected '<region>_<id>', "
            "for example 'eu-west-1_AbC123')",
            Field(Argument.POOL_ID),
            "pattern",
        )
    if region not in model.regions():
        raise invalid(
            f"'{region[:32]}' is not a Region where Cognito user pools exist",
            Field(Argument.POOL_ID),
            "region",
        )
    return region


@lru_cache(maxsize=4096)  # every client read checks it; pure, and bad ids raise (not cached)
def check_client_id(client_id: str) -> str:
    """An app client id as the model's pattern has it (word characters and ``+``),
    refused before it reaches a key, a lock or a call."""
    rules = model.limits(model.input_shape("DescribeUserPoolClient").members["ClientId"])
    too_long = rules.maximum is not None and len(client_id) > rules.maximum
    if too_long or not client_id or re.fullmatch(rules.pattern or ".*", client_id) is None:
        raise invalid(
            f"'{client_id[:64]}' is not an app client id", Field(Argument.CLIENT_ID), "pattern"
        )
    return client_id
