"""The task worker's part: retraining takes a minute or two, so the page queues it."""

from django_tasks import task

from qingche.core.audit import audit_context
from qingche.core.models import User
from qingche.service.classify.services import classifier_build


@task()
def run_classifier_build(user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    with audit_context(actor=user, actor_name=user.get_username()):
        classifier_build(user, with_requests=True)
