"""The navbar bell: unread count and newest unread, on every page of a logged-in user."""

from functools import cached_property

from notifications import services


class NavbarNotifications:
    """Queried only when a template reads it (pages without the navbar pay nothing)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self):
        return services.unread_count(self.user)

    @cached_property
    def latest(self):
        return services.latest_unread(self.user) if self.count else []


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"navbar_notifications": NavbarNotifications(user)}
