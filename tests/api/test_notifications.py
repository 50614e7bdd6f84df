"""``/api/v1/notifications/``: a user's own, newest first; mark one or all read (through
notifications.services, which also tells the user's open pages)."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify

LIST = "/api/v1/notifications/"


@pytest.fixture
def mine(user):
    return [notify(user, "Announcement", f"Note {n}", f"<p>Body {n}</p>", link="/events/") for n in range(3)]


@pytest.fixture
def me(api_client, user):
    return api_client(user)


def test_only_my_own_newest_first(mine, me, make_user):
    theirs = notify(make_user(), "Announcement", "Theirs", "")
    body = me.get(LIST).json()
    assert [n["title"] for n in body["results"]] == ["Note 2", "Note 1", "Note 0"]
    assert set(body["results"][0]) == {
        "id",
        "action",
        "title",
        "message",
        "link",
        "awaits_answer",
        "received_at",
        "has_read",
    }
    assert me.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    assert me.post(reverse("api:notification-mark-read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.has_read


def test_mark_one_read(mine, me):
    url = reverse("api:notification-mark-read", args=[mine[0].pk])
    list_tag = me.get(LIST)["ETag"]
    answer = me.post(url)
    assert answer.status_code == 200
    assert answer.json()["has_read"] is True
    assert Notification.objects.filter(has_read=True).count() == 1
    assert me.get(LIST, HTTP_IF_NONE_MATCH=list_tag).status_code == 200
    assert [n["title"] for n in me.get(LIST, {"unread": "true"}).json()["results"]] == ["Note 2", "Note 1"]
    # Marking it again changes nothing, and still answers.
    assert me.post(url).status_code == 200


def test_mark_all_read(mine, me, make_user):
    theirs = notify(make_user(), "Announcement", "Theirs", "")
    answer = me.post(reverse("api:notification-mark-all-read"))
    assert answer.status_code == 200
    assert answer.json() == {"marked_read": 3, "unread_count": 0}
    assert me.get(LIST, {"unread": "true"}).json()["count"] == 0
    theirs.refresh_from_db()
    assert not theirs.has_read


def test_a_detail_tag_changes_when_it_is_read(mine, me):
    url = reverse("api:notification-detail", args=[mine[0].pk])
    tag = me.get(url)["ETag"]
    assert me.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    me.post(reverse("api:notification-mark-read", args=[mine[0].pk]))
    assert me.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_anonymous_gets_401_and_writes_are_refused(mine, api_client, me):
    assert api_client().get(LIST).status_code == 401
    assert me.delete(reverse("api:notification-detail", args=[mine[0].pk])).status_code == 405
    assert me.get(LIST, {"unread": "maybe"}).status_code == 400
