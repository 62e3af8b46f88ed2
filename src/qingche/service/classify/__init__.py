"""Request categories from the caller's words (docs/classify.md): `suggest(subject, text)` gives the
first-level category with a confidence, the top 3, and the path down to the third level, from the current
model version stored under var/classifier/ (built by `make model`)."""

from __future__ import annotations

from qingche.service.classify import data, store
from qingche.service.classify.model import Suggestion
from qingche.service.classify.store import NoModel


def suggest(text: str, subject: str = "") -> Suggestion:
    """The suggestion of the current model; NoModel when none has been built."""
    return store.load().suggest(data.message_text(subject, text))


def suggest_many(texts: list[str]) -> list[Suggestion]:
    return store.load().suggest_many(texts)


__all__ = ["NoModel", "Suggestion", "suggest", "suggest_many"]
