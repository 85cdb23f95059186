"""Who is calling and what they may do: scopes, pool allow-lists, admin-only members.

Every surface authenticates its own way (HTTP headers, gRPC metadata) and
hands the service a :class:`Principal`; the checks below are the same for all.

Scopes nest: ``pools:admin`` includes ``pools:write``, which includes
``pools:read``. A principal's pool patterns are shell-style (``us-east-1_*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from gateway import model
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.errors import Argument, Field, forbidden
from gateway.settings import POOL_PATTERN

PUBLIC = "pools:public"
READ = "pools:read"
WRITE = "pools:write"
ADMIN = "pools:admin"
IMPLIED = {
    ADMIN: {ADMIN, WRITE, READ, PUBLIC},
    WRITE: {WRITE, READ, PUBLIC},
    READ: {READ, PUBLIC},
    PUBLIC: {PUBLIC},
}


def check_pool_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """Pool id patterns as given; a pattern with a separator (comma, space, ``|``) or
    anything else a pool id cannot hold is refused, never guessed at."""
    checked = tuple(patterns)
    for pattern in checked:
        if not isinstance(pattern, str) or not POOL_PATTERN.match(pattern):
            raise ValueError(f"not a pool id pattern: {str(pattern)[:40]!r}")
    return checked


def normalize_scopes(raw: Iterable[str], prefix: str = "") -> frozenset[str]:
    """Known scopes among ``raw``, expanded. With ``prefix`` (a Cognito resource server's
    identifier, ``https://api.example.com/``) only ``<prefix>pools:read`` and the like
    count; without one, only the bare names. Nothing else that ends in a scope name
    (``team/pools:write``) grants anything."""
    granted: set[str] = set()
    for scope in raw:
        name = scope[len(prefix) :] if prefix and scope.startswith(prefix) else scope
        if name != scope or not prefix:
            granted |= IMPLIED.get(name, set())
    return frozenset(granted)


@dataclass(frozen=True)
class Principal:
    name: str
    kind: str
    scopes: frozenset[str]
    pools: tuple[str, ...] = field(default=("*",))

    def may(self, scope: str) -> bool:
        return scope in self.scopes

    def may_access(self, pool_id: str) -> bool:
        return any(pattern == "*" or fnmatchcase(pool_id, pattern) for pattern in self.pools)


@cache
def secret_members() -> frozenset[str]:
    """Members whose values only ``pools:admin`` may read: ``ExternalId`` (the SNS role's
    confused-deputy guard) and whatever the model marks sensitive, in a pool or in an
    app client (its ``ClientSecret``; not its id, which every browser signing in holds)."""
    return frozenset({"ExternalId"}) | model.sensitive_members() | USER_POOL_CLIENT.secret_members


def visible_pool(principal: Principal, pool: Mapping[str, Any]) -> dict[str, Any]:
    """The pool as ``principal`` may read it: secret members removed below admin."""
    if principal.may(ADMIN):
        return dict(pool)
    return dict(_without(pool, secret_members()))


def _without(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _without(v, secrets) for k, v in value.items() if k not in secrets}
    if isinstance(value, list):
        return [_without(item, secrets) for item in value]
    return value


# The two callers without credentials. ANONYMOUS: every caller when authentication is off
# (``GATEWAY_AUTH_MODE=none``, loopback only), with every scope. PUBLIC_CALLER: one that
# presents no credentials where they are required: no scope, so it reads public settings
# and nothing else; rate-limited by its address (kind ``anonymous``).
ANONYMOUS = Principal(name="anonymous", kind="none", scopes=frozenset(IMPLIED[ADMIN]))
PUBLIC_CALLER = Principal(name="anonymous", kind="anonymous", scopes=frozenset(), pools=())


def require(principal: Principal, scope: str, pool_id: str | None = None) -> None:
    if not principal.may(scope):
        raise forbidden(f"{principal.name} lacks the {scope} scope")
    if pool_id is not None and not principal.may_access(pool_id):
        raise forbidden(
            f"{principal.name} may not access pool {pool_id}", field=Field(Argument.POOL_ID)
        )


def require_members(
    principal: Principal, document: Mapping[str, Any], admin_only: Iterable[str], argument: Argument
) -> None:
    """A patch (or create request) touching an admin-only member (those of
    ``GATEWAY_SENSITIVE_MEMBERS``: only admins may change them) needs ``pools:admin``.
    Not to be confused with :func:`secret_members`, whose values only admins may read."""
    if principal.may(ADMIN):
        return
    for member in sorted(set(document) & set(admin_only)):
        raise forbidden(
            f"is a sensitive setting: it needs the {ADMIN} scope", field=Field(argument, (member,))
        )


def require_create(principal: Principal, region: str) -> None:
    require(principal, WRITE)
    if not any(pattern in ("*", f"{region}_*") for pattern in principal.pools):
        raise forbidden(f"{principal.name} may not create pools in {region}")
