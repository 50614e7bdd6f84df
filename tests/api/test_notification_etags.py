"""A notification's ETags cover everything its representation shows, the state of its
invitation included: when the invitation closes (accepted, declined, revoked, replaced,
expired by time, or its event or session deleted), a client holding the old tag gets the
new representation (200, no Accept and Decline), never a stale 304.

The notification is read first (a read one stays read when its invitation closes, so
only the invitation's state changes what it shows)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from events import services as events_services
from events import speakers
from notifications.models import Notification
from permissions import services as permissions_services
from permissions.models import RoleInvite
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def detail(notification):
    return reverse("api:notification-detail", args=[notification.pk])


@pytest.fixture
def ada(make_user):
    return make_user("ada@example.com", full_name="Ada")


@pytest.fixture
def role_invite(event, organizer, ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite = permissions_services.invite_to_role(event, "ada@example.com", "moderator", organizer)
    return invite


@pytest.fixture
def session_invite(event, organizer, ada, django_capture_on_commit_callbacks):
    session = SessionFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        invite = speakers.invite_speaker(session, "ada@example.com", invited_by=organizer)
    return invite


class Watcher:
    """Ada's API client with the tags of her notification and of her lists, read once."""

    def __init__(self, client, notification):
        self.client, self.notification = client, notification
        client.post(reverse("api:notification-mark-read", args=[notification.pk]))
        self.urls = [detail(notification), LIST, f"{LIST}?unread=true", f"{LIST}?page=1"]
        self.tags = {}
        for url in self.urls:
            answer = client.get(url)
            assert answer.status_code == 200
            self.tags[url] = answer["ETag"]
            assert client.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
        assert client.get(detail(notification)).json()["awaits_answer"] is True

    def assert_closed(self):
        for url in self.urls:
            answer = self.client.get(url, HTTP_IF_NONE_MATCH=self.tags[url])
            assert answer.status_code == 200, url
            assert answer["ETag"] != self.tags[url]
            assert self.client.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
        shown = self.client.get(detail(self.notification)).json()
        assert shown["awaits_answer"] is False
        listed = {n["id"]: n for n in self.client.get(LIST).json()["results"]}
        assert listed[self.notification.pk]["awaits_answer"] is False


@pytest.fixture
def watch(api_client, ada):
    def make(action):
        notification = Notification.objects.get(user=ada, action=action)
        return Watcher(api_client(ada), notification)

    return make


# --- role invitations -------------------------------------------------------------------


def test_accepting_a_role_invitation_changes_the_tags(role_invite, ada, watch, django_capture_on_commit_callbacks):
    watcher = watch(Notification.Action.EVENT_ROLE_INVITE)
    with django_capture_on_commit_callbacks(execute=True):
        permissions_services.accept_invite(role_invite, ada)
    watcher.assert_closed()


def test_declining_a_role_invitation_changes_the_tags(role_invite, ada, watch):
    watcher = watch(Notification.Action.EVENT_ROLE_INVITE)
    permissions_services.decline_invite(role_invite, ada)
    watcher.assert_closed()


def test_revoking_a_role_invitation_changes_the_tags(role_invite, organizer, watch):
    watcher = watch(Notification.Action.EVENT_ROLE_INVITE)
    permissions_services.revoke_invite(role_invite, actor=organizer)
    watcher.assert_closed()


def test_a_role_invitation_expiring_changes_the_tags(role_invite, watch):
    watcher = watch(Notification.Action.EVENT_ROLE_INVITE)
    with time_machine.travel(role_invite.expires_at + timedelta(seconds=1), tick=False):
        watcher.assert_closed()


def test_an_expired_role_invitation_replaced_changes_the_tags(role_invite, event, organizer, ada, api_client):
    old = Notification.objects.get(user=ada, action=Notification.Action.EVENT_ROLE_INVITE)
    client = api_client(ada)
    client.post(reverse("api:notification-mark-read", args=[old.pk]))
    tag = client.get(detail(old))["ETag"]
    with time_machine.travel(role_invite.expires_at + timedelta(seconds=1), tick=False):
        permissions_services.invite_to_role(event, "ada@example.com", "moderator", organizer)
        answer = client.get(detail(old), HTTP_IF_NONE_MATCH=tag)
        assert answer.status_code == 200
        assert answer.json()["awaits_answer"] is False
    assert RoleInvite.objects.filter(status="pending").count() == 1


def test_deleting_the_event_closes_its_role_invitation(role_invite, event, organizer, watch):
    watcher = watch(Notification.Action.EVENT_ROLE_INVITE)
    events_services.delete_event(event, actor=organizer)
    watcher.assert_closed()


# --- invitations to speak ---------------------------------------------------------------


def test_accepting_an_invitation_to_speak_changes_the_tags(session_invite, ada, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    speakers.accept_invite(session_invite, ada)
    watcher.assert_closed()


def test_declining_an_invitation_to_speak_changes_the_tags(session_invite, ada, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    speakers.decline_invite(session_invite, ada)
    watcher.assert_closed()


def test_revoking_an_invitation_to_speak_changes_the_tags(session_invite, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    speakers.revoke_invite(session_invite)
    watcher.assert_closed()


def test_an_invitation_to_speak_expiring_changes_the_tags(session_invite, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    with time_machine.travel(session_invite.expires_at + timedelta(seconds=1), tick=False):
        watcher.assert_closed()


def test_deleting_the_session_closes_its_invitation_to_speak(session_invite, organizer, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    events_services.delete_resource(session_invite.session, actor=organizer)
    watcher.assert_closed()


def test_deleting_the_event_closes_its_invitation_to_speak(session_invite, event, organizer, watch):
    watcher = watch(Notification.Action.SESSION_INVITE)
    events_services.delete_event(event, actor=organizer)
    watcher.assert_closed()


# --- the pages and the push show the same ----------------------------------------------


def test_an_expired_invitation_offers_no_answer_on_the_pages_or_in_the_push(role_invite, ada):
    from notifications import services

    client = Client()
    client.force_login(ada)
    center = reverse("notifications:center")
    assert client.get(center).content.decode().count('data-testid="notif-accept"') == 4  # 2 shown, 2 templates
    with time_machine.travel(role_invite.expires_at + timedelta(seconds=1), tick=False):
        html = client.get(center).content.decode()
        assert html.count('data-testid="notif-accept"') == 3  # the dropdown's and both templates, hidden
        assert html.count("data-notif-answer hidden") == 3
        [pushed] = services.build_payload(ada, services.CONNECTED)["notifs"]
        assert pushed["awaits_answer"] is False


def test_a_new_unanswered_invitation_still_offers_an_answer(role_invite, ada, api_client):
    [listed] = api_client(ada).get(LIST).json()["results"]
    assert listed["awaits_answer"] is True


# --- the migration: invitations notified before keep their expiry ----------------------

BEFORE = [("notifications", "0004_notification_version_and_answer_by")]
AFTER = [("notifications", "0005_answer_by_of_open_invitations")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_open_invitations_their_expiry(make_user, settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    ada = make_user("ada@example.com")
    sent = timezone.now() - timedelta(days=20)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        Old = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")

        def old(action, awaits_answer=True):
            return Old.objects.create(
                user_id=ada.pk, action=action, title="x", link="/x/", awaits_answer=awaits_answer, received_at=sent
            )

        role, talk, closed = old("Event-Role invite"), old("Session invite"), old("Session invite", False)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        New = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
        got = {row.pk: row for row in New.objects.all()}
        assert got[role.pk].answer_by == sent + timedelta(days=settings.EVENTDESK_INVITE_DAYS)
        assert got[talk.pk].answer_by == sent + timedelta(days=14)
        assert (got[talk.pk].version, got[closed.pk].answer_by) == (2, None)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
