import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.burden import selectors as burden
from qingche.core.forms import StyledFormMixin
from qingche.duties import selectors as duties
from qingche.org.models import Unit
from qingche.tasks import rules

KIND_SHORT = {"basic": "基本", "cooperation": "配合", "taken_back": "收回"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


class TaskRequestForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 4}))
    basis_document = forms.CharField(label=_("Basis document"), max_length=300, required=False)
    duty_code = forms.ChoiceField(label=_("Duty item it relies on"), required=False)
    targets = forms.ModelMultipleChoiceField(
        label=_("Target units"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8, "data-qc-searchable": ""}),  # a clear multi-select, however short
    )
    all_towns = forms.BooleanField(label=_("All towns and streets"), required=False)
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    effort_hours = forms.DecimalField(
        label=_("Estimated effort (person-hours per unit)"), max_digits=7, decimal_places=1
    )
    needs_letter = forms.BooleanField(label=_("Demands a responsibility letter (责任书)"), required=False)
    has_veto = forms.BooleanField(label=_("Carries a one-vote veto (一票否决)"), required=False)
    trace_materials = forms.MultipleChoiceField(
        label=_("Trace materials demanded"), required=False, widget=forms.CheckboxSelectMultiple
    )
    report_form = forms.ChoiceField(label=_("Data-report form (一表通)"), required=False)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    urgent_reason = forms.CharField(
        label=_("Reason for urgency"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    off_list_application = forms.CharField(
        label=_("Written application for an off-list task"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("needed when the task is on none of a target's duty lists: why it must reach the unit"),
    )
    client_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        forms_held = burden.report_forms(user).order_by("-sent_on", "-id")[:200] if user is not None else []
        self.fields["report_form"].choices = [("", _("— none —"))] + [
            (str(form.pk), f"{form.title} ({form.sent_on:%Y-%m-%d})") for form in forms_held
        ]
        self.fields["duty_code"].choices = [("", _("— none: not on any list —"))] + [
            (code, f"{code} [{KIND_SHORT.get(kind, kind)}] {name[:40]}")
            for code, name, kind in duties.catalogue_codes(limit=2000)
        ]
        self.fields["targets"].queryset = Unit.objects.filter(kind__in=("town", "street"), is_active=True).order_by(
            "path"
        )
        self.fields["trace_materials"].choices = [(key, _(label)) for key, label in rules.TRACE_MATERIALS.items()]
        self.fields["trace_materials"].widget.attrs.pop("class", None)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4().hex)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SplitForm(StyledFormMixin, forms.Form):
    person = forms.ChoiceField(label=_("Person"))
    part = forms.CharField(label=_("Part to do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class ForwardForm(StyledFormMixin, forms.Form):
    unit = forms.ChoiceField(label=_("Village or community"))
    part = forms.CharField(label=_("Part forwarded"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class ProgressForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Progress"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Evidence files"), required=False)
    mark_done = forms.BooleanField(label=_("Mark my part done"), required=False)


class RegistryForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("letter", _("responsibility letter")), ("veto", _("one-vote veto"))]
    )
    duty_code = forms.CharField(label=_("Duty item code"), max_length=30)
    title = forms.CharField(label=_("Title"), max_length=200)
    approval_document = forms.CharField(label=_("Approval document"), max_length=300, required=False)
