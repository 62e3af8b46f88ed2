"""The API's pages (a module of its own: DRF imports it while its own settings load)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE rows; a client may ask for `page_size` rows up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200
