"""Domain errors of the store."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store failure."""


class MigrationError(StoreError):
    """An applied migration differs from the file that carries its version."""

    def __init__(self, version: int, name: str, reason: str) -> None:
        super().__init__(f"migration {version:04d} ({name}): {reason}")
        self.version = version
        self.name = name


class StoreConnectionError(StoreError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot connect to PostgreSQL at {url}: {reason}")
        self.url = url
