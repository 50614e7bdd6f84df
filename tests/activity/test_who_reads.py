"""Who reads which entries of an event's activity log, on the page and the API: an entry
about a resource only for those who may read that resource (role grants for the team,
invitations to roles for whoever manages roles), and the personal data of an object
(speakers' and invitees' addresses, buyers' names and addresses) only for those who may
read that object. Walked over every kind of person × every kind of entry, before and
after the super admin takes a role's read of speakers away."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activity.models import ActivityEntry
from activity.services import changes_between, log_action
from events import services as event_services
from events import speakers as speaker_services
from events.activity_log import HIDDEN
from events.models import Microlocation, Session, Speaker, Sponsor, Track
from orders.models import OrderLine
from orders.services import place_order
from permissions import services as permission_services
from permissions.models import EventRole
from tests.factories import TicketFactory
from tickets import services as ticket_services

Action = ActivityEntry.Action

# What only some may read, by the kind of object it belongs to.
SPEAKER_DATA = ("sam.speaker@speakers.example", "Sam Speaker", "pat@speakers.example")
SESSION_INVITE_DATA = ("sid.invitee@speakers.example", "Sid Invitee")
ORDER_DATA = ("bea.buyer@buyers.example", "Bea Buyer")
ROLE_INVITE_DATA = ("ivy.invitee@invited.example", "dora.decliner@invited.example", "Dora Decliner")

TEAM_TYPES = {"events.event", "permissions.eventrole", "events.track", "tickets.ticket"}
EVERY_TYPE = TEAM_TYPES | {
    "events.microlocation",
    "events.sponsor",
    "events.speaker",
    "events.session",
    "events.sessioninvite",
    "orders.order",
    "orders.orderline",
    "permissions.roleinvite",
}
SEES = {
    "organizer": EVERY_TYPE,
    "coorganizer": EVERY_TYPE - {"permissions.roleinvite"},
    "track_organizer": TEAM_TYPES,
    "moderator": TEAM_TYPES,
    "admin": EVERY_TYPE,
    "super_admin": EVERY_TYPE,
}
# After the super admin takes the Co-organizer's read of speakers away.
SEES_WITHOUT_SPEAKERS = {**SEES, "coorganizer": SEES["coorganizer"] - {"events.speaker", "events.sessioninvite"}}


def page_url(event):
    return reverse("events:activity", args=[event.pk])


def api_url(event):
    return f"/api/v1/events/{event.pk}/activity/"


def type_of(entry):
    return f"{entry.content_type.app_label}.{entry.content_type.model}"


def hidden_data(types, *, reads_speakers=None):
    """The personal data someone who sees entries of ``types`` must never be shown."""
    reads_speakers = "events.speaker" in types if reads_speakers is None else reads_speakers
    hidden = []
    if not reads_speakers:
        hidden += [*SPEAKER_DATA, *SESSION_INVITE_DATA]
    if "orders.order" not in types:
        hidden += ORDER_DATA
    if "permissions.roleinvite" not in types:
        hidden += ROLE_INVITE_DATA
    return hidden


@pytest.fixture
def story(event, organizer, make_user):
    """One entry (at least) of every kind, with personal data in them."""
    event_services.save_resource(Track(event=event, name="Web"), actor=organizer)
    event_services.save_resource(Microlocation(event=event, name="Room A"), actor=organizer)
    event_services.save_resource(Sponsor(event=event, name="ACME"), actor=organizer)
    sam = event_services.save_resource(
        Speaker(event=event, name="Sam Speaker", email="sam.speaker@speakers.example"), actor=organizer
    )
    # A speaker whose name is an address (as an invitation accepted by an account without a name makes).
    pat = event_services.save_resource(Speaker(event=event, name="pat@speakers.example"), actor=organizer)
    session = Session(event=event, title="Keynote", starts_at=event.starts_at, ends_at=event.ends_at)
    session = event_services.save_resource(session, actor=organizer, speakers=[sam, pat])
    ticket = ticket_services.save_ticket(TicketFactory.build(event=event, name="Community"), actor=organizer)
    event_services.publish_event(event, actor=organizer)
    # Invitations to roles: one pending, one declined by someone with an account.
    permission_services.invite_to_role(event, "ivy.invitee@invited.example", "moderator", organizer)
    dora = make_user("dora.decliner@invited.example", full_name="Dora Decliner")
    declined = permission_services.invite_to_role(event, dora.email, "coorganizer", organizer)
    permission_services.decline_invite(declined, dora)
    # An order of a logged-in buyer (its service logs it), and an invitation to speak.
    bea = make_user("bea.buyer@buyers.example", full_name="Bea Buyer")
    order = place_order(
        event, actor=bea, name="Bea Buyer", email=bea.email, lines=[{"ticket": ticket.pk, "quantity": 1}]
    )
    line = OrderLine.objects.get(order=order)
    log_action(bea, Action.CREATED, line, event=event, changes=changes_between(None, line))
    invite = speaker_services.invite_speaker(
        session, "sid.invitee@speakers.example", "Sid Invitee", invited_by=organizer
    )
    log_action(
        organizer,
        Action.INVITED,
        invite,
        event=event,
        changes={"email": [None, invite.email], "name": [None, invite.name], "status": [None, invite.status]},
    )
    return event


def seen_through_api(client, event, **query):
    response = client.get(api_url(event), {"page_size": 500, **query})
    assert response.status_code == 200, response.content
    return response


def seen_on_page(client, event, **query):
    response = client.get(page_url(event), query)
    assert response.status_code == 200
    return response


def assert_sees(who, event, api, page, types, hidden):
    expected = [entry for entry in ActivityEntry.objects.filter(event=event) if type_of(entry) in types]
    data = api.json()
    assert {entry["object_type"] for entry in data["results"]} == types, who
    assert data["count"] == len(expected) == len(data["results"]), who
    assert [entry["id"] for entry in data["results"]] == sorted((entry.pk for entry in expected), reverse=True)
    listed = page.context["object_list"]
    assert {type_of(entry) for entry in listed} == types, who
    assert page.context["paginator"].count == len(expected), who
    # The filters offer only what the person sees: its kinds, and who did it.
    assert {value for value, _ in page.context["filters"].fields["type"].choices if value} == types, who
    actors = {str(entry.actor_id) for entry in expected if entry.actor_id}
    assert {value for value, _ in page.context["filters"].fields["person"].choices if value} == actors, who
    for body in (api.content.decode(), page.content.decode()):
        for secret in hidden:
            assert secret not in body, f"{who} is shown {secret}"
            assert secret.lower() not in body.lower(), f"{who} is shown {secret}"


WHO = list(SEES)


@pytest.mark.parametrize("who", WHO)
def test_each_person_sees_the_entries_it_may_read(who, story, person_as, api_client, client):
    person = person_as(who)
    client.force_login(person)
    api = seen_through_api(api_client(person), story)
    page = seen_on_page(client, story)
    assert_sees(who, story, api, page, SEES[who], hidden_data(SEES[who]))


@pytest.mark.parametrize("who", WHO)
def test_after_the_matrix_changes(who, story, person_as, api_client, client, super_admin):
    person = person_as(who)
    permission_services.set_permission_matrix({("coorganizer", "speaker"): set()}, actor=super_admin)
    client.force_login(person)
    api = seen_through_api(api_client(person), story)
    page = seen_on_page(client, story)
    types = SEES_WITHOUT_SPEAKERS[who]
    assert_sees(who, story, api, page, types, hidden_data(types))
    if who == "coorganizer":
        # Sessions still, their speakers hidden.
        (session,) = [entry for entry in api.json()["results"] if entry["object_type"] == "events.session"]
        assert session["changes"]["speakers"] == [[], HIDDEN]
        assert "Sam Speaker" not in str(session["changes"])


def test_the_filters_find_nothing_hidden(story, person_as, api_client, client):
    moderator = person_as("moderator")
    client.force_login(moderator)
    client_api = api_client(moderator)
    for kind in ("events.speaker", "orders.order", "permissions.roleinvite", "events.sessioninvite"):
        assert client_api.get(api_url(story), {"type": kind}).json()["count"] == 0
        assert client.get(page_url(story), {"type": kind}).status_code == 400
    for email in ("bea.buyer@buyers.example", "dora.decliner@invited.example"):
        actor = ActivityEntry.objects.filter(event=story, actor__email=email).first().actor
        assert client_api.get(api_url(story), {"person": actor.pk}).json()["count"] == 0
        response = client.get(page_url(story), {"person": actor.pk})
        assert response.status_code == 400
        assert email not in response.content.decode()


def test_each_person_gets_its_own_etag(story, person_as, api_client, organizer):
    moderator, organizer_api = api_client(person_as("moderator")), api_client(organizer)
    seen = moderator.get(api_url(story))
    assert seen["ETag"] != organizer_api.get(api_url(story))["ETag"]
    # What the moderator may not read leaves its tag (and so its list) as it was ...
    event_services.save_resource(Speaker(event=story, name="Nina", email="nina@speakers.example"), actor=organizer)
    again = moderator.get(api_url(story), HTTP_IF_NONE_MATCH=seen["ETag"])
    assert again.status_code == 304
    # ... what it may read changes it.
    event_services.save_resource(Track(event=story, name="Data"), actor=organizer)
    assert moderator.get(api_url(story), HTTP_IF_NONE_MATCH=seen["ETag"]).status_code == 200


def test_a_matrix_change_changes_the_etag(story, person_as, api_client, super_admin):
    client = api_client(person_as("coorganizer"))
    seen = client.get(api_url(story))
    permission_services.set_permission_matrix({("coorganizer", "speaker"): set()}, actor=super_admin)
    again = client.get(api_url(story), HTTP_IF_NONE_MATCH=seen["ETag"])
    assert again.status_code == 200
    assert again.json()["count"] < seen.json()["count"]


def test_no_address_of_a_hidden_object_in_any_entry_text(story, person_as, api_client):
    """Belt and braces: no e-mail address but the team's in what a Moderator is shown."""
    moderator = person_as("moderator")
    body = seen_through_api(api_client(moderator), story).content.decode()
    team = set(EventRole.objects.filter(event=story).values_list("user__email", flat=True))
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", body))
    assert addresses <= team, addresses - team


@pytest.mark.parametrize("who", ["moderator", "coorganizer"])
def test_queries_do_not_grow_with_the_entries(who, story, person_as, api_client, client, super_admin, organizer):
    """Reading and redacting a page costs the same queries for 30 entries as for 90."""
    person = person_as(who)
    permission_services.set_permission_matrix({("coorganizer", "speaker"): set()}, actor=super_admin)
    client.force_login(person)
    api = api_client(person)

    def count():
        with CaptureQueriesContext(connection) as page_queries:
            seen_on_page(client, story)
        with CaptureQueriesContext(connection) as api_queries:
            seen_through_api(api, story)
        return len(page_queries), len(api_queries)

    before = count()
    for number in range(30):
        session = Session(event=story, title=f"Talk {number}", starts_at=story.starts_at, ends_at=story.ends_at)
        event_services.save_resource(session, actor=organizer, speakers=list(Speaker.objects.filter(event=story)))
        event_services.save_resource(Track(event=story, name=f"Track {number}"), actor=organizer)
    assert count() == before
    assert before[1] <= 8, before  # the person and their roles, the event, the tag's aggregate, count, page
