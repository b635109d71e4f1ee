"""Account endpoints: positions and wallet balance (``query_*`` raw, ``request_*`` proto)."""

from __future__ import annotations

import proto
from bybit.http import schemas
from bybit.http._paging import all_pages
from bybit.http.client import BybitHttpClient, Reply
from bybit.parse import LINEAR, parse_position, parse_wallet


class BybitAccountHttpAPI:
    """Signed ``/v5/position/list`` and ``/v5/account/wallet-balance`` (UNIFIED account)."""

    def __init__(self, client: BybitHttpClient) -> None:
        self._client = client

    @property
    def account_id(self) -> str:
        return self._client.config.account_id

    async def query_positions(
        self, symbol: str | None = None, *, settle_coin: str = "USDT"
    ) -> list[schemas.PositionInfo]:
        """Position rows (every page). With ``symbol`` Bybit returns flat rows too; with
        ``settle_coin`` only non-zero positions."""
        return (await self._positions(symbol, settle_coin))[0]

    async def query_wallet_balance(self, coin: str | None = None) -> list[schemas.WalletAccount]:
        return (await self._wallet(coin)).result.list

    async def request_positions(
        self, symbol: str | None = None, *, settle_coin: str = "USDT"
    ) -> list[proto.Position]:
        """Back-filled positions; the id uses ``seq`` like the WS topic (``updatedTime``
        when a row has no ``seq``)."""
        rows, reply = await self._positions(symbol, settle_coin)
        return [
            parse_position(
                row, self.account_id, reply.received_ns, fallback_ms=reply.time_ms, backfilled=True
            )
            for row in rows
        ]

    async def request_wallet(self, coin: str | None = None) -> list[proto.Wallet]:
        """Back-filled balances, one per coin. REST has no frame id or ``creationTime``:
        the id's last part is the envelope ``time``, so it never equals a WS wallet id."""
        reply = await self._wallet(coin)
        return [
            wallet
            for account in reply.result.list
            for wallet in parse_wallet(
                account,
                self.account_id,
                reply.received_ns,
                version=str(reply.time_ms),
                ts_exchange_ms=reply.time_ms,
                backfilled=True,
            )
        ]

    async def _positions(
        self, symbol: str | None, settle_coin: str
    ) -> tuple[list[schemas.PositionInfo], Reply[schemas.PositionsResult]]:
        scope = {"symbol": symbol} if symbol else {"settleCoin": settle_coin}
        params = {"category": LINEAR, **scope, "limit": 200}
        return await all_pages(self._client, "/v5/position/list", params, schemas.PositionsResult)

    async def _wallet(self, coin: str | None) -> Reply[schemas.WalletResult]:
        params = {"accountType": "UNIFIED", "coin": coin}
        return await self._client.get("/v5/account/wallet-balance", params, schemas.WalletResult)
