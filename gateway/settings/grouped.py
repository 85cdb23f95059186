"""``Settings``: every group together, read from the environment by the groups' own
variable names, and the checks that span groups."""

from __future__ import annotations

from typing import Any, cast

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from gateway.settings.access import AuthSettings, LimitsSettings
from gateway.settings.serving import CorsSettings, GrpcSettings, ServingSettings, TelemetrySettings
from gateway.settings.upstream import CacheSettings, CognitoSettings, HistorySettings, RedisSettings
from gateway.settings.values import is_loopback


class GroupedEnvironment(PydanticBaseSettingsSource):
    """Reads each group's variables from the environment, as pydantic-settings reads a
    flat class's (the same names, decoding, and errors)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._groups = {
            name: EnvSettingsSource(cast(type[BaseSettings], info.annotation))
            for name, info in settings_cls.model_fields.items()
        }

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # whole groups are read in __call__

    def __call__(self) -> dict[str, Any]:
        return {name: source() for name, source in self._groups.items()}


class Settings(BaseSettings):
    """Every setting the gateway reads, in groups; each maps to ``GATEWAY_<NAME>``.

    A module gets the groups it needs (``settings.auth``, ``settings.redis``). Built
    with keyword arguments, the names are the settings' own, ungrouped
    (``Settings(region="eu-west-1", redis_url=...)``), as in the environment. The
    checks that span groups (auth against the bind address, the lock lease against a
    Cognito call) run here, on every construction.
    """

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    serving: ServingSettings = Field(default_factory=ServingSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    grpc_server: GrpcSettings = Field(default_factory=GrpcSettings)
    cognito: CognitoSettings = Field(default_factory=CognitoSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    cors: CorsSettings = Field(default_factory=CorsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, GroupedEnvironment(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _grouped(cls, data: Any) -> Any:
        """Keyword arguments by their own names go to their group, over the environment."""
        if not isinstance(data, dict):
            return data
        grouped = {k: dict(v) for k, v in data.items() if k in GROUPS and isinstance(v, dict)}
        for key, value in data.items():
            group = GROUP_OF.get(key)
            if group is not None:
                grouped.setdefault(group, {})[key] = value
        return grouped

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        """Refuse settings that would expose the gateway, or let a write outlive its lock.

        A writer checks right before each Cognito write that its lease has the call
        budget left; renewed every third of the lease, a lease of at least 1.5 x the
        budget always has.
        """
        auth, budget = self.auth, self.cognito.call_budget_seconds
        if auth.auth_mode == "none" and not is_loopback(self.serving.host):
            raise ValueError(
                "GATEWAY_AUTH_MODE=none is only allowed on a loopback address "
                f"(GATEWAY_HOST={self.serving.host}); use api-key or jwt"
            )
        if auth.auth_mode == "api-key" and not auth.api_keys:
            raise ValueError("GATEWAY_AUTH_MODE=api-key needs GATEWAY_API_KEYS")
        if auth.auth_mode == "jwt":
            missing = [
                name
                for name, value in (
                    ("GATEWAY_JWT_JWKS_URL", auth.jwt_jwks_url),
                    ("GATEWAY_JWT_ISSUER", auth.jwt_issuer),
                    ("GATEWAY_JWT_AUDIENCE", auth.jwt_audience),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"GATEWAY_AUTH_MODE=jwt needs {', '.join(missing)}")
        if self.redis.redis_url and self.redis.lock_timeout_seconds < 1.5 * budget:
            raise ValueError(
                f"GATEWAY_LOCK_TIMEOUT_SECONDS={self.redis.lock_timeout_seconds:g} must be at "
                "least 1.5 x GATEWAY_UPSTREAM_TIMEOUT_SECONDS x GATEWAY_UPSTREAM_MAX_ATTEMPTS "
                f"({1.5 * budget:g}): a write must never outlive its lock"
            )
        return self

    @classmethod
    def of(cls, **values: Any) -> Settings:
        """Settings from keyword arguments by the settings' own names, over the
        environment (what ``Settings(region=...)`` does, typed for mypy)."""
        return cls(**values)

    def replaced(self, **values: Any) -> Settings:
        """A copy with some settings changed, by their own names (checked again)."""
        current = {group: getattr(self, group).model_dump() for group in GROUPS}
        for key, value in values.items():
            current[GROUP_OF[key]][key] = value
        return Settings.model_validate(current)


# Each group's settings, in declaration order: read off the group classes themselves.
GROUP_CLASSES: dict[str, type[BaseSettings]] = {
    name: cast(type[BaseSettings], info.annotation) for name, info in Settings.model_fields.items()
}
GROUPS: dict[str, tuple[str, ...]] = {
    name: tuple(group.model_fields) for name, group in GROUP_CLASSES.items()
}
GROUP_OF = {name: group for group, names in GROUPS.items() for name in names}
FIELDS: dict[str, Any] = {
    name: info for group in GROUP_CLASSES.values() for name, info in group.model_fields.items()
}
