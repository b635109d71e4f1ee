"""§7: deterministic order identity (I-1), the wire orderLinkId (I-2) and its prefix (I-3)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from gridcore.errors import OrderLinkIdTooLongError

__all__ = ["BYBIT_ORDER_LINK_ID_MAX", "client_order_id", "order_link_id", "order_link_prefix"]

BYBIT_ORDER_LINK_ID_MAX = 36


def client_order_id(
    symbol: str, side: str, price: Decimal, direction: str, strat_id: str | None
) -> str:
    """I-1: first 16 hex chars of SHA-256 of ``{strat_id}_{symbol}_{side}_{price}_{direction}``.

    ``price`` is the intent's decimal price and is rendered with ``str(Decimal)``, so
    ``Decimal("1.5E-7")`` hashes as ``1.5E-7``. With ``strat_id=None`` the prefix is
    omitted (the pre-0080 form).
    """
    body = f"{symbol}_{side}_{price}_{direction}"
    id_string = body if strat_id is None else f"{strat_id}_{body}"
    return hashlib.sha256(id_string.encode("utf-8")).hexdigest()[:16]


def order_link_id(client_id: str, now_utc_epoch_ms: int) -> str:
    """I-2: ``{client_order_id}-{epoch ms}``; longer than 36 characters is an error.

    The caller supplies the clock reading: gridcore never reads a clock.
    """
    link_id = f"{client_id}-{now_utc_epoch_ms}"
    if len(link_id) > BYBIT_ORDER_LINK_ID_MAX:
        raise OrderLinkIdTooLongError(link_id, BYBIT_ORDER_LINK_ID_MAX)
    return link_id


def order_link_prefix(link_id: str | None) -> str | None:
    """I-3: the part before the first ``-``; None for None, ``""`` or an empty prefix."""
    if not link_id:
        return None
    prefix = link_id.split("-", 1)[0]
    return prefix or None
