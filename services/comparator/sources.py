"""Where each side comes from. A folder now; a stored run (``--live RUN``, read from the
event store by the run id) will resolve here too, beside folders."""

from __future__ import annotations

from pathlib import Path

from compare import RunFolderError, Side, load_run_folder

__all__ = ["load_side"]


def load_side(text: str, flag: str) -> Side:
    """``text`` as given to ``flag``; :class:`RunFolderError` names what is wrong."""
    path = Path(text)
    if path.is_dir():
        return load_run_folder(path)
    if path.exists():
        raise RunFolderError(path, f"{flag}: not a folder")
    raise RunFolderError(path, f"{flag}: no such run folder (stored runs are not supported yet)")
