from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from notifications.services import close_sockets_of_session

        def on_logout(sender, request, user, **kwargs):
            if user is not None:
                close_sockets_of_session(user, request.session.session_key)

        user_logged_out.connect(on_logout, dispatch_uid="notifications.close_sockets_on_logout", weak=False)
