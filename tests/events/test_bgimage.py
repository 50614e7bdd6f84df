"""The background image: events.images (decode, check, re-encode), the services that store
it, and the endpoint /events/<event_id>/files/bgimage/. After every refused upload the
stored image and its file are exactly as they were."""

import base64
import io
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events import images, services
from events.models import Event
from tests.images import data_url, exif_with_orientation, huge_png, image_bytes, open_stored_image, stored_files

pytestmark = pytest.mark.django_db

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_side": 8000, "max_pixels": 40_000_000}


# --- images made in memory ------------------------------------------------------------------


SVG = (
    b'<?xml version="1.0"?>'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)


# --- events.images ----------------------------------------------------------------------------


class TestProcessImage:
    @pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
    def test_accepts_and_keeps_the_format(self, image_format):
        result = images.process_image(image_bytes(image_format), **LIMITS)
        assert (result.format, result.width, result.height) == (image_format, 64, 32)
        assert Image.open(io.BytesIO(result.content)).format == image_format

    @pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
    def test_orientation_applied_and_metadata_stripped(self, image_format):
        data = image_bytes(image_format, size=(60, 20), exif=exif_with_orientation(6))
        assert Image.open(io.BytesIO(data)).getexif()[0x010F] == "Camera Maker"
        result = images.process_image(data, **LIMITS)
        stored = Image.open(io.BytesIO(result.content))
        assert stored.size == (20, 60)  # turned upright
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info
        assert "icc_profile" not in stored.info

    def test_png_text_chunks_are_dropped(self):
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Author", "Someone private")
        result = images.process_image(image_bytes("PNG", pnginfo=info), **LIMITS)
        assert "Author" not in Image.open(io.BytesIO(result.content)).info

    def test_transparency_survives(self):
        data = image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))
        stored = Image.open(io.BytesIO(images.process_image(data, **LIMITS).content))
        assert stored.mode == "RGBA"
        assert stored.getpixel((0, 0))[3] == 0

    def test_cmyk_jpeg_becomes_rgb(self):
        data = image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))
        assert Image.open(io.BytesIO(images.process_image(data, **LIMITS).content)).mode == "RGB"

    def test_storage_names_are_unguessable(self):
        result = images.process_image(image_bytes(), **LIMITS)
        names = {result.storage_name() for _ in range(100)}
        assert len(names) == 100
        assert all(len(name) >= 32 and name.endswith(".png") for name in names)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "empty"),
            (b"hello, world", "not a PNG, JPEG or WebP"),
            (SVG, "SVG images are not accepted"),
            (image_bytes("GIF"), "GIF images are not accepted"),
            (image_bytes("BMP"), "not a PNG, JPEG or WebP"),
            (image_bytes("PNG")[:60], "damaged or incomplete"),
            (image_bytes("JPEG", size=(200, 200))[:300], "damaged or incomplete"),
            (huge_png(8001, 16), "each side may be at most 8000 pixels"),
            (huge_png(6500, 6500), "at most 40 million pixels"),
            (huge_png(30000, 30000), "The image has too many pixels; at most 40 million pixels are allowed."),
        ],
    )
    def test_refusals(self, data, message):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.process_image(data, **LIMITS)
        assert message in str(excinfo.value)

    def test_pillows_bomb_limit_is_a_second_line(self):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.process_image(huge_png(20000, 20000), max_bytes=10**7, max_side=50000, max_pixels=10**9)
        assert str(excinfo.value) == "The image has too many pixels; at most 1000 million pixels are allowed."

    def test_file_over_the_byte_limit(self):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.process_image(image_bytes(), max_bytes=50, max_side=8000, max_pixels=10**6)
        assert "larger than 50 bytes" in str(excinfo.value)


class TestDecodePayload:
    def test_data_url(self):
        data = image_bytes()
        assert images.decode_payload(data_url(data), max_bytes=10**6) == data

    def test_bare_base64_with_line_breaks(self):
        data = image_bytes()
        encoded = base64.encodebytes(data).decode()
        assert "\n" in encoded
        assert images.decode_payload(encoded, max_bytes=10**6) == data

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("data:image/png,%89PNG%0D%0A", "not base64-encoded"),
            ("data:image/png;base64,not*base64!", "not valid base64"),
            ("data:nonsense", "malformed"),
            ("   ", "empty"),
        ],
    )
    def test_refusals(self, value, message):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.decode_payload(value, max_bytes=10**6)
        assert message in str(excinfo.value)

    def test_too_large_before_decoding(self):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.decode_payload("A" * 4000, max_bytes=1000)
        assert "larger than 1000 bytes" in str(excinfo.value)


# --- the services -----------------------------------------------------------------------------


class TestServices:
    def test_set_stores_a_reencoded_file_and_bumps_event_ver(self, event, settings):
        before = event.event_ver
        services.set_background_image(event, image_bytes("JPEG", exif=exif_with_orientation(1)))
        stored = Event.objects.get(pk=event.pk)
        assert stored.background_image.name.startswith("events/backgrounds/")
        assert stored.background_image.name.endswith(".jpg")
        assert stored_files() == [stored.background_image.name]
        assert dict(open_stored_image(stored.background_image).getexif()) == {}
        assert stored.event_ver == event.event_ver == before + 1

    def test_replacing_deletes_the_old_file_only_after_commit(
        self, event, settings, django_capture_on_commit_callbacks
    ):
        services.set_background_image(event, image_bytes())
        old = event.background_image.name
        with django_capture_on_commit_callbacks() as callbacks:
            services.set_background_image(event, image_bytes("JPEG"))
            new = event.background_image.name
            assert new != old
            assert stored_files() == sorted([old, new])  # both, until the commit
        for callback in callbacks:
            callback()
        assert stored_files() == [new]
        assert Event.objects.get(pk=event.pk).background_image.name == new

    def test_new_file_removed_when_saving_the_event_fails(self, event, settings, monkeypatch):
        services.set_background_image(event, image_bytes())
        old = event.background_image.name

        def fail(*args, **kwargs):
            raise RuntimeError("database down")

        monkeypatch.setattr(Event, "save", fail)
        with pytest.raises(RuntimeError):
            services.set_background_image(event, image_bytes("JPEG"))
        monkeypatch.undo()
        assert Event.objects.get(pk=event.pk).background_image.name == old
        assert stored_files() == [old]

    def test_remove(self, event, settings, django_capture_on_commit_callbacks):
        services.set_background_image(event, image_bytes())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.remove_background_image(event) is True
        assert Event.objects.get(pk=event.pk).background_image.name == ""
        assert stored_files() == []
        assert services.remove_background_image(event) is False


# --- the endpoint -----------------------------------------------------------------------------


def url(event_or_id):
    return reverse("events:bgimage", args=[getattr(event_or_id, "pk", event_or_id)])


def post_value(client, target, value):
    """POST ``bgimage=value`` form-encoded, as the original cropper client sent it."""
    return client.post(target, urlencode({"bgimage": value}), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def event_with_image(event, settings):
    services.set_background_image(event, image_bytes(size=(80, 40), color=(10, 120, 10)))
    event.refresh_from_db()
    return event


@pytest.fixture
def unchanged(event_with_image, settings):
    """Call after a refused upload: the event's image, its file and the media folder are as before."""
    name = event_with_image.background_image.name
    content = event_with_image.background_image.read()
    event_with_image.background_image.close()
    files = stored_files()

    def check():
        stored = Event.objects.get(pk=event_with_image.pk)
        assert stored.background_image.name == name
        with stored.background_image.open("rb") as f:
            assert f.read() == content
        assert stored_files() == files

    return check


class TestUpload:
    def test_png_data_url(self, organizer_client, event, settings):
        response = post_value(organizer_client, url(event), data_url(image_bytes()))
        assert response.status_code == 200
        event.refresh_from_db()
        assert response.json() == {"status": "ok", "background_url": event.background_image.url}
        assert event.background_image.url.startswith(settings.MEDIA_URL + "events/backgrounds/")
        assert open_stored_image(event.background_image).size == (64, 32)

    def test_bare_base64(self, organizer_client, event):
        response = post_value(organizer_client, url(event), base64.b64encode(image_bytes("WEBP")).decode())
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        event.refresh_from_db()
        assert event.background_image.name.endswith(".webp")

    def test_jpeg_multipart_file(self, organizer_client, event):
        upload = SimpleUploadedFile("holiday.jpg", image_bytes("JPEG", exif=exif_with_orientation(8)), "image/jpeg")
        response = organizer_client.post(url(event), {"bgimage": upload})
        assert response.status_code == 200
        event.refresh_from_db()
        assert "holiday" not in event.background_image.name
        stored = open_stored_image(event.background_image)
        assert (stored.format, stored.size) == ("JPEG", (32, 64))
        assert dict(stored.getexif()) == {}

    def test_replacing_removes_the_old_file_after_commit(
        self, organizer_client, event_with_image, settings, django_capture_on_commit_callbacks
    ):
        old = event_with_image.background_image.name
        with django_capture_on_commit_callbacks(execute=True):
            response = post_value(organizer_client, url(event_with_image), data_url(image_bytes("JPEG"), "image/jpeg"))
        assert response.status_code == 200
        event_with_image.refresh_from_db()
        assert event_with_image.background_image.name != old
        assert stored_files() == [event_with_image.background_image.name]

    def test_no_bgimage(self, organizer_client, event_with_image, unchanged):
        response = organizer_client.post(url(event_with_image), {"other": "x"})
        assert (response.status_code, response.json()) == (400, {"status": "no bgimage"})
        unchanged()

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("data:image/png,%89PNG%0D%0A%1A%0A", "The data URL is not base64-encoded."),
            ("data:image/png;base64,***not base64***", "The image data is not valid base64."),
            (base64.b64encode(b"Just some text, not an image.").decode(), "This is not a PNG, JPEG or WebP image."),
            (data_url(image_bytes()[:80]), "The image is damaged or incomplete"),
            (data_url(SVG, "image/svg+xml"), "SVG images are not accepted; use a PNG, JPEG or WebP image."),
            (data_url(image_bytes("GIF"), "image/gif"), "GIF images are not accepted; use a PNG, JPEG or WebP image."),
            (data_url(huge_png(4000, 3001)), "The image is 4000×3001 pixels; at most 12 million pixels are allowed."),
            (data_url(huge_png(30000, 30000)), "The image has too many pixels; at most 12 million"),
        ],
        ids=["not-base64-data-url", "bad-base64", "base64-of-text", "truncated-png", "svg", "gif", "pixels", "bomb"],
    )
    def test_invalid_images(self, organizer_client, event_with_image, unchanged, value, message):
        response = post_value(organizer_client, url(event_with_image), value)
        assert response.status_code == 400
        answer = response.json()
        assert answer["status"] == "error"
        assert message in answer["error"]
        unchanged()

    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("banner.png", SVG, "SVG images are not accepted"),
            ("banner.png", image_bytes("GIF"), "GIF images are not accepted"),
            ("banner.jpg", image_bytes("JPEG", size=(300, 300))[:500], "damaged or incomplete"),
        ],
    )
    def test_invalid_files(self, organizer_client, event_with_image, unchanged, name, data, message):
        response = organizer_client.post(
            url(event_with_image), {"bgimage": SimpleUploadedFile(name, data, "image/png")}
        )
        assert response.status_code == 400
        assert message in response.json()["error"]
        unchanged()

    def test_decoded_image_over_the_limit(self, organizer_client, event_with_image, unchanged, settings):
        settings.EVENTDESK_IMAGE_MAX_BYTES = 2000
        big = image_bytes("PNG", size=(100, 100), mode="L", color=None, compress_level=0)
        assert 2000 < len(big) < 20000
        response = post_value(organizer_client, url(event_with_image), data_url(big))
        assert response.status_code == 400
        assert response.json() == {"status": "error", "error": "The image is larger than 1.95 KB."}
        unchanged()

    def test_body_over_the_limit(self, organizer_client, event_with_image, unchanged, settings):
        settings.EVENTDESK_IMAGE_MAX_BYTES = 2000
        response = post_value(organizer_client, url(event_with_image), "A" * 200_000)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"].startswith("The upload is too large")
        unchanged()

    def test_multipart_body_over_the_limit(self, organizer_client, event_with_image, unchanged, settings):
        settings.EVENTDESK_IMAGE_MAX_BYTES = 2000
        upload = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000, "image/png")
        response = organizer_client.post(url(event_with_image), {"bgimage": upload})
        assert response.status_code == 400
        assert response.json()["error"].startswith("The upload is too large")
        unchanged()

    def test_body_over_djangos_own_limit_is_json_too(self, organizer_client, event_with_image, unchanged, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000
        response = post_value(organizer_client, url(event_with_image), data_url(image_bytes()) + "A" * 10_000)
        assert response.status_code == 400
        assert response.json()["error"].startswith("The upload is too large")
        unchanged()

    def test_delete(self, organizer_client, event_with_image, settings, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.delete(url(event_with_image))
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        event_with_image.refresh_from_db()
        assert event_with_image.background_image.name == ""
        assert stored_files() == []

    def test_get_is_not_allowed(self, organizer_client, event):
        assert organizer_client.get(url(event)).status_code == 405


class TestAccess:
    def test_not_logged_in(self, client, event_with_image, unchanged):
        response = post_value(client, url(event_with_image), data_url(image_bytes()))
        assert response.status_code == 401
        assert response.json()["status"] == "error"
        assert client.delete(url(event_with_image)).status_code == 401
        unchanged()

    def test_user_without_a_role(self, client, user, event_with_image, unchanged):
        # The event is a draft: for someone without a role in it, it is not there at all.
        client.force_login(user)
        response = post_value(client, url(event_with_image), data_url(image_bytes()))
        assert response.status_code == 404
        assert response.json() == {"status": "error", "error": "There is no such event."}
        assert client.delete(url(event_with_image)).status_code == 404
        unchanged()

    def test_admin_may_read_but_not_update(self, client, admin_user, event_with_image, unchanged):
        client.force_login(admin_user)
        assert post_value(client, url(event_with_image), data_url(image_bytes())).status_code == 403
        unchanged()

    def test_another_users_event(self, client, make_user, make_event, event_with_image, unchanged):
        other_organizer = make_user("other@example.com")
        make_event(other_organizer, name="Their own")
        client.force_login(other_organizer)
        assert post_value(client, url(event_with_image), data_url(image_bytes())).status_code == 404
        assert client.delete(url(event_with_image)).status_code == 404
        unchanged()

    def test_any_role_may_update(self, client, user_with_role, event_with_image):
        client.force_login(user_with_role(event_with_image, "coorganizer"))
        assert post_value(client, url(event_with_image), data_url(image_bytes())).status_code == 200

    def test_missing_event(self, organizer_client, event):
        response = post_value(organizer_client, url(event.pk + 1000), data_url(image_bytes()))
        assert response.status_code == 404
        assert response.json()["status"] == "error"

    def test_csrf_token_required(self, organizer, event_with_image, unchanged):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(organizer)
        assert post_value(client, url(event_with_image), data_url(image_bytes())).status_code == 403
        assert client.delete(url(event_with_image)).status_code == 403
        unchanged()
        client.get(reverse("events:wizard-details", args=[event_with_image.pk]))
        token = client.cookies["csrftoken"].value
        response = client.post(
            url(event_with_image),
            urlencode({"bgimage": data_url(image_bytes())}),
            content_type="application/x-www-form-urlencoded",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 200


class TestEveryAnswerIsJson:
    """The endpoint promises JSON for every answer: the site's own refusals too (a failed
    CSRF check, a method it does not take, a NUL), whoever asks and however."""

    CSRF_REFUSAL = {
        "status": "error",
        "error": "This form has expired or came from elsewhere: reload the page and try again.",
    }

    def strict_client(self, user=None):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        return client

    def assert_json(self, response, status):
        assert response.status_code == status, response.content[:200]
        assert response["Content-Type"] == "application/json"
        return response.json()

    @pytest.mark.parametrize("accept", [None, "text/html", "*/*"])
    def test_anonymous_upload_without_a_csrf_token(self, event_with_image, unchanged, accept):
        client = self.strict_client()
        headers = {} if accept is None else {"Accept": accept}
        response = client.post(
            url(event_with_image),
            urlencode({"bgimage": data_url(image_bytes())}),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
        assert self.assert_json(response, 403) == self.CSRF_REFUSAL
        response = client.post(url(event_with_image), {"bgimage": SimpleUploadedFile("a.png", image_bytes())})
        assert self.assert_json(response, 403) == self.CSRF_REFUSAL
        assert self.assert_json(client.delete(url(event_with_image)), 403) == self.CSRF_REFUSAL
        unchanged()

    def test_logged_in_without_a_csrf_token(self, organizer, event_with_image, unchanged):
        client = self.strict_client(organizer)
        response = post_value(client, url(event_with_image), data_url(image_bytes()))
        assert self.assert_json(response, 403) == self.CSRF_REFUSAL
        unchanged()

    def test_anonymous_with_a_csrf_token_is_told_to_log_in(self, event_with_image, unchanged):
        client = self.strict_client()
        client.get(reverse("login"))
        token = client.cookies["csrftoken"].value
        response = client.post(
            url(event_with_image),
            urlencode({"bgimage": data_url(image_bytes())}),
            content_type="application/x-www-form-urlencoded",
            headers={"X-CSRFToken": token},
        )
        assert self.assert_json(response, 401)["status"] == "error"  # not a redirect to the log-in page
        unchanged()

    def test_wrong_role_and_someone_elses_event(self, client, admin_user, make_user, event_with_image, unchanged):
        client.force_login(admin_user)
        body = self.assert_json(post_value(client, url(event_with_image), data_url(image_bytes())), 403)
        assert body["status"] == "error"
        client.force_login(make_user("stranger@example.com"))
        assert self.assert_json(client.delete(url(event_with_image)), 404)["status"] == "error"
        unchanged()

    @pytest.mark.parametrize("method", ["get", "put", "patch", "options"])
    def test_a_method_it_does_not_take(self, organizer_client, event_with_image, unchanged, method):
        response = getattr(organizer_client, method)(url(event_with_image))
        body = self.assert_json(response, 405)
        assert body["status"] == "error"
        assert response["Allow"] == "POST, DELETE"
        unchanged()

    def test_a_nul_in_the_query(self, organizer_client, event_with_image, unchanged):
        response = post_value(organizer_client, url(event_with_image) + "?x=%00", data_url(image_bytes()))
        assert self.assert_json(response, 400)["status"] == "error"
        unchanged()
