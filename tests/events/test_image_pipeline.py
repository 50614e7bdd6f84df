"""One pipeline for every uploaded image (events.images.process_image): the background,
a speaker's photo and a sponsor's logo, on the dashboard's forms and on the API.

Truncated files are refused before any decode, the pixel budget is 12 million, at most
``images.MAX_DECODES`` decodes run at once per process, and what is stored is always the
image re-encoded: no EXIF (GPS), nothing appended after the image.
"""

import io
import struct
import threading
import zlib
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from events import images
from events.models import Speaker, Sponsor
from tests.images import data_url, exif_with_orientation, huge_png, image_bytes, stored_files

pytestmark = pytest.mark.django_db

HTML_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def truncated_png(width, height):
    """The review's file: a header claiming ``width`` × ``height`` RGBA pixels, a complete
    zlib stream holding a single row, and IEND. Pillow decoded it, filling in the rest."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 4 * width), 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def truncated_jpeg(width, height):
    """A real JPEG of ``width`` × ``height`` cut after its first two kilobytes of scan and
    closed with an end-of-image marker: libjpeg fills the blocks that are missing."""
    out = io.BytesIO()
    Image.effect_noise((width // 10, height // 10), 64).convert("RGB").resize((width, height)).save(out, "JPEG")
    data = out.getvalue()
    scan = data.index(b"\xff\xda")
    return data[: scan + 2000] + b"\xff\xd9"


def jpeg_with_gps_and_html(size=(48, 24)):
    data = image_bytes("JPEG", size=size, exif=exif_with_orientation(1))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # it does carry a GPS position
    return data + HTML_TAIL


def png_with_gps_and_html(size=(48, 24)):
    return image_bytes("PNG", size=size, exif=exif_with_orientation(1)) + HTML_TAIL


def assert_clean(field_file, image_format):
    """The stored file: re-encoded, no EXIF at all, nothing after the image's end."""
    with field_file.open("rb") as f:
        stored = f.read()
    assert b"<html" not in stored
    assert b"Camera Maker" not in stored
    if image_format == "JPEG":
        assert stored.endswith(b"\xff\xd9")
    else:
        assert stored.endswith(png_chunk(b"IEND", b""))
    image = Image.open(io.BytesIO(stored))
    assert image.format == image_format
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info


# --- truncated files and the pixel budget ---------------------------------------------------


class TestTruncatedAndTooLarge:
    def test_the_reviews_png_is_refused_without_a_decode(self, monkeypatch):
        data = truncated_png(8000, 5000)
        assert len(data) < 120

        def no_decode(*args, **kwargs):
            raise AssertionError("decoded")

        monkeypatch.setattr(images, "_decode_and_encode", no_decode)
        with pytest.raises(images.InvalidImage):
            images.process_image(data)  # over the budget: 40 million pixels
        with pytest.raises(images.InvalidImage) as excinfo:  # and truncated, whatever the budget
            images.process_image(data, max_side=10_000, max_pixels=10**8)
        assert str(excinfo.value) == images.TRUNCATED

    @pytest.mark.parametrize(
        "data",
        [
            truncated_png(3000, 3000),
            truncated_png(3000, 3000)[:-12],  # no IEND either
            truncated_jpeg(3000, 3000),
        ],
        ids=["png", "png-without-iend", "jpeg-closed-early"],
    )
    def test_truncated_files_within_the_budget_are_refused(self, data):
        with pytest.raises(images.InvalidImage) as excinfo:
            images.process_image(data)
        assert str(excinfo.value) == images.TRUNCATED

    @pytest.mark.parametrize("interlace", [0, 1])
    def test_complete_pngs_of_every_kind_pass_the_check(self, interlace):
        for mode in ("1", "L", "P", "RGB", "RGBA", "LA", "I;16"):
            for size in ((1, 1), (13, 7), (301, 157)):
                out = io.BytesIO()
                Image.effect_noise(size, 80).convert(mode).save(out, "PNG", interlace=interlace)
                images.check_complete(out.getvalue(), "PNG")

    @pytest.mark.parametrize(
        "options", [{}, {"progressive": True}, {"subsampling": 0}, {"quality": 1, "optimize": True}]
    )
    def test_complete_jpegs_pass_the_check(self, options):
        for mode in ("L", "RGB", "CMYK"):
            for color in ((0, 0, 0, 0), None):
                out = io.BytesIO()
                image = Image.new("RGB", (640, 480), color[:3]) if color else Image.effect_noise((640, 480), 90)
                image.convert(mode).save(out, "JPEG", **options)
                images.check_complete(out.getvalue(), "JPEG")

    def test_the_budget_is_12_million_pixels(self, settings):
        assert settings.EVENTDESK_IMAGE_MAX_PIXELS == 12_000_000
        assert images.process_image(huge_png(4000, 3000)).width == 4000
        with pytest.raises(images.InvalidImage) as excinfo:
            images.process_image(huge_png(4000, 3001))
        assert "at most 12 million pixels are allowed" in str(excinfo.value)


@pytest.fixture
def event_with_image(event):
    from events import services

    services.set_background_image(event, image_bytes(size=(80, 40), color=(10, 120, 10)))
    event.refresh_from_db()
    return event


def stored_image(event):
    event.refresh_from_db()
    with event.background_image.open("rb") as f:
        return event.background_image.name, f.read()


class TestBackgroundEndpoint:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (truncated_png(3000, 3000), images.TRUNCATED),
            (truncated_jpeg(3000, 3000), images.TRUNCATED),
            (truncated_png(8000, 5000), "The image is 8000×5000 pixels; at most 12 million pixels are allowed."),
        ],
        ids=["truncated-png", "truncated-jpeg", "over-budget"],
    )
    def test_refused_and_the_stored_image_is_unchanged(
        self, organizer_client, event_with_image, settings, data, message
    ):
        before, files = stored_image(event_with_image), stored_files()
        response = organizer_client.post(
            reverse("events:bgimage", args=[event_with_image.pk]),
            urlencode({"bgimage": data_url(data)}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400
        assert response.json() == {"status": "error", "error": message}
        assert stored_image(event_with_image) == before
        assert stored_files() == files


# --- speaker photos and sponsor logos: the dashboard's forms ---------------------------------


def form_url(service, page, event, *args):
    return reverse(f"events:{service}-{page}", args=[event.pk, *args])


class TestDashboardForms:
    @pytest.mark.parametrize(
        ("service", "model", "field", "data", "image_format"),
        [
            ("speaker", Speaker, "photo", jpeg_with_gps_and_html(), "JPEG"),
            ("sponsor", Sponsor, "logo", png_with_gps_and_html(), "PNG"),
        ],
    )
    def test_stored_re_encoded_without_exif_or_appended_html(
        self, organizer_client, event, service, model, field, data, image_format
    ):
        upload = SimpleUploadedFile("portrait-of-ada.jpg", data, "image/jpeg")
        response = organizer_client.post(form_url(service, "create", event), {"name": "Ada", field: upload})
        assert response.status_code == 302
        stored = getattr(model.objects.get(event=event), field)
        assert stored.name.startswith(f"events/{service}s/")
        assert "portrait-of-ada" not in stored.name
        assert_clean(stored, image_format)

    @pytest.mark.parametrize(
        ("service", "model", "field"), [("speaker", Speaker, "photo"), ("sponsor", Sponsor, "logo")]
    )
    def test_a_text_file_named_jpg_is_a_form_error(self, organizer_client, event, settings, service, model, field):
        upload = SimpleUploadedFile("portrait.jpg", b"Just some text, not an image.\n", "image/jpeg")
        response = organizer_client.post(form_url(service, "create", event), {"name": "Ada", field: upload})
        assert response.status_code == 200
        assert response.context["form"].errors[field] == ["This is not a PNG, JPEG or WebP image."]
        assert not model.objects.exists()
        assert stored_files() == []

    def test_a_truncated_photo_keeps_the_stored_one(self, organizer_client, event, settings):
        response = organizer_client.post(
            form_url("speaker", "create", event),
            {"name": "Ada", "photo": SimpleUploadedFile("a.jpg", jpeg_with_gps_and_html(), "image/jpeg")},
        )
        speaker = Speaker.objects.get(event=event)
        before, files = speaker.photo.name, stored_files()
        response = organizer_client.post(
            form_url("speaker", "update", event, speaker.pk),
            {"name": "Ada", "photo": SimpleUploadedFile("b.png", truncated_png(3000, 3000), "image/png")},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["photo"] == [images.TRUNCATED]
        speaker.refresh_from_db()
        assert speaker.photo.name == before
        assert stored_files() == files


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def as_organizer(organizer):
    client = APIClient()
    client.force_authenticate(organizer)
    return client


def api_url(service, event, *args):
    name = "detail" if args else "list"
    return reverse(f"api:{service}-{name}", args=[event.pk, *args])


class TestApi:
    @pytest.mark.parametrize(
        ("service", "model", "field", "data", "image_format", "mime"),
        [
            ("speaker", Speaker, "photo", jpeg_with_gps_and_html(), "JPEG", "image/jpeg"),
            ("sponsor", Sponsor, "logo", png_with_gps_and_html(), "PNG", "image/png"),
        ],
    )
    def test_stored_re_encoded_without_exif_or_appended_html(
        self, as_organizer, event, service, model, field, data, image_format, mime
    ):
        answer = as_organizer.post(
            api_url(service, event), {"name": "Ada", field: data_url(data, mime)}, format="json"
        )
        assert answer.status_code == 201, answer.json()
        obj = model.objects.get(event=event)
        stored = getattr(obj, field)
        assert answer.json()[field] == f"http://testserver{stored.url}"
        assert_clean(stored, image_format)

    def test_null_removes_the_image_and_omitting_it_keeps_it(self, as_organizer, event):
        answer = as_organizer.post(
            api_url("speaker", event), {"name": "Ada", "photo": data_url(jpeg_with_gps_and_html())}, format="json"
        )
        pk = answer.json()["id"]
        assert as_organizer.patch(api_url("speaker", event, pk), {"bio": "Hi"}, format="json").json()["photo"]
        answer = as_organizer.patch(api_url("speaker", event, pk), {"photo": None}, format="json")
        assert (answer.status_code, answer.json()["photo"]) == (200, None)
        assert Speaker.objects.get(pk=pk).photo.name == ""

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (data_url(b"Just some text, not an image.\n", "image/jpeg"), "This is not a PNG, JPEG or WebP image."),
            (data_url(truncated_png(3000, 3000)), images.TRUNCATED),
            (data_url(huge_png(4000, 3001)), "The image is 4000×3001 pixels; at most 12 million pixels are allowed."),
            (12, "Send the image as a data URL (data:image/png;base64,...) or base64 text."),
        ],
        ids=["text-as-jpeg", "truncated", "over-budget", "not-a-string"],
    )
    def test_refused_with_400_and_nothing_stored(self, as_organizer, event, settings, value, message):
        speaker = Speaker.objects.create(event=event, name="Ada")
        answer = as_organizer.patch(api_url("speaker", event, speaker.pk), {"photo": value}, format="json")
        assert answer.status_code == 400
        assert answer.json() == {"photo": [message]}
        speaker.refresh_from_db()
        assert (speaker.photo.name, speaker.version) == ("", 1)
        assert stored_files() == []


# --- at most MAX_DECODES decodes at once -------------------------------------------------------


class TestDecodeSlots:
    def test_a_third_holder_waits_for_a_free_slot(self):
        slots = images.DecodeSlots(2)
        release = threading.Event()
        entered = threading.Semaphore(0)
        most = []

        def decode():
            with slots.hold(timeout=60):
                most.append(slots.active)
                entered.release()
                release.wait(60)

        threads = [threading.Thread(target=decode) for _ in range(3)]
        for thread in threads:
            thread.start()
        entered.acquire(timeout=60)
        entered.acquire(timeout=60)
        for _ in range(60_000):  # until the third is blocked in acquire (at most a minute)
            if slots.waiting == 1:
                break
            threading.Event().wait(0.001)
        assert (slots.active, slots.waiting) == (2, 1)
        release.set()
        for thread in threads:
            thread.join(60)
        assert sorted(most)[-1] == 2
        assert (slots.active, slots.waiting) == (0, 0)

    def test_no_free_slot_in_time_is_images_busy(self):
        slots = images.DecodeSlots(2)
        with slots.hold(0), slots.hold(0), pytest.raises(images.ImagesBusy), slots.hold(0):
            pass
        with slots.hold(0):  # the slots were given back
            assert slots.active == 1

    def test_process_image_decodes_only_holding_a_slot(self, monkeypatch):
        slots = images.DecodeSlots(images.MAX_DECODES)
        monkeypatch.setattr(images, "decode_slots", slots)
        seen = []
        decode = images._decode_and_encode

        def spy(*args):
            seen.append(slots.active)
            return decode(*args)

        monkeypatch.setattr(images, "_decode_and_encode", spy)
        images.process_image(image_bytes())
        assert seen == [1]
        assert images.MAX_DECODES == 2

    @pytest.fixture
    def all_slots_taken(self, monkeypatch):
        slots = images.DecodeSlots(images.MAX_DECODES)
        monkeypatch.setattr(images, "decode_slots", slots)
        monkeypatch.setattr(images, "DECODE_WAIT", 0)
        holders = [slots.hold(0) for _ in range(images.MAX_DECODES)]
        for holder in holders:
            holder.__enter__()
        yield
        for holder in holders:
            holder.__exit__(None, None, None)

    def test_busy_background_upload_is_a_503_in_json(self, organizer_client, event_with_image, all_slots_taken):
        before = stored_image(event_with_image)
        response = organizer_client.post(
            reverse("events:bgimage", args=[event_with_image.pk]),
            urlencode({"bgimage": data_url(image_bytes("JPEG"))}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json() == {"status": "error", "error": images.ImagesBusy.message}
        assert stored_image(event_with_image) == before

    def test_busy_api_upload_is_a_503(self, as_organizer, event, all_slots_taken):
        speaker = Speaker.objects.create(event=event, name="Ada")
        answer = as_organizer.patch(
            api_url("speaker", event, speaker.pk), {"photo": data_url(image_bytes())}, format="json"
        )
        assert answer.status_code == 503
        assert answer["Retry-After"] == "5"
        assert answer.json() == {"detail": images.ImagesBusy.message}

    def test_busy_form_upload_is_a_form_error(self, organizer_client, event, all_slots_taken):
        response = organizer_client.post(
            form_url("speaker", "create", event),
            {"name": "Ada", "photo": SimpleUploadedFile("a.png", image_bytes(), "image/png")},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["photo"] == [images.ImagesBusy.message]
        assert not Speaker.objects.exists()


class TestAdmin:
    """The super admin's uploads take the same pipeline as the dashboard's."""

    @pytest.mark.parametrize(
        ("model", "field", "data", "image_format"),
        [
            (Speaker, "photo", jpeg_with_gps_and_html(), "JPEG"),
            (Sponsor, "logo", png_with_gps_and_html(), "PNG"),
        ],
    )
    def test_stored_re_encoded_without_exif_or_appended_html(
        self, client, super_admin, event, model, field, data, image_format
    ):
        client.force_login(super_admin)
        obj = model.objects.create(event=event, name="Ada")
        url = reverse(f"admin:events_{model._meta.model_name}_change", args=[obj.pk])
        form = client.get(url).context["adminform"].form
        payload = {name: form.initial.get(name) or "" for name in form.fields if name != field}
        payload["event"] = event.pk
        payload[field] = SimpleUploadedFile("portrait.jpg", data, "image/jpeg")
        response = client.post(url, payload)
        assert response.status_code == 302, response.context["adminform"].form.errors
        obj.refresh_from_db()
        assert_clean(getattr(obj, field), image_format)

    def test_a_text_file_is_refused(self, client, super_admin, event):
        client.force_login(super_admin)
        speaker = Speaker.objects.create(event=event, name="Ada")
        url = reverse("admin:events_speaker_change", args=[speaker.pk])
        response = client.post(
            url, {"event": event.pk, "name": "Ada", "photo": SimpleUploadedFile("a.jpg", b"text", "image/jpeg")}
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["photo"] == ["This is not a PNG, JPEG or WebP image."]
        speaker.refresh_from_db()
        assert not speaker.photo
