"""How the duties module plugs into the platform: role permissions, menu entries."""

from django.utils.translation import gettext_lazy as _

from qingche.core import menu
from qingche.org import roles

READ = {"duties.view_dutylist", "duties.view_dutyitem", "duties.view_power"}
EDIT = {
    "duties.add_dutylist",
    "duties.change_dutylist",
    "duties.publish_dutylist",
    "duties.add_dutyitem",
    "duties.change_dutyitem",
    "duties.delete_dutyitem",
    "duties.add_power",
    "duties.change_power",
    "duties.delete_power",
}

# 减负办 also measures each duty's standing workload (it counts in the burden index).
roles.add_role_permissions(roles.BURDEN_OFFICE, READ | EDIT | {"duties.set_standing_hours"})
for role in (
    roles.ORG_DEPARTMENT,
    roles.COUNTY_DEPARTMENT,
    roles.TOWN,
    roles.VILLAGE,
    roles.FRONTLINE,
    roles.HOTLINE,
    roles.SYSTEM_ADMIN,
):
    roles.add_role_permissions(role, READ)

menu.register(
    menu.MenuItem(
        _("Duty lists"),
        "duties:list_index",
        "duties.view_dutylist",
        icon="list-check",
        section=_("Duties and tasks"),
        order=20,
    ),
)
