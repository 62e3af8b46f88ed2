"""Cards on the 工作台 home page. Each module registers card builders; a builder returns None
when the card is not for this user, so the home page differs by role."""

from collections.abc import Callable

_builders: list[tuple[int, Callable]] = []


def register_card(builder: Callable, order: int = 100) -> None:
    if all(existing is not builder for _order, existing in _builders):
        _builders.append((order, builder))


def home_cards(request) -> list[dict]:
    cards = []
    for _order, builder in sorted(_builders, key=lambda entry: entry[0]):
        card = builder(request)
        if card:
            cards.append(card)
    return cards
