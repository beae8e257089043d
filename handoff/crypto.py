"""Authenticated, randomised encryption of contact data, notes and sensitive answers (Fernet:
AES-128-CBC + HMAC-SHA256, a fresh IV per value, so equal values give different ciphertexts).

Values rewritten at every message (a conversation's state) are sealed instead (`Cipher.seal`):
AES-256-GCM under a key derived from the same configured key, a fresh random nonce per value —
as safe, and a quarter of Fernet's cost (its Python wrapper builds a cipher, a padder and an
HMAC for every value). `decrypt` and `rotate` read both kinds.

Keys come from configuration (`HANDOFF_KEYS`, comma-separated, newest first): values are
written with the first and read with any, so a key can be rotated without downtime
(`Cipher.rotate` re-encrypts a value with the newest key). On the embedded default a key is
generated once into var/ with a warning.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any, overload

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)


class KeyError_(RuntimeError):
    pass


SEALED = "s1."  # a sealed value's prefix (a Fernet token is base64 only)
_SEAL_INFO = b"assistant-logement sealed values v1"
_MAC_INFO = b"assistant-logement keyed hashes v1"


def _sealing_key(fernet_key: str) -> tuple[bytes, AESGCM]:
    """An AES-256-GCM key derived from a configured key (HKDF), and its 4-byte identifier."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
        base64.urlsafe_b64decode(fernet_key.strip().encode()))
    return hashlib.sha256(derived).digest()[:4], AESGCM(derived)


class Cipher:
    def __init__(self, keys: list[str]):
        if not keys:
            raise KeyError_("no encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except (ValueError, TypeError):
            raise KeyError_("an encryption key is not a valid Fernet key (32 url-safe base64 bytes)") from None
        raw = [base64.urlsafe_b64decode(k.strip().encode()) for k in keys]
        self._mac_keys = [HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_MAC_INFO).derive(r) for r in raw]
        sealing = [_sealing_key(k) for k in keys]
        self._seal_id, self._seal_key = sealing[0]  # the newest key writes
        self._sealing = dict(reversed(sealing))  # any reads (the newest wins an identifier clash)

    @classmethod
    def from_config(cls, keys: str | None, var_dir: Path) -> Cipher:
        if keys:
            return cls([k for k in keys.split(",") if k.strip()])
        path = var_dir / "handoff.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(Fernet.generate_key().decode())
            log.warning("no HANDOFF_KEYS configured: generated an encryption key in %s; "
                        "set HANDOFF_KEYS in production and keep it out of backups of the database", path)
        return cls([path.read_text().strip()])

    @overload
    def encrypt(self, value: str) -> str: ...
    @overload
    def encrypt(self, value: None) -> None: ...
    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def seal(self, value: str) -> str:
        """`encrypt` for values rewritten at every message: AES-256-GCM, read by `decrypt`."""
        nonce = os.urandom(12)
        sealed = self._seal_key.encrypt(nonce, value.encode(), self._seal_id)
        return SEALED + base64.urlsafe_b64encode(self._seal_id + nonce + sealed).decode()

    @overload
    def decrypt(self, token: str) -> str: ...
    @overload
    def decrypt(self, token: None) -> None: ...
    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        if token.startswith(SEALED):
            return self._unseal(token)
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise KeyError_("a value cannot be decrypted with the configured keys") from None

    def _unseal(self, token: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(token[len(SEALED):].encode())
            key = self._sealing[raw[:4]]
            return key.decrypt(raw[4:16], raw[16:], raw[:4]).decode()
        except (KeyError, ValueError, binascii.Error, InvalidTag):  # unknown key, tampered, truncated
            raise KeyError_("a value cannot be decrypted with the configured keys") from None

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 of `value` under a key derived from the newest configured key: a secret
        (a follow-up code) is kept only as this, and the database alone cannot test guesses."""
        return hmac.new(self._mac_keys[0], value.encode(), hashlib.sha256).hexdigest()

    def keyed_hashes(self, value: str) -> list[str]:
        """`value`'s keyed hash under every configured key (to look a value up after a rotation)."""
        return [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in self._mac_keys]

    def matches_hash(self, value: str, stored: str | None) -> bool:
        """Whether `value`'s keyed hash under any configured key is `stored` (constant time)."""
        if not stored:
            return False
        found = False
        for candidate in self.keyed_hashes(value):
            found |= hmac.compare_digest(candidate, stored)
        return found

    def encrypt_json(self, value: Any) -> str | None:
        return None if value is None else self.encrypt(json.dumps(value, ensure_ascii=False))

    def decrypt_json(self, token: str | None) -> Any:
        text = self.decrypt(token)
        return None if text is None else json.loads(text)

    def rotate(self, token: str | None) -> str | None:
        if token is None:
            return None
        if token.startswith(SEALED):
            return self.seal(self._unseal(token))
        return self._fernet.rotate(token.encode()).decode()
