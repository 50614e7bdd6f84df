"""View pieces every app's pages use."""


def wants_json(request):
    """A script's request (the pages' AJAX calls send X-Requested-With), or a client that
    asks for JSON rather than a page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


class InvalidFormIsBadRequestMixin:
    def form_invalid(self, form):
        """A rejected form is bad input: the page shows the errors, answering 400."""
        response = super().form_invalid(form)
        response.status_code = 400
        return response
