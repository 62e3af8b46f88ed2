from qingche.accountability import api

routes = [
    ("accountability-cases", api.CaseViewSet, "accountabilitycase"),
    ("accountability-case-people", api.CasePersonViewSet, "caseperson"),
    ("accountability-determinations", api.DeterminationViewSet, "determination"),
]
