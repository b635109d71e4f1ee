"""Bad market data, located: which file, which line, what is wrong."""

from __future__ import annotations

import pathlib


class DataError(ValueError):
    """A trade file (or stored window) that cannot be used as it is.

    ``line`` is 1-based and counts the header; 0 means the file as a whole."""

    def __init__(self, path: pathlib.Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")
