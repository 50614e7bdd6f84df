from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``manage.py seed_demo``, run by ``make run``): the top layer, since it
    uses every app."""

    name = "demo"
    verbose_name = "Demo data"
