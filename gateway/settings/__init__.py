"""Configuration from ``GATEWAY_*`` environment variables (pydantic-settings), in groups.

``Settings`` holds the groups (``settings.auth``, ``settings.redis``, ...); each setting
is read from ``GATEWAY_<NAME>``, whatever its group.
"""

from gateway.settings.access import AuthSettings, LimitsSettings
from gateway.settings.grouped import FIELDS, GROUP_OF, GROUPS, GroupedEnvironment, Settings
from gateway.settings.serving import CorsSettings, GrpcSettings, ServingSettings, TelemetrySettings
from gateway.settings.upstream import CacheSettings, CognitoSettings, HistorySettings, RedisSettings
from gateway.settings.values import (
    LIST_FIELDS,
    POOL_PATTERN,
    SENSITIVE_MEMBERS,
    ApiKey,
    data_directory,
    is_loopback,
)

__all__ = [
    "FIELDS",
    "GROUPS",
    "GROUP_OF",
    "LIST_FIELDS",
    "POOL_PATTERN",
    "SENSITIVE_MEMBERS",
    "ApiKey",
    "AuthSettings",
    "CacheSettings",
    "CognitoSettings",
    "CorsSettings",
    "GroupedEnvironment",
    "GrpcSettings",
    "HistorySettings",
    "LimitsSettings",
    "RedisSettings",
    "ServingSettings",
    "Settings",
    "TelemetrySettings",
    "data_directory",
    "is_loopback",
]
