import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingche.settings")
application = get_wsgi_application()
# Imports every view now rather than at a worker's first request: `qingche serve` preloads this module in
# gunicorn's master, so each forked worker starts with the whole application already imported.
_ = get_resolver().url_patterns
# Likewise the segmenter that routes requests: its dictionary takes a second or two to load.
from qingche.service.rules import tokenizer  # noqa: E402

tokenizer()
