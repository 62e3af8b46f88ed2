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

# Rotation and avoidance (干部交流、任职回避), DOMAIN_FACTS "Workforce". The figures are parameters registered in
# org/wiring.py (org.rotation_*); these are their defaults.
ROTATION_DEFAULTS = {
    "post_years": 10,  # years in the same post: exchange is due
    "level_years": 15,  # years at the same leadership level: not re-appointed at it
    "categories": ["civil_servant", "public_institution"],  # not village cadres, community workers, contract staff
    "post_kinds": ["leader", "staff"],
    # 正职: leadership posts of these names are principal; other leadership posts are deputy level
    "principal_posts": ["党委书记", "党工委书记", "镇长", "乡长", "主任", "局长"],
    # top posts with home-area avoidance: a post name, or "unit·post" (the unit's name contains the first part)
    "avoidance_posts": ["党委书记", "党工委书记", "镇长", "乡长", "公安局·局长", "法院·院长", "检察院·检察长"],
}
POST_YEARS, LEVEL_YEARS, HOME_AREA = "post_years", "level_years", "home_area"


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


def leadership_level(post_kind: str, post_name: str, principal_posts) -> str | None:
    """The level of a leadership post (principal or deputy); None for a post that is not a leadership one."""
    if post_kind != "leader":
        return None
    return "principal" if post_name in set(principal_posts) else "deputy"


def is_avoidance_post(post_name: str, unit_name: str, avoidance_posts) -> bool:
    """A top post with home-area avoidance: its name is listed, or "unit·post" with the unit's name containing
    the unit part."""
    for entry in avoidance_posts:
        unit_part, _sep, post_part = entry.rpartition("·")
        if post_part == post_name and (not unit_part or unit_part in unit_name):
            return True
    return False


def rotation_applies(category: str, post_kind: str, params: dict) -> bool:
    """Rotation rules apply to the listed person categories in the listed kinds of post (not village cadres)."""
    return category in params["categories"] and post_kind in params["post_kinds"]


def rotation_alerts(
    *,
    category: str,
    post_kind: str,
    post_name: str,
    unit_name: str,
    years_in_post: float,
    years_at_level: float,
    serves_home: bool,
    params: dict,
) -> list[str]:
    """Which rotation rules a person's current post breaks: POST_YEARS (exchange due), LEVEL_YEARS (leaders
    only: not re-appointed at this level), HOME_AREA (top posts only: serves where they come from)."""
    if not rotation_applies(category, post_kind, params):
        return []
    alerts = []
    if years_in_post >= params["post_years"]:
        alerts.append(POST_YEARS)
    if post_kind == "leader" and years_at_level >= params["level_years"]:
        alerts.append(LEVEL_YEARS)
    if serves_home and is_avoidance_post(post_name, unit_name, params["avoidance_posts"]):
        alerts.append(HOME_AREA)
    return alerts
