"""Event pages, one module per area: pages (lists), public (an event's public pages), and the others
(dashboard, wizard, image upload) beside it."""

from events.views.pages import home

__all__ = ["home"]
