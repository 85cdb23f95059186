"""API keys, configured only as SHA-256 digests and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from gateway.service.access import Principal, normalize_scopes
from gateway.settings import ApiKey


class ApiKeyAuthenticator:
    def __init__(self, keys: list[ApiKey]) -> None:
        self._keys = [(key, bytes.fromhex(key.sha256)) for key in keys]

    def authenticate(self, presented: str) -> Principal | None:
        digest = hashlib.sha256(presented.encode()).digest()
        found: ApiKey | None = None
        for key, expected in self._keys:  # no early exit: time does not tell which key
            if hmac.compare_digest(digest, expected):
                found = key
        if found is None:
            return None
        return Principal(
            name=found.name,
            kind="api-key",
            scopes=normalize_scopes(found.scopes),
            pools=tuple(found.pools),
        )
