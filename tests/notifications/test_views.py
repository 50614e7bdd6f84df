"""The navbar bell and the notification center, as pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from notifications import services
from notifications.models import Notification
from notifications.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def badge(html):
    """The navbar badge as (shown, text)."""
    attributes, text = re.search(r"<span([^>]*data-notif-badge[^>]*)>([^<]*)</span>", html).groups()
    return not re.search(r"\shidden\b", attributes), text


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_bell_is_on_every_page_of_a_logged_in_user_and_hidden_at_zero(logged_in):
    for url in ("/", "/events/", reverse("notifications:center")):
        html = logged_in.get(url).content.decode()
        assert badge(html) == (False, "0")
        assert "js/notifications.js" in html
        assert "No unread notifications." in html


def test_the_bell_shows_the_count_and_the_newest_unread(logged_in, user):
    services.notify(user, "Announcement", "Older", "", link="/events/")
    services.notify(user, "Announcement", "Newer <script>", mark_safe("<em>now</em>"))
    response = logged_in.get("/")
    html = response.content.decode()
    assert badge(html) == (True, "2")
    assert html.index("Newer &lt;script&gt;") < html.index("Older")
    assert "<em>now</em>" in html
    assert "<script>" not in html.split("<template")[0].split("data-notif-list>")[1]


def test_no_bell_for_anonymous_visitors(client):
    html = client.get("/").content.decode()
    assert "data-notif-badge" not in html
    assert "js/notifications.js" not in html


def test_the_center_lists_the_users_notifications_newest_first_paginated(logged_in, user, make_user):
    services.notify(make_user(), "Announcement", "Someone else's", "")
    for number in range(PAGE_SIZE + 1):
        services.notify(user, "Announcement", f"Note {number:02d}", "")
    first = logged_in.get(reverse("notifications:center")).content.decode()
    assert "Someone else" not in first
    assert first.index(f"Note {PAGE_SIZE:02d}") < first.index(f"Note {PAGE_SIZE - 1:02d}")
    assert "Note 00" not in first.split('data-testid="notification-center"')[1]
    second = logged_in.get(reverse("notifications:center"), {"page": 2}).content.decode()
    assert "Note 00" in second.split('data-testid="notification-center"')[1]


def test_the_center_escapes_the_title_and_shows_the_sanitized_message(logged_in, user):
    services.notify(
        user,
        "Announcement",
        "<img src=x onerror=alert(1)>",
        mark_safe('<a href="javascript:x()" onclick="y()">go</a>'),
    )
    html = logged_in.get(reverse("notifications:center")).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert "javascript:" not in html
    assert "onclick" not in html
    assert '<a rel="noopener noreferrer">go</a>' in html


def test_mark_read_then_back_to_the_page(logged_in, user):
    notification = services.notify(user, "Announcement", "Hi", "")
    response = logged_in.post(reverse("notifications:mark_read", args=[notification.pk]), {"next": "/events/"})
    assert response.status_code == 302
    assert response["Location"] == "/events/"
    notification.refresh_from_db()
    assert notification.has_read


def test_mark_read_never_redirects_off_site(logged_in, user):
    notification = services.notify(user, "Announcement", "Hi", "")
    response = logged_in.post(
        reverse("notifications:mark_read", args=[notification.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:center")


def test_mark_read_of_another_users_notification_is_404(logged_in, make_user):
    notification = services.notify(make_user(), "Announcement", "Not yours", "")
    response = logged_in.post(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert not notification.has_read


def test_mark_all_read(logged_in, user):
    for _ in range(3):
        services.notify(user, "Announcement", "Hi", "")
    response = logged_in.post(reverse("notifications:mark_all_read"), follow=True)
    assert not Notification.objects.filter(user=user, has_read=False).exists()
    assert "Marked 3 notifications read." in response.content.decode()


def test_read_state_changes_need_post_and_csrf(client, user):
    notification = services.notify(user, "Announcement", "Hi", "")
    assert client.get(reverse("notifications:mark_all_read")).status_code == 302  # log-in first
    client.force_login(user)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert client.get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405

    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("notifications:mark_all_read")).status_code == 403
    notification.refresh_from_db()
    assert not notification.has_read


def test_the_center_needs_a_log_in(client):
    response = client.get(reverse("notifications:center"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_badge_has_a_polite_live_region(logged_in):
    html = logged_in.get("/").content.decode()
    region = re.search(r"<span([^>]*data-notif-live[^>]*)>", html).group(1)
    assert 'aria-live="polite"' in region
    assert 'data-count="0"' in region  # the script announces a count other than this one


def test_the_center_is_live_and_its_unread_highlight_is_no_focus_ring(logged_in, user):
    unread = services.notify(user, "Announcement", "Unread one", "")
    read = services.notify(user, "Announcement", "Read one", "")
    services.mark_read(user, read.pk)
    html = logged_in.get(reverse("notifications:center")).content.decode()
    assert "js/notification-center.js" in html
    assert "<template data-center-item-template>" in html
    assert "data-first-page" in html
    item = r'<li class="list-group-item([^"]*)"\s+data-center-item data-notification-id="(\d+)"'
    classes = {int(pk): css for css, pk in re.findall(item, html)}
    assert classes == {unread.pk: " notif-unread", read.pk: ""}
    # Not Bootstrap's border utilities, which ring all four sides in blue like keyboard focus.
    assert "border-3" not in html
    assert "border-primary" not in html
    css = (Path(settings.BASE_DIR) / "static/css/eventdesk.css").read_text()
    rule = re.search(r"\.notif-unread \{([^}]*)\}", css).group(1)
    assert "border-left" in rule
    assert "outline" not in rule
    assert "box-shadow" not in rule


def test_a_later_page_of_the_center_does_not_take_pushed_ones(logged_in, user):
    for number in range(PAGE_SIZE + 1):
        services.notify(user, "Announcement", f"Number {number}", "")
    html = logged_in.get(reverse("notifications:center") + "?page=2").content.decode()
    assert "data-first-page" not in html


# --- where the mark-read forms go back to: a local path, or the center ------------------

UNSAFE_NEXT = [
    "foo",  # a URL name once (resolved: 500)
    "logout",  # a URL name once (resolved: the user was logged out)
    "notifications:center",
    "events/",  # relative: not a path of this site's root
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "http://testserver.evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "javascript:alert(1)",
    " /events/",
    "/events/\x00",
    "/events/\r\nSet-Cookie: x=1",
    "\x00/events/",
    "/events/\t",
    "/" + "a" * 5000,
    "",
]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
@pytest.mark.parametrize("form", ["one", "all"])
def test_mark_read_goes_back_only_to_a_local_path(logged_in, user, target, form):
    notification = services.notify(user, "Announcement", "Hi", "")
    url = reverse("notifications:mark_read", args=[notification.pk]) if form == "one" else None
    response = logged_in.post(url or reverse("notifications:mark_all_read"), {"next": target})
    notification.refresh_from_db()
    if "\x00" in target and response.status_code == 400:  # a NUL in any input: refused, nothing changed
        assert not notification.has_read
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("notifications:center")
        assert notification.has_read
    assert logged_in.get(reverse("notifications:center")).status_code == 200  # still logged in


@pytest.mark.parametrize("target", ["/events/", "/notifications/?page=2", "/e/conf/sessions/1/#top", "/"])
def test_mark_read_goes_back_to_the_page_it_was_on(logged_in, user, target):
    notification = services.notify(user, "Announcement", "Hi", "")
    response = logged_in.post(reverse("notifications:mark_read", args=[notification.pk]), {"next": target})
    assert response["Location"] == target


def test_mark_read_with_several_or_no_next(logged_in, user):
    notification = services.notify(user, "Announcement", "Hi", "")
    url = reverse("notifications:mark_read", args=[notification.pk])
    assert logged_in.post(url)["Location"] == reverse("notifications:center")
    response = logged_in.post(url, {"next": ["/events/", "logout"]})
    assert response["Location"] in ("/events/", reverse("notifications:center"))
