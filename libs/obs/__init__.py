"""Observability: structured logging with secret redaction, metrics and health."""

from obs.logging import REDACTED, Redactor, configure_logging

__all__ = ["REDACTED", "Redactor", "configure_logging"]
