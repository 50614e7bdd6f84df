"""notify() and the read state: what is stored, and what the user's sockets hear after the commit."""

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.safestring import mark_safe

from notifications import services
from notifications.models import Notification
from tests.utils import free_port

pytestmark = pytest.mark.django_db


class Sockets:
    """What reaches the sockets of users: for each user listened to, a channel of the
    real channel layer in the user's group, joined as ``NotificationConsumer`` joins it."""

    def __init__(self, layer):
        self.layer = layer
        self.channels = {}

    def listen(self, *users):
        for user in users:
            self.channels[user.pk] = async_to_sync(self.layer.new_channel)()
            async_to_sync(self.layer.group_add)(services.group_name(user), self.channels[user.pk])

    def heard(self, user):
        """The payloads ``user``'s sockets received since the last call, in order (what a
        socket sends the browser): all that came before a sentinel sent to the group now."""
        sentinel = {"meta": f"sentinel {uuid.uuid4().hex}"}
        async_to_sync(self.layer.group_send)(
            services.group_name(user), services.push_message(services.encode(sentinel))
        )
        payloads = []
        while (payload := json.loads(async_to_sync(self.layer.receive)(self.channels[user.pk])["text"])) != sentinel:
            payloads.append(payload)
        return payloads


@pytest.fixture
def sockets(settings):
    """``Sockets`` on an in-memory channel layer (a real one, the same in every test run)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return Sockets(get_channel_layer())


# --- sanitizing the server's markup (a plain str is text: test_user_data_is_text.py) ---


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("<b>Bold</b> and <em>em</em>", "<b>Bold</b> and <em>em</em>"),
        ("Hi<script>alert(1)</script>!", "Hi!"),
        ('<img src="x" onerror="alert(1)">Pic', "Pic"),
        ('<p onclick="steal()">Click</p>', "<p>Click</p>"),
        ('<a href="javascript:alert(1)">Link</a>', '<a rel="noopener noreferrer">Link</a>'),
        ('<a href="JaVaScRiPt:alert(1)">Link</a>', '<a rel="noopener noreferrer">Link</a>'),
        (
            '<a href="/events/1/" onmouseover="x()">Event</a>',
            '<a href="/events/1/" rel="noopener noreferrer">Event</a>',
        ),
        ('<a href="https://example.org">Site</a>', '<a href="https://example.org" rel="noopener noreferrer">Site</a>'),
        ('<a href="data:text/html,<script>x</script>">Data</a>', '<a rel="noopener noreferrer">Data</a>'),
        ("<style>body{display:none}</style>Text", "Text"),
        ('<iframe src="https://evil.example"></iframe>Frame', "Frame"),
        ("<ul><li>One</li></ul>", "<ul><li>One</li></ul>"),
    ],
)
def test_the_servers_markup_is_sanitized_on_the_way_in(user, given, stored):
    notification = services.notify(user, "Announcement", "Title", mark_safe(given))  # noqa: S308
    notification.refresh_from_db()
    assert notification.message == stored


def test_the_title_is_stored_as_plain_text(user):
    notification = services.notify(user, "Announcement", "<script>alert(1)</script> & co", "")
    notification.refresh_from_db()
    assert notification.title == "<script>alert(1)</script> & co"


def test_a_long_title_is_cut_to_fit(user):
    notification = services.notify(user, "Announcement", "x" * 500, "")
    notification.refresh_from_db()
    assert notification.title == "x" * 200


def test_notify_stores_the_kind_in_action_and_the_link_apart(user):
    notification = services.notify(
        user, Notification.Action.SESSION_SCHEDULE_CHANGE, "Moved", "<p>Now at 11:00</p>", link="/e/conf/sessions/1/"
    )
    notification.refresh_from_db()
    assert (notification.action, notification.link, notification.awaits_answer) == (
        "Session schedule change",
        "/e/conf/sessions/1/",
        False,
    )
    assert notification.get_action_display() == "Session schedule change"


def test_the_known_kinds_include_those_of_every_app():
    assert {"Event-Role invite", "Session schedule change", "Session invite", "Invitation answered"} <= set(
        Notification.Action.values
    )
    assert {"New order", "Announcement"} <= set(Notification.Action.values)


@pytest.mark.parametrize("action", ["", "/events/", "https://example.org/x", "Whatever", "announcement"])
def test_an_action_that_is_not_a_known_kind_is_refused(user, action):
    with pytest.raises(ValueError, match="Unknown action"):
        services.notify(user, action, "Title", "")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/", "data:text/html,x", "ftp://x", "/x" * 200])
def test_a_link_that_is_not_a_web_link_is_refused(user, link):
    with pytest.raises(ValueError, match="link"):
        services.notify(user, "Announcement", "Title", "", link=link)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("link", ["", "/events/", "https://example.org/x"])
def test_paths_and_http_links_are_links(user, link):
    assert services.notify(user, "Announcement", "Title", "", link=link).link == link


def test_an_invitation_needs_its_link(user):
    with pytest.raises(ValueError, match="link"):
        services.notify(user, "Session invite", "Title", "", awaits_answer=True)
    assert not Notification.objects.exists()


def test_a_closed_invitation_no_longer_awaits_an_answer(user, make_user, sockets, django_capture_on_commit_callbacks):
    other = make_user()
    sockets.listen(user, other)
    invited = services.notify(
        user, "Session invite", "Speak?", "", link="/events/speaker-invites/x/", awaits_answer=True
    )
    unrelated = services.notify(
        other, "Session invite", "Speak?", "", link="/events/speaker-invites/y/", awaits_answer=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitation_closed("/events/speaker-invites/x/") == 1
    invited.refresh_from_db()
    unrelated.refresh_from_db()
    assert (invited.awaits_answer, invited.has_read) == (False, True)
    assert (unrelated.awaits_answer, unrelated.has_read) == (True, False)
    assert sockets.heard(user) == [{"meta": services.READ_STATE_CHANGED, "notif_count": 0, "notifs": []}]
    assert sockets.heard(other) == []
    assert services.invitation_closed("/events/speaker-invites/x/") == 0


# --- after the commit ---------------------------------------------------------------


def test_notify_pushes_after_the_commit(user, sockets, django_capture_on_commit_callbacks):
    sockets.listen(user)
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(user, "Announcement", "Hello", "")
        assert sockets.heard(user) == []
    [payload] = sockets.heard(user)
    assert (payload["meta"], payload["notif_count"]) == (services.NEW_NOTIFICATIONS, 1)
    assert [(n["id"], n["title"]) for n in payload["notifs"]] == [(notification.pk, "Hello")]


def test_one_notify_and_its_push_take_two_queries_and_one_message(
    user, sockets, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """A single push's cost, pinned (bench/README.md, "Notification fan-out"): the INSERT,
    then after the commit one read of the count and the newest unread, and one message
    to the user's group, however many notifications are unread."""
    for number in range(12):
        services.notify(user, "Announcement", f"N{number}", "")  # no commit here: not pushed
    sockets.listen(user)
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=True):
        services.notify(user, "Announcement", "The thirteenth", "")
    [payload] = sockets.heard(user)
    assert payload["notif_count"] == 13
    assert [n["title"] for n in payload["notifs"]] == ["The thirteenth"] + [f"N{n}" for n in range(11, 2, -1)]


def test_a_rolled_back_notify_many_queues_nothing(make_user, run_tasks):
    users = [make_user() for _ in range(2)]

    def notify_then_fail():
        with transaction.atomic():
            services.notify_many(users, "Announcement", "Hello", "")
            raise RuntimeError("the surrounding work failed")

    with pytest.raises(RuntimeError):
        notify_then_fail()
    assert run_tasks() == 0
    assert not Notification.objects.exists()


def test_notify_many_refuses_bad_fields_in_the_caller(make_user, run_tasks):
    with pytest.raises(ValueError, match="link"):
        services.notify_many([make_user()], "Announcement", "Hello", "", link="javascript:alert(1)")
    assert run_tasks() == 0
    assert not Notification.objects.exists()


def test_a_rolled_back_notify_stores_and_pushes_nothing(user, sockets, django_capture_on_commit_callbacks):
    sockets.listen(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.notify(user, "Announcement", "Hello", "")
                raise RuntimeError("the surrounding work failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert sockets.heard(user) == []
    assert not Notification.objects.exists()


def test_notify_many_stores_one_each_and_pushes_each_in_the_worker(
    make_user, sockets, django_capture_on_commit_callbacks, run_tasks
):
    users = [make_user() for _ in range(3)]
    sockets.listen(*users)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(
            users, "Announcement", "Schedule published", mark_safe("<i>See</i><script>x</script>"), link="/events/"
        )
    # Queued: no row and no push until a worker runs the fan-out.
    assert not Notification.objects.exists()
    assert all(sockets.heard(user) == [] for user in users)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 1
    for user in users:
        [payload] = sockets.heard(user)
        assert (payload["meta"], payload["notif_count"]) == (services.NEW_NOTIFICATIONS, 1)
        assert [(n["title"], n["message"]) for n in payload["notifs"]] == [("Schedule published", "<i>See</i>")]
    assert sorted(Notification.objects.values_list("user_id", "message")) == [(u.pk, "<i>See</i>") for u in users]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_channel_layer_neither_undoes_nor_breaks_the_change(user, settings, monkeypatch, caplog):
    # The production layer, pointed at a port nothing listens on (Redis went away).
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{free_port()}/0", "socket_connect_timeout": 1}]},
        }
    }
    monkeypatch.setattr(services._pushes, "failing", False)  # no outage seen before this test
    with transaction.atomic():
        notification = services.notify(user, "Announcement", "Saved anyway", "")
    assert Notification.objects.filter(pk=notification.pk).exists()
    assert "Could not push to the sockets of 1 users" in caplog.text


def test_mark_read_of_another_users_notification_is_refused(user, make_user):
    notification = services.notify(make_user(), "Announcement", "Not yours", "")
    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(user, notification.pk)
    notification.refresh_from_db()
    assert not notification.has_read


def test_mark_all_read_changes_only_the_users_own(user, make_user, django_capture_on_commit_callbacks, sockets):
    other = make_user()
    sockets.listen(user, other)
    for person in (user, user, other):
        services.notify(person, "Announcement", "Hi", "")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_all_read(user) == 2
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1
    assert sockets.heard(user) == [{"meta": services.READ_STATE_CHANGED, "notif_count": 0, "notifs": []}]
    assert sockets.heard(other) == []


def test_the_payload_is_built_from_the_database(user):
    for number in range(12):
        services.notify(user, "Announcement", f"N{number}", "")
    payload = services.build_payload(user, services.NEW_NOTIFICATIONS)
    assert payload["notif_count"] == 12
    assert [n["title"] for n in payload["notifs"]] == [f"N{n}" for n in range(11, 1, -1)]


def test_payloads_for_many_users_equal_each_users_own(make_user):
    users = [make_user() for _ in range(4)]
    for number in range(30):
        services.notify(users[number % 3], "Announcement", f"N{number}", "")  # the fourth user has none
    services.mark_read(users[0], Notification.objects.filter(user=users[0]).last().pk)
    together = services.build_payloads([u.pk for u in users], services.NEW_NOTIFICATIONS)
    assert together == {u.pk: services.build_payload(u, services.NEW_NOTIFICATIONS) for u in users}
    assert [together[u.pk]["notif_count"] for u in users] == [9, 10, 10, 0]
