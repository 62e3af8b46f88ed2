"""The one rule for the period a page opens on, and the one parser of ?month= and ?year=."""

import datetime as dt

from django.test import RequestFactory

from qingche.core import periods

D = dt.date


def test_a_page_opens_on_the_latest_complete_month_with_data():
    today = D(2026, 12, 7)
    assert periods.last_complete_month(today) == D(2026, 11, 1)
    # November has no data yet (the demo ends in October): October, not the barely started December
    assert periods.default_month([D(2026, 12, 1), D(2026, 10, 1), D(2026, 9, 1)], today) == D(2026, 10, 1)
    assert periods.default_month([D(2026, 11, 1), D(2026, 10, 1)], today) == D(2026, 11, 1)
    assert periods.default_month([], today) == D(2026, 11, 1)
    assert periods.default_month([D(2027, 1, 1)], D(2027, 1, 3)) == D(2026, 12, 1)  # nothing complete yet


def test_month_and_year_parameters_fall_back_on_bad_input():
    factory = RequestFactory()
    default = D(2026, 10, 1)
    assert periods.month_param(factory.get("/", {"month": "2025-03"}), default) == D(2025, 3, 1)
    for bad in ("", "2025-13", "abc", "2025", "1899-01", "2025-03-01"):
        assert periods.month_param(factory.get("/", {"month": bad}), default) == default
    assert periods.year_param(factory.get("/", {"year": "2025"}), 2026) == 2025
    for bad in ("", "20x5", "-1", "99999"):
        assert periods.year_param(factory.get("/", {"year": bad}), 2026) == 2026
