from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app uses (API conditional requests, errors, pagination, schema;
    form and view helpers; shared model validators). Imports no domain app."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import tasks  # noqa: F401 (connects tasks.forget_the_message)
