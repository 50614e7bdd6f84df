"""View pieces every app's pages use."""


def wants_json(request):
    """A script's request (the pages' AJAX calls send X-Requested-With), or a client that
    asks for JSON rather than a page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")
