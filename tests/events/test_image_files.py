"""Image files follow their rows (events.image_files): a replaced photo or logo, or the
images of a deleted speaker, sponsor or event, leave the storage once the change commits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Speaker, Sponsor
from events.services import set_background_image
from tests.images import data_url, image_bytes, stored_files

pytestmark = pytest.mark.django_db


def api_url(name, event, *args):
    return reverse(f"api:{name}-{'detail' if args else 'list'}", args=[event.pk, *args])


def png(color):
    return image_bytes("PNG", color=color)


def add_then_replace_photo(client, event, capture_on_commit):
    """A speaker created with a photo through the API, then given another: (its id, the
    first photo's name, the second's), each change's after-commit work run."""
    with capture_on_commit(execute=True):
        answer = client.post(api_url("speaker", event), {"name": "Ada", "photo": data_url(png((1, 2, 3)))})
    assert answer.status_code == 201, answer.content
    first = Speaker.objects.get().photo.name
    with capture_on_commit(execute=True):
        answer = client.patch(
            api_url("speaker", event, answer.json()["id"]), {"photo": data_url(png((9, 9, 9)))}, format="json"
        )
    assert answer.status_code == 200
    return answer.json()["id"], first, Speaker.objects.get().photo.name


def test_a_replaced_photo_leaves_the_disk(as_organizer, event, settings, django_capture_on_commit_callbacks):
    pk, first, second = add_then_replace_photo(as_organizer, event, django_capture_on_commit_callbacks)
    assert second != first
    assert stored_files() == [second]
    # A change of something else keeps the photo.
    with django_capture_on_commit_callbacks(execute=True):
        as_organizer.patch(api_url("speaker", event, pk), {"bio": "Hi"}, format="json")
    assert stored_files() == [second]


def test_a_store_out_of_reach_keeps_the_old_file_not_the_request_waiting_on_it(
    as_organizer, event, settings, caplog, django_capture_on_commit_callbacks
):
    """The delete after the commit fails (an object store that stops answering): the
    change stands, the old file stays behind, a warning says so; nothing raises."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.images.DeletesOutOfReach"}}
    _, first, second = add_then_replace_photo(as_organizer, event, django_capture_on_commit_callbacks)
    assert stored_files() == sorted([first, second])
    assert f"Could not delete the image file {first}" in caplog.text


def test_a_replaced_logo_in_the_dashboard_leaves_the_disk(
    organizer_client, event, settings, django_capture_on_commit_callbacks
):
    create = reverse("events:sponsor-create", args=[event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(create, {"name": "ACME", "logo": SimpleUploadedFile("a.png", png((1, 2, 3)))})
    sponsor = Sponsor.objects.get()
    old = sponsor.logo.name
    update = reverse("events:sponsor-update", args=[event.pk, sponsor.pk])
    with django_capture_on_commit_callbacks(execute=True):
        answer = organizer_client.post(update, {"name": "ACME", "logo": SimpleUploadedFile("b.png", png((5, 5, 5)))})
    assert answer.status_code == 302
    sponsor.refresh_from_db()
    assert sponsor.logo.name != old
    assert stored_files() == [sponsor.logo.name]


def test_deleted_rows_take_their_images_along(as_organizer, event, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        speaker = as_organizer.post(api_url("speaker", event), {"name": "Ada", "photo": data_url(png((1, 1, 1)))})
        as_organizer.post(api_url("speaker", event), {"name": "Grace", "photo": data_url(png((2, 2, 2)))})
        as_organizer.post(api_url("sponsor", event), {"name": "ACME", "logo": data_url(png((3, 3, 3)))})
        set_background_image(event, png((4, 4, 4)))
    assert len(stored_files()) == 4

    with django_capture_on_commit_callbacks(execute=True):
        assert as_organizer.delete(api_url("speaker", event, speaker.json()["id"])).status_code == 204
    assert len(stored_files()) == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert as_organizer.delete(reverse("api:event-detail", args=[event.pk])).status_code == 204
    assert stored_files() == []


def test_a_file_another_row_points_at_stays(as_organizer, event, settings, django_capture_on_commit_callbacks):
    """Two rows on one file (a copy made in the admin): deleting one keeps the file."""
    with django_capture_on_commit_callbacks(execute=True):
        as_organizer.post(api_url("speaker", event), {"name": "Ada", "photo": data_url(png((1, 1, 1)))})
    ada = Speaker.objects.get()
    copy = Speaker.objects.create(event=event, name="Ada (copy)", photo=ada.photo.name)
    with django_capture_on_commit_callbacks(execute=True):
        ada.delete()
    assert stored_files() == [copy.photo.name]


def test_a_refused_change_stores_and_deletes_nothing(
    as_organizer, event, settings, django_capture_on_commit_callbacks
):
    """A new photo sent with a bad e-mail address: 400, the old photo stays, no new file."""
    with django_capture_on_commit_callbacks(execute=True):
        answer = as_organizer.post(api_url("speaker", event), {"name": "Ada", "photo": data_url(png((1, 1, 1)))})
    files = stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        refused = as_organizer.patch(
            api_url("speaker", event, answer.json()["id"]),
            {"photo": data_url(png((7, 7, 7))), "email": "not an address"},
            format="json",
        )
    assert refused.status_code == 400
    assert set(refused.json()) == {"email"}
    assert stored_files() == files
