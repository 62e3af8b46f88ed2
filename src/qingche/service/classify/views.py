"""The system administrator's page of classifier versions: figures of each, retrain, restore."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qingche.service.classify import services, store
from qingche.service.classify.background import run_classifier_build


@login_required
def classifier(request):
    if not services.may_manage(request.user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "restore":
                name = services.classifier_restore(request.user, request.POST.get("version") or None)
                messages.success(request, _("Version %(name)s is in use again.") % {"name": name})
            else:
                transaction.on_commit(lambda: run_classifier_build.enqueue(request.user.pk))
                messages.success(request, _("Retraining has started; the new version appears here in a few minutes."))
            return redirect("service:classifier")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
    return render(request, "service/classifier.html", {"versions": store.versions()}, status=status)
