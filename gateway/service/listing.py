"""One page of a Cognito listing (ListUserPools, ListUserPoolClients) with relay cursors.

Pages are always fetched at Cognito's maximum, so a cursor (``core/paging``: the
NextToken of the upstream page and an offset in it) stays valid whatever page
size the caller asks for next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.cognito.clients import Cognito
from gateway.core.paging import decode_cursor, encode_cursor
from gateway.errors import Argument, Field, invalid

UPSTREAM_PAGE_SIZE = 60  # the maximum of both listings; a fixed size keeps cursors stable
MAX_PAGE_SIZE = 60


@dataclass(frozen=True)
class RawPage:
    summaries: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool


async def list_page(
    clients: Cognito,
    region: str,
    operation: str,
    member: str,
    page_size: int,
    page_token: str | None,
    **params: Any,
) -> RawPage:
    """Up to ``page_size`` entries of ``operation``'s ``member`` after ``page_token``."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid(
            f"must be between 1 and {MAX_PAGE_SIZE}, got {page_size}",
            Field(Argument.PAGE_SIZE),
            "range",
        )
    token, offset = decode_cursor(page_token) if page_token else (None, 0)
    summaries: list[dict[str, Any]] = []
    cursors: list[str] = []
    while True:
        request: dict[str, Any] = {**params, "MaxResults": UPSTREAM_PAGE_SIZE}
        if token:
            request["NextToken"] = token
        response = await clients.call(region, operation, **request)
        page = response.get(member, [])
        next_token = response.get("NextToken")
        for index in range(offset, len(page)):
            summaries.append(page[index])
            cursors.append(encode_cursor(token, index + 1))
            if len(summaries) == page_size:
                more = index + 1 < len(page) or bool(next_token)
                return RawPage(summaries, cursors, more)
        if not next_token:
            return RawPage(summaries, cursors, False)
        token, offset = next_token, 0
