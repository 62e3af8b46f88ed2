from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from qingche.duties import selectors


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def list_index(request):
    return render(request, "duties/list_index.html", {"lists": selectors.current_lists(request.user)})
