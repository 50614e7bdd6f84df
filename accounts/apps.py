from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import signals

        signals.connect()

        from rest_framework.authtoken.models import Token

        # DRF names a token by its key, so every place that prints a model instance would
        # show the secret: the admin's titles, delete pages (a user's token goes with them)
        # and its log of changes, tracebacks and error reports. Name it by its owner.
        Token.__str__ = _token_name


def _token_name(token):
    return f"API token of {token.user}" if token.user_id else "API token"
