"""The pool's ``version``: an entity tag over its writable configuration.

Derived from the normalized UpdateUserPool request, so it changes exactly when
something a client can write changes, and not when Cognito bumps
``LastModifiedDate``, folds a legacy field or reorders keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from gateway.core.rules import update_request_from


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


def version_of(request: Mapping[str, Any]) -> str:
    """The version of a normalized UpdateUserPool request (see ``update_request_from``)."""
    return hashlib.sha256(_canonical(request)).hexdigest()[:20]


def pool_version(pool: Mapping[str, Any]) -> str:
    return version_of(update_request_from(pool))


def document_tag(pool: Mapping[str, Any]) -> str:
    """An entity tag of the whole described document, read-only members included.

    ``version`` ignores what UpdateUserPool cannot write (custom attributes,
    the domain, ``EstimatedNumberOfUsers``, ``Status``...); anything that
    caches a rendered answer must notice those changes too, so it keys on this.
    """
    return hashlib.sha256(_canonical(pool)).hexdigest()[:20]
