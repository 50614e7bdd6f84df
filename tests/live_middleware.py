"""Middleware of the daphne processes the tests start (tests/live_settings.py only)."""

from asgiref.sync import iscoroutinefunction
from django.contrib.contenttypes.models import ContentType
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def forget_content_types(get_response):
    """A live server outlives the tests it serves (tests/conftest.py, ``live_url``), and
    after each test the test database is flushed: ``flush`` makes the content types again,
    under new ids. So the process must not keep the ids it cached (``get_for_model``) from
    one request to the next, as production (whose content types never change) does."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            ContentType.objects.clear_cache()
            return await get_response(request)

    else:

        def middleware(request):
            ContentType.objects.clear_cache()
            return get_response(request)

    return middleware
