"""Forms of the rectification ledger and coordination meetings: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.core.forms import StyledFormMixin
from qingche.org.models import Unit
from qingche.tasks.forms import MultipleFileField
from qingche.tasks.models import CoordinationDecision, RectificationItem

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "input_formats": ["%Y-%m-%d"]}
DATETIME = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}


def county_units(unit: Unit | None, kinds=None):
    rows = Unit.objects.filter(is_active=True).order_by("path")
    if unit is not None:
        rows = rows.filter(path__startswith=unit.root_path).exclude(pk=unit.pk)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows


class RaiseForm(StyledFormMixin, forms.Form):
    source_kind = forms.ChoiceField(label=_("Where the problem was found"), choices=RectificationItem.Source.choices)
    source_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    source_label = forms.CharField(label=_("Source (document, survey, finding)"), max_length=300, required=False)
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 4}))
    owner_unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    deadline = forms.DateField(label=_("Deadline"), **DATE)
    evidence_required = forms.CharField(
        label=_("Evidence required"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("what the responsible unit must show before the item can be closed"),
    )
    measures = forms.CharField(
        label=_("Rectification measures (optional: the responsible unit sets them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, raiser_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = county_units(raiser_unit)


class MeasuresForm(StyledFormMixin, forms.Form):
    measures = forms.CharField(label=_("Rectification measures"), widget=forms.Textarea(attrs={"rows": 4}))
    owner_person = forms.ChoiceField(label=_("Responsible person"), required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_person"].choices = [("", "—")] + [(person.pk, person.name) for person in people]


class SubmitForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    files = MultipleFileField(label=_("Evidence files"), required=False)


class VerifyForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Verification note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SendBackForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason sent back"), widget=forms.Textarea(attrs={"rows": 2}))


# -- coordination meetings ---------------------------------------------------------------------------------
class CoordinationMeetingForm(StyledFormMixin, forms.Form):
    series = forms.CharField(label=_("Meeting series"), max_length=100, initial="乡镇与县直部门联席会议")
    title = forms.CharField(label=_("Title"), max_length=200)
    start = forms.DateTimeField(label=_("Start"), **DATETIME)
    end = forms.DateTimeField(label=_("End"), **DATETIME)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participating departments and towns"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, convener=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = county_units(convener, ("department", "office", "town", "street"))


class IssueForm(StyledFormMixin, forms.Form):
    raised_by_unit = forms.ModelChoiceField(label=_("Raised by"), queryset=Unit.objects.none(), required=False)
    text = forms.CharField(label=_("Issue"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    item = forms.IntegerField(label=_("Or from the ledger (item number)"), required=False, min_value=1)

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:
            ids = [meeting.convener_id, *meeting.participants.values_list("pk", flat=True)]
            self.fields["raised_by_unit"].queryset = Unit.objects.filter(pk__in=ids).order_by("path")


class DecisionForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    issue = forms.ChoiceField(label=_("On the issue"), required=False)
    owner_unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    deadline = forms.DateField(label=_("Deadline"), **DATE)
    form = forms.ChoiceField(label=_("Form"), choices=CoordinationDecision.Form.choices)
    duty_code = forms.CharField(label=_("Duty item code (for a duty-list change)"), max_length=30, required=False)
    evidence_required = forms.CharField(label=_("Evidence required (for a rectification item)"), required=False)

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:
            self.fields["owner_unit"].queryset = meeting.participants.order_by("path")
            self.fields["issue"].choices = [("", "—")] + [(issue.pk, issue.text[:60]) for issue in meeting.issues.all()]


class DecisionTaskForm(StyledFormMixin, forms.Form):
    targets = forms.ModelMultipleChoiceField(
        label=_("Target units"),
        queryset=Unit.objects.filter(kind__in=("town", "street"), is_active=True).order_by("path"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    content = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 3}))
    duty_code = forms.CharField(label=_("Duty item it relies on"), max_length=30, required=False)
    deadline = forms.DateTimeField(label=_("Deadline"), **DATETIME)
    effort_hours = forms.DecimalField(
        label=_("Estimated effort (person-hours per unit)"), max_digits=7, decimal_places=1
    )


class DecisionDoneForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("How it was carried out"), widget=forms.Textarea(attrs={"rows": 2}))
