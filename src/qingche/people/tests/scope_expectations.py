"""What each account must see on the people endpoints, computed by hand from the account's role grants and the
roles' permissions in org.roles: care records by the unit keeping the person's record (a self grant: one's own);
talks also to the talker; a talk's note ONLY to the talker and to organisation-department grants reaching the
person talked with — no other role, not the person talked with, not their town leader."""

from qingche.org import roles
from qingche.org.models import Person, RoleGrant
from qingche.people.models import (
    CompensatoryRest,
    Enrolment,
    HealthCheck,
    LeaveRequest,
    NeedsAnswer,
    NeedsSurvey,
    OverloadFlag,
    Talk,
    TalkNote,
    TrainingPlan,
    TrainingSession,
    WorkStart,
)
from qingche.people.models_awards import (
    AwardRound,
    AwardType,
    Nomination,
    Objection,
    ReserveEntry,
    ReserveReview,
    ReserveTask,
    Secondment,
)
from qingche.people.models_careers import PayPool, PostHardship, RankChange, TransferRequest
from qingche.people.models_consequences import Consequence


def _grants(user, perm):
    rows = RoleGrant.objects.filter(user=user).values_list("role__code", "scope", "unit_id", "unit__path")
    return [(code, scope, unit_id, path) for code, scope, unit_id, path in rows if perm in roles.ROLE_PERMISSIONS[code]]


def _me(user):
    return Person.objects.filter(account=user).values_list("pk", flat=True).first()


def _reaches(scope, grant_unit, grant_path, unit_id, path) -> bool:
    return (scope == "subtree" and path.startswith(grant_path)) or (scope == "unit" and unit_id == grant_unit)


def _by_person(model, perm, unit_lookup="person__unit"):
    def expected(user):
        rows = model.objects.values_list("id", "person_id", unit_lookup + "_id", unit_lookup + "__path")
        if user.is_superuser:
            return {row[0] for row in rows}
        grants, me = _grants(user, perm), _me(user)
        found = set()
        for pk, person_id, unit_id, path in rows:
            for _code, scope, grant_unit, grant_path in grants:
                if (scope == "self" and person_id == me) or _reaches(scope, grant_unit, grant_path, unit_id, path):
                    found.add(pk)
        return found

    return expected


def talks(user):
    rows = Talk.objects.values_list("id", "person_id", "talker_id", "person__unit_id", "person__unit__path")
    if user.is_superuser:
        return {row[0] for row in rows}
    grants, me = _grants(user, "people.view_talk"), _me(user)
    found = set()
    for pk, person_id, talker_id, unit_id, path in rows:
        for _code, scope, grant_unit, grant_path in grants:
            if talker_id == me or (scope == "self" and person_id == me):
                found.add(pk)
            elif _reaches(scope, grant_unit, grant_path, unit_id, path):
                found.add(pk)
    return found


def talk_notes(user):
    rows = TalkNote.objects.values_list("id", "talk__talker_id", "talk__person__unit_id", "talk__person__unit__path")
    if user.is_superuser:
        return {row[0] for row in rows}
    grants, me = _grants(user, "people.view_talknote"), _me(user)
    found = set()
    for pk, talker_id, unit_id, path in rows:
        for code, scope, grant_unit, grant_path in grants:
            if talker_id == me and me is not None:
                found.add(pk)
            elif code == roles.ORG_DEPARTMENT and _reaches(scope, grant_unit, grant_path, unit_id, path):
                found.add(pk)
    return found


def _by_unit(model, perm, unit_lookup):
    """Rows reached by a unit or subtree grant holding `perm` (a self grant reaches none: pay pools and post
    flags are for the unit's leaders, the organisation department, and a 人社 role given the permission)."""

    def expected(user):
        rows = model.objects.values_list("id", unit_lookup + "_id", unit_lookup + "__path")
        if user.is_superuser:
            return {row[0] for row in rows}
        grants = _grants(user, perm)
        return {
            pk
            for pk, unit_id, path in rows
            for _code, scope, grant_unit, grant_path in grants
            if _reaches(scope, grant_unit, grant_path, unit_id, path)
        }

    return expected


# -- awards, reserve pool, secondment (models_awards) ---------------------------------------------------
def _everything_with(model, perm):
    def expected(user):
        ids = set(model.objects.values_list("id", flat=True))
        return ids if user.is_superuser or _grants(user, perm) else set()

    return expected


def _by_lookups(model, perm, person_lookup, unit_lookup):
    def expected(user):
        rows = model.objects.values_list("id", person_lookup, unit_lookup + "_id", unit_lookup + "__path")
        if user.is_superuser:
            return {row[0] for row in rows}
        grants, me = _grants(user, perm), _me(user)
        return {
            pk
            for pk, person_id, unit_id, path in rows
            for _code, scope, grant_unit, grant_path in grants
            if (scope == "self" and person_id == me) or _reaches(scope, grant_unit, grant_path, unit_id, path)
        }

    return expected


def objections(user):
    """The nomination's unit scope; and always the objections one raised (also under a self grant)."""
    rows = Objection.objects.values_list("id", "raised_by_id", "nomination__unit_id", "nomination__unit__path")
    if user.is_superuser:
        return {row[0] for row in rows}
    grants, me = _grants(user, "people.view_objection"), _me(user)
    return {
        pk
        for pk, raised_by, unit_id, path in rows
        for _code, scope, grant_unit, grant_path in grants
        if (me is not None and raised_by == me) or _reaches(scope, grant_unit, grant_path, unit_id, path)
    }


def secondments(user):
    """Both the home unit's and the host unit's scope; a self grant: one's own."""
    rows = Secondment.objects.values_list(
        "id", "person_id", "home_unit_id", "home_unit__path", "host_unit_id", "host_unit__path"
    )
    if user.is_superuser:
        return {row[0] for row in rows}
    grants, me = _grants(user, "people.view_secondment"), _me(user)
    found = set()
    for pk, person_id, home, home_path, host, host_path in rows:
        for _code, scope, grant_unit, grant_path in grants:
            if scope == "self" and person_id == me:
                found.add(pk)
            elif _reaches(scope, grant_unit, grant_path, home, home_path):
                found.add(pk)
            elif _reaches(scope, grant_unit, grant_path, host, host_path):
                found.add(pk)
    return found


EXPECTATIONS = {
    "workstart": _by_person(WorkStart, "people.view_workstart"),
    "leaverequest": _by_person(LeaveRequest, "people.view_leaverequest"),
    "healthcheck": _by_person(HealthCheck, "people.view_healthcheck"),
    "talk": talks,
    "talknote": talk_notes,
    "overloadflag": _by_person(OverloadFlag, "people.view_overloadflag", unit_lookup="unit"),
    # careers
    "rankchange": _by_person(RankChange, "people.view_rankchange"),
    "transferrequest": _by_person(TransferRequest, "people.view_transferrequest", unit_lookup="unit"),
    "paypool": _by_unit(PayPool, "people.view_paypool", "unit"),
    "posthardship": _by_unit(PostHardship, "people.view_posthardship", "post__unit"),
    # 组织处理 proposals: the unit of the appraisal result (town and department leaders, 组织部); no self grant
    "consequence": _by_person(Consequence, "people.view_consequence", unit_lookup="unit"),
}


# -- training and compensatory rest ---------------------------------------------------------------------------
# Surveys, published plans and their sessions: every grant holding the view permission sees all of them; a
# draft plan (and its sessions) only grants holding people.change_trainingplan that reach its organiser unit.
# A needs answer: only the person who gave it, whatever their grants (no superior reads one).
def _global(model, perm):
    def expected(user):
        ids = set(model.objects.values_list("id", flat=True))
        return ids if user.is_superuser or _grants(user, perm) else set()

    return expected


def _plans_expected(model, perm, prefix=""):
    def expected(user):
        rows = model.objects.values_list("id", prefix + "status", prefix + "unit_id", prefix + "unit__path")
        if user.is_superuser:
            return {row[0] for row in rows}
        if not _grants(user, perm):
            return set()
        managing = _grants(user, "people.change_trainingplan")
        return {
            pk
            for pk, status, unit_id, path in rows
            if status == "published"
            or any(_reaches(scope, unit, unit_path, unit_id, path) for _c, scope, unit, unit_path in managing)
        }

    return expected


def needs_answers(user):
    rows = NeedsAnswer.objects.values_list("id", "person_id")
    if user.is_superuser:
        return {pk for pk, _person in rows}
    me = _me(user)
    if me is None or not _grants(user, "people.view_needsanswer"):
        return set()
    return {pk for pk, person_id in rows if person_id == me}


EXPECTATIONS.update(
    {
        "needssurvey": _global(NeedsSurvey, "people.view_needssurvey"),
        "needsanswer": needs_answers,
        "trainingplan": _plans_expected(TrainingPlan, "people.view_trainingplan"),
        "trainingsession": _plans_expected(TrainingSession, "people.view_trainingsession", "plan__"),
        "enrolment": _by_person(Enrolment, "people.view_enrolment"),
        "compensatoryrest": _by_person(CompensatoryRest, "people.view_compensatoryrest"),
    }
)

EXPECTATIONS.update(
    {
        "awardtype": _everything_with(AwardType, "people.view_awardtype"),
        "awardround": _everything_with(AwardRound, "people.view_awardround"),
        "nomination": _by_lookups(Nomination, "people.view_nomination", "person_id", "unit"),
        "objection": objections,
        "reserveentry": _by_lookups(ReserveEntry, "people.view_reserveentry", "person_id", "unit"),
        "reservetask": _by_lookups(ReserveTask, "people.view_reservetask", "entry__person_id", "entry__unit"),
        "reservereview": _by_lookups(ReserveReview, "people.view_reservereview", "entry__person_id", "entry__unit"),
        "secondment": secondments,
    }
)

PAGES = {
    "people-reserve-entry": {
        "url": "/people/reserve/{pk}/",
        "perm": "people.view_reserveentry",
        "model": ReserveEntry,
        "ids": EXPECTATIONS["reserveentry"],
        "paths": lambda: dict(ReserveEntry.objects.values_list("pk", "unit__path")),
    },
}
