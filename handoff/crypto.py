"""Authenticated, randomised encryption of contact data, notes and sensitive answers (Fernet:
AES-128-CBC + HMAC-SHA256, a fresh IV per value, so equal values give different ciphertexts).

Keys come from configuration (`HANDOFF_KEYS`, comma-separated, newest first): values are
written with the first and read with any, so a key can be rotated without downtime
(`Cipher.rotate` re-encrypts a value with the newest key). On the embedded default a key is
generated once into var/ with a warning.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)


class KeyError_(RuntimeError):
    pass


class Cipher:
    def __init__(self, keys: list[str]):
        if not keys:
            raise KeyError_("no encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except (ValueError, TypeError):
            raise KeyError_("an encryption key is not a valid Fernet key (32 url-safe base64 bytes)") from None

    @classmethod
    def from_config(cls, keys: str | None, var_dir: Path) -> "Cipher":
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

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise KeyError_("a value cannot be decrypted with the configured keys") from None

    def encrypt_json(self, value: Any) -> str | None:
        return None if value is None else self.encrypt(json.dumps(value, ensure_ascii=False))

    def decrypt_json(self, token: str | None) -> Any:
        text = self.decrypt(token)
        return None if text is None else json.loads(text)

    def rotate(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.rotate(token.encode()).decode()
