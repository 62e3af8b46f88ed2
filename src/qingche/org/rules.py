"""Pure rules of the unit tree and people records. No ORM here."""

import datetime as dt

COUNTY, DEPARTMENT, TOWN, STREET, VILLAGE, COMMUNITY, OFFICE = (
    "county",
    "department",
    "town",
    "street",
    "village",
    "community",
    "office",
)

# Which kinds of unit may hang under which.
ALLOWED_CHILDREN = {
    None: {COUNTY},
    COUNTY: {DEPARTMENT, TOWN, STREET, OFFICE},
    DEPARTMENT: {OFFICE},
    TOWN: {VILLAGE, COMMUNITY, OFFICE},
    STREET: {COMMUNITY, VILLAGE, OFFICE},
    OFFICE: {OFFICE},
    VILLAGE: set(),
    COMMUNITY: set(),
}

LONG_TENURE_YEARS = 10  # DOMAIN_FACTS: 10 years in the same post -> exchange is due


def may_hang_under(child_kind: str, parent_kind: str | None) -> bool:
    return child_kind in ALLOWED_CHILDREN.get(parent_kind, set())


def is_valid_unit_code(kind: str, code: str) -> bool:
    """GB/T 2260 codes are 6 digits (county), town codes 9 digits, village codes 12 digits."""
    if not code:
        return True
    if not code.isdigit():
        return False
    lengths = {COUNTY: {6, 12}, TOWN: {9, 12}, STREET: {9, 12}, VILLAGE: {12}, COMMUNITY: {12}}
    return len(code) in lengths.get(kind, {6, 9, 12, 18})


def would_create_cycle(unit_path: str, new_parent_path: str) -> bool:
    """Moving a unit under itself or one of its descendants would make a cycle."""
    return new_parent_path.startswith(unit_path)


def years_between(start: dt.date, end: dt.date) -> float:
    return max(0.0, (end - start).days / 365.2425)


def tenure_years(spans: list[tuple[dt.date, dt.date | None]], today: dt.date) -> float:
    """Total years covered by the date ranges (overlaps counted once; open ranges end today)."""
    closed = sorted((start, min(end or today, today)) for start, end in spans if start <= today)
    total, current_start, current_end = 0.0, None, None
    for start, end in closed:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += years_between(current_start, current_end)
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += years_between(current_start, current_end)
    return total


def vacancy(quota: int, in_post: int) -> int:
    """Quota minus people in post; never negative (over-staffing is shown separately)."""
    return max(0, quota - in_post)
