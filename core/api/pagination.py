"""Every list of the API is paginated (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``)."""

from rest_framework import pagination, serializers

#: Largest page a client may ask for (a whole schedule in one answer).
MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500; more is read as 500) on every list.
    Anything but a whole number from 1 (or ``page=last``) answers 400; a page past the end, 404."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"How many results per page (default 50, at most {MAX_PAGE_SIZE})."
    max_page_size = MAX_PAGE_SIZE

    def check_query(self, request):
        """400 (``ValidationError``) for a ``page`` or ``page_size`` that is not a whole number from 1."""
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is None or (name == self.page_query_param and raw in self.last_page_strings):
                continue
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) >= 1):
                errors[name] = ["Enter a whole number from 1."]
        if errors:
            raise serializers.ValidationError(errors)

    def paginate_queryset(self, queryset, request, view=None):
        self.check_query(request)
        return super().paginate_queryset(queryset, request, view)
