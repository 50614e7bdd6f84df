"""The background image endpoint, ``/events/<event_id>/files/bgimage/``, called by the wizard's script.

``POST`` with the field ``bgimage`` (a data URL, bare base64, or a file) stores the image;
``DELETE`` removes it. Every answer is JSON, errors included, so the page can show
them: ``{"status": "ok", "background_url": ...}``, ``{"status": "no bgimage"}`` (400),
``{"status": "error", "error": "<what is wrong>"}`` (400, 401, 403, 404; 503 with
``Retry-After`` when the process's image decode slots stayed busy, ``events.images``).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from core.views import json_only
from events import images, services
from events.views.mixins import EventPermissionMixin


def error(message, status=400):
    return JsonResponse({"status": "error", "error": message}, status=status)


# The CSRF check is made in dispatch, after the size check: the middleware reads the
# body to look for a form token, and a body over the limit must be answered in JSON.
@json_only  # the site's own refusals (a failed CSRF check) answer in JSON too
@method_decorator(csrf_exempt, name="dispatch")
class BackgroundImageView(EventPermissionMixin, View):
    resource = None  # the event itself
    operation = "update"
    http_method_names = ["post", "delete"]

    def dispatch(self, request, *args, **kwargs):
        too_big = self.refuse_oversized_body(request)
        if too_big is not None:
            return too_big
        return csrf_protect(self.checked_dispatch)(request, *args, **kwargs)

    def checked_dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return error("Log in to change the event's image.", status=401)
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            return error("There is no such event.", status=404)
        except PermissionDenied:
            return error("Your role in this event does not allow changing its image.", status=403)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = error(f"{request.method} is not allowed here: POST an image or DELETE it.", status=405)
        response["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())
        return response

    def refuse_oversized_body(self, request):
        """A JSON 400 for a body over the limit (checked before reading it), else None."""
        max_bytes = settings.EVENTDESK_IMAGE_MAX_BYTES
        limit = images.max_request_bytes(max_bytes)
        too_large = f"The upload is too large: the image may be at most {images.human_size(max_bytes)}."
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error("The request has an invalid Content-Length.")
        if length > limit:
            return error(too_large)
        if request.method == "POST":
            try:
                request.POST, request.FILES  # noqa: B018 - parsed here, where errors can be answered
            except RequestDataTooBig:
                return error(too_large)
            except (MultiPartParserError, UnreadablePostError, SuspiciousOperation):
                return error("The upload could not be read; try again.")
        return None

    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("bgimage")
        value = request.POST.get("bgimage")
        if upload is None and not value:
            return JsonResponse({"status": "no bgimage"}, status=400)
        try:
            if upload is not None:
                data = images.read_upload(upload, max_bytes=settings.EVENTDESK_IMAGE_MAX_BYTES)
            else:
                data = images.decode_payload(value, max_bytes=settings.EVENTDESK_IMAGE_MAX_BYTES)
            services.set_background_image(self.event, data, actor=request.user)
        except images.InvalidImage as invalid:
            return error(str(invalid))
        except images.ImagesBusy as busy:
            response = error(str(busy), status=503)
            response["Retry-After"] = "5"
            return response
        return JsonResponse({"status": "ok", "background_url": self.event.background_image.url})

    def delete(self, request, *args, **kwargs):
        services.remove_background_image(self.event, actor=request.user)
        return JsonResponse({"status": "ok"})
