from django.urls import path

from qingche.service import views
from qingche.service.classify import views as classify_views

app_name = "service"

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/suggest/", views.intake_suggest, name="intake_suggest"),
    path("intake/knowledge/", views.intake_knowledge, name="intake_knowledge"),
    path("intake/history/", views.intake_history, name="intake_history"),
    path("submit/", views.public_submit, name="submit"),
    path("submit/suggest/", views.submit_suggest, name="submit_suggest"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:pk>/dispatch-form/", views.dispatch_form, name="dispatch_form"),
    path("arbitration/", views.arbitration, name="arbitration"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("inbox/", views.inbox, name="inbox"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/reply-check/", views.reply_check, name="reply_check"),
    path("requests/<int:pk>/<str:action>/", views.act, name="act"),
    path("rates/", views.ranking, name="ranking"),
    path("rates/mine/", views.my_rates, name="my_rates"),
    path("hot/", views.hot_issues, name="hot_issues"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("knowledge/new/", views.knowledge_add, name="knowledge_add"),
    path("knowledge/<int:pk>/", views.knowledge_edit, name="knowledge_edit"),
    path("open311-keys/", views.keys, name="keys"),
    path("open311-intake/", views.open311_intake, name="open311_intake"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_status, name="import_status"),
    path("classifier/", classify_views.classifier, name="classifier"),
]
