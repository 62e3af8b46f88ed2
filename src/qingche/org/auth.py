from django.contrib.auth.backends import ModelBackend

from qingche.core.scope import user_grants


class RoleGrantBackend(ModelBackend):
    """Permissions come only from the roles an account holds (see org.RoleGrant)."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set().union(*(grant.perms for grant in user_grants(user_obj)))
