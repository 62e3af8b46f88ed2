"""Actions a higher module offers on a survey's results, e.g. the rectification ledger's "转为整改" (raise a
rectification item from a result). Surveys knows no ledger: the ledger's wiring registers its action here and
the results page shows a button for each registered action — and nothing when none is registered.

    from qingche.surveys import actions
    actions.register_result_action(label=_("Raise a rectification item"), url=lambda survey, question: ...,
                                   permission="ledger.add_item")

`url(survey, question)` returns the address the button opens (question None: the survey as a whole)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ResultAction:
    label: str
    url: Callable  # (survey, question | None) -> str
    permission: str | None = None


_actions: list[ResultAction] = []


def register_result_action(*, label, url: Callable, permission: str | None = None) -> ResultAction:
    action = ResultAction(label=label, url=url, permission=permission)
    _actions.append(action)
    return action


def unregister(action: ResultAction) -> None:
    """For tests: take one registered action back."""
    if action in _actions:
        _actions.remove(action)


def for_user(user) -> list[ResultAction]:
    return [action for action in _actions if action.permission is None or user.has_perm(action.permission)]
