"""Reads: the county's own handled requests as training examples; a suggestion as leaf categories."""

from __future__ import annotations

from dataclasses import dataclass

from qingche.core.cache import ttl_cache
from qingche.service import rules
from qingche.service.classify import NoModel, suggest
from qingche.service.classify.data import message_text
from qingche.service.classify.model import PATH_SEPARATOR
from qingche.service.models import Category, ServiceRequest
from qingche.service.selectors import leaf_category_by_code

MIN_CHARACTERS = 4  # fewer characters than this say nothing about a category
MAX_CHARACTERS = 5_000


def handled_examples(limit: int = 50_000) -> list[tuple[str, tuple[str, ...]]]:
    """(subject + text, category path) of closed requests, newest first: a closed request's category is
    the one its handling confirmed."""
    paths: dict[int, tuple[str, ...]] = {}
    nodes = {node.pk: node for node in Category.objects.only("pk", "parent_id", "name")}
    for pk, node in nodes.items():
        names = []
        while node is not None:
            names.append(node.name)
            node = nodes.get(node.parent_id)
        paths[pk] = tuple(reversed(names))
    rows = (
        ServiceRequest.objects.filter(status=rules.CLOSED)
        .order_by("-closed_at")
        .values_list("title", "text", "category_id")[:limit]
    )
    return [(message_text(title, text), paths[category]) for title, text, category in rows if category in paths]


@dataclass(frozen=True)
class CategoryChoice:
    category: object  # an active leaf Category, parents selected
    top: str  # the first-level name the classifier gave
    confidence: float


@dataclass(frozen=True)
class CategorySuggestion:
    """The classifier's answer as categories a request can be filed under: `choice` (the suggested leaf) and
    up to three `candidates` (the most likely first-level classes, each with its most similar leaf)."""

    choice: CategoryChoice
    candidates: list[CategoryChoice]


def _leaf_for(path_text: str, leaves_by_path: dict, leaves_by_top: dict):
    path = tuple(part for part in path_text.split(PATH_SEPARATOR) if part)
    found = leaves_by_path.get(path)
    if found is None and path:  # the first level alone, or a tree that differs from the model's
        found = leaves_by_top.get(path[0])
    return found


@ttl_cache(60, cleared_by=("service.Category",))
def _leaf_index() -> tuple[dict, dict]:
    by_path, by_top = {}, {}
    for category in leaf_category_by_code().values():  # ordered by code
        names = tuple(category.path_names)
        by_path[names] = category
        # a branch's fallback leaf: its 其他 leaf when there is one, else its first by code
        if names[0] not in by_top or ("其他" in names[-1] and "其他" not in by_top[names[0]].name):
            by_top[names[0]] = category
    return by_path, by_top


def suggest_categories(text: str, subject: str = "") -> CategorySuggestion | None:
    """The suggestion for a message as leaf categories; None when there is no model, nothing to classify
    or no category of the county's tree matches (a form then simply shows no suggestion)."""
    text, subject = (text or "").strip(), (subject or "").strip()
    if len(text) + len(subject) < MIN_CHARACTERS:
        return None
    try:
        suggestion = suggest(text[:MAX_CHARACTERS], subject[:200])
    except NoModel:
        return None
    by_path, by_top = _leaf_index()
    candidates = []
    for candidate in suggestion.candidates:
        leaf = _leaf_for(candidate.get("path", candidate["category"]), by_path, by_top)
        if leaf is not None:
            candidates.append(CategoryChoice(leaf, candidate["category"], candidate["confidence"]))
    choice = _leaf_for(suggestion.path_text, by_path, by_top)
    if choice is None:
        return None
    return CategorySuggestion(CategoryChoice(choice, suggestion.category, suggestion.confidence), candidates)
