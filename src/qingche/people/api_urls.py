from qingche.people import api

routes = [
    ("work-starts", api.WorkStartViewSet, "workstart"),
    ("leave-requests", api.LeaveRequestViewSet, "leaverequest"),
    ("health-checks", api.HealthCheckViewSet, "healthcheck"),
    ("talks", api.TalkViewSet, "talk"),
    ("talk-notes", api.TalkNoteViewSet, "talknote"),
    ("overload-flags", api.OverloadFlagViewSet, "overloadflag"),
]

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
