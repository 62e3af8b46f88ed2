"""What each account must see on the survey endpoints, computed by hand from the role grants and the roles'
permissions in org.roles: a unit's surveys to the builder grants (surveys.view_survey) reaching the unit that
runs them; the survey inbox to the person the published surveys are sent to (their unit under a target unit
or no target unit, their category a target category or none), with the right to answer."""

from qingche.org import roles
from qingche.org.models import Person, RoleGrant
from qingche.surveys.models import Survey


def _grants(user, perm):
    rows = RoleGrant.objects.filter(user=user).values_list("role__code", "scope", "unit_id", "unit__path")
    return [(code, scope, unit_id, path) for code, scope, unit_id, path in rows if perm in roles.ROLE_PERMISSIONS[code]]


def surveys(user):
    rows = Survey.objects.values_list("id", "unit_id", "unit__path")
    if user.is_superuser:
        return {row[0] for row in rows}
    grants = _grants(user, "surveys.view_survey")
    found = set()
    for pk, unit_id, path in rows:
        for _code, scope, grant_unit, grant_path in grants:
            if (scope == "subtree" and path.startswith(grant_path)) or (scope == "unit" and unit_id == grant_unit):
                found.add(pk)
    return found


def inbox(user):
    person = Person.objects.filter(account=user).values_list("unit__path", "category").first()
    if person is None or not (user.is_superuser or _grants(user, "surveys.answer_survey")):
        return set()
    path, category = person
    found = set()
    for survey in Survey.objects.exclude(status="draft").prefetch_related("target_units"):
        paths = [unit.path for unit in survey.target_units.all()]
        if survey.target_categories and category not in survey.target_categories:
            continue
        if paths and not any(path.startswith(target) for target in paths):
            continue
        found.add(survey.pk)
    return found


EXPECTATIONS = {"survey": surveys, "surveyinbox": inbox}


def _paths():
    return dict(Survey.objects.values_list("pk", "unit__path"))


PAGES = {
    "survey": {"url": "/surveys/{pk}/", "perm": "surveys.add_survey", "model": Survey, "ids": surveys, "paths": _paths},
    "survey-results": {
        "url": "/surveys/{pk}/results/",
        "perm": "surveys.add_survey",
        "model": Survey,
        "ids": surveys,
        "paths": _paths,
    },
    "survey-answer": {
        "url": "/surveys/{pk}/answer/",
        "perm": "surveys.answer_survey",
        "model": Survey,
        "ids": inbox,
        "paths": _paths,
    },
}
