from django.apps import AppConfig


class ActivityConfig(AppConfig):
    """The activity log: who changed what, written by the services of the apps above
    (``activity.services.log_action``, the one choke point). Low in the layers: it knows
    events only by a string foreign key."""

    name = "activity"
    verbose_name = "Activity log"

    def ready(self):
        # Accounts sit below the log: they say what changed (``account_changed``, inside
        # the change's transaction) and the log writes the entry, of no event.
        from accounts.services import account_changed
        from activity.services import log_account_change

        account_changed.connect(log_account_change, dispatch_uid="activity.log_account_change")
