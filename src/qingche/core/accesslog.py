"""Gunicorn's access log without the requests of anonymous pages.

The access log keeps the client address and the exact time of every request; for pages whose promise
is that the sender is not identified (the burden module's 直通车 at /burden/voice/) that line would
break the promise, so it is not written. Paths are listed in QINGCHE_UNLOGGED_PATHS (core.anonymous).
A reverse proxy in front must be configured the same way (docs/operator-guide.md §4)."""

from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from qingche.core.anonymous import UNLOGGED_PREFIXES


class AnonymousPathsLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO", "").startswith(UNLOGGED_PREFIXES):
            return
        # The page's own assets (styles, scripts) name it as referrer: their lines would tell the same.
        if urlsplit(environ.get("HTTP_REFERER", "")).path.startswith(UNLOGGED_PREFIXES):
            return
        super().access(resp, req, environ, request_time)
