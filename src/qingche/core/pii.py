"""Personal data at rest: encrypted with a key from settings, with a keyed hash for exact lookup.

An `EncryptedField` holds the ciphertext; the model keeps a sibling `<name>_hash` column filled
by `pii_hash()` so that records can be found by exact value without decrypting. Pages and the
API show `masked()` values; `core.services.pii_unmask` is the only way to see clear text, and
it audits every use.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

from qingche.core import rules

UNMASK_PERM = "core.unmask_pii"


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def encrypt_many(key: str, values: list[str]) -> list[str]:
    """`encrypt` of each value with the given key, without Django's settings: for worker processes that
    encrypt a bulk load's values while the loading process checks its rows."""
    fernet = _fernet(key)
    return [fernet.encrypt(value.encode()).decode() for value in values]


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as error:  # a wrong key must not pass silently
        raise ValueError("personal data cannot be decrypted with the configured key") from error


def pii_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, for exact-match lookup."""
    if not value:
        return ""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def audit_digest(value: str) -> str:
    """Keyed hash of a value the audit trail must not hold in clear; kept apart from the lookup hashes
    (another message prefix), so that the trail's digests match no column of the data."""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), b"audit\x00" + value.encode(), hashlib.sha256).hexdigest()


MASKERS = {"phone": rules.mask_phone, "id_number": rules.mask_id_number}
NORMALIZERS = {"phone": rules.normalize_phone, "id_number": rules.normalize_id_number}


class EncryptedField(models.TextField):
    """Clear text in Python, ciphertext in the database. `kind` picks masking and normalisation."""

    def __init__(self, *args, kind: str = "phone", **kwargs):
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(NORMALIZERS[self.kind](value)) if value else ""

    def masked(self, value: str) -> str:
        return MASKERS[self.kind](value or "")

    def normalized(self, value: str) -> str:
        return NORMALIZERS[self.kind](value or "")
