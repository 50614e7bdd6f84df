from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from django.apps import apps

        from events import signals

        signals.connect(apps.get_models())

        from events.models import RESOURCE_MODELS, Event
        from permissions.pages import set_event_pages
        from permissions.resources import register_resource

        # The event's resources are rows of the permission matrix, in its order: the
        # dashboard's five, then the event itself (apps above add theirs after).
        for name in (*RESOURCE_MODELS, Event.resource_name):
            register_resource(name)

        # The pages of an event permissions links to (an answered invitation, an accepted one).
        set_event_pages(dashboard="events:dashboard", roles="events:roles")

        from accounts.services import email_confirmed
        from events.speakers import deliver_invitations

        # A newly confirmed address: its pending invitations to speak reach the account's bell.
        email_confirmed.connect(deliver_invitations, dispatch_uid="events.deliver_invitations")
