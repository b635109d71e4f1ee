"""Where each side comes from: a run folder, or a run id registered in ``runs`` (read from
the event store by ``services.comparator.runs``).

A value that names an existing path is a folder; otherwise a value that could be a run
id (``runs.run_id``'s characters) is one, and anything else is a folder that is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

from compare import RunFolderError, Side, load_run_folder

__all__ = ["is_run_ref", "load_side"]

_RUN_ID = re.compile(r"[A-Za-z0-9_-]+")


def is_run_ref(text: str) -> bool:
    """``text`` names a stored run, not a folder (a folder of that name wins)."""
    return bool(_RUN_ID.fullmatch(text)) and not Path(text).exists()


def load_side(text: str, flag: str) -> Side:
    """The run folder ``text`` as given to ``flag``; :class:`RunFolderError` names what
    is wrong."""
    path = Path(text)
    if path.is_dir():
        return load_run_folder(path)
    if path.exists():
        raise RunFolderError(path, f"{flag}: not a folder")
    raise RunFolderError(path, f"{flag}: no such run folder")
