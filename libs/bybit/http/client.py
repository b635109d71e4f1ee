"""Signed Bybit V5 REST transport on aiohttp.

Signing follows spec §3.2 exactly: a GET signs the query string that is sent (built once,
never re-sorted or re-encoded), a POST signs the exact body bytes that are sent. Every call
has a timeout, goes through the per-key rate limiter, and decodes the envelope into a
typed result or raises the ``retCode``'s exception class.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiohttp
import msgspec
import structlog
import yarl

from bybit._signing import encode_query, hmac_hex, rest_payload
from bybit.config import BybitConfig
from bybit.http.errors import (
    BybitConnectionError,
    BybitParseError,
    BybitRateLimitError,
    BybitRequestError,
    BybitTimeoutError,
    BybitTimestampError,
    error_for,
    error_for_http,
)
from bybit.http.schemas import Envelope, ServerTime
from bybit.ratelimit import PUBLIC_KEY, RateLimiter, RateLimitHeaders, endpoint_group

log = structlog.get_logger(__name__)

T = TypeVar("T")
_envelope_decoder = msgspec.json.Decoder(Envelope)
_encoder = msgspec.json.Encoder()


class ClientState(enum.Enum):
    NEW = "new"
    OPEN = "open"
    DRAINING = "draining"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Reply(Generic[T]):
    """A successful answer: the typed ``result``, the raw ``retExtInfo``, the exchange's
    envelope ``time`` (ms) and when it was received (``time.time_ns()``)."""

    result: T
    ext: msgspec.Raw
    time_ms: int
    received_ns: int


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    query: str
    body: bytes | None
    signed: bool


class BybitHttpClient:
    """One aiohttp session for one API key. Use as ``async with BybitHttpClient(cfg) as c``.

    ``session`` may be shared (then it is not closed here); ``rate_limiter`` should be
    shared by every client of the same key; ``clock_ns`` stamps ``Reply.received_ns``.
    """

    def __init__(
        self,
        config: BybitConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        rate_limiter: RateLimiter | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._config = config
        self._base = config.urls.rest
        self._session = session
        self._owns_session = session is None
        self._clock_ns = clock_ns
        self._limiter = rate_limiter or RateLimiter(now_ms=self.now_ms)
        self._offset_ms = 0
        self._decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.state = ClientState.NEW

    @property
    def config(self) -> BybitConfig:
        return self._config

    @property
    def rate_limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def time_offset_ms(self) -> int:
        """Exchange clock minus local clock, from the last :meth:`sync_time`."""
        return self._offset_ms

    def clock_ns(self) -> int:
        """Local receipt clock (``time.time_ns`` unless injected)."""
        return self._clock_ns()

    def now_ms(self) -> int:
        """Exchange-clock ms (local clock corrected by the synced offset)."""
        return self._clock_ns() // 1_000_000 + self._offset_ms

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> BybitHttpClient:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self.state is not ClientState.NEW:
            return
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self.state = ClientState.OPEN
        if self._config.time_sync:
            await self.sync_time()

    async def drain(self, grace_s: float) -> None:
        """Refuse new calls, wait up to ``grace_s`` for in-flight ones, then close."""
        if self.state is ClientState.OPEN:
            self.state = ClientState.DRAINING
            try:
                async with asyncio.timeout(grace_s):
                    await self._idle.wait()
            except TimeoutError:
                log.warning("bybit.http.drain_timeout", in_flight=self._in_flight)
        await self.close()

    async def close(self) -> None:
        """Close the session (if owned). Idempotent; in-flight calls fail."""
        if self.state is ClientState.CLOSED:
            return
        self.state = ClientState.CLOSED
        if self._owns_session and self._session is not None:
            await self._session.close()

    # ------------------------------------------------------------------ calls

    async def sync_time(self) -> int:
        """Measure the exchange-clock offset via ``/v5/market/time``; returns it in ms."""
        sent_ns = self._clock_ns()
        reply = await self.get("/v5/market/time", {}, ServerTime, signed=False)
        local_ms = (sent_ns + reply.received_ns) // 2_000_000
        result = reply.result
        try:
            server_ms = (
                int(result.timeNano) // 1_000_000
                if result.timeNano
                else reply.time_ms or int(result.timeSecond) * 1000
            )
        except ValueError:
            raise BybitParseError("/v5/market/time", f"bad time {result!r}") from None
        self._offset_ms = server_ms - local_ms
        log.debug("bybit.http.time_synced", offset_ms=self._offset_ms)
        return self._offset_ms

    async def get(
        self, path: str, params: Mapping[str, object], result_type: type[T], *, signed: bool = True
    ) -> Reply[T]:
        """GET ``path?query``; the query is built once in ``params`` order and signed as sent."""
        request = _Request("GET", path, encode_query(params), None, signed)
        return await self._call(request, result_type)

    async def post(self, path: str, body: object, result_type: type[T]) -> Reply[T]:
        """POST a JSON body (a Struct or a dict), signed over the exact bytes sent."""
        request = _Request("POST", path, "", _encoder.encode(body), True)
        return await self._call(request, result_type)

    async def _call(self, request: _Request, result_type: type[T]) -> Reply[T]:
        self._check_can_send(request)
        key = self._config.api_key if request.signed else PUBLIC_KEY
        group = endpoint_group(request.path)
        rate_limited = 0
        resynced = False
        while True:
            await self._limiter.acquire(key, group)
            try:
                return await self._send_tracked(request, result_type, key, group)
            except BybitRateLimitError as exc:
                reset_ms = self._limiter.rate_limited(key, group, exc.reset_ms)
                if rate_limited >= self._config.rate_limit_retries:
                    exc.reset_ms = reset_ms
                    raise
                rate_limited += 1
            except BybitTimestampError:
                if resynced or not request.signed:
                    raise
                resynced = True
                await self.sync_time()

    def _check_can_send(self, request: _Request) -> None:
        if self.state is not ClientState.OPEN or self._session is None:
            raise BybitRequestError(f"{request.path}: client is {self.state.value}, not open")
        if request.signed and not self._config.has_credentials:
            raise BybitRequestError(f"{request.path}: needs an API key and secret")

    async def _send_tracked(
        self, request: _Request, result_type: type[T], key: str, group: str
    ) -> Reply[T]:
        self._in_flight += 1
        self._idle.clear()
        try:
            status, raw, headers, received_ns = await self._send(request)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
        limits = RateLimitHeaders.from_headers(headers)
        self._limiter.update(key, group, limits)
        return self._decode(request.path, status, raw, limits, result_type, received_ns)

    async def _send(self, request: _Request) -> tuple[int, bytes, Mapping[str, str], int]:
        url = self._base + request.path + (f"?{request.query}" if request.query else "")
        headers = self._headers(request)
        timeout = self._config.request_timeout_s
        assert self._session is not None
        try:
            async with self._session.request(
                request.method,
                yarl.URL(url, encoded=True),
                data=request.body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                raw = await resp.read()
                return resp.status, raw, resp.headers, self._clock_ns()
        except TimeoutError:
            raise BybitTimeoutError(request.path, timeout) from None
        except aiohttp.ClientError as exc:
            raise BybitConnectionError(request.path, type(exc).__name__) from None

    def _headers(self, request: _Request) -> dict[str, str]:
        headers = {"Content-Type": "application/json"} if request.body is not None else {}
        if not request.signed:
            return headers
        timestamp = self.now_ms()
        recv_window = self._config.recv_window_ms
        params = request.body.decode() if request.body is not None else request.query
        payload = rest_payload(timestamp, self._config.api_key, recv_window, params)
        headers.update(
            {
                "X-BAPI-API-KEY": self._config.api_key,
                "X-BAPI-TIMESTAMP": str(timestamp),
                "X-BAPI-RECV-WINDOW": str(recv_window),
                "X-BAPI-SIGN": hmac_hex(self._config.api_secret.reveal(), payload),
                "X-BAPI-SIGN-TYPE": "2",
            }
        )
        return headers

    def _decode(
        self,
        path: str,
        status: int,
        raw: bytes,
        limits: RateLimitHeaders,
        result_type: type[T],
        received_ns: int,
    ) -> Reply[T]:
        try:
            envelope = _envelope_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            if status != 200:
                text = raw.decode(errors="replace")
                raise error_for_http(
                    status, text, endpoint=path, reset_ms=limits.reset_ms
                ) from None
            raise BybitParseError(path, f"not a Bybit envelope: {exc}") from None
        if status == 429 or envelope.retCode != 0:
            code = envelope.retCode or 10006
            raise error_for(
                code, envelope.retMsg, endpoint=path, http_status=status, reset_ms=limits.reset_ms
            )
        if status != 200:
            raise error_for_http(status, envelope.retMsg, endpoint=path)
        try:
            result = self._decoder(result_type).decode(envelope.result)
        except msgspec.DecodeError as exc:
            raise BybitParseError(path, str(exc)) from None
        return Reply(result, envelope.retExtInfo, envelope.time, received_ns)

    def _decoder(self, result_type: Any) -> msgspec.json.Decoder[Any]:
        decoder = self._decoders.get(result_type)
        if decoder is None:
            decoder = self._decoders[result_type] = msgspec.json.Decoder(result_type)
        return decoder
