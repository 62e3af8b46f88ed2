"""Page forms. They only parse input; services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.burden import selectors, sources
from qingche.burden.models import BurdenReport, CatalogField, Meeting, RequiredApp, StaffingRequest
from qingche.core.forms import StyledFormMixin
from qingche.org.models import Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _IssuerForm(StyledFormMixin, forms.Form):
    perm = ""
    issuer_label = _("issuing unit")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        acting = selectors.units_for_user(user, self.perm).exclude(kind__in=Unit.GRASSROOTS).order_by("path")
        self.fields["issuer"] = forms.ModelChoiceField(acting, label=self.issuer_label)
        own = acting.filter(depth__gt=1)[:2]
        if len(own) >= 1 and acting.count() <= 20:
            self.fields["issuer"].initial = own[0].pk  # a department's or town's own unit is the usual issuer
        self.fields["issuer"].widget.attrs["class"] = "form-select"
        self.order_fields(["issuer"])
        county_units = Unit.objects.filter(kind__in=(*Unit.TOWN_LEVEL, *Unit.GRASSROOTS)).order_by("path")
        for name in ("targets", "target"):
            if name in self.fields:
                self.fields[name].queryset = county_units


class InspectionForm(_IssuerForm):
    perm = "burden.add_inspection"
    target = forms.ModelChoiceField(Unit.objects.none(), label=_("inspected unit"))
    plan_item = forms.ModelChoiceField(
        Unit.objects.none(),
        label=_("plan item"),
        required=False,
        help_text=_("leave empty for an unplanned inspection"),
    )
    topic = forms.CharField(label=_("topic"), max_length=100)
    title = forms.CharField(label=_("title"), max_length=200)
    date = forms.DateField(label=_("date"), widget=DATE)
    unplanned_reason = forms.CharField(
        label=_("reason for an unplanned inspection"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    preparation_hours = forms.DecimalField(label=_("preparation person-hours"), initial=0)
    reception_hours = forms.DecimalField(label=_("reception person-hours"), initial=0)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["plan_item"].queryset = selectors.plan_items(user)


class InspectionHoursForm(StyledFormMixin, forms.Form):
    preparation_hours = forms.DecimalField(label=_("preparation person-hours"))
    reception_hours = forms.DecimalField(label=_("reception person-hours"))


class DecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanItemForm(_IssuerForm):
    perm = "burden.add_inspectionplanitem"
    issuer_label = _("issuing department")
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    topic = forms.CharField(label=_("topic"), max_length=100)
    months = forms.MultipleChoiceField(
        label=_("months"), choices=[(m, m) for m in range(1, 13)], widget=forms.CheckboxSelectMultiple
    )
    targets = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("target units"), widget=forms.SelectMultiple(attrs={"size": 8})
    )


class MeetingForm(_IssuerForm):
    perm = "burden.add_meeting"
    issuer_label = _("organiser")
    title = forms.CharField(label=_("title"), max_length=200)
    level = forms.ChoiceField(label=_("level"), choices=Meeting.Level.choices)
    start = forms.DateTimeField(label=_("start"), widget=DATETIME)
    end = forms.DateTimeField(label=_("end"), widget=DATETIME)
    speech_minutes = forms.IntegerField(label=_("main speech (minutes)"), min_value=0, initial=0)
    with_group_discussion = forms.BooleanField(label=_("with group discussion"), required=False)
    reaches_grassroots = forms.BooleanField(label=_("straight down to the grassroots (needs approval)"), required=False)
    targets = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("attending units"), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    attendees = forms.IntegerField(label=_("attendees from each unit"), min_value=1, initial=1)


class DocumentForm(_IssuerForm):
    perm = "burden.add_document"
    issuer_label = _("issuer")
    title = forms.CharField(label=_("title"), max_length=200)
    number = forms.CharField(label=_("document number"), max_length=60, required=False)
    issued_on = forms.DateField(label=_("issued on"), widget=DATE)
    length_chars = forms.IntegerField(label=_("length (characters)"), min_value=1)
    special_task = forms.BooleanField(label=_("special-task document"), required=False)
    targets = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("target units"), widget=forms.SelectMultiple(attrs={"size": 8})
    )


class AppForm(_IssuerForm):
    perm = "burden.add_requiredapp"
    issuer_label = _("required by")
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=RequiredApp.Kind.choices)
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)
    minutes_per_day = forms.IntegerField(label=_("minutes a day it takes"), min_value=0, initial=0)
    compulsory_checkin = forms.BooleanField(label=_("compulsory check-in"), required=False)
    points_ranking = forms.BooleanField(label=_("points ranking"), required=False)
    online_time = forms.BooleanField(label=_("online-time requirement"), required=False)
    targets = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("units required to use it"), widget=forms.SelectMultiple(attrs={"size": 8})
    )


class OvertimeForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    hours = forms.DecimalField(label=_("hours"), max_digits=4, decimal_places=1)
    note = forms.CharField(label=_("what the work was"), max_length=200)


class CatalogFieldForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label=_("code"), max_length=60)
    name = forms.CharField(label=_("data item"), max_length=100)
    definition = forms.CharField(label=_("definition"), widget=forms.Textarea(attrs={"rows": 2}))
    unit_of_measure = forms.CharField(label=_("unit of measure"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("kind of value"), choices=CatalogField.Kind.choices, initial="text")
    maximum = forms.DecimalField(
        label=_("largest plausible value"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("a filled value above it is refused as a typing error"),
    )
    owner = forms.ModelChoiceField(Unit.objects.none(), label=_("owner department"))
    source = forms.CharField(label=_("where its value already lives"), max_length=200)
    filler = forms.ChoiceField(label=_("filled from"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.units_for_user(user, "burden.add_catalogfield").exclude(
            kind__in=Unit.GRASSROOTS
        )
        self.fields["filler"].choices = [("", "—")] + [
            (name, filler.label) for name, filler in sources.fillers().items()
        ]


class ReportFormForm(_IssuerForm):
    perm = "burden.add_reportform"
    issuer_label = _("issuing department")
    title = forms.CharField(label=_("title"), max_length=200)
    sent_on = forms.DateField(label=_("sent on"), widget=DATE)
    due_on = forms.DateField(label=_("due on"), widget=DATE, required=False)
    targets = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("target units"), widget=forms.SelectMultiple(attrs={"size": 8})
    )


class SettingsForm(StyledFormMixin, forms.Form):
    red_line = forms.DecimalField(label=_("red line"), min_value=0.1, max_value=10, decimal_places=2)

    def __init__(self, *args, source_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in source_names:
            self.fields[f"weight_{name}"] = forms.DecimalField(
                label=_("weight: %(source)s") % {"source": label}, min_value=0, max_value=10, decimal_places=2
            )


class BurdenReportForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=BurdenReport.Category.choices)
    text = forms.CharField(label=_("what the problem is"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000)
    sender_unit = forms.ModelChoiceField(
        Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path"),
        label=_("your town or street (optional)"),
        required=False,
    )
    publication_allowed = forms.BooleanField(
        label=_("the office may publish my report with its answer in the public list"), required=False, initial=False
    )


class FollowUpForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("follow-up code"), max_length=40)


class AnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    publish = forms.BooleanField(label=_("publish in the public list"), required=False)

    def __init__(self, *args, publication_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not publication_allowed:
            self.fields["publish"].disabled = True
            self.fields["publish"].help_text = _("The sender did not allow publication.")


# -- resources against load ------------------------------------------------------------------------------------
class FundAllocationForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    purpose = forms.CharField(label=_("purpose"), max_length=200)
    amount = forms.DecimalField(label=_("amount (10,000 yuan)"), max_digits=12, decimal_places=2)
    due_on = forms.DateField(label=_("date due"), widget=DATE)


class FundArrivalForm(StyledFormMixin, forms.Form):
    amount_arrived = forms.DecimalField(
        label=_("amount arrived (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("the total that has arrived so far"),
    )
    arrived_on = forms.DateField(label=_("date arrived"), widget=DATE, required=False)


class StaffingRequestForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("town or street"))
    posts_asked = forms.IntegerField(label=_("posts asked"), min_value=1, max_value=200)
    reason = forms.CharField(
        label=_("reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("what the posts are for; the town's burden index is cited with the request"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = selectors.units_for_user(user, "burden.add_staffingrequest").filter(kind__in=Unit.TOWN_LEVEL)
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["unit"].widget.attrs["class"] = "form-select"
        first = units.order_by("path").first()
        if first is not None:
            self.fields["unit"].initial = first.pk


class StaffingDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("your decision"),
        choices=[
            (StaffingRequest.Status.APPROVED, StaffingRequest.Status.APPROVED.label),
            (StaffingRequest.Status.PARTLY, StaffingRequest.Status.PARTLY.label),
            (StaffingRequest.Status.REFUSED, StaffingRequest.Status.REFUSED.label),
        ],
    )
    posts_granted = forms.IntegerField(
        label=_("posts granted"), required=False, min_value=0, help_text=_("only when partly approved")
    )
    reason = forms.CharField(
        label=_("reason for the decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
