"""Errors of the comparison: ``ValueError``s that print as one line naming the field or
file (the CLI maps configuration to exit 1 and data to exit 2)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CompareConfigError", "CompareError", "RunFolderError"]


class CompareError(ValueError):
    """Base of every comparison error."""


class CompareConfigError(CompareError):
    """A bad option or threshold; ``field`` is its name, ``source`` the file (if any)."""

    def __init__(self, field: str, reason: str, *, source: str = "") -> None:
        self.field = field
        self.reason = reason
        self.source = source
        text = f"{field}: {reason}"
        super().__init__(f"{source}: {text}" if source else text)


class RunFolderError(CompareError):
    """A run folder (or one of its files) that cannot be read; ``line`` is 1-based."""

    def __init__(self, path: Path | str, reason: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
