"""Opaque relay cursors over ListUserPools.

A cursor names a position as (NextToken of the page it is on, offset in that
page). Pages are always fetched at the same size, so a position stays valid.
"""

from __future__ import annotations

import base64
import binascii
import json

from gateway.errors import Argument, Field, invalid

# How many items a page holds when the caller does not say (every listing, both surfaces).
DEFAULT_PAGE_SIZE = 20
# Positions are page offsets; anything past a 32-bit SQL OFFSET is no position we returned.
MAX_OFFSET = 2**31 - 1


def encode_cursor(token: str | None, offset: int) -> str:
    raw = json.dumps({"t": token, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        token, offset = data["t"], int(data["o"])
        if (token is not None and not isinstance(token, str)) or not 0 <= offset <= MAX_OFFSET:
            raise ValueError
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error):
        raise invalid(
            "not a cursor this API returned", Field(Argument.PAGE_TOKEN), "cursor"
        ) from None
    return token, offset
