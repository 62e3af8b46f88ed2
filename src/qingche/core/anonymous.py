"""The paths whose promise is that the sender is not identified (the burden module's 直通车).

No access log line is written for them (core.accesslog), the session is neither saved nor its cookie
set on them, and the audit context of their requests carries no address, account or request id
(core.middleware). QINGCHE_UNLOGGED_PATHS lists them (comma-separated prefixes). Kept free of Django
imports: gunicorn's logger reads it too."""

import os

UNLOGGED_PREFIXES = tuple(
    prefix.strip() for prefix in os.environ.get("QINGCHE_UNLOGGED_PATHS", "/burden/voice/").split(",") if prefix.strip()
)


def is_anonymous_path(path: str) -> bool:
    return path.startswith(UNLOGGED_PREFIXES)
