"""The activity log: every change made through the services writes one entry (who, what,
which object, the changed fields old → new) in the change's transaction; a refused
change writes nothing; nothing secret is ever stored."""

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from accounts.models import User
from activity.models import ActivityEntry
from activity.services import changes_between, snapshot
from events import services as event_services
from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track
from permissions import services as permission_services
from permissions.models import EventRole, Permission, Role, RoleInvite
from tests.factories import SessionFactory, TicketFactory
from tickets import services as ticket_services
from tickets.models import Ticket

Action = ActivityEntry.Action


def png():
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def entries(event=None, **filters):
    queryset = ActivityEntry.objects.order_by("id")
    if event is not None:
        queryset = queryset.filter(event=event)
    return list(queryset.filter(**filters))


def last(event=None, **filters):
    found = entries(event, **filters)
    assert found, f"no entry {filters}"
    return found[-1]


@pytest.fixture
def published(event):
    TicketFactory(event=event, name="Community")
    return event_services.publish_event(event)


class TestEvent:
    def test_creating_logs_the_event_and_the_organizer_role(self, make_event, organizer):
        event = make_event(organizer, name="PyCon Log")
        created, granted = entries(event)
        assert (created.action, created.actor, created.object_repr) == (Action.CREATED, organizer, "PyCon Log")
        assert created.changes["name"] == [None, "PyCon Log"]
        assert created.actor_label == "Olga Organizer <organizer@example.com>"
        assert (granted.action, granted.changes["role"]) == (Action.ROLE_GRANTED, [None, "Organizer"])

    def test_settings_old_to_new(self, event, organizer):
        event_services.update_event(event, actor=organizer, name="PyCon 2027", location="Berlin")
        entry = last(event, action=Action.UPDATED)
        assert entry.changes == {"name": ["PyCon Test", "PyCon 2027"], "location": ["", "Berlin"]}
        assert (entry.actor, entry.object_id, entry.content_type.model) == (organizer, event.pk, "event")

    def test_times_are_logged_in_iso_8601(self, event, organizer):
        new_start = event.starts_at + timedelta(hours=1)
        event_services.update_event(event, actor=organizer, starts_at=new_start)
        old, new = last(event, action=Action.UPDATED).changes["starts_at"]
        assert new == new_start.isoformat()
        assert old != new

    def test_the_settings_page_logs_the_user_who_saved(self, client, event, user_with_role):
        coorganizer = user_with_role(event, "coorganizer", full_name="Cora")
        client.force_login(coorganizer)
        data = {
            "name": "Renamed",
            "description": "",
            "location": "",
            "starts_at": event.starts_at.astimezone(event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": event.ends_at.astimezone(event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
            "timezone": event.timezone,
            "currency": event.currency,
        }
        assert client.post(reverse("events:settings", args=[event.pk]), data).status_code == 302
        entry = last(event, action=Action.UPDATED)
        assert (entry.actor, entry.changes["name"]) == (coorganizer, ["PyCon Test", "Renamed"])

    def test_no_change_no_entry(self, event, organizer):
        before = len(entries(event))
        event_services.update_event(event, actor=organizer, name=event.name)
        assert len(entries(event)) == before

    def test_publishing_and_unpublishing(self, event, organizer):
        TicketFactory(event=event, name="Community")
        event_services.publish_event(event, actor=organizer)
        published = last(event, action=Action.PUBLISHED)
        assert (published.actor, published.changes) == (organizer, {"state": ["draft", "published"]})
        event_services.update_event(event, actor=organizer, state=Event.State.DRAFT)
        assert last(event, action=Action.UNPUBLISHED).changes == {"state": ["published", "draft"]}

    def test_publishing_over_the_api(self, as_organizer, event, organizer):
        TicketFactory(event=event, name="Community")
        url = reverse("api:event-detail", args=[event.pk])
        assert as_organizer.patch(url, {"state": "published"}).status_code == 200
        assert last(event, action=Action.PUBLISHED).actor == organizer

    def test_deleting_keeps_the_entry_for_the_super_admin(self, event, organizer):
        event_id = event.pk
        event_services.delete_event(event, actor=organizer)
        entry = ActivityEntry.objects.get(action=Action.DELETED, object_id=event_id, content_type__model="event")
        assert (entry.event, entry.event_label, entry.actor) == (None, "PyCon Test", organizer)

    def test_banner_set_replaced_removed_without_bytes_or_names(self, event, organizer):
        event_services.set_background_image(event, png(), actor=organizer)
        first_name = event.background_image.name
        event_services.set_background_image(event, png(), actor=organizer)
        event_services.remove_background_image(event, actor=organizer)
        set_once, replaced, removed = entries(event, changes__has_key="background_image")
        assert (set_once.action, set_once.changes) == (Action.BANNER_SET, {"background_image": [None, "image"]})
        assert replaced.changes == {"background_image": ["image", "new image"]}
        assert (removed.action, removed.changes) == (Action.BANNER_REMOVED, {"background_image": ["image", None]})
        stored = json.dumps([entry.changes for entry in ActivityEntry.objects.all()])
        assert first_name.rsplit("/", 1)[-1] not in stored

    def test_banner_endpoint_logs_the_user(self, client, event, organizer):
        client.force_login(organizer)
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("banner.png", png(), content_type="image/png")
        response = client.post(reverse("events:bgimage", args=[event.pk]), {"bgimage": upload})
        assert response.status_code == 200
        assert last(event, action=Action.BANNER_SET).actor == organizer


class TestResources:
    @pytest.mark.parametrize(
        ("resource", "body", "change", "field", "old", "new"),
        [
            ("tracks", {"name": "Web"}, {"name": "Data"}, "name", "Web", "Data"),
            ("microlocations", {"name": "Hall A"}, {"floor": 2}, "floor", None, 2),
            ("speakers", {"name": "Ada"}, {"organisation": "ACME"}, "organisation", "", "ACME"),
            ("sponsors", {"name": "ACME"}, {"level": "Gold"}, "level", "", "Gold"),
        ],
    )
    def test_created_changed_deleted_over_the_api(
        self, as_organizer, event, organizer, resource, body, change, field, old, new
    ):
        base = f"/api/v1/events/{event.pk}/{resource}/"
        created = as_organizer.post(base, body)
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert as_organizer.patch(f"{base}{pk}/", change).status_code == 200
        assert as_organizer.delete(f"{base}{pk}/").status_code == 204
        made, changed, deleted = entries(event, object_id=pk, content_type__app_label="events")[-3:]
        assert [made.action, changed.action, deleted.action] == [Action.CREATED, Action.UPDATED, Action.DELETED]
        assert all(entry.actor == organizer for entry in (made, changed, deleted))
        first_field, first_value = next(iter(body.items()))
        assert made.changes[first_field] == [None, first_value]
        assert changed.changes == {field: [old, new]}
        assert deleted.changes[first_field][1] is None

    def test_a_session_with_track_room_and_speakers_by_name(self, event, organizer):
        track = Track.objects.create(event=event, name="Web")
        room = Microlocation.objects.create(event=event, name="Hall A")
        ada, bob = Speaker.objects.create(event=event, name="Ada"), Speaker.objects.create(event=event, name="Bob")
        session = Session(
            event=event,
            title="Keynote",
            starts_at=event.starts_at,
            ends_at=event.starts_at + timedelta(hours=1),
            track=track,
        )
        event_services.save_resource(session, actor=organizer, speakers=[ada])
        created = last(event, action=Action.CREATED, object_id=session.pk, content_type__model="session")
        assert created.changes["track"] == [None, "Web"]
        assert created.changes["speakers"] == [[], ["Ada"]]
        session.microlocation = room
        event_services.save_resource(session, actor=organizer, speakers=[ada, bob])
        changed = last(event, action=Action.UPDATED, object_id=session.pk)
        assert changed.changes == {"microlocation": [None, "Hall A"], "speakers": [["Ada"], ["Ada", "Bob"]]}

    def test_a_dashboard_page_logs_the_user(self, client, event, organizer):
        client.force_login(organizer)
        response = client.post(reverse("events:track-create", args=[event.pk]), {"name": "Web", "color": "#112233"})
        assert response.status_code == 302
        assert last(event, action=Action.CREATED, content_type__model="track").actor == organizer

    def test_a_photo_is_logged_as_image_never_its_bytes(self, as_organizer, event):
        import base64

        data = "data:image/png;base64," + base64.b64encode(png()).decode()
        response = as_organizer.post(f"/api/v1/events/{event.pk}/speakers/", {"name": "Ada", "photo": data})
        assert response.status_code == 201, response.content
        entry = last(event, action=Action.CREATED, content_type__model="speaker")
        assert entry.changes["photo"] == [None, "image"]
        assert Speaker.objects.get().photo.name.rsplit("/", 1)[-1] not in json.dumps(entry.changes)


class TestTickets:
    def test_the_wizard_logs_each_ticket(self, event, organizer):
        kept, gone = TicketFactory(event=event, name="Kept"), TicketFactory(event=event, name="Gone")
        kept.price = None
        kept.quantity = 50
        new = Ticket(type=Ticket.Type.FREE, name="New", quantity=10)
        ticket_services.save_tickets(event, [kept, new], [gone.pk], actor=organizer)
        tickets = {entry.object_repr.split(" (")[0]: entry for entry in entries(event, content_type__model="ticket")}
        assert tickets["Kept"].action == Action.UPDATED
        assert tickets["Kept"].changes == {"quantity": [100, 50]}
        assert (tickets["Gone"].action, tickets["Gone"].changes["name"]) == (Action.DELETED, ["Gone", None])
        assert (tickets["New"].action, tickets["New"].object_id) == (Action.CREATED, new.pk)
        assert tickets["New"].changes["quantity"] == [None, 10]
        assert {entry.actor for entry in tickets.values()} == {organizer}

    def test_the_api_logs_price_old_to_new(self, as_organizer, event, organizer):
        base = f"/api/v1/events/{event.pk}/tickets/"
        created = as_organizer.post(base, {"type": "paid", "name": "Patron", "price": "10.00", "quantity": 5})
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert as_organizer.patch(f"{base}{pk}/", {"price": "12.50"}).status_code == 200
        assert as_organizer.delete(f"{base}{pk}/").status_code == 204
        made, changed, deleted = entries(event, content_type__model="ticket", object_id=pk)
        assert made.changes["price"] == [None, "10.00"]
        assert changed.changes == {"price": ["10.00", "12.50"]}
        assert (deleted.action, deleted.actor) == (Action.DELETED, organizer)


class TestRolesAndInvitations:
    def test_grant_and_remove(self, event, organizer, make_user):
        person = make_user("mo@example.com")
        permission_services.grant_role(event, person, Role.MODERATOR, actor=organizer)
        permission_services.grant_role(event, person, Role.MODERATOR, actor=organizer)  # idempotent: no entry
        permission_services.revoke_role(event, person, Role.MODERATOR, actor=organizer)
        granted, removed = entries(event, content_type__model="eventrole")[-2:]
        assert granted.changes == {"user": [None, "mo@example.com"], "role": [None, "Moderator"]}
        assert (removed.action, removed.changes["role"]) == (Action.ROLE_REMOVED, ["Moderator", None])

    def test_invite_revoke_accept_decline_never_the_token(self, event, organizer, make_user):
        invited = make_user("ada@example.com")
        first = permission_services.invite_to_role(event, "ada@example.com", Role.MODERATOR, organizer)
        permission_services.revoke_invite(first, actor=organizer)
        second = permission_services.invite_to_role(event, "ada@example.com", Role.MODERATOR, organizer)
        permission_services.accept_invite(second, invited)
        third = permission_services.invite_to_role(event, "bob@example.com", Role.COORGANIZER, organizer)
        bob = make_user("bob@example.com")
        permission_services.decline_invite(third, bob)
        actions = [(e.action, e.actor) for e in entries(event, content_type__model__in=["roleinvite", "eventrole"])]
        assert actions[1:] == [
            (Action.INVITED, organizer),
            (Action.INVITATION_REVOKED, organizer),
            (Action.INVITED, organizer),
            (Action.ROLE_GRANTED, invited),
            (Action.INVITATION_ACCEPTED, invited),
            (Action.INVITED, organizer),
            (Action.INVITATION_DECLINED, bob),
        ]
        invite_entry = last(event, action=Action.INVITED)
        assert invite_entry.changes["email"] == [None, "bob@example.com"]
        stored = json.dumps([(e.changes, e.object_repr) for e in ActivityEntry.objects.all()])
        for invite in RoleInvite.objects.all():
            assert invite.token not in stored

    def test_the_roles_page_logs_the_organizer(self, client, event, organizer, user_with_role):
        moderator = user_with_role(event, "moderator")
        client.force_login(organizer)
        event_role = EventRole.objects.get(event=event, user=moderator)
        assert client.post(reverse("events:role-remove", args=[event.pk, event_role.pk])).status_code == 302
        assert last(event, action=Action.ROLE_REMOVED).actor == organizer


class TestMatrix:
    def test_each_changed_row_old_to_new_in_no_event(self, super_admin):
        permission_services.set_permission_matrix({("moderator", "track"): {"read", "create"}}, actor=super_admin)
        entry = ActivityEntry.objects.get(action=Action.MATRIX_CHANGED)
        assert (entry.event, entry.actor, entry.changes) == (None, super_admin, {"can_create": [False, True]})
        assert entry.content_type.model == "permission"

    def test_the_admin_grid_logs_the_super_admin(self, client, super_admin):
        client.force_login(super_admin)
        url = reverse("admin:permissions_permission_matrix")
        form = client.get(url).context["form"]
        data = {name: "on" for name, field in form.fields.items() if form.initial.get(name, field.initial)}
        row = Permission.objects.select_related("role", "service").get(role__name="moderator", service__name="track")
        name = next(name for name in form.fields if "moderator" in name and "track" in name and "delete" in name)
        data[name] = "on"
        assert client.post(url, data).status_code == 302
        entry = ActivityEntry.objects.get(action=Action.MATRIX_CHANGED, object_id=row.pk)
        assert (entry.actor, entry.changes) == (super_admin, {"can_delete": [False, True]})


class TestRefusedChangesWriteNothing:
    def test_invalid_settings(self, event, organizer):
        before = ActivityEntry.objects.count()
        with pytest.raises(ValidationError):
            event_services.update_event(event, actor=organizer, ends_at=event.starts_at - timedelta(days=1))
        assert ActivityEntry.objects.count() == before

    def test_publishing_an_incomplete_event(self, event, organizer):
        before = ActivityEntry.objects.count()
        with pytest.raises(ValidationError):
            event_services.publish_event(event, actor=organizer)
        assert ActivityEntry.objects.count() == before

    def test_an_invalid_ticket_over_the_api(self, as_organizer, event):
        before = ActivityEntry.objects.count()
        response = as_organizer.post(
            f"/api/v1/events/{event.pk}/tickets/", {"type": "paid", "name": "X", "quantity": 5}
        )
        assert response.status_code == 400
        assert ActivityEntry.objects.count() == before

    def test_the_last_ticket_of_a_published_event(self, published, organizer):
        before = ActivityEntry.objects.count()
        with pytest.raises(ValidationError):
            ticket_services.delete_ticket(published.tickets.get(), actor=organizer)
        with pytest.raises(ValidationError):
            ticket_services.save_tickets(published, [], list(published.tickets.values_list("pk", flat=True)))
        assert ActivityEntry.objects.count() == before

    def test_a_wrong_role_over_the_api_and_pages(self, api_client, client, event, user_with_role, admin_user):
        moderator = user_with_role(event, "moderator")
        api = api_client(moderator)  # issuing its token is an entry of its own
        before = ActivityEntry.objects.count()
        response = api.post(f"/api/v1/events/{event.pk}/tracks/", {"name": "Web"})
        assert response.status_code == 403
        client.force_login(admin_user)
        assert client.post(reverse("events:track-create", args=[event.pk]), {"name": "Web"}).status_code == 403
        assert ActivityEntry.objects.count() == before

    def test_the_last_organizer(self, event, organizer):
        before = ActivityEntry.objects.count()
        with pytest.raises(permission_services.LastOrganizerError):
            permission_services.revoke_role(event, organizer, Role.ORGANIZER, actor=organizer)
        assert ActivityEntry.objects.count() == before

    def test_an_invalid_session(self, event, organizer):
        SessionFactory(event=event)
        before = ActivityEntry.objects.count()
        session = Session(event=event, title="Backwards", starts_at=event.ends_at, ends_at=event.starts_at)
        with pytest.raises(ValidationError):
            event_services.save_resource(session, actor=organizer)
        assert ActivityEntry.objects.count() == before


class TestNeverSecrets:
    def test_a_password_or_token_is_never_a_change(self, make_user):
        user = make_user("x@example.com")
        before = snapshot(user)
        user.set_password("a new secret 123")
        user.full_name = "X"
        assert "password" not in before
        assert changes_between(before, user) == {"full_name": ["", "X"]}

    def test_deleting_a_user_keeps_the_label(self, event, make_user, organizer):
        person = make_user("gone@example.com")
        event_services.update_event(event, actor=person, name="By someone gone")
        User.objects.filter(pk=person.pk).delete()
        entry = last(event, action=Action.UPDATED)
        assert (entry.actor, entry.actor_label) == (None, "gone@example.com")

    def test_the_sponsor_logo_and_speaker_rows_hold_no_file_name(self, event, organizer):
        from django.core.files.base import ContentFile

        sponsor = Sponsor(event=event, name="ACME")
        sponsor.logo.save("logo-secret-name.png", ContentFile(png()), save=False)
        event_services.save_resource(sponsor, actor=organizer)
        entry = last(event, action=Action.CREATED, content_type__model="sponsor")
        assert entry.changes["logo"] == [None, "image"]
        assert "logo-secret-name" not in json.dumps(entry.changes)


def test_the_super_admins_changes_in_the_admin_are_logged_as_theirs(client, super_admin, event):
    from django.urls import reverse

    from activity.models import ActivityEntry
    from events.models import Track

    client.force_login(super_admin)
    track = Track.objects.create(event=event, name="Main", color="#336699")
    url = reverse("admin:events_track_change", args=[track.pk])
    response = client.post(url, {"event": event.pk, "name": "Main hall", "color": "#336699", "description": ""})
    assert response.status_code == 302
    entry = ActivityEntry.objects.filter(event=event).latest("id")
    assert entry.actor == super_admin
    assert entry.changes["name"] == ["Main", "Main hall"]
    response = client.post(reverse("admin:events_track_delete", args=[track.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Track.objects.filter(pk=track.pk).exists()
    assert ActivityEntry.objects.filter(event=event).latest("id").actor == super_admin
