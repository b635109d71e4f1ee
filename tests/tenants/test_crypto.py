"""Envelope encryption: fresh data keys, binding to the account, rotation, no leaks."""

from __future__ import annotations

import base64
import pickle

import msgspec
import pytest

from bybit.config import Secret
from tenants import (
    ApiCredentials,
    MasterKey,
    MasterKeyError,
    SealedSecret,
    SecretDecryptError,
    rewrap,
    seal,
    unseal,
)

SECRET = "s3cr3t-API-value-0123456789abcdef"
AAD = b"acc1"


def _flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 1]) + blob[index + 1 :]


def test_round_trip_returns_a_masked_secret() -> None:
    master = MasterKey.generate()
    sealed = seal(SECRET, master, aad=AAD)
    opened = unseal(sealed, master, aad=AAD)
    assert isinstance(opened, Secret)
    assert opened.reveal() == SECRET
    assert sealed.master_key_id == master.key_id
    assert SECRET.encode() not in sealed.ciphertext + sealed.wrapped_key


def test_every_seal_uses_a_fresh_data_key_and_nonce() -> None:
    master = MasterKey.generate()
    first, second = seal(SECRET, master, aad=AAD), seal(SECRET, master, aad=AAD)
    assert first.ciphertext != second.ciphertext
    assert first.wrapped_key != second.wrapped_key
    # Same master key, yet each wrapped key opens only its own ciphertext.
    swapped = SealedSecret(first.ciphertext, second.wrapped_key, master.key_id)
    with pytest.raises(SecretDecryptError):
        unseal(swapped, master, aad=AAD)


def test_wrong_master_key_fails_by_id_and_by_authentication() -> None:
    right, wrong = MasterKey.generate(), MasterKey.generate()
    sealed = seal(SECRET, right, aad=AAD)
    with pytest.raises(SecretDecryptError, match=wrong.key_id):
        unseal(sealed, wrong, aad=AAD)
    # Even with a forged key id the wrong key cannot open the wrapped data key.
    forged = SealedSecret(sealed.ciphertext, sealed.wrapped_key, wrong.key_id)
    with pytest.raises(SecretDecryptError, match="cannot decrypt"):
        unseal(forged, wrong, aad=AAD)


@pytest.mark.parametrize("part", ["ciphertext", "wrapped_key"])
@pytest.mark.parametrize("where", [0, 5, -1])
def test_any_tampering_is_detected(part: str, where: int) -> None:
    master = MasterKey.generate()
    sealed = seal(SECRET, master, aad=AAD)
    blob = getattr(sealed, part)
    fields = {
        "ciphertext": sealed.ciphertext,
        "wrapped_key": sealed.wrapped_key,
        part: _flip(blob, where % len(blob)),
    }
    with pytest.raises(SecretDecryptError) as info:
        unseal(SealedSecret(**fields, master_key_id=master.key_id), master, aad=AAD)
    assert SECRET not in str(info.value) and master.to_text() not in str(info.value)


def test_a_secret_moved_to_another_account_does_not_open() -> None:
    master = MasterKey.generate()
    sealed = seal(SECRET, master, aad=b"acc1")
    with pytest.raises(SecretDecryptError):
        unseal(sealed, master, aad=b"acc2")


def test_rewrap_changes_only_the_wrapped_key() -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    sealed = seal(SECRET, old, aad=AAD)
    moved = rewrap(sealed, old, new, aad=AAD)
    assert moved.ciphertext == sealed.ciphertext
    assert moved.wrapped_key != sealed.wrapped_key
    assert moved.master_key_id == new.key_id != old.key_id
    assert unseal(moved, new, aad=AAD).reveal() == SECRET
    with pytest.raises(SecretDecryptError):
        unseal(moved, old, aad=AAD)
    assert rewrap(moved, old, new, aad=AAD) is moved  # already under the new key
    with pytest.raises(SecretDecryptError):
        rewrap(sealed, MasterKey.generate(), new, aad=AAD)  # not the key it is under


def test_nothing_shows_the_key_or_the_secret() -> None:
    master = MasterKey.generate()
    key_text = master.to_text()
    raw = base64.urlsafe_b64decode(key_text)
    sealed = seal(SECRET, master, aad=AAD)
    creds = ApiCredentials(
        account_id="acc1", api_key="KEY1", api_secret=unseal(sealed, master, aad=AAD),
        environment="sim",
    )  # fmt: skip
    shown = (
        " ".join(f(obj) for obj in (master, sealed, creds, creds.api_secret) for f in (repr, str))
        + f"{creds.api_secret}{master}"
    )
    for leak in (SECRET, key_text, key_text.rstrip("="), raw.hex(), repr(raw)):
        assert leak not in shown
    assert master.key_id in repr(master)
    with pytest.raises(TypeError):
        pickle.dumps(master)
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    with pytest.raises(TypeError):  # decrypted credentials cannot be put on the bus
        msgspec.json.encode(creds)


def test_master_key_text_and_environment() -> None:
    master = MasterKey.generate()
    text = master.to_text()
    assert MasterKey.from_text(text) == master
    assert MasterKey.from_text(text.rstrip("=")) == master
    assert MasterKey.from_text(text).key_id == master.key_id
    assert len(master.key_id) == 16 and int(master.key_id, 16) >= 0
    assert MasterKey.from_env({"GRIDTWIN_MASTER_KEY": text}) == master
    with pytest.raises(MasterKeyError, match="GRIDTWIN_MASTER_KEY is not set"):
        MasterKey.from_env({})
    short = base64.urlsafe_b64encode(b"k" * 16).decode()
    with pytest.raises(MasterKeyError, match="NEW_KEY: must decode to 32 bytes") as info:
        MasterKey.from_env({"NEW_KEY": short}, var="NEW_KEY")
    assert short not in str(info.value)
    with pytest.raises(MasterKeyError, match="NEW_KEY: not urlsafe base64"):
        MasterKey.from_env({"NEW_KEY": "not base64 at all!"}, var="NEW_KEY")
