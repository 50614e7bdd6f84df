from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from accounts.sessions import session_id, sessions_ended
        from notifications.services import close_sockets_of_session, close_sockets_of_user

        def on_logout(sender, request, user, **kwargs):
            if user is not None:
                close_sockets_of_session(user, session_id(request.session))

        def on_sessions_ended(sender, user_id, keep, **kwargs):
            close_sockets_of_user(user_id, keep=keep)

        user_logged_out.connect(on_logout, dispatch_uid="notifications.close_sockets_on_logout", weak=False)
        sessions_ended.connect(on_sessions_ended, dispatch_uid="notifications.close_sockets_of_ended", weak=False)
