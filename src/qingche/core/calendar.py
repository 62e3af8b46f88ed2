"""The working-day calendar with the administrators' own entries: what other modules call."""

from django.conf import settings

from qingche.core.models import HolidayOverride
from qingche.core.workcal import WorkCalendar, parse_office_hours


def work_calendar() -> WorkCalendar:
    overrides = dict(HolidayOverride.objects.values_list("date", "is_workday"))
    return WorkCalendar(office_hours=parse_office_hours(settings.QINGCHE_OFFICE_HOURS), overrides=overrides)
