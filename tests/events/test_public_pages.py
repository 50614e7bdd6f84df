"""The public pages of an event: home, schedule, session, speakers, track colours.

Published events are public; a draft is 404 to anyone without a role in it; nothing
private (speaker e-mail addresses, hidden tickets, roles) reaches a page; bad filters
answer 400; each page reads a fixed number of queries.
"""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Track
from events.public import build_schedule, parse_filters, plain_text, public_sessions, rich_text
from tests.events.programme_data import DAY_ONE, DAY_TWO, add_programme, add_sessions, event_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(make_event, organizer):
    event = make_event(organizer, state="published", **event_fields())
    return add_programme(event)


@pytest.fixture
def draft_programme(make_event, organizer):
    event = make_event(organizer, **event_fields(name="Secret Draft Conf"))
    return add_programme(event, photos=False)


def urls_of(p):
    slug = p.event.slug
    session = p.sessions["Data pipelines"]
    return {
        "home": reverse("event_public", args=[slug]),
        "schedule": reverse("event_schedule", args=[slug]),
        "session": reverse("event_session", args=[slug, session.pk]),
        "speakers": reverse("event_speakers", args=[slug]),
        "schedule_ics": reverse("event_schedule_ics", args=[slug]),
        "session_ics": reverse("event_session_ics", args=[slug, session.pk]),
        "tracks_css": reverse("event_track_styles", args=[slug]),
    }


PAGES = ("home", "schedule", "session", "speakers")
ALL = (*PAGES, "schedule_ics", "session_ics", "tracks_css")


# --- who sees what ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_anonymous_reads_every_public_page(client, programme, name):
    response = client.get(urls_of(programme)[name])
    assert response.status_code == 200
    assert client.head(urls_of(programme)[name]).status_code == 200


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("who", ["anonymous", "no_role"])
def test_a_draft_is_404_to_outsiders(client, draft_programme, make_user, name, who):
    if who == "no_role":
        client.force_login(make_user())
    response = client.get(urls_of(draft_programme)[name])
    assert response.status_code == 404
    assert b"Secret Draft Conf" not in response.content


@pytest.mark.parametrize("name", PAGES)
def test_the_team_sees_its_draft_with_a_banner(client, draft_programme, organizer, user_with_role, name):
    for person in (organizer, user_with_role(draft_programme.event, "moderator")):
        client.force_login(person)
        response = client.get(urls_of(draft_programme)[name])
        assert response.status_code == 200
        assert b'data-testid="draft-banner"' in response.content
        assert response["Cache-Control"] == "private, no-cache"


def test_team_ics_of_a_draft_is_private(client, draft_programme, organizer):
    client.force_login(organizer)
    response = client.get(urls_of(draft_programme)["schedule_ics"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_published_pages_have_no_draft_banner(client, programme):
    for name in PAGES:
        assert b"draft-banner" not in client.get(urls_of(programme)[name]).content


def test_manage_link_only_for_people_with_a_role(client, programme, organizer, make_user, user_with_role):
    home = urls_of(programme)["home"]
    dashboard = reverse("events:dashboard", args=[programme.event.pk]).encode()
    assert dashboard not in client.get(home).content
    client.force_login(make_user())
    assert dashboard not in client.get(home).content
    client.force_login(user_with_role(programme.event, "track_organizer"))
    assert b'data-testid="manage-link"' in client.get(home).content
    client.force_login(organizer)
    assert dashboard in client.get(home).content


@pytest.mark.parametrize("name", ALL)
def test_nothing_private_reaches_a_public_page(client, programme, organizer, name):
    body = client.get(urls_of(programme)[name]).content.decode()
    assert "@speakers.example" not in body  # speaker e-mail addresses
    assert "Secret crew pass" not in body  # a hidden ticket
    assert organizer.email not in body
    for role in ("Organizer", "Co-organizer", "Track organizer", "Moderator", "organizer@"):
        assert role not in body


def test_a_logged_in_reader_does_not_see_private_things_either(client, programme, user_with_role):
    # Even the team: the public pages are the public view (the dashboard is elsewhere).
    person = user_with_role(programme.event, "moderator")
    client.force_login(person)
    for name in PAGES:
        body = client.get(urls_of(programme)[name]).content.decode()
        assert "@speakers.example" not in body
        assert "Secret crew pass" not in body


@pytest.mark.parametrize("name", PAGES)
def test_no_inline_styles_or_scripts(client, programme, organizer, name):
    """Ready for a Content-Security-Policy without 'unsafe-inline' (step 12)."""
    for who in (None, organizer):
        if who:
            client.force_login(who)
        body = client.get(urls_of(programme)[name]).content.decode()
        assert not re.search(r"\sstyle\s*=", body)
        assert "<style" not in body
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert not re.search(r"\son[a-z]+\s*=", body)


# --- the home page ----------------------------------------------------------------------


def test_home_shows_dates_in_the_event_time_zone_and_links(client, programme):
    body = client.get(urls_of(programme)["home"]).content.decode()
    assert "Mon 2 Jun 2031, 08:00" in body  # Berlin; 06:00 in UTC
    assert "Tue 3 Jun 2031, 18:00" in body
    assert "Europe/Berlin" in body
    assert "Congress Centre, Berlin" in body
    assert "Three tracks, two days." in body
    slug = programme.event.slug
    for name in ("event_schedule", "event_speakers", "event_schedule_ics"):
        assert reverse(name, args=[slug]) in body
    assert 'href="#sponsors"' in body
    assert 'data-ticket-name="Regular"' in body
    assert "120.00 EUR" in body


def test_home_lists_sponsors_by_level_with_logos(client, programme):
    body = client.get(urls_of(programme)["home"]).content.decode()
    levels = re.findall(r'data-sponsor-level="([^"]*)"', body)
    assert levels == ["Gold", "Silver", ""]
    gold = body[body.index('data-sponsor-level="Gold"') : body.index('data-sponsor-level="Silver"')]
    assert re.findall(r'data-sponsor-name="([^"]*)"', gold) == ["Acme", "Initech"]
    assert programme.sponsors["Acme"].logo.url in body
    assert 'href="https://globex.example"' in body


def test_home_empty_states(client, make_event, organizer):
    event = make_event(organizer, state="published", **event_fields(name="Bare Conf"))
    body = client.get(event.get_absolute_url()).content.decode()
    assert "The programme will be published soon." in body
    assert "Speakers will be announced soon." in body
    assert "Sponsors will be announced soon." in body
    assert "No tickets on sale at the moment." in body


# --- the schedule -----------------------------------------------------------------------


def test_schedule_grid_and_list_in_the_event_time_zone(client, programme):
    response = client.get(urls_of(programme)["schedule"])
    body = response.content.decode()
    assert re.findall(r'data-day="([^"]+)"', body) == ["2031-06-02", "2031-06-03"]
    assert "Monday 2 June 2031" in body
    assert ">09:00<" in body  # the keynote, in Berlin (07:00 UTC)
    assert ">07:00<" not in body
    assert "Europe/Berlin" in body
    assert body.count('data-testid="schedule-grid"') == 2
    assert body.count('data-testid="schedule-list"') == 2
    # Each session twice: a cell of the grid and an item of the list.
    for session in programme.sessions.values():
        assert body.count(f'data-session-id="{session.pk}"') == 2
    keynote = programme.tracks["Keynotes"]
    assert f"track-{keynote.pk}" in body
    assert reverse("event_track_styles", args=[programme.event.slug]) in body


def test_schedule_grid_columns_rows_and_lanes(programme):
    event = programme.event
    day_one, day_two = build_schedule(event, list(public_sessions(event)))
    assert day_one.date == date(2031, 6, 2)
    assert [(c.name, c.lanes) for c in day_one.columns] == [
        ("Main hall", 1),
        ("Room B", 2),  # the lightning talks overlap the async talk
        ("Room to be announced", 1),
    ]
    assert [r.starts_at.strftime("%H:%M") for r in day_one.rows] == [
        "09:00", "10:00", "10:30", "10:45", "11:15", "11:30", "11:45", "12:00",
    ]  # fmt: skip
    first = day_one.rows[0].cells
    assert [(c.session.title if c.session else None, c.rowspan) for c in first] == [
        ("Opening keynote", 1),
        (None, 1),
        (None, 1),
        (None, 1),
    ]
    at_1030 = day_one.rows[2].cells
    assert [(c.session.title if c.session else None, c.rowspan) for c in at_1030] == [
        ("Django at scale", 2),
        ("Async in practice", 4),
        (None, 1),
        (None, 1),
    ]
    # 10:45: Main hall and Room B lane 1 are covered; the lightning talks start in lane 2.
    assert [(c.session.title if c.session else None, c.rowspan) for c in day_one.rows[3].cells] == [
        ("Lightning talks", 2),
        (None, 1),
    ]
    # Every row has one cell per column, counting rowspans from above.
    columns = sum(c.lanes for c in day_one.columns)
    spans = [0] * len(day_one.rows)
    for i, row in enumerate(day_one.rows):
        assert len(row.cells) + spans[i] == columns
        for cell in row.cells:
            for j in range(i + 1, i + cell.rowspan):
                spans[j] += 1
    assert [c.name for c in day_two.columns] == ["Main hall", "Room B"]


def test_filter_by_track(client, programme):
    web = programme.tracks["Web"]
    body = client.get(urls_of(programme)["schedule"], {"track": web.pk}).content.decode()
    shown = set(re.findall(r'data-session-id="(\d+)"', body))
    assert shown == {str(programme.sessions[t].pk) for t in ("Django at scale", "Async in practice")}
    assert f'<option value="{web.pk}" selected>' in body


def test_filter_by_day(client, programme):
    body = client.get(urls_of(programme)["schedule"], {"day": "2031-06-03"}).content.decode()
    assert re.findall(r'data-day="([^"]+)"', body) == ["2031-06-03"]
    shown = set(re.findall(r'data-session-id="(\d+)"', body))
    assert shown == {str(programme.sessions[t].pk) for t in ("Data pipelines", "Closing")}
    # Both days stay in the day menu.
    assert '<option value="2031-06-02">' in body


def test_filters_with_nothing_to_show(client, programme):
    body = client.get(urls_of(programme)["schedule"], {"day": "2031-06-04"}).content.decode()
    assert 'data-testid="schedule-filtered-empty"' in body
    data = programme.tracks["Data"]
    body = client.get(urls_of(programme)["schedule"], {"day": "2031-06-02", "track": data.pk}).content.decode()
    assert "No sessions in Data on Monday 2 June 2031." in body


def test_empty_filters_mean_everything(client, programme):
    response = client.get(urls_of(programme)["schedule"], {"day": "", "track": ""})
    assert response.status_code == 200
    assert len(re.findall(r'data-day="', response.content.decode())) == 2


def test_schedule_empty_state(client, make_event, organizer):
    event = make_event(organizer, state="published", **event_fields(name="Bare Conf"))
    body = client.get(reverse("event_schedule", args=[event.slug])).content.decode()
    assert "The programme will be published soon." in body
    assert "schedule-grid" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"day": "tomorrow"}, "is not a day"),
        ({"day": "2031-02-30"}, "is not a day"),
        ({"day": "20310602"}, "is not a day"),
        ({"day": "2031-6-2"}, "is not a day"),
        ({"day": "9" * 400}, "is not a day"),
        ({"day": ["2031-06-02", "2031-06-03"]}, "one day"),
        ({"track": "web"}, "is not a track"),
        ({"track": "-1"}, "is not a track"),
        ({"track": "1.5"}, "is not a track"),
        ({"track": "9" * 30}, "is not a track"),
        ({"track": "99999999"}, "no track number 99999999"),
        ({"track": ["1", "2"]}, "one track"),
        ({"track": "\x00"}, "NUL character"),  # refused before the view (core.middleware)
    ],
)
def test_bad_filters_answer_400(client, programme, query, message):
    response = client.get(urls_of(programme)["schedule"], query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b'data-testid="error-400"' in response.content


def test_a_track_of_another_event_is_a_bad_filter(client, programme, make_event, organizer):
    other = make_event(organizer, state="published", name="Other")
    stranger = Track.objects.create(event=other, name="Elsewhere", color="#000000")
    response = client.get(urls_of(programme)["schedule"], {"track": stranger.pk})
    assert response.status_code == 400
    assert b"Elsewhere" not in response.content


def test_parse_filters_unit():
    tracks = [Track(pk=3, name="A")]
    from django.http import QueryDict

    assert parse_filters(QueryDict("track=3&day=2031-06-02"), tracks).track is tracks[0]
    assert parse_filters(QueryDict(" "), tracks).active is False


# --- a session, the speakers ------------------------------------------------------------


def test_session_page(client, programme):
    session = programme.sessions["Data pipelines"]
    body = client.get(urls_of(programme)["session"]).content.decode()
    assert session.title in body
    assert "Tuesday 3 June 2031, 09:30" in body
    assert "10:30" in body
    assert "Room B" in body
    assert ">Data<" in body
    assert "Europe/Berlin" in body
    assert "Ada Lovelace" in body
    assert programme.speakers["Ada"].photo.url in body
    assert reverse("event_session_ics", args=[programme.event.slug, session.pk]) in body


def test_session_abstract_is_sanitized(client, programme):
    body = client.get(urls_of(programme)["session"]).content.decode()
    abstract = body[body.index('data-testid="session-abstract"') :]
    assert "<b>bold</b>" in abstract
    assert "&amp; more" in abstract
    assert '<a href="https://example.org/slides" rel="noopener noreferrer nofollow">Slides</a>' in abstract
    assert "<script>" not in body
    assert 'alert("abstract")' not in body
    assert "javascript:" not in body
    assert "onerror" not in body
    assert '<img src="x"' not in body


def test_rich_and_plain_text():
    assert str(rich_text("a < b\n\nnew paragraph")) == "<p>a &lt; b</p>\n\n<p>new paragraph</p>"
    assert str(rich_text("")) == ""
    assert plain_text("<p>One &amp; two</p><p>Three<br>four</p><script>x()</script>") == "One & two\nThree\nfour"


def test_session_of_another_event_or_unknown_is_404(client, programme, make_event, organizer):
    other = make_event(organizer, state="published", **event_fields(name="Other Conf"))
    other_programme = add_programme(other, photos=False)
    foreign = other_programme.sessions["Closing"]
    slug = programme.event.slug
    for name in ("event_session", "event_session_ics"):
        assert client.get(reverse(name, args=[slug, foreign.pk])).status_code == 404
        assert client.get(reverse(name, args=[slug, 987654321])).status_code == 404
        assert client.get(reverse(name, args=[slug, 2**63])).status_code == 404
        assert client.get(reverse(name, args=[slug, 10**30])).status_code == 404
    assert client.get(f"/e/{slug}/sessions/abc/").status_code == 404


def test_unknown_slug_is_404(client, db):
    for name in ("event_public", "event_schedule", "event_speakers", "event_schedule_ics", "event_track_styles"):
        assert client.get(reverse(name, args=["no-such-event"])).status_code == 404


def test_pages_are_read_only(client, programme):
    for url in urls_of(programme).values():
        assert client.post(url).status_code == 405


def test_speakers_page(client, programme):
    body = client.get(urls_of(programme)["speakers"]).content.decode()
    names = re.findall(r"<h2 class=\"h5 mb-0\">([^<]+)</h2>", body)
    assert names == ["Ada Lovelace", "Grace Hopper", "Linus Example"]
    assert programme.speakers["Ada"].photo.url in body
    assert "Analytical Engines" in body
    assert "<em>code</em>" in body  # the bio, sanitized HTML
    ada = body[body.index('id="speaker-' + str(programme.speakers["Ada"].pk)) : body.index("Grace Hopper</h2>")]
    assert "Opening keynote" in ada
    assert "Data pipelines" in ada
    assert ada.index("Opening keynote") < ada.index("Data pipelines")
    assert "Mon 2 Jun, 09:00" in ada


def test_speakers_empty_state(client, make_event, organizer):
    event = make_event(organizer, state="published", **event_fields(name="Bare Conf"))
    body = client.get(reverse("event_speakers", args=[event.slug])).content.decode()
    assert "Speakers will be announced soon." in body


# --- the track colours ------------------------------------------------------------------


def test_track_stylesheet(client, programme):
    response = client.get(urls_of(programme)["tracks_css"])
    assert response["Content-Type"] == "text/css; charset=utf-8"
    css = response.content.decode()
    keynote, data = programme.tracks["Keynotes"], programme.tracks["Data"]
    assert f".track-{keynote.pk} {{ --track-color: #c0392b; --track-ink: #ffffff; }}" in css
    assert f".track-{data.pk} {{ --track-color: #f1c40f; --track-ink: #000000; }}" in css


def test_track_stylesheet_leaves_out_a_colour_that_is_not_one(client, programme):
    web = programme.tracks["Web"]
    Track.objects.filter(pk=web.pk).update(color="};a{b:")  # past the form's validator
    css = client.get(urls_of(programme)["tracks_css"]).content.decode()
    assert f".track-{web.pk}" not in css
    assert "};a{b:" not in css


# --- query counts -----------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "most"),
    [("home", 4), ("schedule", 4), ("session", 3), ("speakers", 3), ("schedule_ics", 3), ("session_ics", 3)],
)
def test_a_fixed_number_of_queries(client, programme, django_assert_max_num_queries, name, most):
    url = urls_of(programme)[name]
    with django_assert_max_num_queries(most):
        client.get(url)
    before = count_queries(client, url)
    add_sessions(programme.event, 25)
    add_sessions(programme.event, 5, day=DAY_TWO)
    assert count_queries(client, url) == before


def test_a_fixed_number_of_queries_for_the_team(client, programme, organizer, django_assert_max_num_queries):
    client.force_login(organizer)
    # + the session and the user (authentication), the user's permissions in the event,
    # the navbar's notifications.
    for name, most in (("home", 8), ("schedule", 8), ("session", 7), ("speakers", 7)):
        with django_assert_max_num_queries(most):
            assert client.get(urls_of(programme)[name]).status_code == 200


def test_day_one_helper_is_a_monday():
    assert DAY_ONE.strftime("%A") == "Monday"


def test_start_page_shows_event_times_in_their_time_zone(client, programme):
    body = client.get(reverse("home")).content.decode()
    assert "Mon 2 Jun 2031, 08:00" in body  # Berlin, not 06:00 UTC
