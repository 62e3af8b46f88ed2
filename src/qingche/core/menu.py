"""The side menu: each module registers its entries in its AppConfig.ready(); a user sees the
entries whose permission they hold. Modules not built are simply not registered.

Public links (pages for citizens and for anonymous reports, open without logging in) are registered the
same way and shown on the log-in page, so that nobody who lands there is stuck."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    perm: str | tuple[str, ...] | None = None  # a tuple means any one of them
    icon: str = "circle"
    section: str = ""
    order: int = 100


_items: list[MenuItem] = []
_public: list[MenuItem] = []


def register(*items: MenuItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def register_public(*items: MenuItem) -> None:
    for item in items:
        if item not in _public:
            _public.append(item)


def public_links() -> list[dict]:
    return [{"label": item.label, "url": reverse(item.url_name)} for item in sorted(_public, key=lambda i: i.order)]


def visible_items(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    entries = []
    for item in sorted(_items, key=lambda entry: entry.order):
        perms = (item.perm,) if isinstance(item.perm, str) else (item.perm or ())
        if perms and not any(user.has_perm(perm) for perm in perms):
            continue
        entries.append(
            {
                "label": item.label,
                "url": reverse(item.url_name),
                "icon": item.icon,
                "section": str(item.section),
                "url_name": item.url_name,
            }
        )
    return entries


def menu_context(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    if not user.is_authenticated:
        return {"public_links": public_links()}
    items = visible_items(user)
    sections: dict[str, list[dict]] = {}
    for entry in items:
        sections.setdefault(entry["section"], []).append(entry)
    return {"menu_sections": sections}
