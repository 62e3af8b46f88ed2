"""Pure rules of training and compensatory rest: who a session or survey targets, anonymity of counts,
check-in codes, what counts as trained, 轮训 coverage, the appraisal figures, leave carried over and the
compensatory-rest balance. Plain Python; no ORM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DEFAULT_HEAD_POSTS = ["党委书记", "镇长", "乡长", "党工委书记", "办事处主任"]
CODE_ALPHABET = "23456789"  # digits only, without 0/1 that read like O/I: typed on a phone keypad
CODE_LENGTH = 6


def targets(unit_path: str, category: str, target_paths: Iterable[str], categories: Iterable[str]) -> bool:
    """Whether a person (their unit's path and category) is in a target group: every category when none are
    named, every unit when none are named, otherwise a unit at or under one of the target units."""
    categories = list(categories)
    if categories and category not in categories:
        return False
    paths = list(target_paths)
    return not paths or any(unit_path.startswith(path) for path in paths)


def shown_count(count: int, minimum: int) -> int | None:
    """A count of answers as a superior may see it: hidden (None) when fewer than the anonymity minimum
    and not zero (a zero tells nothing about anyone)."""
    if count == 0:
        return 0
    return count if count >= minimum else None


def make_code(randbelow) -> str:
    """A check-in code from a source of randomness (`secrets.randbelow`)."""
    return "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed: spaces and dashes dropped, full-width digits read as digits."""
    text = (text or "").translate({0xFF10 + digit: str(digit) for digit in range(10)})
    return "".join(ch for ch in text if ch.isalnum()).upper()


def code_valid(given: str, code: str, until: dt.datetime | None, now: dt.datetime) -> bool:
    return bool(code) and until is not None and now <= until and normalise_code(given) == code


def trained(attended: bool, passed: bool | None) -> bool:
    """A session counts for 轮训 when attended and not failed (pass/fail or score not yet given still counts)."""
    return attended and passed is not False


def passed_from_score(score: float | None, pass_mark: float) -> bool | None:
    return None if score is None else score >= pass_mark


def coverage_share(trained_count: int, people: int) -> float | None:
    return round(trained_count / people, 3) if people else None


def is_head(post_names: Iterable[str], head_posts: Iterable[str]) -> bool:
    """党政主职: a current post whose name is one of the head posts, or begins with it (党委书记、镇长)."""
    heads = [head for head in head_posts if head]
    return any(name == head or name.startswith(head) for name in post_names for head in heads)


def appraisal_figures(rows: Iterable[tuple[int, float, bool, bool | None]]) -> dict[int, dict]:
    """(person, hours, attended, passed) per enrolment → the appraisal indicator `training`: hours of training
    completed and assessed as workload, each assessed session done (on time when passed, an error when
    failed). Sessions not yet assessed do not count."""
    figures: dict[int, dict] = {}
    for person_id, hours, attended, passed in rows:
        if not attended or passed is None:
            continue
        row = figures.setdefault(person_id, {"workload": 0.0, "done": 0, "on_time": 0, "errors": 0})
        row["done"] += 1
        if passed:
            row["workload"] += float(hours)
            row["on_time"] += 1
        else:
            row["errors"] += 1
    return figures


# -- leave carried over and compensatory rest ----------------------------------------------------------------
def carried_over(left_last_year: int | None, max_days: int, today: dt.date, year: int, until_month: int) -> int:
    """Unused leave of the previous year carried into `year`: at most `max_days` (0: none), and only usable
    up to the end of month `until_month` of the year (0: the whole year)."""
    if not left_last_year or max_days <= 0:
        return 0
    if until_month and today.year == year and today.month > until_month:
        return 0
    if until_month and today.year > year:
        return 0
    return min(left_last_year, max_days)


def rest_left(confirmed_hours: float, taken_hours: float) -> float:
    return round(max(confirmed_hours - taken_hours, 0.0), 1)
