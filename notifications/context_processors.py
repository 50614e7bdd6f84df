"""The navbar bell: unread count and newest unread, on every page of a logged-in user."""

from functools import cached_property

from notifications import services


class NavbarNotifications:
    """Queried only when a template reads it (pages without the navbar pay nothing), and
    then once: the badge's count and the dropdown's list come from one query."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _summary(self):
        return services.unread_summary(self.user)

    @property
    def count(self):
        return self._summary[0]

    @property
    def latest(self):
        return self._summary[1]


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"navbar_notifications": NavbarNotifications(user)}
