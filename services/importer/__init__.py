"""Importer: trade files stored as the recorded run ``import.<name>`` (resumable,
idempotent), with a data-health report."""

from services.importer.request import ImportRequest
from services.importer.service import ImportConflict, ImportedFile, Importer, ImportResult

__all__ = ["ImportConflict", "ImportRequest", "ImportResult", "ImportedFile", "Importer"]
