"""What the settings are made of: list and case handling, API keys, the group base,
and the safe defaults that several groups share."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SENSITIVE_MEMBERS = (
    "LambdaConfig",
    "SmsConfiguration",
    "EmailConfiguration",
    "DeletionProtection",
    "UserPoolTier",
    "KeyConfiguration",
    "IssuerConfiguration",
    "MfaConfiguration",
)


# A pool id pattern of an API key or a token's pools claim (``eu-west-1_*``): fnmatch's
# characters only, so a pattern cannot smuggle anything into logs or error messages.
POOL_PATTERN = re.compile(r"^[A-Za-z0-9_*?\[\]!-]{1,128}$")


class ApiKey(BaseModel):
    """One API key: only the SHA-256 of the key is configured, never the key."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    scopes: list[str] = Field(default_factory=list)
    pools: list[str] = Field(default_factory=lambda: ["*"])

    @field_validator("pools")
    @classmethod
    def _patterns(cls, pools: list[str]) -> list[str]:
        for pattern in pools:
            if not POOL_PATTERN.match(pattern):
                raise ValueError(f"not a pool id pattern (one pattern per list item): {pattern!r}")
        return pools


def split_list(value: Any) -> Any:
    """A JSON list (``["a", "b"]``) or a comma-separated string (``a,b``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a JSON list ({error.msg})") from None
    return [item.strip() for item in text.split(",") if item.strip()]


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# List settings: a JSON list or a comma-separated string.
StrList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]
Lowered = BeforeValidator(lower)
LIST_FIELDS = (
    "sensitive_members",
    "cors_origins",
    "allowed_hosts",
    "audit_redact",
    "api_keys",
    "public_pools",
)


def data_directory() -> Path:
    """The per-user data directory (XDG): where the history lives unless configured."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cognito-gateway"


class Group(BaseSettings):
    """A group of settings, each read from ``GATEWAY_<FIELD NAME>`` like every setting:
    the groups only sort them, no variable is named after its group."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
