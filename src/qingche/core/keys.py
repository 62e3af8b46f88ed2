"""The keys: from the environment, else from a file under var/. A key that is in neither is made anew only
for a database that holds nothing made with it; otherwise Qingche refuses to start and names the key, since
a new key would silently make the stored data unreadable (personal data) or unfindable (hashes, codes).

Settings call `load_key` (no database yet); the first connection of a process calls `settle`, which writes
the new keys to their files or refuses. `qingche keys new NAME` makes a key on purpose."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Key:
    setting: str  # the Django setting that holds it
    variable: str  # the environment variable
    filename: str  # the file under QINGCHE_VAR_DIR
    kind: str  # "fernet" or "django"


KEYS = (
    Key("SECRET_KEY", "QINGCHE_SECRET_KEY", "secret_key", "django"),
    Key("FIELD_ENCRYPTION_KEY", "QINGCHE_FIELD_KEY", "field_key", "fernet"),
    Key("FIELD_HASH_KEY", "QINGCHE_HASH_KEY", "hash_key", "django"),
)
# Keys made in memory by this process because neither the environment nor the file had them: setting -> key.
_pending: dict[str, str] = {}
_made: set[str] = set()  # every key this process made (pending or already written)
_settling = False


def new_key(kind: str) -> str:
    if kind == "fernet":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    return secrets.token_urlsafe(50)


def load_key(setting: str, environ, var_dir: Path) -> str:
    """The key of `setting` from the environment or its file; else a new one, kept in memory until `settle`."""
    key = next(k for k in KEYS if k.setting == setting)
    if environ.get(key.variable):
        return environ[key.variable]
    path = var_dir / key.filename
    if path.exists():
        return path.read_text().strip()
    _pending[setting] = new_key(key.kind)
    _made.add(key.variable)
    return _pending[setting]


def generated_here() -> list[str]:
    """The environment variables of the keys this process had to make anew (a restore refuses them)."""
    return sorted(_made)


def write_key_file(path: Path, value: str) -> str:
    """Write a key file (mode 0600) unless another process wrote it first; return the key the file holds."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def settings_using(setting: str) -> list:
    """The models whose rows need the key: those with encrypted fields need the field and hash keys; a model
    names other keys it needs in `uses_keys` (e.g. the 直通车 follow-up codes hashed with SECRET_KEY)."""
    from django.apps import apps  # lazy: settings.py imports this module, before Django is set up

    from qingche.core.pii import EncryptedField  # lazy: settings.py imports this module, before Django is set up

    models = []
    for model in apps.get_models():
        needed = set(getattr(model, "uses_keys", ()))
        if any(isinstance(field, EncryptedField) for field in model._meta.concrete_fields):
            needed |= {"FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY"}
        if setting in needed:
            models.append(model)
    return models


def _holds_rows(model, connection) -> bool:
    from django.db import DatabaseError  # lazy: settings.py imports this module, before Django is set up

    if model._meta.db_table not in connection.introspection.table_names():
        return False
    try:
        return model._base_manager.using(connection.alias).exists()
    except DatabaseError:
        return False


def settle(connection) -> None:
    """Write the keys this process made to their files, or refuse (ImproperlyConfigured) if the database
    already holds data made with a key that is missing."""
    global _settling
    if not _pending or _settling:
        return
    from django.conf import settings  # lazy: settings.py imports this module, before Django is set up

    _settling = True
    try:
        var_dir = Path(settings.VAR_DIR)
        for key in KEYS:
            if key.setting not in _pending:
                continue
            holders = [m._meta.label for m in settings_using(key.setting) if _holds_rows(m, connection)]
            if holders:
                raise ImproperlyConfigured(
                    f"The key {key.setting} is missing: set {key.variable} in the environment or put the key in "
                    f"{var_dir / key.filename}. The database already holds data made with it ({', '.join(holders)}); "
                    "a new key would make that data unreadable. Qingche does not start without it "
                    "(docs/operator-guide.md, Keys)."
                )
            setattr(settings, key.setting, write_key_file(var_dir / key.filename, _pending.pop(key.setting)))
    finally:
        _settling = False


def on_connection_created(sender, connection, **kwargs):
    settle(connection)
