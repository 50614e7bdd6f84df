from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from django.apps import apps

        from events import signals

        signals.connect(apps.get_models())
