"""Every time a page shows names its zone: an event's times in the event's zone (home,
My events, All events, the dashboard), times tied to no event (an invitation's expiry)
in UTC, labelled, which the browser rewrites to the reader's zone (core/templatetags/when.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from events.models import Event
from permissions import services as permission_services
from permissions.models import RoleInvite

pytestmark = pytest.mark.django_db

# 08:00 UTC is 09:00 in Berlin in winter, 17:00 in Tokyo.
START = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)
BERLIN = '<time datetime="2031-01-15T09:00:00+01:00">Wed 15 Jan 2031, 09:00</time> <span class="tz-label"'


@pytest.fixture
def berlin_event(make_event, organizer):
    return make_event(
        organizer, name="Winter Conf", timezone="Europe/Berlin", starts_at=START, state=Event.State.PUBLISHED
    )


def render(source, **context):
    return Template("{% load when %}" + source).render(Context(context))


def test_zoned_shows_the_moment_in_the_zone_and_names_it():
    html = render("{% zoned when 'Asia/Tokyo' %}", when=START)
    assert html == (
        '<time datetime="2031-01-15T17:00:00+09:00">Wed 15 Jan 2031, 17:00</time> '
        '<span class="tz-label" title="Time zone">Asia/Tokyo</span>'
    )
    assert render("{% zoned when 'Asia/Tokyo' label=False %}", when=START).endswith("17:00</time>")
    assert render("{% zoned when 'Asia/Tokyo' empty='To be announced' %}", when=None) == "To be announced"


def test_zoned_escapes_what_it_is_given():
    assert "&lt;b&gt;" in render("{% zoned when zone %}", when=START, zone="<b>")


def test_local_time_is_utc_labelled_for_the_script():
    html = render("{% local_time when %}", when=START)
    assert html == (
        '<time datetime="2031-01-15T08:00:00+00:00" data-local-time="datetime">'
        'Wed 15 Jan 2031, 08:00 <span class="tz-label">UTC</span></time>'
    )


@pytest.mark.parametrize("url_name", ["home", "events:mine", "events:all"])
def test_event_lists_show_the_start_in_the_events_zone(url_name, berlin_event, organizer, make_user):
    staff = make_user("staff@example.com", is_admin=True)
    client = Client()
    client.force_login(organizer if url_name == "events:mine" else staff)
    html = client.get(reverse(url_name)).content.decode()
    assert BERLIN in html
    assert "Europe/Berlin</span>" in html
    assert "08:00" not in html


def test_the_dashboard_sessions_list_names_the_zone(berlin_event, organizer):
    client = Client()
    client.force_login(organizer)
    response = client.get(reverse("events:session-list", args=[berlin_event.pk]))
    assert response.status_code == 200
    assert 'data-testid="session-zone">(Europe/Berlin)</span>' in response.content.decode()


def test_an_invitations_expiry_names_its_zone(berlin_event, organizer, client):
    permission_services.invite_to_role(berlin_event, "ada@example.com", "moderator", organizer)
    invite = RoleInvite.objects.get()
    invite.expires_at = START + timedelta(days=1)
    invite.save(update_fields=["expires_at"])
    link = reverse("permissions:invite", args=[permission_services.invite_link(invite)])
    html = client.get(link).content.decode()
    assert (
        'valid until <time datetime="2031-01-16T08:00:00+00:00" data-local-time="datetime">'
        'Thu 16 Jan 2031, 08:00 <span class="tz-label">UTC</span></time>'
    ) in html

    organizer_client = Client()
    organizer_client.force_login(organizer)
    roles = organizer_client.get(reverse("events:roles", args=[berlin_event.pk])).content.decode()
    assert 'until <time datetime="2031-01-16T08:00:00+00:00" data-local-time="datetime">' in roles
