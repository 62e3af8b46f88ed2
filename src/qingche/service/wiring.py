"""How the service module plugs into the platform: parameters (DOMAIN_FACTS defaults), role
permissions, menu entries, the home card, the Open311 registrar among the background processes and its
health check."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qingche.core import audit_display, background, health, menu, parameters, widgets
from qingche.org import roles
from qingche.service import rules, selectors

parameters.register_defaults(
    {
        "service.accept_limit": ([2, "working_hours"], "签收时限 [amount, hours|working_hours|working_days]"),
        "service.limits": (
            {
                "emergency": [2, "hours"],
                "utility": [24, "hours"],
                "general": [7, "working_days"],
                "complex": [15, "working_days"],
            },
            "办理时限 per category kind: [amount, hours|working_hours|working_days]",
        ),
        "service.returns_before_arbitration": (2, "退单 this many times → arbitration"),
        "service.rate_weights": ([0.10, 0.45, 0.45], "weights of 响应率, 解决率, 满意率 in the monthly score"),
        "service.basic_satisfied_weight": (0.5, "weight of 基本满意 in 满意率"),
        "service.county_bbox": ("27.90,111.90,28.50,112.60", "county bounding box: min_lat,min_long,max_lat,max_long"),
        "service.county_office": (
            "县政府办公室",
            "unit name of the county government's queue for requests with no owner",
        ),
        "service.knowledge_minimum": (
            0.35,
            "score (0–1) from which a knowledge base entry is suggested to the hotline for what the caller says",
        ),
        "service.duplicate_days": (7, "near-duplicate window in days"),
        "service.duplicate_similarity": (0.45, "text similarity (0–1) above which requests are offered for merging"),
        "service.reply_weights": (
            {"relevance": 0.35, "completeness": 0.45, "clarity": 0.20},
            "weights of a reply's relevance, completeness (done, by whom, when, what next) and clarity in its score",
        ),
        "service.hot_similarity": (
            0.3,
            "text similarity (0–1) above which a request joins a hot issue at the same place",
        ),
        "service.hot_weights": (
            {"count": 1.0, "citizens": 1.0, "likes": 2.0, "growth": 0.5},
            "weights of the hot-issue heat score: messages, distinct citizens, ln(1 + net likes), growth × messages",
        ),
        "service.due_soon_fraction": (0.2, "due soon when less than this share of the time is left (or 24 h)"),
        "service.public_rate_per_hour": (10, "web form submissions per IP address and hour"),
        "service.open311_max_wait_minutes": (
            5,
            "/healthz answers 503 when an Open311 submission has waited longer than this to be registered",
        ),
        "service.reopen_review_working_days": (
            3,
            "working days within which the hotline reviews a request rated unsolved or unsatisfied for "
            "reopening (the citizen is told the date)",
        ),
        "service.handling_hours": (
            {"emergency": 2.0, "utility": 2.0, "general": 3.0, "complex": 8.0},
            "person-hours one handled (answered) request counts as in the burden index, per time limit kind; "
            "a category code as key overrides for that category and the ones under it",
        ),
    }
)

VIEW = {
    "service.view_servicerequest",
    "service.view_requestevent",
    "service.view_requestattachment",
    "service.view_raterollup",
    "service.view_category",
}
HANDLE = VIEW | {"service.handle_servicerequest"}
KNOWLEDGE = {"service.view_knowledgeentry", "service.add_knowledgeentry", "service.change_knowledgeentry"}
roles.add_role_permissions(
    roles.HOTLINE,
    VIEW
    | {
        "service.add_servicerequest",
        "service.dispatch_servicerequest",
        "service.callback_servicerequest",
        "service.approve_extension",
        "service.view_clocknotice",
        "service.view_historyimport",
        "service.add_historyimport",
        "service.publish_servicerequest",
        "service.view_hot_issues",
    }
    | KNOWLEDGE,
)
roles.add_role_permissions(
    roles.BURDEN_OFFICE,
    VIEW
    | {
        "service.arbitrate_servicerequest",
        "service.approve_extension",
        "service.view_clocknotice",
        "service.view_hot_issues",
    }
    | KNOWLEDGE,
)
roles.add_role_permissions(roles.ORG_DEPARTMENT, VIEW | {"service.view_hot_issues"})
roles.add_role_permissions(roles.TOWN, HANDLE | {"service.add_servicerequest", "service.view_clocknotice"})
roles.add_role_permissions(roles.COUNTY_DEPARTMENT, HANDLE | {"service.view_clocknotice"})
roles.add_role_permissions(roles.VILLAGE, HANDLE)
roles.add_role_permissions(
    roles.SYSTEM_ADMIN,
    {
        "service.view_category",
        "service.add_category",
        "service.change_category",
        "service.view_open311key",
        "service.add_open311key",
        "service.change_open311key",
    },
)

SECTION = _("Citizen requests")
# Citizens reach the county without an account: the log-in page links to the request form and its tracking.
menu.register_public(
    menu.MenuItem(_("Submit a request"), "service:submit", order=10),
    menu.MenuItem(_("Follow a request"), "track", order=11),
)
menu.register(
    menu.MenuItem(
        _("Hotline intake"), "service:intake", "service.add_servicerequest", icon="phone", section=SECTION, order=40
    ),
    menu.MenuItem(
        _("Dispatch queue"),
        "service:queue",
        "service.dispatch_servicerequest",
        icon="arrows-split",
        section=SECTION,
        order=41,
    ),
    menu.MenuItem(
        _("Arbitration"),
        "service:arbitration",
        "service.arbitrate_servicerequest",
        icon="scale",
        section=SECTION,
        order=42,
    ),
    menu.MenuItem(
        _("Inbox"), "service:inbox", "service.handle_servicerequest", icon="inbox", section=SECTION, order=43
    ),
    menu.MenuItem(
        _("Callbacks"),
        "service:callbacks",
        "service.callback_servicerequest",
        icon="phone-call",
        section=SECTION,
        order=44,
    ),
    menu.MenuItem(
        _("Three rates ranking"),
        "service:ranking",
        "service.view_raterollup",
        icon="chart-bar",
        section=SECTION,
        order=45,
    ),
    menu.MenuItem(
        _("Hot issues"), "service:hot_issues", "service.view_hot_issues", icon="flame", section=SECTION, order=45
    ),
    menu.MenuItem(
        _("Open311 intake"),
        "service:open311_intake",
        "service.dispatch_servicerequest",
        icon="plug-connected",
        section=SECTION,
        order=46,
    ),
    menu.MenuItem(
        _("Knowledge base"),
        "service:knowledge",
        "service.view_knowledgeentry",
        icon="book",
        section=SECTION,
        order=45,
    ),
    menu.MenuItem(_("Open311 keys"), "service:keys", "service.view_open311key", icon="key", section=SECTION, order=46),
    menu.MenuItem(
        _("Import history"),
        "service:imports",
        "service.view_historyimport",
        icon="file-import",
        section=SECTION,
        order=47,
    ),
    menu.MenuItem(
        _("Category classifier"),
        "service:classifier",
        "service.change_category",
        icon="brain",
        section=SECTION,
        order=48,
    ),
)


def _inbox_card(request):
    user = request.user
    if not user.has_perm("service.handle_servicerequest"):
        return None

    counts = selectors.inbox_counts(user)

    return {
        "key": "service-inbox",
        "title": _("Citizen requests"),
        "stats": [(_("open"), counts["open"]), (_("to accept"), counts["waiting"]), (_("overdue"), counts["overdue"])],
        "links": [(_("Inbox"), reverse("service:inbox")), (_("My rates"), reverse("service:my_rates"))],
    }


widgets.register_card(_inbox_card, order=40)


# -- the Open311 registrar: a background process of `qingche serve`, watched by /healthz ---------------------
background.register("open311_register", ["open311_register", "--follow"])


def _open311_health() -> dict:
    backlog = selectors.open311_backlog()
    limit = float(parameters.get("service.open311_max_wait_minutes")) * 60
    return {"ok": backlog["oldest_wait_s"] <= limit, **backlog, "limit_s": limit}


health.register("open311", _open311_health)


def _hotline_card(request):
    """The hotline's queues (and 减负办's arbitration): what waits to be dispatched, called back, reviewed."""
    user = request.user
    mine = selectors.requests(user)
    stats, links = [], []
    if user.has_perm("service.dispatch_servicerequest"):
        stats.append((_("to dispatch"), mine.filter(status__in=(rules.NEW, rules.RETURNED)).count()))
        links.append((_("Dispatch queue"), reverse("service:queue")))
    if user.has_perm("service.callback_servicerequest"):
        stats.append((_("to call back"), mine.filter(status=rules.ANSWERED).count()))
        stats.append((_("to review for reopening"), selectors.reopenable(user).count()))
        links.append((_("Callbacks"), reverse("service:callbacks")))
    if user.has_perm("service.arbitrate_servicerequest"):
        stats.append((_("in arbitration"), mine.filter(status=rules.ARBITRATION).count()))
        links.append((_("Arbitration"), reverse("service:arbitration")))
    if not stats:
        return None
    return {"key": "service-queues", "title": _("Citizen request queues"), "stats": stats, "links": links}


widgets.register_card(_hotline_card, order=41)


# -- connections to other modules ------------------------------------------------------------------------
# Burden monitoring: each answered request is load on its handling unit (citizen service, not an upper-level
# demand). services.request_answer keeps burden's rollup current in the answering transaction.
# Burden is required (tasks and service sit above it); appraisal is optional: its plug-ins wait for it.
from django.apps import apps as _apps  # noqa: E402

from qingche.burden import sources as burden_sources  # noqa: E402
from qingche.service.services import SERVICE_LOAD_SOURCE  # noqa: E402

burden_sources.register(
    SERVICE_LOAD_SOURCE,
    burden_sources.rollup_function(SERVICE_LOAD_SOURCE),
    label=_("citizen requests handled"),
    sender=burden_sources.CITIZEN,
    rollup=True,
)


# Appraisal: requests answered by the person (or, when no answer records the person, the person's share of the
# unit's), on time or late, and the unit's three rates as satisfaction.
def _appraisal_figures(person_ids, start, end):
    return selectors.appraisal_figures(person_ids, start, end)


if _apps.is_installed("qingche.appraisal"):
    from qingche.appraisal import indicators  # noqa: E402

    indicators.register("service", _appraisal_figures)

audit_display.register_object_type("service.classifier", _("request classifier"))
