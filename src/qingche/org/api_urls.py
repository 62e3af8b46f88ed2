from qingche.org import api

routes = [
    ("units", api.UnitViewSet, "unit"),
    ("posts", api.PostViewSet, "post"),
    ("people", api.PersonViewSet, "person"),
    ("assignments", api.AssignmentViewSet, "assignment"),
    ("role-grants", api.RoleGrantViewSet, "rolegrant"),
]
