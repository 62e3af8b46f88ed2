"""How a page names the person behind an account: the person's name and unit (黄杰（东河镇）), never the
user name, except for accounts that have no person record (the superuser, system accounts).

`core` does not know people: org installs `names_of` (account ids -> "name（unit）") and `ids_named` (a part
of a name -> account ids) when Django starts."""

from __future__ import annotations

from collections.abc import Callable, Iterable

_names_of: Callable[[list[int]], dict[int, str]] = lambda ids: {}  # noqa: E731 - until org installs its loaders
_ids_named: Callable[[str], list[int]] = lambda text: []  # noqa: E731


def install(names_of: Callable[[list[int]], dict[int, str]], ids_named: Callable[[str], list[int]]) -> None:
    global _names_of, _ids_named
    _names_of, _ids_named = names_of, ids_named


def ids_named(text: str) -> list[int]:
    """The accounts whose person's name contains `text` (so that a search by the shown name finds them)."""
    return _ids_named(text)


def names(users: Iterable) -> dict[int, str]:
    """Each account's shown name by id, in one query for all of them."""
    users = [user for user in users if user is not None and user.pk is not None]
    found = _names_of(sorted({user.pk for user in users}))
    return {user.pk: found.get(user.pk) or user.get_full_name() or user.get_username() for user in users}


def name(user) -> str:
    """One account's shown name (kept on the instance, so a page asks once per account object)."""
    if user is None:
        return ""
    if not hasattr(user, "_shown_name"):
        user._shown_name = names([user]).get(user.pk, user.get_username())
    return user._shown_name
