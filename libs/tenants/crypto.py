"""Envelope encryption of API secrets (AES-256-GCM from ``cryptography``).

Every secret is encrypted with its own fresh random 256-bit data key; only that data key
is encrypted ("wrapped") by the master key. Rotating the master key therefore re-wraps
32-byte data keys and never touches a secret's ciphertext.

Blob layout (both ``ciphertext`` and ``wrapped_key``): ``0x01 | nonce (12) | AES-GCM
output (data + 16-byte tag)``. The associated data is a role label plus the caller's
``aad`` (the account id), so a blob copied to another account, or a wrapped key used as a
ciphertext, fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any, Final

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bybit.config import Secret
from tenants.errors import MasterKeyError, SecretDecryptError, TenantError

__all__ = ["MasterKey", "SealedSecret", "rewrap", "seal", "unseal"]

KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
_VERSION: Final = b"\x01"
_SECRET_LABEL: Final = b"gridtwin/secret/v1\x00"
_WRAP_LABEL: Final = b"gridtwin/wrap/v1\x00"
_KEY_ID_LABEL: Final = b"gridtwin/master-key-id/v1\x00"
DEFAULT_ENV_VAR: Final = "GRIDTWIN_MASTER_KEY"


class MasterKey:
    """The 32-byte key that wraps data keys. Never shows itself: ``repr`` prints only
    ``key_id``, a fingerprint that is safe to store and log."""

    __slots__ = ("_key", "_key_id")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            raise MasterKeyError(f"a master key is {KEY_BYTES} bytes")
        self._key = key
        # Domain-separated so the id is never a hash that is also used elsewhere.
        self._key_id = hashlib.sha256(_KEY_ID_LABEL + key).hexdigest()[:16]

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    @classmethod
    def from_text(cls, text: str, *, source: str = "master key") -> MasterKey:
        """Urlsafe base64 of 32 bytes (padding optional). Errors name ``source``, never
        the text."""
        raw = text.strip()
        try:
            key = base64.b64decode(
                (raw + "=" * (-len(raw) % 4)).translate(str.maketrans("-_", "+/")),
                validate=True,
            )
        except (binascii.Error, ValueError):
            raise MasterKeyError(
                f"{source}: not urlsafe base64 (generate one with `gridtwin admin gen-key`)"
            ) from None
        if len(key) != KEY_BYTES:
            raise MasterKeyError(f"{source}: must decode to {KEY_BYTES} bytes, got {len(key)}")
        return cls(key)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, var: str = DEFAULT_ENV_VAR
    ) -> MasterKey:
        env = os.environ if environ is None else environ
        text = env.get(var, "")
        if not text.strip():
            raise MasterKeyError(
                f"{var} is not set: it must hold the master key "
                "(urlsafe base64 of 32 bytes, see `gridtwin admin gen-key`)"
            )
        return cls.from_text(text, source=var)

    @property
    def key_id(self) -> str:
        return self._key_id

    def to_text(self) -> str:
        """The key as urlsafe base64, for ``gen-key`` to print once."""
        return base64.urlsafe_b64encode(self._key).decode()

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self._key_id!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MasterKey):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __reduce__(self) -> Any:
        raise TypeError("MasterKey cannot be pickled")


class SealedSecret(msgspec.Struct, frozen=True):
    """What is stored: the encrypted secret, its wrapped data key and the id of the
    master key that wrapped it. Nothing in it is readable without the master key."""

    ciphertext: bytes
    wrapped_key: bytes
    master_key_id: str


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonce: each key encrypts once or twice
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + _NONCE_BYTES + 16 or blob[:1] != _VERSION:
        raise SecretDecryptError("sealed secret is malformed or of an unknown version")
    nonce, body = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise SecretDecryptError(
            "cannot decrypt: wrong master key, wrong account or tampered data"
        ) from None


def _unwrap(sealed: SealedSecret, master: MasterKey, aad: bytes) -> bytes:
    if sealed.master_key_id != master.key_id:
        raise SecretDecryptError(
            f"sealed under master key {sealed.master_key_id}, not {master.key_id}"
        )
    data_key = _decrypt(master._key, sealed.wrapped_key, _WRAP_LABEL + aad)
    if len(data_key) != KEY_BYTES:
        raise SecretDecryptError("wrapped data key has the wrong length")
    return data_key


def seal(secret: str, master: MasterKey, *, aad: bytes) -> SealedSecret:
    """Encrypt ``secret`` under a fresh data key, wrapped by ``master``; both bound to
    ``aad`` (the account id)."""
    if not secret:
        raise TenantError("an empty secret cannot be sealed")
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    return SealedSecret(
        ciphertext=_encrypt(data_key, secret.encode(), _SECRET_LABEL + aad),
        wrapped_key=_encrypt(master._key, data_key, _WRAP_LABEL + aad),
        master_key_id=master.key_id,
    )


def unseal(sealed: SealedSecret, master: MasterKey, *, aad: bytes) -> Secret:
    """The secret, as a :class:`bybit.Secret` that masks itself; ``SecretDecryptError``
    on a wrong key, wrong ``aad`` or any tampering."""
    data_key = _unwrap(sealed, master, aad)
    plaintext = _decrypt(data_key, sealed.ciphertext, _SECRET_LABEL + aad)
    try:
        return Secret(plaintext.decode())
    except UnicodeDecodeError:
        raise SecretDecryptError("decrypted secret is not UTF-8") from None


def rewrap(sealed: SealedSecret, old: MasterKey, new: MasterKey, *, aad: bytes) -> SealedSecret:
    """The same secret with its data key wrapped by ``new``; the ciphertext is unchanged.
    A secret already under ``new`` is returned as is (rotation can be re-run)."""
    if sealed.master_key_id == new.key_id:
        return sealed
    data_key = _unwrap(sealed, old, aad)
    return SealedSecret(
        ciphertext=sealed.ciphertext,
        wrapped_key=_encrypt(new._key, data_key, _WRAP_LABEL + aad),
        master_key_id=new.key_id,
    )
