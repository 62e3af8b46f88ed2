"""Every write of citizen requests, by topic. Each function checks permission and scope, validates through
rules.py, writes the request, its timeline event and the 三率 rollup in one transaction. Callers import
this package (`from qingche.service import services`); the topics are its modules."""

from qingche.service.services.categories import BUILTIN_TREE, category_seed, category_tree_load
from qingche.service.services.clock import clock_run
from qingche.service.services.common import (
    ALLOWED_UPLOADS,
    MAX_ATTACHMENTS,
    SERVICE_LOAD_SOURCE,
    burden_load_bulk,
    rollup_rebuild,
)
from qingche.service.services.intake import (
    new_tracking_code,
    open311_submission_accept,
    open311_submissions_register,
    request_submit,
)
from qingche.service.services.keys import open311_key_issue, open311_key_revoke
from qingche.service.services.knowledge import knowledge_entry_save, request_answer_directly, request_submit_answered
from qingche.service.services.workflow import (
    request_accept,
    request_answer,
    request_arbitrate,
    request_callback,
    request_dispatch,
    request_extension_ask,
    request_extension_decide,
    request_merge,
    request_pass_on,
    request_publish,
    request_reopen,
    request_return,
    request_start,
    request_unpublish,
)

__all__ = [
    "ALLOWED_UPLOADS",
    "BUILTIN_TREE",
    "MAX_ATTACHMENTS",
    "SERVICE_LOAD_SOURCE",
    "burden_load_bulk",
    "category_seed",
    "category_tree_load",
    "knowledge_entry_save",
    "clock_run",
    "new_tracking_code",
    "open311_key_issue",
    "open311_key_revoke",
    "open311_submission_accept",
    "open311_submissions_register",
    "request_accept",
    "request_answer_directly",
    "request_answer",
    "request_arbitrate",
    "request_callback",
    "request_dispatch",
    "request_extension_ask",
    "request_extension_decide",
    "request_merge",
    "request_pass_on",
    "request_publish",
    "request_reopen",
    "request_return",
    "request_start",
    "request_submit",
    "request_submit_answered",
    "request_unpublish",
    "rollup_rebuild",
]
