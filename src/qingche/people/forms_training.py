from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.org.models import Person, Unit
from qingche.people.models import TrainingMode

DATE = forms.DateInput(attrs={"type": "date"})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("、", "\n").replace("，", "\n").splitlines() if line.strip()]


class _Targets(forms.Form):
    target_categories = forms.MultipleChoiceField(
        label=_("person categories"),
        choices=Person.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("none chosen: every category"),
    )
    target_units = forms.ModelMultipleChoiceField(
        label=_("units"),
        queryset=Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path"),
        required=False,
        help_text=_("none chosen: every unit"),
    )


class SurveyForm(_Targets):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=100)
    topics = forms.CharField(
        label=_("topics offered"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("one topic a line")
    )
    closes_on = forms.DateField(label=_("closes on"), widget=DATE)

    field_order = ["year", "title", "topics", "closes_on", "target_categories", "target_units"]

    def clean_topics(self):
        return _lines(self.cleaned_data["topics"])


class AnswerForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("topics I need"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    modes = forms.MultipleChoiceField(
        label=_("formats I prefer"), choices=TrainingMode.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("other needs"), max_length=300, required=False)

    def __init__(self, *args, survey=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(topic, topic) for topic in (survey.topics if survey else [])]


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=100)


class SessionForm(_Targets):
    topic = forms.CharField(label=_("topic"), max_length=100)
    mode = forms.ChoiceField(label=_("mode"), choices=TrainingMode.choices)
    hours = forms.DecimalField(label=_("hours"), min_value=0.5, max_value=2000, decimal_places=1)
    start = forms.DateField(label=_("first day"), widget=DATE)
    end = forms.DateField(label=_("last day"), widget=DATE)
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=5000)
    needs = forms.CharField(
        label=_("needs answered"), required=False, help_text=_("the topics of the needs survey this session answers")
    )

    field_order = ["topic", "mode", "hours", "start", "end", "place", "capacity", "needs"]

    def clean_needs(self):
        return _lines(self.cleaned_data["needs"])


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("check-in code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("the code shown at the venue"),
    )


class AttendanceImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class RestForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    hours = forms.DecimalField(label=_("hours"), min_value=0.5, max_value=24, decimal_places=1)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
