from qingche.people import api, api_careers

routes = [
    ("work-starts", api.WorkStartViewSet, "workstart"),
    ("leave-requests", api.LeaveRequestViewSet, "leaverequest"),
    ("health-checks", api.HealthCheckViewSet, "healthcheck"),
    ("talks", api.TalkViewSet, "talk"),
    ("talk-notes", api.TalkNoteViewSet, "talknote"),
    ("overload-flags", api.OverloadFlagViewSet, "overloadflag"),
    *api_careers.routes,
]

from qingche.people.api_training import routes as training_routes  # noqa: E402

routes += training_routes
