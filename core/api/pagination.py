"""Every list of the API is paginated (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``)."""

from rest_framework import pagination

#: Largest page a client may ask for (a whole schedule in one answer).
MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500) on every list."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"How many results per page (default 50, at most {MAX_PAGE_SIZE})."
    max_page_size = MAX_PAGE_SIZE
