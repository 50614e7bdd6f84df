from django.apps import AppConfig


class ActivityConfig(AppConfig):
    """The activity log: who changed what, written by the services of the apps above
    (``activity.services.log_action``, the one choke point). Low in the layers: it knows
    events only by a string foreign key."""

    name = "activity"
    verbose_name = "Activity log"
