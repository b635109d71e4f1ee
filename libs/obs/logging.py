"""structlog set-up: JSON lines for services, readable lines on a terminal, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "***"
_SECRET_KEY = re.compile(r"secret|password|passwd|token|api_secret|private_key|master_key", re.I)


class Redactor:
    """A structlog processor that hides secrets by key name and by known value.

    Keys named like secret/password/token are masked whatever their value; values
    registered with :meth:`add` (decrypted API secrets, the master key) are masked
    wherever they appear inside any logged string.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = {v for v in known if v}

    def add(self, secret: str) -> None:
        if len(secret) >= 4:  # masking tiny strings would shred ordinary text
            self._known.add(secret)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._known:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self._scrub_item(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(v) for v in value)
        return value

    def _scrub_item(self, key: Any, value: Any) -> Any:
        if isinstance(key, str) and _SECRET_KEY.search(key) and value not in (None, ""):
            return REDACTED
        return self.scrub(value)

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in list(event_dict.items()):
            event_dict[key] = self._scrub_item(key, value)
        return event_dict


def configure_logging(
    service: str,
    *,
    json: bool | None = None,
    level: int = logging.INFO,
    stream: TextIO | None = None,
    redactor: Redactor | None = None,
) -> Redactor:
    """Configure structlog for this process and return its redactor.

    ``json=None`` picks JSON when the stream is not a terminal (a service under a
    supervisor) and coloured key=value when it is.
    """
    stream = stream or sys.stderr
    redactor = redactor or Redactor()
    if json is None:
        json = not stream.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redactor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    return redactor
