"""The working-day calendar: property tests of the pure WorkCalendar, hand-checked examples over the
real 2025/2026 statutory holidays and 调休 workdays, administrators' overrides, a year unknown to the
library, and the database-backed `core.calendar.work_calendar()`."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingche.core.workcal import WorkCalendar, parse_office_hours

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
CAL = WorkCalendar()  # 08:30-12:00, 14:00-17:30: 7 working hours a day
PERIODS = ((dt.time(8, 30), dt.time(12)), (dt.time(14), dt.time(17, 30)))
EPS = 1e-6

# Moments in the years the library knows (2025 and 2026), leaving room at the end of 2026.
FIRST, LAST = dt.datetime(2025, 1, 1), dt.datetime(2026, 11, 30, 23, 59)
any_moment = st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.just(SH))
# Moments exactly on office-hour boundaries and just around them, on any day (weekend or not).
boundary_moment = st.builds(
    lambda day, clock, shift: dt.datetime.combine(day, clock, tzinfo=SH) + dt.timedelta(seconds=shift),
    st.dates(min_value=FIRST.date(), max_value=LAST.date()),
    st.sampled_from(
        [dt.time(0), dt.time(8, 30), dt.time(12), dt.time(13), dt.time(14), dt.time(17, 30), dt.time(23, 59, 59)]
    ),
    st.sampled_from([-1, 0, 1]),
)
moments = st.one_of(any_moment, boundary_moment)
# Spans of up to ten weeks after a moment (whole-year spans only make the tests slow).
spans = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=70))
hours = st.one_of(
    st.floats(min_value=0, max_value=200, allow_nan=False).map(lambda h: round(h, 6)),
    st.integers(min_value=0, max_value=200).map(float),
    st.sampled_from([0.5, 3.5, 7.0, 14.0]),
)

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def reference_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know: plain weekdays
        return day.weekday() < 5


def in_office(moment: dt.datetime) -> bool:
    local = moment.astimezone(SH)
    return reference_is_workday(local.date()) and any(start <= local.time() <= end for start, end in PERIODS)


# -- properties -------------------------------------------------------------------------------------
@PROPS
@given(moments, st.integers(min_value=1, max_value=40))
def test_add_working_days_lands_on_a_working_day_at_office_end(start, days):
    due = CAL.add_working_days(start, days)
    assert due.tzinfo is not None
    local = due.astimezone(SH)
    assert local.time() == dt.time(17, 30)
    assert reference_is_workday(local.date())
    assert local.date() > start.astimezone(SH).date()
    # Exactly `days` working days after the start day, the start day itself not counted.
    counted = sum(
        1
        for offset in range(1, (local.date() - start.astimezone(SH).date()).days + 1)
        if reference_is_workday(start.astimezone(SH).date() + dt.timedelta(days=offset))
    )
    assert counted == days


@PROPS
@given(moments)
def test_zero_working_days_or_hours_change_nothing(start):
    assert CAL.add_working_days(start, 0) == start
    assert CAL.add_working_hours(start, 0) == start
    assert CAL.working_hours_between(start, start) == 0


@PROPS
@given(moments, hours)
def test_hours_between_inverts_add_working_hours(start, amount):
    due = CAL.add_working_hours(start, amount)
    assert due >= start
    assert abs(CAL.working_hours_between(start, due) - amount) < EPS
    if amount > 0:
        assert in_office(due)


@PROPS
@given(moments, hours)
def test_a_utc_start_gives_the_same_deadline(start, amount):
    assert CAL.add_working_hours(start.astimezone(UTC), amount) == CAL.add_working_hours(start, amount)


@PROPS
@given(moments, spans, hours)
def test_add_working_hours_is_monotonic_in_the_start(a, span, amount):
    b = a + span
    assert CAL.add_working_hours(a, amount) <= CAL.add_working_hours(b, amount)


@PROPS
@given(moments, hours, hours)
def test_add_working_hours_is_monotonic_in_the_hours(start, h1, h2):
    h1, h2 = min(h1, h2), max(h1, h2)
    assert CAL.add_working_hours(start, h1) <= CAL.add_working_hours(start, h2)


@PROPS
@given(moments, spans, spans)
def test_hours_between_is_monotonic_and_bounded(a, span1, span2):
    b, c = a + min(span1, span2), a + max(span1, span2)
    assert 0 <= CAL.working_hours_between(a, b) <= CAL.working_hours_between(a, c) + EPS
    assert CAL.working_hours_between(a, c) <= (c - a).total_seconds() / 3600 + EPS
    assert CAL.working_hours_between(c, a) == -CAL.working_hours_between(a, c)


@PROPS
@given(moments, spans, spans)
def test_hours_between_is_additive_over_a_split_point(a, span1, span2):
    m, b = a + min(span1, span2), a + max(span1, span2)
    whole = CAL.working_hours_between(a, b)
    assert abs(whole - (CAL.working_hours_between(a, m) + CAL.working_hours_between(m, b))) < EPS


@PROPS
@given(st.dates(min_value=FIRST.date(), max_value=LAST.date()))
def test_a_whole_day_holds_its_office_hours_only_when_it_is_a_working_day(day):
    start = dt.datetime.combine(day, dt.time(0), tzinfo=SH)
    expected = 7.0 if reference_is_workday(day) else 0.0
    assert CAL.working_hours_between(start, start + dt.timedelta(days=1)) == pytest.approx(expected)
    assert CAL.is_workday(day) == reference_is_workday(day)


def test_naive_datetimes_and_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.datetime(2026, 1, 5, 9), 1)
    with pytest.raises(ValueError):
        CAL.add_working_hours(at("2026-01-05T09:00"), -1)
    with pytest.raises(ValueError):
        CAL.add_working_days(at("2026-01-05T09:00"), -1)


def test_office_hours_are_parsed_and_checked():
    assert parse_office_hours("14:00-17:30, 08:30-12:00") == PERIODS
    for bad in ("12:00-08:30", "08:00-12:00,11:00-17:00", "8-17", ""):
        with pytest.raises(ValueError):
            parse_office_hours(bad)
    short = WorkCalendar(office_hours=parse_office_hours("09:00-12:00"))
    assert short.hours_per_day == 3
    assert short.add_working_hours(at("2026-01-05T11:00"), 2) == at("2026-01-06T10:00")


# -- hand-checked examples over the real calendar ----------------------------------------------------
def test_the_library_agrees_with_the_2026_national_day_arrangement():
    for day in range(1, 8):
        assert not chinese_calendar.is_workday(dt.date(2026, 10, day))
    assert chinese_calendar.is_workday(dt.date(2026, 9, 20))  # Sunday, 调休
    assert chinese_calendar.is_workday(dt.date(2026, 10, 10))  # Saturday, 调休
    assert not chinese_calendar.is_workday(dt.date(2026, 10, 11))


@pytest.mark.parametrize(
    "start, days, due",
    [
        # 2026 National Day: Oct 1-7 off; Sep 20 (Sun) and Oct 10 (Sat) are 调休 workdays.
        ("2026-09-30T10:00", 1, "2026-10-08T17:30"),
        ("2026-09-30T23:00", 2, "2026-10-09T17:30"),
        ("2026-09-30T10:00", 3, "2026-10-10T17:30"),  # a Saturday that is a working day
        ("2026-09-30T10:00", 4, "2026-10-12T17:30"),  # Sunday Oct 11 is off
        ("2026-10-01T09:00", 1, "2026-10-08T17:30"),  # from inside the holiday
        ("2026-09-18T09:00", 1, "2026-09-20T17:30"),  # Friday -> Sunday Sep 20 (调休)
        ("2026-09-19T09:00", 1, "2026-09-20T17:30"),
        # 2025 Spring Festival: Jan 28 - Feb 4 off; Jan 26 (Sun) and Feb 8 (Sat) are workdays.
        ("2025-01-24T09:00", 1, "2025-01-26T17:30"),
        ("2025-01-27T09:00", 1, "2025-02-05T17:30"),
        ("2025-02-07T09:00", 1, "2025-02-08T17:30"),
        # 2026 New Year: Jan 1-3 off, Sunday Jan 4 a workday.
        ("2025-12-31T09:00", 1, "2026-01-04T17:30"),
    ],
)
def test_add_working_days_over_real_holidays(start, days, due):
    assert CAL.add_working_days(at(start), days) == at(due)


@pytest.mark.parametrize(
    "start, amount, due",
    [
        ("2026-09-30T16:30", 2, "2026-10-08T09:30"),  # 1 h left on Sep 30, the holiday, then 1 h
        ("2026-09-30T12:30", 3.5, "2026-09-30T17:30"),  # lunch break, then the whole afternoon
        ("2026-09-30T12:30", 3.75, "2026-10-08T08:45"),
        ("2026-10-03T10:00", 7, "2026-10-08T17:30"),  # from inside the holiday
        ("2026-10-09T17:00", 1, "2026-10-10T09:00"),  # into the 调休 Saturday
        ("2026-09-19T10:00", 0.5, "2026-09-20T09:00"),  # Saturday off, Sunday Sep 20 a workday
        ("2026-01-05T07:00", 3.5, "2026-01-05T12:00"),
        ("2026-01-05T12:00", 0.25, "2026-01-05T14:15"),
        ("2026-01-05T20:00", 1, "2026-01-06T09:30"),
    ],
)
def test_add_working_hours_over_real_holidays(start, amount, due):
    assert CAL.add_working_hours(at(start), amount) == at(due)
    assert CAL.working_hours_between(at(start), at(due)) == pytest.approx(amount)


def test_working_hours_across_national_day_2026():
    # Sep 28, 29, 30 and Oct 8, 9, 10 are working days between these two moments: 6 x 7 h.
    assert CAL.working_hours_between(at("2026-09-28T00:00"), at("2026-10-11T00:00")) == pytest.approx(42)
    assert CAL.working_days_in(dt.date(2026, 9, 28), dt.date(2026, 10, 11)) == 6
    assert CAL.working_days_in(dt.date(2026, 10, 1), dt.date(2026, 10, 7)) == 0


# -- overrides and unknown years ------------------------------------------------------------------------
def test_an_override_wins_over_the_library():
    calendar = WorkCalendar(
        overrides={dt.date(2026, 10, 8): False, dt.date(2026, 10, 3): True, dt.date(2026, 9, 20): False}
    )
    assert not calendar.is_workday(dt.date(2026, 10, 8))
    assert calendar.is_workday(dt.date(2026, 10, 3))
    assert calendar.add_working_days(at("2026-10-02T09:00"), 1) == at("2026-10-03T17:30")
    assert calendar.add_working_days(at("2026-10-03T09:00"), 1) == at("2026-10-09T17:30")
    assert calendar.add_working_days(at("2026-09-18T09:00"), 1) == at("2026-09-21T17:30")
    assert calendar.working_hours_between(at("2026-10-01T00:00"), at("2026-10-09T00:00")) == pytest.approx(7)
    assert not calendar.unknown_years


def test_a_year_unknown_to_the_library_falls_back_to_weekends_and_is_reported():
    year = 2027
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    calendar = WorkCalendar()
    assert calendar.is_workday(dt.date(2026, 12, 31))
    assert calendar.unknown_years == set()
    # Friday 1 January 2027: the library does not know it is New Year's Day, so plain weekdays apply.
    assert calendar.is_workday(dt.date(year, 1, 1))
    assert not calendar.is_workday(dt.date(year, 1, 2))  # Saturday
    assert calendar.unknown_years == {year}
    assert calendar.add_working_days(at("2027-01-01T10:00"), 1) == at("2027-01-04T17:30")
    assert calendar.working_hours_between(at("2027-01-01T00:00"), at("2027-01-08T00:00")) == pytest.approx(35)
    # Crossing from a known year into the unknown one also works and is reported.
    crossing = WorkCalendar()
    assert crossing.add_working_days(at("2026-12-31T10:00"), 1) == at("2027-01-01T17:30")
    assert 2027 in crossing.unknown_years


def test_overrides_fill_in_an_unknown_year():
    calendar = WorkCalendar(overrides={dt.date(2027, 1, 1): False})
    assert not calendar.is_workday(dt.date(2027, 1, 1))
    assert calendar.unknown_years == set()  # the override answered, the library was not asked
    assert calendar.add_working_days(at("2026-12-31T10:00"), 1) == at("2027-01-04T17:30")
    assert calendar.unknown_years == {2027}  # Jan 2-4 came from the weekend fallback


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2027, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(SH)),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_unknown_years_keep_the_round_trip_property(start, amount):
    calendar = WorkCalendar()
    due = calendar.add_working_hours(start, amount)
    assert abs(calendar.working_hours_between(start, due) - amount) < EPS
    assert calendar.unknown_years <= set(range(2027, 2032))
    if amount > 0:
        assert calendar.unknown_years


def test_a_span_too_long_is_refused_not_looped_forever():
    with pytest.raises(ValueError):
        CAL.add_working_days(at("2026-01-05T09:00"), 100_000)


# -- the database-backed calendar ------------------------------------------------------------------------
def test_work_calendar_picks_up_holiday_overrides(accounts):
    from qingche.core import services
    from qingche.core.calendar import work_calendar
    from qingche.core.models import AuditEvent

    assert work_calendar().add_working_days(at("2026-09-30T10:00"), 1) == at("2026-10-08T17:30")
    before = AuditEvent.objects.filter(object_type="core.holidayoverride").count()
    services.holiday_save(user=accounts["xitong"], date=dt.date(2026, 10, 8), is_workday=False, name="加休")
    services.holiday_save(user=accounts["xitong"], date=dt.date(2026, 10, 4), is_workday=True, name="调休")
    calendar = work_calendar()
    assert not calendar.is_workday(dt.date(2026, 10, 8))
    assert calendar.is_workday(dt.date(2026, 10, 4))
    assert calendar.add_working_days(at("2026-09-30T10:00"), 1) == at("2026-10-04T17:30")
    assert calendar.add_working_days(at("2026-10-04T10:00"), 1) == at("2026-10-09T17:30")
    assert AuditEvent.objects.filter(object_type="core.holidayoverride").count() == before + 2
    # Saving the same date again updates the entry instead of adding one.
    services.holiday_save(user=accounts["xitong"], date=dt.date(2026, 10, 8), is_workday=True)
    assert work_calendar().is_workday(dt.date(2026, 10, 8))


def test_only_calendar_editors_may_change_the_calendar(accounts):
    from django.core.exceptions import PermissionDenied

    from qingche.core import services
    from qingche.core.models import HolidayOverride

    for name in ("bumen", "xiangzhen", "shenji", "anquan", "zuzhibu"):
        with pytest.raises(PermissionDenied):
            services.holiday_save(user=accounts[name], date=dt.date(2026, 10, 8), is_workday=False)
    assert not HolidayOverride.objects.exists()


def test_calendar_page_saves_an_entry_and_refuses_bad_dates(client_as):
    from qingche.core.calendar import work_calendar

    client = client_as("xitong")
    response = client.post("/calendar/", {"date": "2026-10-09", "is_workday": "0", "name": "加休"})
    assert response.status_code == 302
    assert not work_calendar().is_workday(dt.date(2026, 10, 9))
    response = client.post("/calendar/", {"date": "2026-13-40", "is_workday": "0"})
    assert response.status_code == 400
    assert client_as("bumen").get("/calendar/").status_code == 403


def _library_knowing(*years):
    return lambda day: (day.weekday() < 5) if day.year in years else None


def test_years_to_enter_are_this_and_next_year_the_library_does_not_know():
    calendar = WorkCalendar(library=_library_knowing(2026))
    assert calendar.years_to_enter(dt.date(2026, 12, 7)) == [2027]
    assert calendar.years_to_enter(dt.date(2025, 3, 1)) == [2025]
    assert WorkCalendar(library=_library_knowing()).years_to_enter(dt.date(2030, 1, 1)) == [2030, 2031]


def test_years_entered_by_hand_need_no_warning():
    calendar = WorkCalendar(library=_library_knowing(2026), overrides={dt.date(2027, 1, 1): False})
    assert calendar.years_to_enter(dt.date(2026, 12, 7)) == []


def test_calendar_page_warns_about_exactly_the_years_to_enter(client_as):
    from django.utils import timezone

    from qingche.core.calendar import work_calendar

    unknown = work_calendar().years_to_enter(timezone.localdate())
    page = client_as("xitong").get("/calendar/").content.decode()
    assert ("alert-warning" in page) == bool(unknown)
    for year in unknown:
        assert str(year) in page


def test_calendar_warning_goes_once_the_year_is_entered(client_as, accounts):
    from django.utils import timezone

    from qingche.core import services
    from qingche.core.calendar import work_calendar

    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        services.holiday_save(user=accounts["xitong"], date=dt.date(year, 1, 1), is_workday=False, name="元旦")
    assert work_calendar().years_to_enter(today) == []
    assert "alert-warning" not in client_as("xitong").get("/calendar/").content.decode()
