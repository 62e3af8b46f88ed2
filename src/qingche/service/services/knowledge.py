"""The knowledge base and direct answers (直接答复): entries written by the hotline and 减负办; a consultation
answered from an entry at once, closed without dispatch and in no unit's 三率."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.service import rules
from qingche.service.models import Category, KnowledgeEntry, RequestEvent, ServiceRequest
from qingche.service.services.common import _event, _fail, _locked, _require
from qingche.service.services.intake import request_submit


def _cleaned_entry(*, title, answer, keywords, category_id, source) -> dict:
    errors = {}
    title = " ".join((title or "").split())
    if not 4 <= len(title) <= 200:
        errors["title"] = _("Write the question (4 to 200 characters).")
    answer = (answer or "").replace("\x00", "").strip()
    if not 10 <= len(answer) <= rules.MAX_TEXT:
        errors["answer"] = _("Write the answer (10 to 5,000 characters).")
    category = None
    if category_id not in (None, ""):
        if str(category_id).isdigit():
            category = Category.objects.filter(pk=category_id, is_active=True).first()
        if category is None:
            errors["category"] = _("Choose a category from the list, or none.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "answer": answer,
        "keywords": " ".join((keywords or "").split())[:300],
        "category": category,
        "source": " ".join((source or "").split())[:200],
    }


@transaction.atomic
def knowledge_entry_save(
    *,
    user,
    entry: KnowledgeEntry | None = None,
    title: str,
    answer: str,
    keywords: str = "",
    category_id=None,
    source: str = "",
    is_active: bool = True,
) -> KnowledgeEntry:
    """Add an entry (entry None) or change one; audited (AuditedModel). Switching an entry off keeps it for
    the requests answered from it."""
    _require(user, "service.change_knowledgeentry" if entry else "service.add_knowledgeentry")
    clean = _cleaned_entry(title=title, answer=answer, keywords=keywords, category_id=category_id, source=source)
    if entry is None:
        entry = KnowledgeEntry()
    else:
        entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    for name, value in clean.items():
        setattr(entry, name, value)
    entry.is_active = bool(is_active)
    entry.updated_by = user
    entry.save()
    return entry


@transaction.atomic
def request_answer_directly(
    *, user, request: ServiceRequest, entry: KnowledgeEntry, reply: str = "", now=None
) -> ServiceRequest:
    """直接答复: the hotline answers a request waiting for dispatch from a knowledge base entry (the entry's
    answer, or the operator's words for it) and closes it at once. No unit is involved: nothing is dispatched,
    no unit's 三率 or load changes; the timeline names the entry and the citizen reads the reply on /track/."""
    _require(user, "service.dispatch_servicerequest")
    if entry is None or not entry.is_active:
        raise ValidationError({"entry": _("Choose an active entry of the knowledge base.")})
    request = _locked(request)
    reply = (reply or "").strip() or entry.answer
    try:
        reply = rules.clean_text(reply, field="reply", minimum=5)
        request.status = rules.next_status(request.status, "answer_directly", reason=reply)
    except rules.RuleError as error:
        if error.field == "reply":
            raise ValidationError({"reply": _("Write the reply to the citizen (5 to 5,000 characters).")}) from None
        _fail(error)
    now = now or timezone.now()
    request.answered_at = request.closed_at = now
    request.reply, request.knowledge_entry = reply, entry
    request.save()
    _event(
        request,
        RequestEvent.Kind.DIRECT_ANSWER,
        user=user,
        at=now,
        public_note=reply,
        data={"entry": entry.pk, "entry_title": entry.title},
    )
    return request


@transaction.atomic
def request_submit_answered(*, user, entry: KnowledgeEntry, reply: str = "", **submit) -> ServiceRequest:
    """Register a hotline consultation and answer it directly in one step: both or nothing. `submit` are
    request_submit's arguments; the clear verification code is in the result's `issued_code`."""
    _require(user, "service.dispatch_servicerequest")
    if entry is None or not entry.is_active:
        raise ValidationError({"entry": _("Choose an active entry of the knowledge base.")})
    created = request_submit(user=user, **submit)
    if created.status != rules.NEW:  # the same idempotency key: the request made and answered the first time
        return created
    code = created.issued_code
    answered = request_answer_directly(user=user, request=created, entry=entry, reply=reply, now=submit.get("now"))
    answered.issued_code = code
    return answered
