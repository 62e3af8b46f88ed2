from qingche.tasks import api, api_rectification

routes = [
    ("task-requests", api.TaskRequestViewSet, "taskrequest"),
    ("admissions", api.AdmissionViewSet, "admission"),
    ("tasks", api.TaskViewSet, "task"),
    ("task-assignments", api.TaskAssignmentViewSet, "taskassignment"),
    ("progress-posts", api.ProgressPostViewSet, "progresspost"),
    ("task-registry", api.RegistryEntryViewSet, "registryentry"),
    ("task-reminders", api.ReminderViewSet, "reminder"),
    ("urgent-quotas", api.UrgentQuotaViewSet, "urgentquota"),
    ("rectification-items", api_rectification.RectificationItemViewSet, "rectificationitem"),
    ("rectification-evidence", api_rectification.RectificationEvidenceViewSet, "rectificationevidence"),
    ("coordination-meetings", api_rectification.CoordinationMeetingViewSet, "coordinationmeeting"),
    ("coordination-issues", api_rectification.CoordinationIssueViewSet, "coordinationissue"),
    ("coordination-decisions", api_rectification.CoordinationDecisionViewSet, "coordinationdecision"),
]
