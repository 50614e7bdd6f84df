"""A draft does not exist for someone who holds no role in it (and is not an admin).

Event ids are sequential: were a draft answered 403 where a missing id is answered 404,
anyone could count other people's drafts. So every page and API route that names an
event (its id or its slug) must answer a draft exactly as it answers an id that does
not exist: the same status, the same redirect, the same JSON. The routes are found by
walking the URL resolver, so a route added later is checked too.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tokens import issue_token
from events.models import RESOURCE_MODELS, Event, Microlocation, SessionInvite, Speaker, Sponsor, Track
from orders.models import Order
from permissions.models import EventRole, Role, RoleInvite
from tests.factories import SessionFactory, TicketFactory
from tickets.models import Ticket

EVENT_KWARGS = {"event_id", "slug"}
METHODS = ["get", "head", "options", "post", "put", "patch", "delete"]


def walk(patterns, namespace=None, kwargs=frozenset()):
    """(name with namespace, URL kwargs, view callback) of every pattern below ``patterns``."""
    for entry in patterns:
        names = kwargs | set(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from walk(entry.url_patterns, inner, names)
        elif isinstance(entry, URLPattern):
            name = entry.name and ":".join(filter(None, [namespace, entry.name]))
            yield name, names, entry.callback


def event_routes():
    routes = [route for route in walk(get_resolver().url_patterns) if EVENT_KWARGS & route[1]]
    unnamed = [callback for name, _, callback in routes if not name]
    assert not unnamed, f"name these routes, so that this test can reverse them: {unnamed}"
    return routes


def model_of(callback):
    """The model whose ``pk`` the route's view looks up, when it says (else None)."""
    viewset = getattr(callback, "cls", None)  # REST framework
    if viewset is not None:
        queryset = getattr(viewset, "queryset", None)
        return getattr(viewset, "model", None) or getattr(queryset, "model", None)
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return None
    resource = getattr(callback, "view_initkwargs", {}).get("resource")
    return RESOURCE_MODELS.get(resource) or getattr(view_class, "model", None)


@pytest.fixture
def draft(make_event, organizer, make_user):
    """A draft with one of everything an URL can name, so that a view which looked up
    its object before the event's visibility would answer differently."""
    event = make_event(organizer, name="Secret plans")
    assert not event.is_published
    one_of_everything(event, organizer, make_user)
    return event


def one_of_everything(event, organizer, make_user):
    """One row of each kind an URL of ``event`` can name (``urls_for`` names them)."""
    track = Track.objects.create(event=event, name="Main track")
    room = Microlocation.objects.create(event=event, name="Hall A")
    Speaker.objects.create(event=event, name="Ada")
    Sponsor.objects.create(event=event, name="ACME")
    session = SessionFactory(event=event, track=track, microlocation=room)
    SessionInvite.objects.create(session=session, email="speaker@example.com", invited_by=organizer)
    TicketFactory(event=event, name="Community")
    moderator = Role.objects.get(name="moderator")
    EventRole.objects.create(event=event, user=make_user(), role=moderator)
    RoleInvite.objects.create(event=event, email="someone@example.com", role=moderator, invited_by=organizer)
    # Orders are only placed for published events; this one stands for an order made
    # before the event went back to draft, so the orders' routes have one to name.
    Order.objects.create(
        event=event, code="DRAFT2", secret="s3cret", name="Ada", email="ada@example.com", state=Order.State.PAID
    )


def object_pks(event):
    """Every pk of the draft's objects, by model (for views that do not say their model)."""
    models = [*RESOURCE_MODELS.values(), Ticket, EventRole, RoleInvite]
    return {model: list(model.objects.filter(event=event).values_list("pk", flat=True)) for model in models}


def urls_for(name, names, callback, event, pks_by_model):
    """The URLs of one route for ``event`` (an Event, or an unsaved one with a missing id)."""
    values = {"event_id": event.pk, "slug": event.slug, "code": "DRAFT2", "secret": "s3cret"}
    invite = SessionInvite.objects.filter(session__event__name="Secret plans").first()
    values["invite_pk"] = invite.pk
    if "pk" not in names:
        return [reverse(name, kwargs={key: values[key] for key in names})]
    model = model_of(callback)
    candidates = pks_by_model[model] if model else sorted({pk for pks in pks_by_model.values() for pk in pks})
    assert candidates, f"{name}: the draft has no object for it"
    return [reverse(name, kwargs={**{key: values[key] for key in names - {"pk"}}, "pk": pk}) for pk in candidates]


def answer(client, method, url):
    """What a client can tell from the answer: status, where it redirects, the JSON body,
    with the URL itself written as ``URL`` (so that two ids compare equal)."""
    response = getattr(client, method)(url)
    location = response.get("Location", "")
    for form in (url, quote(url, safe="/")):
        location = location.replace(form, "URL")
    body = None
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        body = response.json()
    return response.status_code, location, body


@pytest.mark.parametrize("who", ["no_role", "no_role_token", "anonymous"])
def test_every_route_answers_a_draft_as_a_missing_event(who, draft, make_user):
    client = Client()
    if who == "no_role":
        client.force_login(make_user())
    elif who == "no_role_token":
        _, key = issue_token(make_user())
        client = Client(headers={"authorization": f"Token {key}"})
    missing = Event(pk=Event.objects.order_by("-pk").first().pk + 1000, slug="no-such-event")
    pks = object_pks(draft)

    routes = event_routes()
    assert len(routes) > 40  # the dashboard, the wizard, the roles pages, the API, the public page
    differences = []
    for name, names, callback in routes:
        draft_urls = urls_for(name, names, callback, draft, pks)
        if who == "no_role_token" and not draft_urls[0].startswith("/api/"):
            continue  # a token logs in to the API only
        # A missing event's answer does not depend on the object named after it: asked
        # once per method, it is what the draft's every object must be answered.
        missing_url = urls_for(name, names, callback, missing, pks)[0]
        for method in METHODS:
            expected = answer(client, method, missing_url)
            for draft_url in draft_urls:
                seen = answer(client, method, draft_url)
                if seen != expected:
                    differences.append(f"{method.upper()} {draft_url}: {seen} where a missing event gets {expected}")
    assert not differences, "\n".join(differences)


def test_with_a_role_a_refused_page_is_still_403(draft, user_with_role, client):
    client.force_login(user_with_role(draft, "moderator"))
    assert client.get(f"/events/{draft.pk}/dashboard/").status_code == 200
    assert client.post(f"/events/{draft.pk}/dashboard/delete/").status_code == 403
    assert client.delete(f"/api/v1/events/{draft.pk}/").status_code == 403


def test_an_admin_still_sees_a_draft_and_is_refused_changes(draft, admin_user, client):
    client.force_login(admin_user)
    assert client.get(f"/events/{draft.pk}/dashboard/").status_code == 200
    assert client.get(f"/api/v1/events/{draft.pk}/versions/").status_code == 200
    assert client.post(f"/events/{draft.pk}/dashboard/settings/").status_code == 403
    ticket = draft.tickets.get()
    assert client.delete(f"/api/v1/events/{draft.pk}/tickets/{ticket.pk}/").status_code == 403
