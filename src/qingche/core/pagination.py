"""Pages of lists: the API's (a module of its own: DRF imports it while its own settings load) and the pages'."""

from django.core.paginator import Paginator
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE rows; a client may ask for `page_size` rows up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200


def paginate(request, rows, size: int = 50, param: str = "page"):
    """One page of a list for a page (?page=N; a page number out of range gives the last page). A second
    list on the same page takes its own `param`, shown by core/_pager.html `with page_param=…`."""
    return Paginator(rows, size).get_page(request.GET.get(param))
