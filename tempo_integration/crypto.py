"""Encryption of stored secrets (docs/product.md §7).

Secrets are encrypted with MultiFernet under ``settings.ENCRYPTION_KEYS``: the first key
encrypts, every key decrypts, so keys can be rotated without losing anything. Each
ciphertext is stored beside the id of the key that wrote it, which lets
``rotate_encryption_keys`` report what it changed and lets an operator see when an old key
can be removed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """No configured key can decrypt a stored secret (its key was removed too early)."""


def _development_key() -> str:
    # Only while DEBUG is on (settings refuse to start without ENCRYPTION_KEYS otherwise):
    # a stable key derived from SECRET_KEY so a development database stays readable.
    digest = hashlib.sha256(f"worklog-report-dev-key:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> list[str]:
    keys = [key.strip() for key in settings.ENCRYPTION_KEYS if key.strip()]
    if keys:
        return keys
    if settings.DEBUG:
        return [_development_key()]
    raise ImproperlyConfigured("ENCRYPTION_KEYS must be set when DEBUG is off.")


def key_id(key: str) -> str:
    """A short public fingerprint of a key: safe to store and show, useless to an attacker."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"ENCRYPTION_KEYS holds a key (id {key_id(key)}) that is not a Fernet key: "
            "each must be 32 url-safe base64-encoded bytes, as "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'` "
            "prints."
        ) from exc


@dataclass(frozen=True)
class Sealed:
    ciphertext: str
    key_id: str


def encrypt(plaintext: str) -> Sealed:
    keys = configured_keys()
    token = _fernet(keys[0]).encrypt(plaintext.encode())
    return Sealed(ciphertext=token.decode(), key_id=key_id(keys[0]))


def decrypt(ciphertext: str) -> str:
    keys = configured_keys()
    try:
        return MultiFernet([_fernet(k) for k in keys]).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with any key in ENCRYPTION_KEYS."
        ) from exc


def key_id_of(ciphertext: str) -> str | None:
    """The id of the configured key that decrypts this ciphertext, or None."""
    for key in configured_keys():
        try:
            _fernet(key).decrypt(ciphertext.encode())
        except InvalidToken:
            continue
        return key_id(key)
    return None


def rotate(ciphertext: str) -> Sealed:
    """Re-encrypt under the first configured key (MultiFernet.rotate keeps the timestamp)."""
    keys = configured_keys()
    try:
        rotated = MultiFernet([_fernet(k) for k in keys]).rotate(ciphertext.encode())
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with any key in ENCRYPTION_KEYS."
        ) from exc
    return Sealed(ciphertext=rotated.decode(), key_id=key_id(keys[0]))
