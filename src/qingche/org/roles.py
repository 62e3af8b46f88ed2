"""Built-in roles and the permissions each needs, no more. Modules add their own permissions to
roles with `add_role_permissions` in their AppConfig.ready(); `sync_builtin_roles` (run after
every migrate) makes the database match."""

from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import audit_context

SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"
BURDEN_OFFICE = "burden_office"
ORG_DEPARTMENT = "org_department"
COUNTY_DEPARTMENT = "county_department"
TOWN = "town"
VILLAGE = "village"
FRONTLINE = "frontline"
HOTLINE = "hotline"
DISCIPLINE = "discipline"

# code: (Chinese name as shown, English label msgid, default scope)
BUILTIN_ROLES = {
    SYSTEM_ADMIN: ("系统管理员", _("System administrator"), "subtree"),
    SECURITY_ADMIN: ("安全管理员", _("Security administrator"), "subtree"),
    AUDIT_ADMIN: ("审计管理员", _("Audit administrator"), "subtree"),
    BURDEN_OFFICE: ("减负办", _("Burden-reduction office"), "subtree"),
    ORG_DEPARTMENT: ("组织部", _("Organization department"), "subtree"),
    COUNTY_DEPARTMENT: ("县直部门", _("County department"), "subtree"),
    TOWN: ("乡镇/街道", _("Town or street"), "subtree"),
    VILLAGE: ("村/社区", _("Village or community"), "unit"),
    FRONTLINE: ("一线人员", _("Front-line staff"), "self"),
    HOTLINE: ("热线", _("Hotline"), "subtree"),
    DISCIPLINE: ("纪检监察", _("Discipline inspection"), "subtree"),
}

_VIEW_ORG = {"org.view_unit", "org.view_post", "org.view_person", "org.view_assignment"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # 三员分立: the system administrator runs units, posts, accounts and settings, but neither reads the
    # audit trail nor grants roles, nor reads personnel records (only name, unit and birth year, to link
    # an account to its person), nor moves units (an organisational change: the organization
    # department's); the security administrator grants roles; the audit administrator only reads the
    # audit trail.
    SYSTEM_ADMIN: {
        "org.view_unit",
        "org.add_unit",
        "org.change_unit",
        "org.import_unit",
        "org.view_post",
        "org.add_post",
        "org.change_post",
        "org.link_person",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_holidayoverride",
        "core.add_holidayoverride",
        "core.change_holidayoverride",
        "core.delete_holidayoverride",
        "core.view_parameter",
        "core.change_parameter",
    },
    SECURITY_ADMIN: {
        "org.view_unit",
        "core.view_user",
        "org.view_role",
        "org.view_rolegrant",
        "org.add_rolegrant",
        "org.delete_rolegrant",
        "axes.view_accessattempt",  # the log-in lockout alert on the home page (core.lockout)
    },
    AUDIT_ADMIN: {"core.view_auditevent"},
    BURDEN_OFFICE: {"org.view_unit", "org.view_post", "core.view_parameter", "core.change_parameter"},
    ORG_DEPARTMENT: _VIEW_ORG
    | {
        "org.add_person",
        "org.change_person",
        "org.import_person",
        "org.add_post",
        "org.change_post",
        "org.add_assignment",
        "org.change_assignment",
        "org.move_unit",
        "core.unmask_pii",
    },
    COUNTY_DEPARTMENT: _VIEW_ORG,
    TOWN: _VIEW_ORG,
    VILLAGE: _VIEW_ORG,
    FRONTLINE: {"org.view_unit", "org.view_person"},
    HOTLINE: {"org.view_unit"},
    # 纪检监察: reads the tree and its people to open accountability cases (accountability adds its own)
    DISCIPLINE: _VIEW_ORG,
}


def add_role_permissions(role_code: str, perms: set[str]) -> None:
    # a new set, not |=: several roles start from the same set object (_VIEW_ORG), which must not be shared
    ROLE_PERMISSIONS[role_code] = ROLE_PERMISSIONS[role_code] | set(perms)


def role_label(code: str, fallback: str = "") -> str:
    entry = BUILTIN_ROLES.get(code)
    return str(entry[1]) if entry else fallback


def sync_builtin_roles(**kwargs) -> None:
    from qingche.org.models import Role  # not at the top: org.models imports this module for role labels

    with audit_context(actor_name="system:migrate"):
        for code, (name, _label, scope) in BUILTIN_ROLES.items():
            role, _created = Role.objects.get_or_create(code=code, defaults={"name": name, "default_scope": scope})
            wanted = set()
            for perm in ROLE_PERMISSIONS[code]:
                app_label, codename = perm.split(".")
                found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
                if found is None:
                    raise LookupError(f"role {code}: unknown permission {perm}")
                wanted.add(found.pk)
            if set(role.permissions.values_list("pk", flat=True)) != wanted:
                role.permissions.set(wanted)
