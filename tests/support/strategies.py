"""Hypothesis strategies derived from the botocore model.

Values respect the model's enums, ranges, lengths and (where Python reads
them) patterns, so generated patches pass validation and the properties test
the merge and the round trip, not the validator.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import MapShape, Shape, StructureShape
from hypothesis import strategies as st

from gateway import model

ARN_PREFIX = "arn:aws:lambda:eu-west-1:123456789012:function:"

# Members whose value the round-trip rules legitimately rewrite (legacy fields,
# synced triggers, MFA via its own API) or that cross-field rules tie to others.
# Each has its own example tests; the property covers everything else.
RULE_BOUND = frozenset(
    {
        "MfaConfiguration",
        "EmailVerificationMessage",
        "EmailVerificationSubject",
        "SmsVerificationMessage",
        "UserPoolAddOns",
        "UserPoolTier",
        "AutoVerifiedAttributes",
        "SmsConfiguration",
        "PreTokenGeneration",
        "PreTokenGenerationConfig",
        "KMSKeyID",
        "CustomEmailSender",
        "CustomSMSSender",
        "UnusedAccountValidityDays",
        "PoolName",
        # Bound by the cross-field rules of core/constraints.py and core/tiers.py.
        "SignInPolicy",
        "UserAttributeUpdateSettings",
        "From",
        "EmailSendingAccount",
        "SmsMessage",
        "EmailMessage",
        "SMSMessage",
        "EmailMessageByLink",
        "SmsAuthenticationMessage",
    }
)


def _string(shape: Shape) -> st.SearchStrategy[str]:
    rules = model.limits(shape)
    if rules.enum:
        return st.sampled_from(rules.enum)
    low = max(rules.minimum or 0, 0)
    high = min(rules.maximum or 24, 24)
    if shape.name in ("ArnType", "EncryptionKeyArnType", "OptionalArnType"):
        return st.text("abcdefgh", min_size=1, max_size=8).map(lambda s: ARN_PREFIX + s)
    if rules.pattern and "\\p{" not in rules.pattern:
        try:
            re.compile(rules.pattern)
        except re.error:
            pass
        else:
            return st.from_regex(rules.pattern, fullmatch=True).filter(
                lambda s: low <= len(s) <= max(high, low) and "\n" not in s
            )
    return st.text("abcdefghij {}#", min_size=low, max_size=max(high, low))


def value_of(shape: Shape, *, patch: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value of ``shape``; in a patch, optional members may also be ``None`` (clear)."""
    if isinstance(shape, StructureShape):
        required = set(model.required_members(shape))
        fixed = {
            name: value_of(member, patch=patch, depth=depth + 1)
            for name, member in shape.members.items()
            if name in required
        }
        optional = {}
        for name, member in shape.members.items():
            if name in required or name in RULE_BOUND:
                continue
            strategy = value_of(member, patch=patch, depth=depth + 1)
            optional[name] = (st.none() | strategy) if patch else strategy
        return st.fixed_dictionaries(fixed, optional=optional)
    if isinstance(shape, MapShape):
        value = value_of(shape.value, patch=patch, depth=depth + 1)
        key = (
            _string(shape.key)
            if model.limits(shape.key).pattern
            else st.text("abcdef", min_size=1, max_size=4)
        )
        return st.dictionaries(key, (st.none() | value) if patch else value, max_size=3)
    if shape.type_name == "list":
        rules = model.limits(shape)
        low = rules.minimum or 0
        return st.lists(
            value_of(shape.member, patch=False, depth=depth + 1),
            min_size=low,
            max_size=max(low, min(rules.maximum or 3, 3)),
        )
    if shape.type_name in ("integer", "long"):
        rules = model.limits(shape)
        return st.integers(
            rules.minimum if rules.minimum is not None else 0,
            rules.maximum if rules.maximum is not None else 1000,
        )
    if shape.type_name == "boolean":
        return st.booleans()
    return _string(shape)


def current_pools() -> st.SearchStrategy[dict[str, Any]]:
    """A DescribeUserPool-like document of writable members, plus Id and Name."""
    shape = model.input_shape("UpdateUserPool")
    body = value_of(shape, patch=False).map(
        lambda d: {k: v for k, v in d.items() if k != "UserPoolId"}
    )
    return body.map(lambda d: {"Id": "eu-west-1_Gen3rated", "Name": "generated", **d})


def pool_patches() -> st.SearchStrategy[dict[str, Any]]:
    shape = model.input_shape("UpdateUserPool")
    return value_of(shape, patch=True).map(
        lambda d: {k: v for k, v in d.items() if k != "UserPoolId"}
    )
