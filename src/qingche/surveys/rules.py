"""Pure rules of surveys: a survey's state, who is targeted, checking answers, the one-way answered mark,
and the results with their disclosure control (no figure from fewer than the anonymity minimum, and no
combination of filters that isolates a smaller group).

How small groups are kept out (see docs/surveys.md): the respondents are cut into *blocks* of at least
`k` people, built once per survey from the finest cells the results can name (town or department ×
category): a cell of k or more is a block; the small cells of a town are pooled into one block when they
reach k; what is left is pooled by category, then into one county-wide block, and a remainder still under
k joins the smallest block. Every figure (a question's counts, shares, mean, its free-text answers) is
shown for a group only when the group is a whole union of blocks (and, for an optional question, when at
least k of the group answered it). Every figure the results show is then
a sum of block figures, so no difference of shown figures — across filters, rows or columns — can reach
below one block, i.e. below k people."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

SINGLE, MULTIPLE, SCALE, TEXT = "single", "multiple", "scale", "text"
KINDS = (SINGLE, MULTIPLE, SCALE, TEXT)
DEFAULT_MIN_GROUP = 5
DRAFT, SCHEDULED, OPEN, CLOSED = "draft", "scheduled", "open", "closed"
TEXT_MAX = 1000


def state(status: str, opens_on: dt.date, closes_on: dt.date, today: dt.date) -> str:
    """draft (being built), scheduled (published, not open yet), open, closed (by date or by hand)."""
    if status == "draft":
        return DRAFT
    if status == "closed" or today > closes_on:
        return CLOSED
    return SCHEDULED if today < opens_on else OPEN


def is_targeted(unit_path: str, category: str, target_paths: Iterable[str], target_categories: Iterable[str]) -> bool:
    """A person is targeted when their unit is in (or under) a target unit and their category is a target
    category; no target units: the whole county; no target categories: every category."""
    paths, categories = list(target_paths), list(target_categories)
    if categories and category not in categories:
        return False
    return not paths or any(unit_path.startswith(path) for path in paths)


def answered_key(secret: bytes, survey_id: int, person_id: int) -> str:
    """The one-way mark of an anonymous answer: a keyed hash, another message prefix than any other hash."""
    return hmac.new(secret, f"survey\x00{survey_id}\x00{person_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    kind: str
    text: str
    choices: tuple[str, ...] = ()
    scale_max: int = 5
    required: bool = True

    def options(self) -> list[str]:
        """The labels counted: the choices, or the points of a scale (1 … n, its ends named)."""
        if self.kind == SCALE:
            low, high = (list(self.choices) + ["", ""])[:2]
            return [
                f"{point}"
                + (f"（{low}）" if point == 1 and low else f"（{high}）" if point == self.scale_max and high else "")
                for point in range(1, self.scale_max + 1)
            ]
        return list(self.choices)


def check_question(kind: str, text: str, choices: list[str], scale_max: int) -> dict[str, str]:
    """What is wrong with a question being built, by field (empty: nothing)."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _("Choose the kind of question.")
    if not text.strip():
        errors["text"] = _("Write the question.")
    if kind in (SINGLE, MULTIPLE):
        if len(choices) < 2:
            errors["choices"] = _("A choice question needs at least two choices, one per line.")
        elif len(set(choices)) != len(choices):
            errors["choices"] = _("Two choices are the same.")
        elif len(choices) > 20:
            errors["choices"] = _("At most 20 choices.")
    if kind == SCALE and not 2 <= scale_max <= 10:
        errors["scale_max"] = _("A scale has 2 to 10 points.")
    return errors


def clean_answers(questions: list[QuestionSpec], raw: dict) -> tuple[dict[str, object], dict[str, str]]:
    """The answers as stored ({question id: value}) and the errors by question id. A single choice is the
    choice's index, a multiple choice the sorted indexes, a scale its point, a free text its words."""
    cleaned, errors = {}, {}
    for question in questions:
        key = str(question.id)
        value = raw.get(key, raw.get(question.id))
        try:
            result = _clean_one(question, value)
        except ValueError as error:
            errors[key] = str(error)
            continue
        if result is None:
            if question.required:
                errors[key] = _("Please answer this question.")
            continue
        cleaned[key] = result
    return cleaned, errors


def _clean_one(question: QuestionSpec, value):
    if value is None or value == "" or value == []:
        return None
    if question.kind == TEXT:
        if not isinstance(value, str):
            raise ValueError(_("Write the answer as text."))
        text = value.strip()[:TEXT_MAX]
        return text or None
    if question.kind == MULTIPLE:
        values = value if isinstance(value, list | tuple) else [value]
        indexes = sorted({_index(item, len(question.choices)) for item in values})
        return indexes or None
    if question.kind == SINGLE:
        if isinstance(value, list | tuple):
            raise ValueError(_("Choose one answer only."))
        return _index(value, len(question.choices))
    point = _int(value)
    if not 1 <= point <= question.scale_max:
        raise ValueError(_("Choose a point from 1 to %(max)s.") % {"max": question.scale_max})
    return point


def _int(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Not a valid answer."))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(_("Not a valid answer.")) from None


def _index(value, count: int) -> int:
    index = _int(value)
    if not 0 <= index < count:
        raise ValueError(_("Not one of the choices."))
    return index


# -- results and disclosure control ----------------------------------------------------------------------
@dataclass(frozen=True)
class Respondent:
    unit: int
    category: str
    answers: dict = field(default_factory=dict, hash=False, compare=False)


def blocks(cells: Counter, k: int) -> dict[tuple[int, str], int]:
    """Each non-empty cell (unit, category) → its block number; every block holds at least k respondents
    (unless all of them together are fewer than k: then one block, which is never shown)."""
    block_of: dict[tuple[int, str], int] = {}
    sizes: dict[int, int] = {}

    def make(members: list[tuple[int, str]]) -> None:
        number = len(sizes)
        for cell in members:
            block_of[cell] = number
        sizes[number] = sum(cells[cell] for cell in members)

    live = sorted(cell for cell, count in cells.items() if count > 0)
    small = []
    for cell in live:
        (make([cell]) if cells[cell] >= k else small.append(cell))
    for position in (0, 1):  # pool the small cells of a unit, then of a category
        pools: dict[object, list] = defaultdict(list)
        for cell in small:
            pools[cell[position]].append(cell)
        small = []
        for _key, members in sorted(pools.items(), key=lambda item: str(item[0])):
            if sum(cells[cell] for cell in members) >= k:
                make(members)
            else:
                small.extend(members)
    if small:
        if sum(cells[cell] for cell in small) >= k or not sizes:
            make(small)
        else:  # too few even together: they join the smallest block
            smallest = min(sizes, key=lambda number: (sizes[number], number))
            for cell in small:
                block_of[cell] = smallest
            sizes[smallest] += sum(cells[cell] for cell in small)
    return block_of


class Disclosure:
    """Which groups of respondents may be shown: a group is shown when it is a whole union of blocks of at
    least k respondents."""

    def __init__(self, respondents: list[Respondent], k: int):
        self.k = k
        self.cells = Counter((person.unit, person.category) for person in respondents)
        self.block_of = blocks(self.cells, k)
        self.block_size = Counter()
        for cell, number in self.block_of.items():
            self.block_size[number] += self.cells[cell]

    def shown(self, unit: int | None = None, category: str | None = None) -> bool:
        inside, outside = set(), set()
        for cell, number in self.block_of.items():
            member = (unit is None or cell[0] == unit) and (category is None or cell[1] == category)
            (inside if member else outside).add(number)
        if not inside:
            return True  # nobody: there is nothing to hide
        if inside & outside:
            return False
        return sum(self.block_size[number] for number in inside) >= self.k


def _figures(question: QuestionSpec, answers: list) -> dict:
    given = [value for value in answers if value is not None]
    n = len(given)
    if question.kind == TEXT:
        return {"n": n, "texts": sorted(given)}
    labels = question.options()
    counts = [0] * len(labels)
    for value in given:
        if question.kind == MULTIPLE:
            for index in value:
                if 0 <= index < len(counts):
                    counts[index] += 1
        elif question.kind == SCALE:
            if 1 <= value <= len(counts):
                counts[value - 1] += 1
        elif 0 <= value < len(counts):
            counts[value] += 1
    result = {
        "n": n,
        "options": [
            {"label": label, "count": count, "share": (count / n) if n else None}
            for label, count in zip(labels, counts, strict=True)
        ],
    }
    if question.kind == SCALE:
        result["mean"] = round(sum(given) / n, 2) if n else None
    return result


def _enough(figures: dict, k: int) -> dict | None:
    """An optional question's figures are hidden too when fewer than k of the group answered it."""
    return figures if figures["n"] >= k else None


def results(
    questions: list[QuestionSpec],
    respondents: list[Respondent],
    k: int,
    *,
    unit: int | None = None,
    category: str | None = None,
    units: list[tuple[int, str]] = (),
    categories: list[tuple[str, str]] = (),
) -> dict:
    """The results for the group picked by the filters (a unit, a category, both or neither), with
    cross-tabs by unit and by category. A figure that may not be shown is None, with "shown": False."""
    disclosure = Disclosure(respondents, k)
    group = [
        person
        for person in respondents
        if (unit is None or person.unit == unit) and (category is None or person.category == category)
    ]
    shown = disclosure.shown(unit, category)
    out = {"min_group": k, "shown": shown, "n": len(group) if shown else None, "questions": []}
    for question in questions:
        key = str(question.id)
        entry = {"id": question.id, "kind": question.kind, "text": question.text, "shown": shown}
        entry["overall"] = _enough(_figures(question, [p.answers.get(key) for p in group]), k) if shown else None
        if question.kind != TEXT:
            entry["by_unit"] = _rows(question, group, disclosure, "unit", units, unit, category)
            entry["by_category"] = _rows(question, group, disclosure, "category", categories, unit, category)
        out["questions"].append(entry)
    return out


def _rows(question, group, disclosure, axis, labels, unit, category) -> list[dict]:
    rows = []
    key = str(question.id)
    for value, label in labels:
        row_unit = value if axis == "unit" else unit
        row_category = value if axis == "category" else category
        if (axis == "unit" and unit is not None and value != unit) or (
            axis == "category" and category is not None and value != category
        ):
            continue
        members = [p for p in group if getattr(p, axis) == value]
        if not members:
            continue
        ok = disclosure.shown(row_unit, row_category)
        rows.append(
            {
                "key": value,
                "label": label,
                "shown": ok,
                "figures": _enough(_figures(question, [p.answers.get(key) for p in members]), disclosure.k)
                if ok
                else None,
            }
        )
    return rows
