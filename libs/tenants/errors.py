"""Errors of tenant administration. All are ``ValueError``s (the CLI prints them as one
line) and none ever carries secret material: not a secret, not a key, not a plaintext."""

from __future__ import annotations


class TenantError(ValueError):
    """Base of every tenants error."""


class ConfigFieldError(TenantError):
    """A value is invalid; ``field`` is its path (``grid_step``, ``risk.min_liq_ratio``).

    ``context`` names the object it belongs to (``strategy 'btc1'``) and prefixes the
    message: ``strategy 'btc1': grid_step: must be > 0``.
    """

    def __init__(self, field: str, reason: str, *, context: str = "") -> None:
        self.field = field
        self.reason = reason
        self.context = context
        text = f"{field}: {reason}"
        super().__init__(f"{context}: {text}" if context else text)

    def with_context(self, context: str) -> ConfigFieldError:
        return ConfigFieldError(self.field, self.reason, context=context)


class MasterKeyError(TenantError):
    """The master key is missing or malformed (the message names where it came from)."""


class SecretDecryptError(TenantError):
    """A sealed secret cannot be opened: wrong master key, wrong account or tampering."""


class KeyRotationError(TenantError):
    """Rotation refused; nothing was changed."""
