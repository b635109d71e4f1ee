"""Cursor pagination (spec §3.4): pass ``nextPageCursor`` back as ``cursor`` until ``""``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from bybit.http.client import BybitHttpClient, Reply
from bybit.http.errors import BybitParseError

#: A safety stop: a server echoing the same cursor must not loop forever.
MAX_PAGES = 1000


class Page(Protocol):
    @property
    def list(self) -> list[Any]: ...

    @property
    def nextPageCursor(self) -> str: ...


P = TypeVar("P", bound=Page)


async def all_pages(
    client: BybitHttpClient,
    path: str,
    params: Mapping[str, object],
    page_type: type[P],
    *,
    signed: bool = True,
) -> tuple[list[Any], Reply[P]]:
    """Every item of every page, in the exchange's order, and the last page's reply."""
    items: list[Any] = []
    cursor = ""
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        query = {**params, "cursor": cursor or None}
        reply = await client.get(path, query, page_type, signed=signed)
        items.extend(reply.result.list)
        cursor = reply.result.nextPageCursor
        if not cursor:
            return items, reply
        if cursor in seen:
            raise BybitParseError(path, f"cursor {cursor!r} repeated")
        seen.add(cursor)
    raise BybitParseError(path, f"more than {MAX_PAGES} pages")
