from qingche.tasks import api

routes = [
    ("task-requests", api.TaskRequestViewSet, "taskrequest"),
    ("admissions", api.AdmissionViewSet, "admission"),
    ("tasks", api.TaskViewSet, "task"),
    ("task-assignments", api.TaskAssignmentViewSet, "taskassignment"),
    ("progress-posts", api.ProgressPostViewSet, "progresspost"),
    ("task-registry", api.RegistryEntryViewSet, "registryentry"),
    ("task-reminders", api.ReminderViewSet, "reminder"),
    ("urgent-quotas", api.UrgentQuotaViewSet, "urgentquota"),
]
