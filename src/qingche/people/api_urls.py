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
from qingche.people import api_awards  # noqa: E402

routes += [  # awards, reserve pool, secondment
    ("award-types", api_awards.AwardTypeViewSet, "awardtype"),
    ("award-rounds", api_awards.AwardRoundViewSet, "awardround"),
    ("nominations", api_awards.NominationViewSet, "nomination"),
    ("objections", api_awards.ObjectionViewSet, "objection"),
    ("reserve-entries", api_awards.ReserveEntryViewSet, "reserveentry"),
    ("reserve-tasks", api_awards.ReserveTaskViewSet, "reservetask"),
    ("reserve-reviews", api_awards.ReserveReviewViewSet, "reservereview"),
    ("secondments", api_awards.SecondmentViewSet, "secondment"),
]
from qingche.people.api_consequences import routes as consequence_routes  # noqa: E402

routes += consequence_routes  # 组织处理 proposals
