"""Keys that a fresh machine needs are generated once and kept under var/."""

import base64
import os
import secrets
from pathlib import Path


def _new_key(kind: str) -> str:
    if kind == "fernet":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    return secrets.token_urlsafe(50)


def load_or_create_key(path: Path, kind: str) -> str:
    """Return the key stored at `path`, creating it (mode 0600) the first time."""
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_new_key(kind))
    return path.read_text().strip()
