from django.urls import path

from qingche.tasks import views
from qingche.tasks.urls_rectification import urlpatterns as ledger_urlpatterns

app_name = "tasks"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("new/preview/", views.request_preview, name="request_preview"),
    path("request/<int:pk>/", views.request_detail, name="request_detail"),
    path("admission/<int:pk>/appeal/", views.admission_appeal, name="admission_appeal"),
    path("admission/<int:pk>/decide/", views.admission_decide, name="admission_decide"),
    path("queue/", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("inbox/", views.inbox, name="inbox"),
    path("mine/", views.mine, name="mine"),
    path("task/<int:pk>/", views.task_detail, name="task_detail"),
    path("task/<int:pk>/split/", views.task_split, name="task_split"),
    path("task/<int:pk>/forward/", views.task_forward, name="task_forward"),
    path("task/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("task/<int:pk>/done/", views.task_done, name="task_done"),
    path("task/<int:pk>/review/", views.task_review, name="task_review"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("registry/", views.registry, name="registry"),
]

urlpatterns += ledger_urlpatterns  # the rectification ledger and coordination meetings
