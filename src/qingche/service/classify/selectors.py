"""The county's own handled requests as training examples (reads only)."""

from __future__ import annotations

from qingche.service import rules
from qingche.service.classify.data import message_text


def handled_examples(limit: int = 50_000) -> list[tuple[str, tuple[str, ...]]]:
    """(subject + text, category path) of closed requests, newest first: a closed request's category is
    the one its handling confirmed."""
    from qingche.service.models import Category, ServiceRequest

    paths: dict[int, tuple[str, ...]] = {}
    nodes = {node.pk: node for node in Category.objects.only("pk", "parent_id", "name")}
    for pk, node in nodes.items():
        names = []
        while node is not None:
            names.append(node.name)
            node = nodes.get(node.parent_id)
        paths[pk] = tuple(reversed(names))
    rows = (ServiceRequest.objects.filter(status=rules.CLOSED).order_by("-closed_at")
            .values_list("title", "text", "category_id")[:limit])
    return [(message_text(title, text), paths[category]) for title, text, category in rows if category in paths]
